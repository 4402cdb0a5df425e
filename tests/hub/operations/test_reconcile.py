"""Reconciliation: runs still queued or in progress long after their last news are checked with the
provider and moved forward (never backward), a bounded number per pass, for projects with a token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from hub.failures.models import JobFailure
from hub.operations.models import JobLog, RunCheck
from hub.operations.schedules import ensure_schedules
from hub.operations.services.reconcile import reconcile
from hub.operations.tasks import reconcile_runs
from hub.runs.models import Job, Run
from tests.hub.api.factories import make_job, make_run
from tests.hub.operations.conftest import corpus_api, github_jobs, github_run, give_token, repo_url
from tests.hub.webhooks.conftest import run_tasks, sender  # noqa: F401

pytestmark = pytest.mark.django_db

FAILED_JOB = {
    "id": 399444496,
    "name": "build",
    "status": "completed",
    "conclusion": "failure",
}


def stuck_run(project, run_id: str, *, minutes_ago: int = 60, status: str = "in_progress", **fields) -> Run:
    run = make_run(project, provider_run_id=run_id, status=status, conclusion="", **fields)
    Run.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(minutes=minutes_ago))
    return Run.objects.get(pk=run.pk)


def provider_says(api, project, run_id: int, run: dict, *jobs: dict) -> None:
    api.get(repo_url(project, f"/actions/runs/{run_id}"), json=github_run(run_id, **run))
    api.get(repo_url(project, f"/actions/runs/{run_id}/jobs"), json=github_jobs(run_id, *jobs))


def test_a_stuck_run_is_completed_with_its_conclusion_and_jobs(with_token, api):
    run = stuck_run(with_token, "30433642")
    provider_says(api, with_token, 30433642, {"status": "completed", "conclusion": "failure"}, FAILED_JOB)

    summary = reconcile()

    run.refresh_from_db()
    assert (run.status, run.conclusion) == ("completed", "failure")
    job = Job.objects.get(run=run)
    assert (job.name, job.status, job.conclusion, job.provider_job_id) == (
        "build",
        "completed",
        "failure",
        "399444496",
    )
    assert (summary.checked, summary.advanced, summary.failed) == (1, 1, 0)


def test_a_job_found_failed_by_reconciliation_has_its_log_fetched(with_token, api, run_tasks):  # noqa: F811
    stuck_run(with_token, "30433642")
    provider_says(api, with_token, 30433642, {"status": "completed", "conclusion": "failure"}, FAILED_JOB)
    api.get(repo_url(with_token, "/actions/jobs/399444496/logs"), body="npm ERR! code ERESOLVE\n")

    with run_tasks():
        reconcile()

    assert JobLog.objects.get().state == "stored"
    assert JobFailure.objects.get().category == "dependency"


def test_a_run_is_never_moved_backward(with_token, api):
    run = stuck_run(with_token, "30433642", status="in_progress")
    make_job(run, "build", status="completed", conclusion="success")
    provider_says(api, with_token, 30433642, {"status": "queued"}, {"name": "build", "status": "in_progress"})

    reconcile()

    run.refresh_from_db()
    assert run.status == "in_progress"
    job = Job.objects.get(run=run)
    assert (job.status, job.conclusion) == ("completed", "success")


def test_a_second_pass_changes_nothing_and_asks_nothing(with_token, api):
    run = stuck_run(with_token, "30433642")
    provider_says(api, with_token, 30433642, {"status": "completed", "conclusion": "success"})
    reconcile()
    first = Run.objects.values().get(pk=run.pk)
    asked = len(api.calls)

    summary = reconcile()

    assert Run.objects.values().get(pk=run.pk) == first
    assert len(api.calls) == asked
    assert summary.checked == 0


def test_a_run_still_running_at_the_provider_is_not_asked_about_again_in_the_next_pass(with_token, api):
    stuck_run(with_token, "30433642")
    provider_says(api, with_token, 30433642, {"status": "in_progress"})
    reconcile()
    asked = len(api.calls)

    reconcile()

    assert len(api.calls) == asked
    assert RunCheck.objects.get().checks == 1


def test_a_run_with_recent_news_is_left_alone(with_token, api):
    stuck_run(with_token, "30433642", minutes_ago=5)

    assert reconcile().checked == 0
    assert not api.calls


def test_projects_without_a_provider_token_are_skipped(project, api):
    stuck_run(project, "30433642")

    assert reconcile().checked == 0
    assert not api.calls


def test_a_pass_is_bounded_and_the_least_recently_checked_go_first(with_token, api, settings):
    settings.RECONCILE_BATCH = 2
    runs = [stuck_run(with_token, str(run_id), minutes_ago=90 - run_id) for run_id in (1, 2, 3)]
    for run in runs:
        provider_says(api, with_token, int(run.provider_run_id), {"status": "in_progress"})

    reconcile()
    first = set(RunCheck.objects.values_list("run__provider_run_id", flat=True))
    two_hours_ago = timezone.now() - timedelta(hours=2)
    RunCheck.objects.update(checked_at=two_hours_ago)
    Run.objects.update(updated_at=two_hours_ago)
    reconcile()
    checks = dict(RunCheck.objects.values_list("run__provider_run_id", "checks"))

    assert first == {"1", "2"}  # unchanged longest
    assert checks == {"1": 2, "2": 1, "3": 1}  # 3, never checked, went first in the next pass


def test_a_newer_attempt_at_the_provider_completes_the_stuck_attempt(with_token, api):
    run = stuck_run(with_token, "30433642")
    provider_says(api, with_token, 30433642, {"status": "in_progress", "run_attempt": 2})

    reconcile()

    run.refresh_from_db()
    assert (run.status, run.conclusion) == ("completed", "")
    assert not Job.objects.filter(run=run).exists()  # the jobs listed are the new attempt's


def test_a_provider_error_is_noted_and_the_pass_goes_on(with_token, api):
    gone = stuck_run(with_token, "1", minutes_ago=90)
    fine = stuck_run(with_token, "30433642", minutes_ago=60)
    api.get(repo_url(with_token, "/actions/runs/1"), status=404, json={"message": "Not Found"})
    provider_says(api, with_token, 30433642, {"status": "completed", "conclusion": "success"})

    summary = reconcile()

    assert (summary.checked, summary.failed, summary.advanced) == (2, 1, 1)
    assert "(404)" in RunCheck.objects.get(run=gone).error
    fine.refresh_from_db()
    assert fine.status == "completed"


def test_a_refused_token_skips_the_projects_other_runs_in_this_pass(with_token, api):
    stuck_run(with_token, "1", minutes_ago=90)
    stuck_run(with_token, "2", minutes_ago=60)
    api.get(repo_url(with_token, "/actions/runs/1"), status=401, json={"message": "Bad credentials"})

    summary = reconcile()

    assert summary.skipped_projects == {"acme/widgets"}
    assert len(api.calls) == 1


def test_the_reconcile_schedule_is_kept_after_migrate(settings):
    settings.RECONCILE_EVERY_MINUTES = 7

    ensure_schedules()
    ensure_schedules()

    schedule = Schedule.objects.get(name="operations.reconcile")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "hub.operations.tasks.reconcile_runs",
        Schedule.MINUTES,
        7,
    )


def test_reconciliation_can_be_turned_off(settings):
    ensure_schedules()
    settings.RECONCILE_EVERY_MINUTES = 0

    ensure_schedules()

    assert not Schedule.objects.filter(name="operations.reconcile").exists()


def test_a_pass_stops_when_its_time_is_up(with_token, api, settings):
    settings.Q_TIMEOUT = 100
    stuck_run(with_token, "1", minutes_ago=90)
    stuck_run(with_token, "2", minutes_ago=60)
    provider_says(api, with_token, 1, {"status": "in_progress"})
    ticks = iter([0.0, 0.0, 51.0])  # the pass starts, checks run 1, then finds 51 s gone

    summary = reconcile(clock=lambda: next(ticks))

    assert (summary.checked, summary.out_of_time) == (1, True)
    assert len(api.calls) == 2  # run 1 and its jobs; run 2 waits for the next pass


def test_the_scheduled_task_reconciles_and_says_what_it_did(with_token, api):
    run = stuck_run(with_token, "30433642")
    provider_says(api, with_token, 30433642, {"status": "completed", "conclusion": "success"})

    said = reconcile_runs()

    run.refresh_from_db()
    assert run.status == "completed"
    assert said.startswith("checked 1 run(s), 1 moved, 0 error(s)")


def test_a_stuck_gitlab_pipeline_is_completed_through_the_gitlab_client(other_project, api, run_tasks):  # noqa: F811
    give_token(other_project)
    run = stuck_run(other_project, "46")
    base = "https://gitlab.com/api/v4/projects/globex%2Fgadgets/pipelines/46"
    api.get(base, json={**corpus_api("gitlab/gitlab4j/pipeline.json"), "status": "failed"})
    api.get(f"{base}/jobs", json=[corpus_api("gitlab/gitlab4j/job.json")])  # teaspoon, failed
    api.get(f"{base}/bridges", json=[])
    api.get(
        "https://gitlab.com/api/v4/projects/globex%2Fgadgets/jobs/7/trace",
        body="ERROR: ResolutionImpossible\n",
    )

    with run_tasks():
        reconcile()

    run.refresh_from_db()
    assert (run.status, run.conclusion) == ("completed", "failure")
    job = Job.objects.get(run=run)
    assert (job.name, job.conclusion, job.provider_job_id) == ("teaspoon", "failure", "7")
    assert JobFailure.objects.get(job=job).category == "dependency"


def test_a_run_waiting_for_approval_stays_queued_as_its_webhooks_keep_it(with_token, api):
    run = stuck_run(with_token, "30433642", status="queued")
    provider_says(api, with_token, 30433642, {"status": "completed", "conclusion": "action_required"})

    reconcile()

    run.refresh_from_db()
    assert (run.status, run.conclusion) == ("queued", "")


def test_a_gitlab_pipeline_held_by_a_manual_job_stays_queued_with_that_job(other_project, api):
    give_token(other_project)
    run = stuck_run(other_project, "46", status="queued")
    base = "https://gitlab.com/api/v4/projects/globex%2Fgadgets/pipelines/46"
    api.get(base, json={**corpus_api("gitlab/gitlab4j/pipeline.json"), "status": "manual"})
    manual = {**corpus_api("gitlab/gitlab4j/job.json"), "status": "manual", "started_at": None}
    api.get(f"{base}/jobs", json=[manual])
    api.get(f"{base}/bridges", json=[])

    reconcile()

    run.refresh_from_db()
    assert (run.status, run.conclusion) == ("queued", "")
    assert Job.objects.values_list("name", "status", "conclusion").get() == ("teaspoon", "queued", "")
