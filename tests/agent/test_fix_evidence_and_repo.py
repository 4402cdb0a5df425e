"""Evidence becomes findings (the hub's context, a log, JUnit files), and the repository says which
formatters and linters it uses."""

from __future__ import annotations

from pathlib import Path

from agent.fix.evidence import from_context, from_junit, from_log
from agent.fix.repo import detect

from .fix_repos import make_repo


def failure(**overrides):
    base = {
        "test": {"name": "test_total", "classname": "tests.test_x", "suite": "", "file": "tests/test_x.py"},
        "status": "failed",
        "category": "assertion",
        "classification": None,
        "attempts": [{"attempt": 1, "message": "assert 2 == 3", "trace": "E  assert 2 == 3", "output": ""}],
        "flaky": None,
        "reproduce": "pytest tests/test_x.py::test_total",
    }
    return {**base, **overrides}


def test_a_failing_test_in_the_context_keeps_its_category_and_reproduce_command() -> None:
    (finding,) = from_context({"failures": [failure()], "jobs": []})

    assert (finding.category, finding.subject, finding.flaky) == ("assertion", "test_total", False)
    assert finding.command == "pytest tests/test_x.py::test_total"
    assert "assert 2 == 3" in finding.text


def test_a_test_the_hub_knows_as_flaky_is_a_flaky_finding() -> None:
    verdict = {"state": "flaky", "since": "2026-01-01T00:00:00Z", "score": 0.3, "evidence": []}

    by_verdict, by_classification = from_context(
        {"failures": [failure(flaky=verdict), failure(classification="flaky")]}
    )

    assert by_verdict.flaky
    assert by_classification.flaky


def test_a_failed_jobs_numbered_log_excerpt_is_read_without_its_numbers() -> None:
    job = {
        "name": "lint",
        "category": "lint",
        "log_excerpt": "41: Would reformat: a.py\n42: 1 file would be reformatted",
    }

    (finding,) = from_context({"failures": [], "jobs": [job]})

    assert finding.text == "Would reformat: a.py\n1 file would be reformatted"
    assert finding.subject == "job lint"


def test_a_failed_jobs_excerpt_is_read_without_githubs_timestamps_as_a_log_is() -> None:
    job = {
        "name": "lint",
        "category": "lint",
        "log_excerpt": "3: 2026-12-07T10:00:02.0000000Z unformatted: File would be reformatted\n"
        "4: 2026-12-07T10:00:03.0000000Z  --> app.py:2:1",
    }

    (finding,) = from_context({"failures": [], "jobs": [job]})

    assert finding.text == "unformatted: File would be reformatted\n --> app.py:2:1"


def test_a_failure_the_hub_has_not_analysed_is_categorised_here() -> None:
    attempt = {"message": "ModuleNotFoundError: No module named 'yaml'", "trace": "", "output": ""}

    (finding,) = from_context({"failures": [failure(category=None, attempts=[attempt])]})

    assert finding.category == "import"


def test_a_log_is_read_through_the_diagnosis() -> None:
    log = "Run ruff format --check .\nWould reformat: a.py\n1 file would be reformatted\nError: exit code 1\n"

    finding = from_log(log, "log ci.log")

    assert finding.category == "lint"
    assert "Would reformat: a.py" in finding.text


def test_secrets_in_the_evidence_are_redacted() -> None:
    finding = from_log("token=ghp_" + "a" * 36 + "\nSyntaxError: invalid syntax\n", "log")

    assert "ghp_aaaa" not in finding.text


def test_junit_failures_become_findings_and_passing_cases_do_not(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuite name="s" tests="2"><testcase classname="tests.t" name="test_ok"/>'
        '<testcase classname="tests.t" name="test_bad"><failure message="AssertionError: 1 != 2" '
        'type="AssertionError">trace</failure></testcase></testsuite>'
    )

    findings, problems = from_junit([str(report), str(tmp_path / "missing.xml")])

    assert [(f.subject, f.category) for f in findings] == [("tests.t.test_bad", "assertion")]
    assert len(problems) == 1
    assert "missing.xml" in problems[0]


def test_tools_are_detected_from_the_repositorys_configuration(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path,
        {
            "pyproject.toml": "[tool.black]\nline-length = 100\n[tool.isort]\nprofile = 'black'\n",
            "web/.keep": "",
            ".prettierrc.json": "{}\n",
            "eslint.config.js": "export default [];\n",
            "go.mod": "module example.com/x\n",
        },
    )

    assert detect(root).tools == {"black", "isort", "prettier", "eslint", "gofmt"}


def test_ruff_and_prettier_are_detected_from_their_own_files_and_package_json(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"ruff.toml": "", "package.json": '{"devDependencies": {"prettier": "3"}}'})

    assert detect(root).tools == {"ruff", "prettier"}


def test_a_repository_configuring_nothing_uses_no_tool(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n", "main.py": ""})

    assert detect(root).tools == frozenset()


def test_the_tools_pre_commit_runs_count_as_configured(tmp_path: Path) -> None:
    hooks = (
        "repos:\n- repo: https://github.com/astral-sh/ruff-pre-commit\n  rev: v0.6.0\n"
        "  hooks: [{id: ruff}, {id: ruff-format}]\n- repo: https://github.com/pycqa/isort\n"
        "  rev: 5.13.2\n  hooks:\n  - id: isort\n"
    )
    root = make_repo(tmp_path, {".pre-commit-config.yaml": hooks})

    assert detect(root).tools == {"ruff", "isort"}


def test_a_reproduce_command_no_shell_could_split_is_not_kept() -> None:
    (finding,) = from_context({"failures": [failure(reproduce="pytest 'tests/unclosed")]})

    assert finding.command is None
