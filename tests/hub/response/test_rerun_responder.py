"""The re-run responder, from a signed webhook to GitHub: a completed run whose failures are all known
flaky gets exactly one re-run of its failed jobs, whatever is replayed; anything else gets none; the new
attempt's outcome settles the fix job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.operations.models import Action
from hub.response.models import Effect, EffectState, FixJob, FixState
from hub.response.policy import store
from hub.response.responders import rerun
from hub.response.services import fix_jobs
from hub.runs.models import Run, RunStatus, Test
from tests.hub.conftest import case
from tests.hub.response.conftest import (
    FLAKY,
    RERUN_PATH,
    completed,
    fake_rerun,
    learn_flaky,
    post,
    red_run,
    rerun_requests,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def flaky_history(octo_agent, run_tasks):
    learn_flaky(octo_agent, run_tasks)


def test_a_completed_run_failing_only_on_a_known_flaky_test_is_re_run_once(
    octo_agent, sender, run_tasks, api, flaky_history
):
    red_run(octo_agent, run_tasks, FLAKY)
    fake_rerun(api)

    sender.github("workflow_run", completed("failure"))

    assert rerun_requests(api) == 1
    job = FixJob.objects.get()
    assert (job.responder, job.key, job.state) == (
        "rerun",
        "rerun:289782451:1",
        FixState.AWAITING_VERIFICATION,
    )
    assert job.effects.get().state == EffectState.DONE
    assert Action.objects.get().via == "response"
    assert [e.to_state for e in job.events.all()] == [
        "pending",
        "dispatched",
        "running",
        "awaiting_verification",
    ]


def test_a_redelivered_webhook_and_a_replayed_upload_make_no_second_re_run(
    octo_agent, sender, run_tasks, api, flaky_history
):
    red_run(octo_agent, run_tasks, FLAKY)
    fake_rerun(api)
    sender.github("workflow_run", completed("failure"), delivery="d-1")

    sender.github("workflow_run", completed("failure"), delivery="d-1")  # redelivered
    sender.github("workflow_run", completed("failure"), delivery="d-2")  # the same event, sent again
    red_run(octo_agent, run_tasks, FLAKY)  # the agent's upload replayed

    assert rerun_requests(api) == 1
    assert FixJob.objects.count() == 1


def test_a_run_with_a_failure_not_known_flaky_is_not_re_run(
    octo_agent, sender, run_tasks, api, flaky_history
):
    red_run(octo_agent, run_tasks, FLAKY, "test_really_broken")

    sender.github("workflow_run", completed("failure"))

    assert rerun_requests(api) == 0
    assert not FixJob.objects.exists()


def test_a_passing_run_is_not_re_run(octo_agent, sender, run_tasks, api, flaky_history):
    red_run(octo_agent, run_tasks)

    sender.github("workflow_run", completed("success"))

    assert not FixJob.objects.exists()


def test_re_runs_turned_off_in_the_policy_are_not_made(
    octo, octo_agent, sender, run_tasks, api, flaky_history
):
    store.save(octo, {"rerun": {"enabled": False}})
    red_run(octo_agent, run_tasks, FLAKY)

    sender.github("workflow_run", completed("failure"))

    assert rerun_requests(api) == 0


def test_the_re_run_attempt_that_passes_settles_the_job_as_succeeded(
    octo_agent, sender, run_tasks, api, flaky_history
):
    red_run(octo_agent, run_tasks, FLAKY)
    fake_rerun(api)
    sender.github("workflow_run", completed("failure"))

    red_run(octo_agent, run_tasks, attempt=2)
    sender.github("workflow_run", completed("success", attempt=2))

    job = FixJob.objects.get()
    assert job.state == FixState.SUCCEEDED
    assert job.events.last().reason == "attempt 2 passed: the failures were flaky"


def test_a_re_run_that_fails_again_records_the_tests_that_failed_again_and_is_not_re_run_again(
    octo_agent, sender, run_tasks, api, flaky_history
):
    red_run(octo_agent, run_tasks, FLAKY)
    fake_rerun(api)
    sender.github("workflow_run", completed("failure"))

    red_run(octo_agent, run_tasks, FLAKY, attempt=2)
    sender.github("workflow_run", completed("failure", attempt=2))

    job = FixJob.objects.get()  # rerun.max_per_run (1 by default) keeps attempt 2 from a re-run
    assert job.state == FixState.FAILED
    assert job.events.last().detail["failed_again"] == [f"tests.test_widgets.{FLAKY}"]
    assert rerun_requests(api) == 1


def test_a_provider_refusal_fails_the_job_without_retrying(octo_agent, sender, run_tasks, api, flaky_history):
    red_run(octo_agent, run_tasks, FLAKY)
    api.post(RERUN_PATH, status=403, json={"message": "Resource not accessible by integration"})

    sender.github("workflow_run", completed("failure"))

    job = FixJob.objects.get()
    assert job.state == FixState.FAILED
    assert "Resource not accessible by integration" in job.events.last().reason
    assert job.effects.get().state == EffectState.FAILED


def test_the_projects_re_runs_of_the_last_day_count_against_rerun_max_per_day(
    octo, octo_agent, sender, run_tasks, api, flaky_history
):
    store.save(octo, {"rerun": {"max_per_day": 1}})
    FixJob.objects.create(project=octo, responder="rerun", key="rerun:5:1", reason="an earlier run")
    red_run(octo_agent, run_tasks, FLAKY)

    sender.github("workflow_run", completed("failure"))

    assert rerun_requests(api) == 0
    assert FixJob.objects.count() == 1


def test_re_runs_older_than_a_day_do_not_count_against_the_daily_limit(
    octo, octo_agent, sender, run_tasks, api, flaky_history
):
    store.save(octo, {"rerun": {"max_per_day": 1}})
    earlier = FixJob.objects.create(project=octo, responder="rerun", key="rerun:5:1", reason="an earlier run")
    FixJob.objects.filter(pk=earlier.pk).update(created_at=timezone.now() - timedelta(hours=25))
    red_run(octo_agent, run_tasks, FLAKY)
    fake_rerun(api)

    sender.github("workflow_run", completed("failure"))

    assert rerun_requests(api) == 1


def awaiting_new_run(job: FixJob, started: str) -> None:
    """The job's request started ``started`` as a run of its own (CircleCI's new workflow)."""
    for to in (FixState.RUNNING, FixState.AWAITING_VERIFICATION):
        assert fix_jobs.transition(job, to, "on its way")
    Effect.objects.create(fix_job=job, key=rerun.key(job.run), kind="rerun", state=EffectState.DONE,
                          external_id=started)  # fmt: skip


def completed_run(agent, commit, run_id: str, *cases, conclusion: str) -> Run:
    with commit():
        post(agent, *cases, run_id=run_id)
    run = Run.objects.get(provider_run_id=run_id)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.COMPLETED, conclusion=conclusion)
    run.refresh_from_db()
    return run


def test_a_re_run_that_is_a_run_of_its_own_settles_its_job_when_it_passes(opened, octo_agent, run_tasks):
    awaiting_new_run(opened, "new-workflow")
    passing = [case(FLAKY), case("test_steady")]
    run = completed_run(octo_agent, run_tasks, "new-workflow", *passing, conclusion="success")

    rerun.verify(run)

    opened.refresh_from_db()
    assert opened.state == FixState.SUCCEEDED
    assert opened.events.last().reason == "the re-run new-workflow passed: the failures were flaky"


def test_a_re_run_that_is_a_run_of_its_own_failing_again_names_the_tests(opened, octo_agent, run_tasks):
    awaiting_new_run(opened, "new-workflow")
    failing = [case(FLAKY, "failed", message="AssertionError: timing"), case("test_steady")]
    run = completed_run(octo_agent, run_tasks, "new-workflow", *failing, conclusion="failure")

    rerun.verify(run)

    opened.refresh_from_db()
    assert opened.state == FixState.FAILED
    assert opened.events.last().detail["failed_again"] == [str(Test.objects.get(name=FLAKY))]


def test_the_run_that_was_re_run_completing_again_settles_nothing(opened):
    awaiting_new_run(opened, str(opened.run.provider_run_id))  # GitLab: the same pipeline retried

    rerun.verify(opened.run)

    opened.refresh_from_db()
    assert opened.state == FixState.AWAITING_VERIFICATION
