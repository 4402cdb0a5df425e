"""``orchestrate ci logs`` and ``orchestrate ci artifacts`` against GitHub Actions faked at the HTTP
boundary with its published example bodies: what is printed, what is written, and ``--json``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.cli import ExitStatus
from tests.agent.ci_github import API, FakeGitHub, ci, example, github


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    yield from github()


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from an empty directory, so no .orchestrate.yml of this repository is found."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- logs ------------------------------------------------------------------------------------------


def two_jobs(gh: FakeGitHub) -> None:
    gh.jobs(
        30433642,
        [gh.job_body(1, "lint"), gh.job_body(2, "test (3.12)", conclusion="failure")],
    )


def test_logs_prints_every_jobs_log_under_a_header(
    gh: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    two_jobs(gh)
    gh.job_log(1, "ruff: all checks passed\n")
    gh.job_log(2, "FAILED tests/test_app.py::test_login\n")

    assert ci("logs", "30433642") is ExitStatus.OK

    assert capsys.readouterr().out == (
        "==> lint (1): success <==\nruff: all checks passed\n\n"
        "==> test (3.12) (2): failure <==\nFAILED tests/test_app.py::test_login\n\n"
    )


def test_logs_failed_prints_only_the_failed_jobs(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    two_jobs(gh)
    gh.job_log(2, "FAILED tests/test_app.py::test_login\n")

    assert ci("logs", "30433642", "--failed") is ExitStatus.OK

    out = capsys.readouterr().out
    assert "test (3.12)" in out
    assert "lint" not in out


def test_logs_of_one_job_chosen_by_name(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    two_jobs(gh)
    gh.job_log(1, "ruff: all checks passed\n")

    assert ci("logs", "30433642", "--job", "lint") is ExitStatus.OK

    assert "ruff: all checks passed" in capsys.readouterr().out


def test_an_unknown_job_names_the_jobs_there_are(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    two_jobs(gh)

    assert ci("logs", "30433642", "--job", "docs") is ExitStatus.USAGE

    assert "no job 'docs' in run 30433642; its jobs: 'lint', 'test (3.12)'" in capsys.readouterr().err


def test_a_job_still_running_has_no_log_yet(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    gh.jobs(30433642, [gh.job_body(1, "lint", status="in_progress", conclusion=None)])

    assert ci("logs", "30433642") is ExitStatus.OK

    assert "(no log yet: the job is in_progress)" in capsys.readouterr().out


def test_logs_json_holds_each_job_and_its_log(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    two_jobs(gh)
    gh.job_log(2, "FAILED\n")

    assert ci("logs", "30433642", "--failed", "--json") is ExitStatus.OK

    document = json.loads(capsys.readouterr().out)
    assert document["run_id"] == "30433642"
    assert [(job["name"], job["log"]) for job in document["jobs"]] == [("test (3.12)", "FAILED\n")]


def test_logs_output_saves_the_runs_log_archive_extracted(
    gh: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gh.zip("actions/runs/30433642/logs", {"build/1_Set up job.txt": "setting up\n", "1_build.txt": "ok\n"})

    assert ci("logs", "30433642", "--output", str(tmp_path / "logs")) is ExitStatus.OK

    assert (tmp_path / "logs" / "build" / "1_Set up job.txt").read_text() == "setting up\n"
    assert str(tmp_path / "logs" / "1_build.txt") in capsys.readouterr().out.splitlines()


def test_output_saves_the_whole_run_so_it_refuses_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ci("logs", "30433642", "--failed", "--output", str(tmp_path)) is ExitStatus.USAGE

    assert "leave out --job and --failed" in capsys.readouterr().err


# --- artifacts -------------------------------------------------------------------------------------


def artifacts_listed(gh: FakeGitHub) -> None:
    gh.mock.get(
        f"{API}/actions/runs/30433642/artifacts",
        json=example("actions/list-workflow-run-artifacts"),
    )


def test_artifacts_lists_them_without_output(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    artifacts_listed(gh)

    assert ci("artifacts", "30433642") is ExitStatus.OK

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "SIZE", "ID", "EXPIRED"]
    assert lines[1].split() == ["Rails", "556", "11", "no"]


def test_artifacts_json_lists_our_fields_and_raw(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    artifacts_listed(gh)

    assert ci("artifacts", "30433642", "--json", "--name", "Rails") is ExitStatus.OK

    [artifact] = json.loads(capsys.readouterr().out)
    assert (artifact["id"], artifact["name"], artifact["size"], artifact["expired"]) == (
        "11",
        "Rails",
        556,
        False,
    )
    assert artifact["raw"]["archive_download_url"].endswith("/artifacts/11/zip")


def test_artifacts_with_output_downloads_the_named_one_into_its_directory(
    gh: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    artifacts_listed(gh)
    gh.zip("actions/artifacts/11/zip", {"report.xml": "<testsuite/>"})

    assert ci("artifacts", "30433642", "--output", str(tmp_path / "out"), "--name", "Rails") is ExitStatus.OK

    assert (tmp_path / "out" / "Rails" / "report.xml").read_text() == "<testsuite/>"
    assert capsys.readouterr().out.strip() == str(tmp_path / "out" / "Rails" / "report.xml")


def test_an_artifact_name_that_is_not_there_exits_1_naming_those_that_are(
    gh: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    artifacts_listed(gh)

    assert ci("artifacts", "30433642", "-D", str(tmp_path), "--name", "coverage") is ExitStatus.RUN_FAILED

    err = capsys.readouterr().err
    assert "no artifact named 'coverage'" in err
    assert "Rails" in err
