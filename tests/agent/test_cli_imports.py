"""Promises about the CLI as a program: a fast ``--help`` (nothing heavy imported) and help everywhere."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agent.cli import ExitStatus, main
from agent.commands import GROUPS

HEAVY = ("requests", "yaml", "defusedxml", "urllib3", "xml.etree.ElementTree", "agent.parsers")


def test_importing_the_cli_imports_no_heavy_module() -> None:
    code = (
        f"import json, sys; import agent.cli; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


def test_building_the_parser_for_help_imports_no_heavy_module() -> None:
    code = (
        "import json, sys; from agent.cli import build_parser; build_parser().format_help(); "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


@pytest.mark.parametrize("command", [[], *([group] for group in GROUPS)])
def test_every_command_has_help(command: list[str], capsys) -> None:
    assert main([*command, "--help"], {}) is ExitStatus.OK
    assert "usage: orchestrate" in capsys.readouterr().out


def test_no_command_prints_usage_and_exits_usage(capsys) -> None:
    assert main([], {}) is ExitStatus.USAGE
    assert "usage: orchestrate" in capsys.readouterr().err


def test_an_unknown_flag_is_a_usage_error(capsys) -> None:
    assert main(["parse", "--nope", "x"], {}) is ExitStatus.USAGE
    assert "unrecognized arguments: --nope" in capsys.readouterr().err


def test_the_exit_statuses_are_stable() -> None:
    assert {s.name: int(s) for s in ExitStatus} == {
        "OK": 0,
        "TESTS_FAILED": 1,
        "USAGE": 2,
        "NO_REPORTS": 3,
        "HUB_REJECTED": 4,
        "UPLOAD_FAILED": 5,
        "FIX_REFUSED": 6,
        "FIX_VALIDATION_FAILED": 7,
        "FIX_ERROR": 8,
        "STATUS_NOT_SET": 9,
        "INTERRUPTED": 130,
    }
