"""``orchestrate fix`` end to end, in real git repositories with the real ruff: dry runs, writes,
validation, rollback to the exact starting tree, the allowlist, refusals and exit statuses. Only the hub is
faked, at the HTTP boundary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses

from agent.cli import ExitStatus, main
from agent.fix import tree

from .fix_repos import ENV, NO_TOOLS_ENV, RUFF_PYPROJECT, git, make_repo, tool_output

UNFORMATTED = "import os\nx=1\nprint( os.sep,x )\n"


@pytest.fixture
def lint_repo(tmp_path: Path) -> tuple[Path, Path]:
    """A repository that configures ruff, with a file ruff format would change, and the CI log of
    ``ruff format --check`` failing on it."""
    root = make_repo(tmp_path / "repo", {"pyproject.toml": RUFF_PYPROJECT, "app.py": UNFORMATTED})
    log = tmp_path / "lint.log"
    output = tool_output(root, "ruff", "format", "--no-cache", "--check", ".")
    log.write_text("Run ruff format --check app.py\n" + output)
    return root, log


def run_fix(capsys, root: Path, *argv: str, env: dict[str, str] = ENV) -> tuple[ExitStatus, str]:
    status = main(["fix", "--repo", str(root), *argv], env)
    return status, capsys.readouterr().out


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


def test_no_evidence_is_a_usage_error_saying_what_to_give(tmp_path: Path, capsys) -> None:
    status = main(["fix", "--repo", str(tmp_path)], ENV)

    assert status is ExitStatus.USAGE
    assert "give --run ID" in capsys.readouterr().err


def test_push_needs_apply(lint_repo, capsys) -> None:
    root, log = lint_repo

    status = main(["fix", "--repo", str(root), "--log", str(log), "--push", "--dry-run"], ENV)

    assert status is ExitStatus.USAGE
    assert "--push publishes a written fix: add --apply" in capsys.readouterr().err


HUB = "https://hub.example"
HUB_ENV = {**ENV, "ORCHESTRATE_HUB_URL": HUB, "ORCHESTRATE_TOKEN": "orch_a_0123456789ab_secret"}


def context(failure: dict) -> dict:
    return {
        "run": {"id": 7, "url": "https://github.com/acme/shop/actions/runs/1"},
        "failures": [failure],
        "jobs": [],
    }


def hub_failure(message: str, **extra) -> dict:
    attempt = {"attempt": 1, "status": "error", "message": message, "trace": "", "output": ""}
    return {
        "test": {"name": "tests/test_total.py"},
        "category": None,
        "classification": None,
        "attempts": [attempt],
        "flaky": None,
        "reproduce": None,
        **extra,
    }


@responses.activate
def test_a_test_the_hub_knows_as_flaky_is_refused_to_be_re_run(lint_repo, capsys) -> None:
    root, _ = lint_repo
    verdict = {"state": "flaky", "since": "2026-01-01T00:00:00Z", "score": 0.4, "evidence": []}
    responses.get(
        f"{HUB}/api/v1/runs/7/context", json=context(hub_failure("would reformat app.py", flaky=verdict))
    )

    status, out = run_fix(capsys, root, "--run", "7", "--apply", env=HUB_ENV)

    assert status is ExitStatus.FIX_REFUSED
    assert "refused: tests/test_total.py: known flaky in the hub: re-run, don't fix" in out


@responses.activate
def test_a_moved_import_from_the_hubs_context_is_fixed_and_its_test_run_again(tmp_path: Path, capsys) -> None:
    root = make_repo(
        tmp_path,
        {
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["."]\n',
            ".orchestrate.yml": "fix:\n  commands: [pytest]\n",
            "shop/__init__.py": "",
            "shop/billing.py": "def total(items):\n    return sum(items)\n",
            "tests/test_total.py": "from shop.pricing import total\n\n\ndef test_total():\n"
            "    assert total([1, 2]) == 3\n",
        },
    )
    failure = hub_failure(
        "ModuleNotFoundError: No module named 'shop.pricing'",
        reproduce="pytest -q -p no:cacheprovider tests/test_total.py::test_total",
    )
    responses.get(f"{HUB}/api/v1/runs/7/context", json=context(failure))

    status, out = run_fix(capsys, root, "--run", "7", "--apply", "--json", env=HUB_ENV)

    report = json.loads(out)
    assert status is ExitStatus.OK, report
    assert report["planned"][0]["fixer"] == "moved-import"
    assert report["validation"][0]["command"].startswith("pytest -q")
    assert report["validation"][0]["passed"]
    assert (root / "tests/test_total.py").read_text().startswith("from shop.billing import total\n")


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


@responses.activate
def test_an_unreachable_hub_is_an_error_saying_what_to_check(lint_repo, capsys) -> None:
    import requests

    root, _ = lint_repo
    responses.get(f"{HUB}/api/v1/runs/7/context", body=requests.ConnectionError("refused"))

    status = main(["fix", "--repo", str(root), "--run", "7", "--retries", "0"], HUB_ENV, sleep=lambda _: None)

    assert status is ExitStatus.FIX_ERROR
    assert "hint: check ORCHESTRATE_HUB_URL" in capsys.readouterr().err


def test_a_formatter_runs_only_on_the_files_the_ci_named(tmp_path: Path, capsys) -> None:
    root = make_repo(tmp_path / "repo", {"pyproject.toml": RUFF_PYPROJECT, "app.py": UNFORMATTED})
    log = tmp_path / "lint.log"
    log.write_text(tool_output(root, "ruff", "format", "--no-cache", "--check", "app.py"))
    (root / "scratch_notes.py").write_text("y=2\n")  # unformatted too, but not what the CI checked

    status, out = run_fix(capsys, root, "--log", str(log), "--apply", "--json")

    assert status is ExitStatus.OK
    assert json.loads(out)["changed_files"] == ["app.py"]
    assert (root / "scratch_notes.py").read_text() == "y=2\n"


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


def test_a_fixer_that_times_out_is_an_error_and_nothing_is_written(lint_repo, capsys) -> None:
    root, log = lint_repo
    before = tree.digest(root)

    status, out = run_fix(capsys, root, "--log", str(log), "--apply", "--command-timeout", "0.001")

    assert status is ExitStatus.FIX_ERROR
    assert "a fixer could not run: ruff format app.py: timed out" in out
    assert tree.digest(root) == before
