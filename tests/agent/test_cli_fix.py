"""``orchestrate fix`` end to end in real git repositories with the real ruff: dry runs and writes,
validation, rollback to the exact starting tree, and exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

from agent.cli import ExitStatus, main
from agent.fix import tree

from .fix_repos import ENV, RUFF_PYPROJECT, UNFORMATTED, git, make_repo, run_fix, tool_output


def test_outside_ci_it_prints_the_diff_and_why_and_writes_nothing(lint_repo, capsys) -> None:
    root, log = lint_repo
    before = tree.digest(root)

    status, out = run_fix(capsys, root, "--log", str(log))

    assert status is ExitStatus.OK
    assert "fix: ruff-format (confidence 0.95): reformat with ruff format" in out
    assert "-x=1\n-print( os.sep,x )\n+\n+x = 1\n+print(os.sep, x)\n" in out
    assert tree.digest(root) == before


def test_apply_writes_the_fix_and_validates_it_with_the_formatters_check(lint_repo, capsys) -> None:
    root, log = lint_repo

    status, out = run_fix(capsys, root, "--log", str(log), "--apply", "--json")

    report = json.loads(out)
    assert status is ExitStatus.OK
    assert report["status"] == "fixed"
    assert report["changed_files"] == ["app.py"]
    assert [(v["command"], v["passed"]) for v in report["validation"]] == [
        ("ruff format --check app.py", True)
    ]
    assert (root / "app.py").read_text() == "import os\n\nx = 1\nprint(os.sep, x)\n"


def test_in_ci_writing_is_the_default(lint_repo, capsys) -> None:
    root, log = lint_repo

    status, out = run_fix(capsys, root, "--log", str(log), "--json", env={**ENV, "GITLAB_CI": "true"})

    assert (status, json.loads(out)["mode"]) == (ExitStatus.OK, "apply")


def test_dry_run_wins_over_ci(lint_repo, capsys) -> None:
    root, log = lint_repo

    _status, out = run_fix(
        capsys,
        root,
        "--log",
        str(log),
        "--dry-run",
        "--json",
        env={**ENV, "CI": "true", "GITHUB_ACTIONS": "true"},
    )

    assert json.loads(out)["status"] == "planned"


def test_without_push_nothing_is_committed(lint_repo, capsys) -> None:
    root, log = lint_repo
    head = git(root, "rev-parse", "HEAD")

    run_fix(capsys, root, "--log", str(log), "--apply")

    assert git(root, "rev-parse", "HEAD") == head
    assert git(root, "status", "--porcelain") == " M app.py\n"


def test_failed_validation_restores_the_exact_starting_tree(lint_repo, capsys) -> None:
    root, log = lint_repo
    (root / ".orchestrate.yml").write_text("fix:\n  commands: [ruff, python]\n")
    (root / "notes.txt").write_text("an untracked file of the developer's\n")
    before = tree.digest(root)
    failing = "python -c \"open('stray.txt', 'w').write('x'); raise SystemExit(1)\""

    status, out = run_fix(capsys, root, "--log", str(log), "--apply", "--json", "--command", failing)

    report = json.loads(out)
    assert status is ExitStatus.FIX_VALIDATION_FAILED
    assert (report["status"], report["rolled_back"]) == ("validation_failed", True)
    assert tree.digest(root) == before == report["tree_digest"]
    assert sorted(p.name for p in root.iterdir()) == [
        ".git",
        ".orchestrate.yml",
        "app.py",
        "notes.txt",
        "pyproject.toml",
    ]


def test_no_evidence_is_a_usage_error_saying_what_to_give(tmp_path: Path, capsys) -> None:
    status = main(["fix", "--repo", str(tmp_path)], ENV)

    assert status is ExitStatus.USAGE
    assert "give --run ID" in capsys.readouterr().err


def test_push_needs_apply(lint_repo, capsys) -> None:
    root, log = lint_repo

    status = main(["fix", "--repo", str(root), "--log", str(log), "--push", "--dry-run"], ENV)

    assert status is ExitStatus.USAGE
    assert "--push publishes a written fix: add --apply" in capsys.readouterr().err


def test_validation_runs_the_failing_command_then_the_checks_then_the_fixers_own(lint_repo, capsys) -> None:
    root, log = lint_repo
    (root / ".orchestrate.yml").write_text("fix:\n  commands: [ruff, python]\n  checks: ['python -c pass']\n")

    _, out = run_fix(
        capsys, root, "--log", str(log), "--apply", "--json", "--command", "python -c 'print(1)'"
    )

    assert [v["command"] for v in json.loads(out)["validation"]] == [
        "python -c 'print(1)'",
        "python -c pass",
        "ruff format --check app.py",
    ]


def test_the_pull_request_explains_each_change_and_links_the_failed_run(lint_repo, capsys) -> None:
    from agent.fix import evidence
    from agent.fix.config import FixConfig
    from agent.fix.workflow import Options
    from agent.fix.workflow import fix as run_workflow

    root, log = lint_repo
    findings = [evidence.from_log(log.read_text(), "job lint")]
    report = run_workflow(root, findings, Options(apply=True, threshold=0.8, config=FixConfig()), ENV)

    title, body = report.pull_request("https://github.com/acme/shop/actions/runs/9")

    assert title == "orchestrate fix: ruff-format"
    assert "Failed run: https://github.com/acme/shop/actions/runs/9" in body
    assert "- **ruff-format**, confidence 0.95: reformat with ruff format" in body
    assert "(for job lint, a lint failure)" in body
    assert "- `app.py`" in body
    assert "- `ruff format --check app.py`: passed" in body


def test_run_from_a_sub_directory_it_fixes_the_whole_checkout(lint_repo, capsys) -> None:
    root, log = lint_repo
    (root / "docs").mkdir()

    status, _ = run_fix(capsys, root / "docs", "--log", str(log), "--apply")

    assert status is ExitStatus.OK
    assert (root / "app.py").read_text().startswith("import os\n\nx = 1\n")


def test_rollback_removes_the_directories_new_files_needed_and_only_those(lint_repo, capsys) -> None:
    root, log = lint_repo
    (root / ".orchestrate.yml").write_text("fix:\n  commands: [ruff, python]\n")
    (root / "empty").mkdir()
    failing = "python -c \"import os; os.makedirs('out/deep'); open('out/deep/x', 'w'); raise SystemExit(3)\""

    status, _ = run_fix(capsys, root, "--log", str(log), "--apply", "--command", failing)

    assert status is ExitStatus.FIX_VALIDATION_FAILED
    assert not (root / "out").exists()
    assert (root / "empty").is_dir()


def test_a_formatter_runs_only_on_the_files_the_ci_named(tmp_path: Path, capsys) -> None:
    root = make_repo(tmp_path / "repo", {"pyproject.toml": RUFF_PYPROJECT, "app.py": UNFORMATTED})
    log = tmp_path / "lint.log"
    log.write_text(tool_output(root, "ruff", "format", "--no-cache", "--check", "app.py"))
    (root / "scratch_notes.py").write_text("y=2\n")  # unformatted too, but not what the CI checked

    status, out = run_fix(capsys, root, "--log", str(log), "--apply", "--json")

    assert status is ExitStatus.OK
    assert json.loads(out)["changed_files"] == ["app.py"]
    assert (root / "scratch_notes.py").read_text() == "y=2\n"


def test_a_fixer_that_times_out_is_an_error_and_nothing_is_written(lint_repo, capsys) -> None:
    root, log = lint_repo
    before = tree.digest(root)

    status, out = run_fix(capsys, root, "--log", str(log), "--apply", "--command-timeout", "0.001")

    assert status is ExitStatus.FIX_ERROR
    assert "a fixer could not run: ruff format app.py: timed out" in out
    assert tree.digest(root) == before


def test_the_log_can_come_from_standard_input(lint_repo, capsys, monkeypatch) -> None:
    import io

    root, log = lint_repo
    monkeypatch.setattr("sys.stdin", io.StringIO(log.read_text()))

    status, out = run_fix(capsys, root, "--log", "-")

    assert status is ExitStatus.OK
    assert "log (standard input): lint" in out
