"""The monitor: a project's CI polled for failed runs nobody reported, fed into the webhooks' path (jobs,
logs, categories, the response engine), one run whatever reports it later, bounded per poll, stopped by a
rate limit and resumed by the next poll. GitHub is faked at the HTTP boundary with its published bodies."""

from __future__ import annotations

import copy
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_q.models import Schedule

from hub.failures.models import JobFailure
from hub.operations.models import JobLog, Monitor
from hub.operations.schedules import ensure_schedules
from hub.operations.services import monitor
from hub.operations.services.monitor import Window, failed_identities, is_due, unseen
from hub.operations.tasks import monitor_projects
from hub.projects.models import Project
from hub.response.models import FixJob
from hub.response.policy import store
from hub.runs.models import Job, Run
from tests.hub.api.factories import make_run
from tests.hub.operations.conftest import GITHUB, corpus_api, github_jobs, github_run, give_token
from tests.hub.response.conftest import RUN_ID, SHA, completed
from tests.hub.webhooks.conftest import octo, run_tasks, sender  # noqa: F401

pytestmark = pytest.mark.django_db

REPO = f"{GITHUB}/repos/octo-org/octo-repo"
SLACK = "https://hooks.slack.com/services/T000/B000/s3cr3tT0k3n"
FAILED_JOB = {"id": 399444496, "name": "build", "status": "completed", "conclusion": "failure"}
TWO_HOURS = Window(lookback=timedelta(hours=2))


def ago(minutes: int) -> str:
    return (timezone.now() - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def listed(*runs: tuple[int, str, int]) -> dict:
    """GitHub's example run listing, its run repeated as (id, conclusion, minutes ago), newest first."""
    body = corpus_api("github/examples/actions__list-workflow-runs-for-repo.200.default.json")
    template = body["workflow_runs"][0]
    items = []
    for run_id, conclusion, minutes in runs:
        run = copy.deepcopy(template)
        run.update(id=run_id, run_attempt=1, status="completed", conclusion=conclusion)
        run.update(created_at=ago(minutes), head_sha=SHA, head_branch="master")
        items.append(run)
    return {"total_count": len(items), "workflow_runs": items}


def github_lists(api, *runs: tuple[int, str, int]) -> None:
    api.get(f"{REPO}/actions/runs", json=listed(*runs))


def github_has(api, run_id: int, conclusion: str = "failure", job_id: int = 399444496) -> None:
    changes = {"status": "completed", "conclusion": conclusion, "run_attempt": 1, "head_sha": SHA}
    api.get(f"{REPO}/actions/runs/{run_id}", json=github_run(run_id, created_at=ago(10), **changes))
    api.get(f"{REPO}/actions/runs/{run_id}/jobs", json=github_jobs(run_id, {**FAILED_JOB, "id": job_id}))
    api.get(f"{REPO}/actions/jobs/{job_id}/logs", body="npm ERR! code ERESOLVE\n")
    api.get(f"{REPO}/actions/runs/{run_id}/artifacts", json={"total_count": 0, "artifacts": []})


def asked(api, path: str) -> int:
    return sum(1 for c in api.calls if c.request.url.split("?")[0] == f"{REPO}{path}")


@pytest.fixture
def watched(octo):  # noqa: F811
    give_token(octo)
    Monitor.objects.create(project=octo, lookback="2h", max_failures=10, interval_minutes=15)
    return octo


def test_a_failed_run_nobody_reported_is_found_in_one_poll_and_answered_like_a_webhooks(
    watched,
    api,
    run_tasks,  # noqa: F811
):
    store.save(watched, {"notify": {"slack_webhook_url": SLACK}})
    api.post(SLACK, body="ok")
    github_lists(api, (RUN_ID, "failure", 10))
    github_has(api, RUN_ID)

    with run_tasks():
        result = monitor.poll(watched, TWO_HOURS)

    run = Run.objects.get()
    assert (run.provider_run_id, run.attempt, run.status, run.conclusion) == (
        str(RUN_ID),
        1,
        "completed",
        "failure",
    )
    assert run.from_provider
    assert Job.objects.get(run=run).conclusion == "failure"
    assert JobLog.objects.get().state == "stored"
    assert JobFailure.objects.get().category == "dependency"
    assert FixJob.objects.get(responder="notify").key == f"notify:{RUN_ID}:1"
    assert (result.failed, result.seen, len(result.fed), result.error) == (1, 0, 1, "")


def test_a_run_found_by_polling_and_then_reported_by_a_webhook_is_one_run(
    watched,
    api,
    sender,  # noqa: F811
    run_tasks,  # noqa: F811
):
    github_lists(api, (RUN_ID, "failure", 10))
    github_has(api, RUN_ID)
    with run_tasks():
        monitor.poll(watched, TWO_HOURS)

    response = sender.github("workflow_run", completed("failure"))

    assert response.status_code in (200, 202)
    assert Run.objects.count() == 1
    assert Job.objects.count() == 1


def test_a_run_the_hub_already_holds_as_completed_is_not_fetched_again(watched, api):
    make_run(watched, provider_run_id=str(RUN_ID), status="completed", conclusion="failure")
    github_lists(api, (RUN_ID, "failure", 10))

    result = monitor.poll(watched, TWO_HOURS)

    assert (result.failed, result.seen, result.fed) == (1, 1, [])
    assert asked(api, f"/actions/runs/{RUN_ID}") == 0


def test_only_failed_runs_inside_the_look_back_window_are_fed(watched, api):
    github_lists(api, (3, "success", 5), (2, "failure", 60), (1, "failure", 180))
    github_has(api, 2)

    result = monitor.poll(watched, TWO_HOURS)

    assert list(Run.objects.values_list("provider_run_id", flat=True)) == ["2"]
    assert result.failed == 1


def test_a_poll_feeds_at_most_max_failures_and_the_next_poll_takes_the_rest(watched, api):
    github_lists(api, (3, "failure", 5), (2, "failure", 6), (1, "failure", 7))
    for run_id in (3, 2, 1):
        github_has(api, run_id, job_id=run_id)
    window = Window(lookback=timedelta(hours=2), max_failures=2)

    first = monitor.poll(watched, window)
    second = monitor.poll(watched, window)

    assert (len(first.fed), first.left, len(second.fed), second.seen) == (2, 1, 1, 2)
    assert sorted(Run.objects.values_list("provider_run_id", flat=True)) == ["1", "2", "3"]


def test_a_rate_limit_stops_the_poll_and_the_next_poll_resumes(watched, api):
    github_lists(api, (2, "failure", 5), (1, "failure", 6))
    github_has(api, 2, job_id=2)
    reset = str(int(time.time()) + 3600)
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
    refusal = {"message": "API rate limit exceeded"}
    api.get(f"{REPO}/actions/runs/1", status=403, headers=limited, json=refusal)

    first = monitor.poll(watched, TWO_HOURS, sleep=lambda seconds: None)

    assert "rate limit" in first.error.lower()
    assert list(Run.objects.values_list("provider_run_id", flat=True)) == ["2"]
    api.replace("GET", f"{REPO}/actions/runs/1", json=github_run(1, status="completed", conclusion="failure"))
    api.get(f"{REPO}/actions/runs/1/jobs", json=github_jobs(1, {**FAILED_JOB, "id": 1}))

    second = monitor.poll(watched, TWO_HOURS)

    assert (second.seen, len(second.fed), second.error) == (1, 1, "")
    assert Run.objects.count() == 2


def test_a_project_without_a_provider_token_says_what_to_do(octo, api):  # noqa: F811
    result = monitor.poll(octo, TWO_HOURS)

    assert "no provider API token" in result.error
    assert not api.calls


def test_the_workflow_and_branch_filters_go_to_the_provider(watched, api):
    api.get(f"{REPO}/actions/workflows/ci.yml/runs", json=listed())
    window = Window(lookback=timedelta(hours=2), workflow="ci.yml", branch="main")

    monitor.poll(watched, window)

    (call,) = api.calls
    assert "branch=main" in call.request.url
    assert "status=completed" in call.request.url


def test_the_sweep_polls_due_monitors_only_and_notes_the_outcome(watched, api):
    github_lists(api, (RUN_ID, "failure", 10))
    github_has(api, RUN_ID)

    assert monitor_projects().startswith("polled 1 project(s), 1 failed run(s) fed")
    assert monitor_projects().startswith("polled 0 project(s)")  # its interval has not passed

    found = Monitor.objects.get()
    assert (found.last_fed, found.last_error) == (1, "")
    assert found.polled_at is not None


def test_a_monitor_claimed_by_another_worker_is_not_polled_twice(watched, api):
    stale = Monitor.objects.get()
    Monitor.objects.update(polled_at=timezone.now())  # another worker claimed it since

    assert monitor.poll_monitor(stale) is None
    assert not api.calls


def test_a_disabled_monitor_is_never_due(watched):
    Monitor.objects.update(enabled=False)

    assert monitor.due() == []


def test_the_command_polls_one_project_with_the_flags_laid_over_its_monitor(watched, api, capsys):
    github_lists(api, (2, "failure", 60), (1, "failure", 90))
    github_has(api, 2)

    call_command("monitor", "--project", "octo-org/octo-repo", "--lookback", "2h", "--max-failures", "1")

    out = capsys.readouterr().out
    assert "octo-org/octo-repo: 2 failed run(s) in the window, 0 already known, 1 fed, 1 left" in out


def test_the_command_refuses_filters_without_a_project(watched):
    with pytest.raises(CommandError, match="need --project"):
        call_command("monitor", "--lookback", "2h")


def test_the_command_refuses_a_malformed_look_back(watched):
    with pytest.raises(CommandError, match=r"e\.g\. 2h"):
        call_command("monitor", "--project", "octo-org/octo-repo", "--lookback", "soon")


def test_the_continuous_command_polls_until_interrupted(watched, api, monkeypatch, capsys):
    github_lists(api, (RUN_ID, "failure", 10))
    github_has(api, RUN_ID)
    naps = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", sleep)

    call_command("monitor", "--project", "octo-org/octo-repo", "--continuous", "--interval", "5")

    lines = capsys.readouterr().out.splitlines()
    assert [line.split(", ")[2] for line in lines] == ["1 fed", "0 fed"]  # the second finds it known
    assert naps == [300, 300]


def test_the_sweep_schedule_is_kept_after_migrate_and_can_be_turned_off(settings):
    ensure_schedules()
    assert Schedule.objects.get(name="operations.monitor").func == "hub.operations.tasks.monitor_projects"

    settings.MONITOR_SWEEP_MINUTES = 0
    ensure_schedules()

    assert not Schedule.objects.filter(name="operations.monitor").exists()


def test_a_monitor_refuses_a_look_back_it_cannot_read(watched):
    found = Monitor.objects.get()
    found.lookback = "two hours"

    with pytest.raises(ValidationError, match=r"e\.g\. 2h"):
        found.full_clean()


# --- decisions over plain values ------------------------------------------------------------------


def test_unseen_keeps_order_and_drops_known_and_repeated_identities():
    assert unseen([("3", 1), ("2", 1), ("3", 1), ("1", 2)], [("2", 1), ("1", 1)]) == [("3", 1), ("1", 2)]


def test_a_monitor_never_polled_is_due_and_one_polled_recently_is_not():
    now = timezone.now()
    assert is_due(None, 15, now)
    assert not is_due(now - timedelta(minutes=14), 15, now)
    assert is_due(now - timedelta(minutes=15), 15, now)


def test_a_circleci_pipeline_is_fed_as_its_failed_workflows():
    from agent.providers import RunInfo

    pipeline = RunInfo(
        id="p-1", status="completed", conclusion="failure", url="", workflow="build, test", branch="main",
        commit_sha="", event="", attempt=1,
        raw={"workflows": [{"id": "w-ok", "status": "success"}, {"id": "w-red", "status": "failed"}]},
    )  # fmt: skip

    assert failed_identities("circleci", pipeline) == [("w-red", 1)]
    assert failed_identities("github", pipeline) == [("p-1", 1)]


def test_a_poll_summary_line_names_why_it_stopped():
    line = monitor.Poll("o/r", failed=2, seen=1, fed=[5], left=0, error="rate limited").line()
    assert line.endswith("; stopped: rate limited")


def test_a_gitlab_pipeline_that_failed_is_fed_with_its_jobs(api, settings):
    """GitLab's pipeline and job bodies from the corpus (gitlab4j); our status filter runs client-side."""
    project = Project.objects.create(full_name="foo/bar", provider="gitlab")
    give_token(project, "glpat-monitor")
    base = "https://gitlab.com/api/v4/projects/foo%2Fbar"
    pipeline = {**corpus_api("gitlab/gitlab4j/pipeline.json"), "status": "failed", "created_at": ago(20)}
    job = {**corpus_api("gitlab/gitlab4j/job.json"), "status": "failed"}
    api.get(f"{base}/pipelines", json=[pipeline, {**pipeline, "id": 45, "status": "success"}])
    api.get(f"{base}/pipelines/46", json=pipeline)
    api.get(f"{base}/pipelines/46/jobs", json=[job])
    api.get(f"{base}/pipelines/46/bridges", json=[])

    result = monitor.poll(project, TWO_HOURS)

    run = Run.objects.get()
    assert (run.provider_run_id, run.status, run.conclusion, run.branch) == (
        "46",
        "completed",
        "failure",
        "main",
    )
    assert Job.objects.get(run=run).name == "teaspoon"
    assert (result.failed, len(result.fed)) == (1, 1)
