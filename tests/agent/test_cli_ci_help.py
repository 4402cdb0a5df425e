"""``orchestrate ci`` documents itself: every command has help, a description and examples, and the
flags every command shares."""

from __future__ import annotations

import argparse

import pytest

from agent.cli import ExitStatus, build_parser, main
from agent.commands.ci import COMMANDS, HUB_COMMANDS

SHARED_FLAGS = ("--provider", "--repo", "--api-url", "--json")
HUB_FLAGS = ("--hub", "--token", "--json")
RUN_COMMANDS = ("status", "wait", "logs", "retry", "cancel", "artifacts", "context")


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def ci_commands() -> dict[str, argparse.ArgumentParser]:
    return subcommands(subcommands(build_parser())["ci"])


def test_the_ci_group_lists_every_command_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ci", "--help"], {}) is ExitStatus.OK

    out = capsys.readouterr().out
    for name in COMMANDS:
        assert f"    {name}" in out
    assert "examples:" in out
    assert "exit statuses: 0 success, 1 failure" in out
    assert "2 cancelled" in out
    assert "4 authentication needed" in out


def test_the_group_has_exactly_the_commands_of_the_issue() -> None:
    assert set(ci_commands()) == {
        *("list", "trigger", "status", "wait", "logs", "retry", "cancel", "artifacts", "fix"),
        "context",  # issue 13: the failure context, from the hub
    }


def test_ci_alone_prints_the_group_help_and_exits_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ci"], {}) is ExitStatus.USAGE

    assert "usage: orchestrate ci" in capsys.readouterr().err


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_a_description_and_an_example(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ci", name, "--help"], {}) is ExitStatus.OK

    out = capsys.readouterr().out
    assert f"usage: orchestrate ci {name}" in out
    assert COMMANDS[name][1].split()[0] in out  # the description
    examples = out.split("examples:\n", 1)[1]
    assert f"orchestrate ci {name}" in examples


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - HUB_COMMANDS))
def test_every_command_takes_the_shared_flags(name: str) -> None:
    options = {option for action in ci_commands()[name]._actions for option in action.option_strings}

    assert set(SHARED_FLAGS) <= options


@pytest.mark.parametrize("name", sorted(HUB_COMMANDS))
def test_commands_that_ask_the_hub_take_its_connection_flags_and_no_providers(name: str) -> None:
    options = {option for action in ci_commands()[name]._actions for option in action.option_strings}

    assert set(HUB_FLAGS) <= options
    assert "--provider" not in options


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_flag_of_every_command_has_help(name: str) -> None:
    undocumented = [
        action.dest for action in ci_commands()[name]._actions if not action.help and action.dest != "help"
    ]

    assert undocumented == []


@pytest.mark.parametrize("name", RUN_COMMANDS)
def test_run_commands_take_the_run_positionally_or_as_an_option(name: str) -> None:
    parser = ci_commands()[name]

    assert parser.parse_args(["123"]).run == "123"
    assert parser.parse_args(["--run", "123"]).run_option == "123"


def test_trigger_refuses_both_branch_and_ref(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["ci", "trigger", "--workflow", "ci.yml", "--branch", "a", "--ref", "b"], {})

    assert status is ExitStatus.USAGE
    assert "not allowed with argument" in capsys.readouterr().err


def test_retry_refuses_both_job_and_failed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ci", "retry", "1", "--job", "build", "--failed"], {}) is ExitStatus.USAGE
