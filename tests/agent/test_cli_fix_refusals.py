"""``orchestrate fix`` refuses, in real git repositories with the real ruff: commands and paths outside
the allowlist, workflow files, links, tools not installed or not configured, real assertion failures, fixes
under the threshold. Nothing is written when it refuses."""

from __future__ import annotations

import json
from pathlib import Path

from agent.cli import ExitStatus
from agent.fix import tree

from .fix_repos import NO_TOOLS_ENV, RUFF_PYPROJECT, UNFORMATTED, make_repo, run_fix, tool_output


def test_a_failing_command_outside_the_allowlist_is_refused_before_anything_is_written(
    lint_repo, capsys
) -> None:
    root, log = lint_repo
    before = tree.digest(root)

    status, out = run_fix(capsys, root, "--log", str(log), "--apply", "--command", "make lint")

    assert status is ExitStatus.FIX_REFUSED
    assert "refused: make lint: 'make lint' is not an allowed command" in out
    assert tree.digest(root) == before


def test_a_change_outside_the_allowed_paths_is_refused_and_nothing_written(lint_repo, capsys) -> None:
    root, log = lint_repo
    (root / ".orchestrate.yml").write_text("fix:\n  paths: ['src/**']\n")
    before = tree.digest(root)

    status, out = run_fix(capsys, root, "--log", str(log), "--apply")

    assert status is ExitStatus.FIX_REFUSED
    assert "refused: app.py: app.py is outside fix.paths (src/**)" in out
    assert tree.digest(root) == before


def test_a_ci_workflow_file_is_not_changed_without_permission(tmp_path: Path, capsys) -> None:
    root = make_repo(tmp_path, {"pyproject.toml": RUFF_PYPROJECT, ".circleci/notify.py": UNFORMATTED})
    log = tmp_path / "lint.log"
    log.write_text(tool_output(root, "ruff", "format", "--no-cache", "--check", "."))

    status, out = run_fix(capsys, root, "--log", str(log), "--apply")

    assert status is ExitStatus.FIX_REFUSED
    assert ".circleci/notify.py is a CI workflow file" in out


def test_a_tool_that_is_not_installed_is_reported_not_crashed_on(lint_repo, capsys) -> None:
    root, log = lint_repo

    status, out = run_fix(capsys, root, "--log", str(log), "--apply", env=NO_TOOLS_ENV)

    assert status is ExitStatus.FIX_REFUSED
    assert "refused: ruff-format: ruff is not installed" in out


def test_a_real_assertion_failure_is_refused(tmp_path: Path, capsys) -> None:
    root = make_repo(tmp_path / "repo", {"app.py": "x = 1\n"})
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuite name="s"><testcase classname="tests.test_app" name="test_sum">'
        '<failure message="AssertionError: assert 2 == 3" type="AssertionError"/></testcase></testsuite>'
    )

    status, out = run_fix(capsys, root, "--junit", str(report), "--json")

    refused = json.loads(out)["refused"]
    assert status is ExitStatus.FIX_REFUSED
    assert refused[0]["subject"] == "tests.test_app.test_sum"
    assert "real assertion failure" in refused[0]["reason"]


def test_a_tool_the_repository_does_not_configure_is_not_run(tmp_path: Path, capsys) -> None:
    root = make_repo(tmp_path / "repo", {"app.py": UNFORMATTED})
    log = tmp_path / "lint.log"
    log.write_text(tool_output(root, "ruff", "format", "--no-cache", "--check", "."))

    status, out = run_fix(capsys, root, "--log", str(log), "--apply")

    assert status is ExitStatus.FIX_REFUSED
    assert "the evidence is ruff's output, but the repository does not configure ruff" in out


def test_a_symbolic_link_is_never_written_through(tmp_path: Path, capsys) -> None:
    elsewhere = tmp_path / "elsewhere.py"
    elsewhere.write_text(UNFORMATTED)
    root = make_repo(tmp_path / "repo", {"pyproject.toml": RUFF_PYPROJECT})
    (root / "linked.py").symlink_to(elsewhere)
    log = tmp_path / "lint.log"
    log.write_text("Would reformat: linked.py\n1 file would be reformatted\n")

    status, out = run_fix(capsys, root, "--log", str(log), "--apply")

    assert status is ExitStatus.FIX_REFUSED
    assert "linked.py is a symbolic link" in out
    assert elsewhere.read_text() == UNFORMATTED


def test_a_lint_failure_naming_no_tool_is_fixed_only_below_a_lowered_threshold(
    tmp_path: Path, capsys
) -> None:
    root = make_repo(tmp_path / "repo", {"pyproject.toml": RUFF_PYPROJECT, "app.py": UNFORMATTED})
    log = tmp_path / "lint.log"
    log.write_text("Run make lint\napp.py:1:1: E999 style problem\nFound 1 error.\n")

    default, out = run_fix(capsys, root, "--log", str(log), "--apply")
    lowered, _ = run_fix(capsys, root, "--log", str(log), "--apply", "--confidence-threshold", "0.6")

    assert default is ExitStatus.FIX_REFUSED
    assert "confidence 0.60 is under the threshold 0.80" in out
    assert lowered is ExitStatus.OK
    assert (root / "app.py").read_text() == "import os\n\nx = 1\nprint(os.sep, x)\n"
