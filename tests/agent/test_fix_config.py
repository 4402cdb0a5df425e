"""The ``fix:`` section of ``.orchestrate.yml``: what the fixer may run and write."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.commands.base import UsageError
from agent.fix.config import FixConfig, load


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".orchestrate.yml"
    path.write_text(text, "utf-8")
    return path


def test_without_a_file_the_fixer_may_run_its_own_tools_and_write_anything_but_workflows() -> None:
    config = load(None)

    assert config.command_allowed(["ruff", "format", "."])
    assert not config.command_allowed(["pytest"])
    assert config.path_allowed("deep/down/x.py")
    assert not config.allow_workflow_files


def test_the_section_sets_paths_commands_checks_and_workflow_permission(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ci:\n  provider: github\nfix:\n  paths: ['src/**', 'pyproject.toml']\n"
        "  commands: ['ruff', 'pytest -q']\n"
        "  allow_workflow_files: true\n  checks: ['pytest -q tests/unit']\n",
    )

    config = load(path)

    assert config == FixConfig(
        paths=("src/**", "pyproject.toml"),
        commands=(("ruff",), ("pytest", "-q")),
        allow_workflow_files=True,
        checks=("pytest -q tests/unit",),
        source=str(path),
    )


def test_a_command_prefix_allows_longer_commands_word_by_word() -> None:
    config = FixConfig(commands=(("pytest", "-q"),))

    assert config.command_allowed(["/usr/bin/pytest", "-q", "tests"])
    assert not config.command_allowed(["pytest", "-x"])
    assert not config.command_allowed(["pytest-q"])


def test_globs_cross_directories_only_with_two_stars() -> None:
    config = FixConfig(paths=("src/**", "*.toml", "docs/"))

    assert config.path_allowed("src/a/b/c.py")
    assert config.path_allowed("pyproject.toml")
    assert not config.path_allowed("sub/pyproject.toml")
    assert config.path_allowed("docs/x/y.md")
    assert not config.path_allowed("srcx/a.py")


def test_an_unknown_key_is_an_error_naming_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"unknown key\(s\) path; expected allow_workflow_files, checks"):
        load(write(tmp_path, "fix:\n  path: ['src/**']\n"))


def test_a_non_boolean_workflow_permission_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="allow_workflow_files: must be true or false"):
        load(write(tmp_path, "fix:\n  allow_workflow_files: 'yes please'\n"))
