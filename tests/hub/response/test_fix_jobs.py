"""Fix jobs' workflow: guarded moves with a timeline, bounded attempts with backoff, dead with the last
error, the resume pass, and operators' retry and cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.response.models import FixJob, FixState
from hub.response.services import fix_jobs
from tests.hub.response.conftest import RERUN_PATH, RUN_PATH, fake_rerun, github_shows, rerun_requests

pytestmark = pytest.mark.django_db


def fail_every_time(api) -> None:
    api.post(RERUN_PATH, status=502, json={"message": "Bad gateway"})
    github_shows(api, attempt=1, status=500)  # the check before a retry cannot tell either


def due_now(job: FixJob) -> None:
    FixJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())


def test_a_move_the_table_forbids_changes_nothing_and_writes_no_event(opened):
    events = opened.events.count()

    assert not fix_jobs.transition(opened, FixState.SUCCEEDED, "a wish")

    opened.refresh_from_db()
    assert (opened.state, opened.events.count()) == (FixState.PENDING, events)


def test_a_move_records_from_to_and_reason(opened):
    assert fix_jobs.transition(opened, FixState.DISPATCHED, "handed over")

    event = opened.events.last()
    assert (event.from_state, event.to_state, event.reason) == ("pending", "dispatched", "handed over")


def test_a_failed_attempt_waits_with_a_growing_backoff(opened, api, settings):
    fail_every_time(api)
    before = timezone.now()

    fix_jobs.perform(opened.pk)

    opened.refresh_from_db()
    assert (opened.state, opened.attempts) == (FixState.PENDING, 1)
    assert "Bad gateway" in opened.last_error
    wait = opened.next_attempt_at - before
    base = settings.FIX_JOB_BACKOFF_SECONDS
    assert timedelta(seconds=base * 0.75) <= wait <= timedelta(seconds=base * 1.25 + 5)


def test_a_job_not_yet_due_is_not_taken(opened, api):
    fail_every_time(api)
    fix_jobs.perform(opened.pk)

    assert fix_jobs.perform(opened.pk) == FixState.PENDING

    opened.refresh_from_db()
    assert opened.attempts == 1


def test_a_job_out_of_attempts_is_dead_with_its_last_error(opened, api):
    FixJob.objects.filter(pk=opened.pk).update(max_attempts=2)
    fail_every_time(api)
    fix_jobs.perform(opened.pk)
    due_now(opened)

    assert fix_jobs.perform(opened.pk) == FixState.DEAD

    opened.refresh_from_db()
    assert opened.attempts == 2
    assert opened.last_error.startswith("ProviderError: GitHub failed on GET")  # the check, this time
    assert opened.events.last().reason.startswith("2 attempts failed; the last: ")


def test_an_operator_brings_a_dead_job_back_with_its_attempts_reset(opened, api, run_tasks):
    FixJob.objects.filter(pk=opened.pk).update(max_attempts=1)
    fail_every_time(api)
    fix_jobs.perform(opened.pk)
    api.remove("POST", RERUN_PATH)
    api.remove("GET", RUN_PATH)
    github_shows(api, attempt=1)  # the check after the unknown answer: nothing was started
    fake_rerun(api)

    with run_tasks():
        assert fix_jobs.retry(FixJob.objects.get(pk=opened.pk), "olivia")

    opened.refresh_from_db()
    assert opened.state == FixState.AWAITING_VERIFICATION
    assert opened.attempts == 1
    assert opened.events.filter(actor="olivia", to_state=FixState.PENDING).exists()


def test_a_job_that_is_not_failed_or_dead_cannot_be_retried(opened):
    assert not fix_jobs.retry(opened, "olivia")


def test_a_cancelled_job_is_never_taken(opened, api):
    assert fix_jobs.cancel(opened, "olivia")

    assert fix_jobs.perform(opened.pk) == FixState.CANCELLED
    assert rerun_requests(api) == 0


def test_the_resume_pass_hands_due_pending_jobs_to_the_queue(opened, api, run_tasks):
    fake_rerun(api)

    with run_tasks():
        assert fix_jobs.resume() == 1

    opened.refresh_from_db()
    assert opened.state == FixState.AWAITING_VERIFICATION


def test_a_job_whose_worker_was_lost_counts_the_attempt_and_waits_its_backoff(opened):
    now = timezone.now()
    FixJob.objects.filter(pk=opened.pk).update(
        state=FixState.RUNNING, attempts=1, claimed_until=now - timedelta(seconds=1)
    )

    fix_jobs.resume(now=now)

    opened.refresh_from_db()
    assert (opened.state, opened.attempts) == (FixState.PENDING, 1)
    assert "worker was lost" in opened.last_error
    assert opened.next_attempt_at > now


def test_an_operators_retry_leaves_a_job_awaiting_its_effect_alone(opened, api):
    fake_rerun(api)
    fix_jobs.perform(opened.pk)
    opened.refresh_from_db()
    assert opened.state == FixState.AWAITING_VERIFICATION

    assert not fix_jobs.retry(opened, "olivia")

    opened.refresh_from_db()
    assert opened.state == FixState.AWAITING_VERIFICATION
