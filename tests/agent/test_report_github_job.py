"""``orchestrate report`` on GitHub Actions names the job as GitHub does (its display name and numeric id,
looked up in the jobs of the current run attempt by this runner's name), and falls back to ``GITHUB_JOB``
with a one-line note whenever it cannot, without ever failing the step.

GitHub is faked at the HTTP boundary with its published example for "list jobs for a workflow run" (the
same body as the attempt's endpoint), read in place from the shared corpus. The example's one job is
completed and names no runner, so each test sets ``runner_name`` and ``status`` as a running job has them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from agent.cli import ExitStatus, main
from agent.commands import github_job
from agent.model import RunContext
from tests.agent.providers.conftest import GITHUB_API

EXAMPLE = GITHUB_API / "examples" / "actions__list-jobs-for-workflow-run.200.default.json"
RUN_ID = "29679449"  # the example job's run_id
JOB_ID = "399444496"
JOBS_URL = f"https://api.github.com/repos/octo-org/octo-repo/actions/runs/{RUN_ID}/attempts/1/jobs"
RUNNER = "GitHub Actions 5"
TOKEN = "ghs_job_token_for_tests"
PERMISSION_ADVICE = "permissions: actions: read"
REPORT = '<testsuite name="s"><testcase classname="pkg.T" name="ok"/></testsuite>'


def jobs_body(**changes: Any) -> dict[str, Any]:
    """The published example with its job running on ``RUNNER`` (plus ``changes``)."""
    if not EXAMPLE.is_file():
        pytest.skip(f"the shared corpus is not beside the repository (looked for {EXAMPLE.resolve()})")
    body = json.loads(EXAMPLE.read_text("utf-8"))
    body["jobs"][0].update({"status": "in_progress", "conclusion": None, "runner_name": RUNNER, **changes})
    return body


def github_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_API_URL": "https://api.github.com",
        "GITHUB_REPOSITORY": "octo-org/octo-repo",
        "GITHUB_RUN_ID": RUN_ID,
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_JOB": "compile",  # the YAML key; the example's job shows as "build"
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_REF_NAME": "main",
        "GITHUB_SHA": "f83a356604ae3c5d03e1b46ef4d1ca77d64a90b0",
        "RUNNER_NAME": RUNNER,
        "GITHUB_TOKEN": TOKEN,
        "ORCHESTRATE_SPOOL_DIR": str(tmp_path / "spool"),
        **extra,
    }


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "TEST-t.xml").write_text(REPORT)
    return tmp_path


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def run_report(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], *flags: str
) -> tuple[ExitStatus, dict[str, Any], str]:
    """Run ``orchestrate report --json`` (no hub: nothing is uploaded); the document's job and stderr."""
    sleeps = Sleeps()
    status = main(["report", "--junit", "TEST-*.xml", "--json", *flags], env, sleep=sleeps)
    captured = capsys.readouterr()
    assert sleeps == []  # the lookup never waits: no retry, no rate-limit pause
    return status, json.loads(captured.out)["job"], captured.err


def notes(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("note: ")]


def test_it_reports_the_display_name_id_and_url_of_the_job_running_on_this_runner(
    reports, api, capsys
) -> None:
    api.get(JOBS_URL, json=jobs_body())

    status, job, stderr = run_report(github_env(reports), capsys)

    assert status is ExitStatus.OK
    assert job == {
        "name": "build",
        "id": JOB_ID,
        "url": f"https://github.com/octo-org/octo-repo/runs/{JOB_ID}",
    }
    assert notes(stderr) == []
    (call,) = api.calls
    assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_it_reads_the_token_from_gh_token_too(reports, api, capsys) -> None:
    api.get(JOBS_URL, json=jobs_body())
    env = github_env(reports, GH_TOKEN=TOKEN)
    del env["GITHUB_TOKEN"]

    _, job, _ = run_report(env, capsys)

    assert job["name"] == "build"


def test_it_picks_the_in_progress_job_on_this_runner_among_the_attempts_jobs(api) -> None:
    body = jobs_body()
    template = body["jobs"][0]
    others = [
        {**copy.deepcopy(template), "id": 1, "name": "build (windows)", "runner_name": "GitHub Actions 7"},
        {**copy.deepcopy(template), "id": 2, "name": "lint", "status": "completed", "conclusion": "success"},
    ]
    body["jobs"] = [*others, template]
    api.get(JOBS_URL, json=body)

    found = github_job.resolve(context(), github_env(Path(".")))

    assert (found.context.job_name, found.context.job_id, found.note) == ("build", JOB_ID, None)


@pytest.mark.parametrize(
    ("flags", "extra"),
    [(("--job-name", "unit (3.12)"), {}), ((), {"ORCHESTRATE_JOB_NAME": "unit (3.12)"})],
    ids=["flag", "variable"],
)
def test_an_explicit_job_name_wins_without_asking_github(reports, api, capsys, flags, extra) -> None:
    status, job, stderr = run_report(github_env(reports, **extra), capsys, *flags)

    assert (status, job) == (ExitStatus.OK, {"name": "unit (3.12)"})
    assert len(api.calls) == 0
    assert notes(stderr) == []


def test_an_explicit_job_id_stays_above_the_looked_up_one(reports, api, capsys) -> None:
    api.get(JOBS_URL, json=jobs_body())

    _, job, _ = run_report(github_env(reports, ORCHESTRATE_JOB_ID="42"), capsys)

    assert (job["name"], job["id"]) == ("build", "42")


def test_without_a_token_it_reports_github_job_and_says_how_to_get_display_names(
    reports, api, capsys
) -> None:
    env = github_env(reports)
    del env["GITHUB_TOKEN"]

    status, job, stderr = run_report(env, capsys)

    assert (status, job) == (ExitStatus.OK, {"name": "compile"})
    assert len(api.calls) == 0
    (note,) = notes(stderr)
    assert "no GitHub token" in note
    assert PERMISSION_ADVICE in note


def test_a_token_without_actions_read_falls_back_to_github_job(reports, api, capsys) -> None:
    api.get(
        JOBS_URL,
        status=403,
        json={
            "message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest/actions/workflow-jobs",
        },
    )

    status, job, stderr = run_report(github_env(reports), capsys)

    assert (status, job) == (ExitStatus.OK, {"name": "compile"})
    (note,) = notes(stderr)
    assert "may not read the run's jobs (HTTP 403)" in note
    assert PERMISSION_ADVICE in note


def test_a_rate_limited_lookup_falls_back_without_waiting(reports, api, capsys) -> None:
    api.get(
        JOBS_URL,
        status=403,
        json={"message": "API rate limit exceeded"},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4102444800"},
    )

    status, job, stderr = run_report(github_env(reports), capsys)

    assert (status, job) == (ExitStatus.OK, {"name": "compile"})
    assert len(notes(stderr)) == 1


def test_an_unreachable_api_falls_back_after_one_try(reports, api, capsys) -> None:
    api.get(JOBS_URL, body=requests.ConnectionError("connection refused"))

    status, job, stderr = run_report(github_env(reports), capsys)

    assert (status, job) == (ExitStatus.OK, {"name": "compile"})
    assert len(api.calls) == 1
    (note,) = notes(stderr)
    assert "could not be read" in note


def test_an_unexpected_body_falls_back_to_github_job(reports, api, capsys) -> None:
    api.get(JOBS_URL, json={"total_count": 1})

    status, job, stderr = run_report(github_env(reports), capsys)

    assert (status, job) == (ExitStatus.OK, {"name": "compile"})
    assert len(notes(stderr)) == 1


def test_when_no_job_runs_on_this_runner_it_falls_back_to_github_job(reports, api, capsys) -> None:
    api.get(JOBS_URL, json=jobs_body(runner_name="some-other-runner"))

    status, job, stderr = run_report(github_env(reports), capsys)

    assert (status, job) == (ExitStatus.OK, {"name": "compile"})
    (note,) = notes(stderr)
    assert f"no job of attempt 1 in progress on runner {RUNNER!r}" in note


def test_a_large_attempt_is_looked_through_in_two_requests_at_most(api) -> None:
    def page(number: int) -> dict[str, Any]:
        body = jobs_body(runner_name="another-runner")
        job = body["jobs"][0]
        body["jobs"] = [{**copy.deepcopy(job), "id": number * 1000 + i} for i in range(100)]
        return body

    for number in (1, 2, 3):
        api.get(
            f"{JOBS_URL}?per_page=100&page={number}" if number > 1 else JOBS_URL,
            json=page(number),
            headers={"Link": f'<{JOBS_URL}?per_page=100&page={number + 1}>; rel="next"'},
        )

    found = github_job.resolve(context(), github_env(Path(".")))

    assert len(api.calls) == 2
    assert (found.context.job_name, found.context.job_id) == ("compile", None)
    assert found.note is not None


def test_outside_github_actions_it_never_asks(reports, api, capsys) -> None:
    env = {
        "ORCHESTRATE_RUN_ID": "run-1",
        "GITHUB_TOKEN": TOKEN,
        "RUNNER_NAME": RUNNER,
        "ORCHESTRATE_SPOOL_DIR": str(reports / "spool"),
    }

    status, job, stderr = run_report(env, capsys)

    assert (status, job) == (ExitStatus.OK, None)
    assert len(api.calls) == 0
    assert notes(stderr) == []


def context() -> RunContext:
    from agent.ci import detect

    return detect(github_env(Path(".")))
