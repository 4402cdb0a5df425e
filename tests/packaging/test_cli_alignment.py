"""The action and the command line agree: every flag the action passes exists on ``orchestrate report``
with the same choices, and the installed ``orchestrate`` console script lists every command."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from agent.action import INPUTS, Input, Kind
from agent.cli import build_parser
from agent.commands import GROUPS

FLAG_INPUTS = [spec for spec in INPUTS if spec.kind in {Kind.GLOBS, Kind.TEXT, Kind.SWITCH}]
CHOICE_INPUTS = [spec for spec in INPUTS if spec.choices]


def input_name(spec: Input) -> str:
    return spec.name


def subcommand(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices[name]


def report_options() -> dict[str, argparse.Action]:
    return {option: action for action in subcommand("report")._actions for option in action.option_strings}


def orchestrate(*argv: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "orchestrate"
    return subprocess.run([str(script), *argv], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("spec", FLAG_INPUTS, ids=input_name)
def test_each_flag_the_action_passes_exists_on_orchestrate_report(spec: Input) -> None:
    assert spec.target in report_options()


@pytest.mark.parametrize("spec", CHOICE_INPUTS, ids=input_name)
def test_the_action_offers_the_same_choices_as_the_command(spec: Input) -> None:
    assert set(spec.choices) == set(report_options()[spec.target].choices)


def test_the_action_hands_the_token_to_the_variable_the_command_reads() -> None:
    token = next(spec for spec in INPUTS if spec.name == "token")

    assert token.target == "ORCHESTRATE_TOKEN"
    assert "ORCHESTRATE_TOKEN" in report_options()["--token"].help


def test_orchestrate_help_lists_every_command() -> None:
    result = orchestrate("--help")

    assert result.returncode == 0, result.stderr
    for command in GROUPS:
        assert f"    {command} " in result.stdout, command


@pytest.mark.parametrize("command", GROUPS)
def test_every_command_has_help(command: str) -> None:
    result = orchestrate(command, "--help")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: orchestrate {command}")
