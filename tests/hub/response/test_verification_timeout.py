"""A fix job awaiting verification (a re-run requested, its outcome not in) is failed by the resume pass
once the project's ``rerun.verify_within_minutes`` has passed, saying so; before then it keeps waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.response.models import FixJob, FixState
from hub.response.policy import store
from hub.response.services import fix_jobs

pytestmark = pytest.mark.django_db


def awaiting(project, minutes_ago: float, key: str = "rerun:5:1") -> FixJob:
    job = FixJob.objects.create(project=project, responder="rerun", key=key, reason="re-run requested")
    for to in (FixState.RUNNING, FixState.AWAITING_VERIFICATION):
        assert fix_jobs.transition(job, to, "on its way")
    FixJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=minutes_ago))
    return job


def test_a_job_awaiting_verification_past_the_policys_time_fails_saying_it_was_not_verified(octo):
    store.save(octo, {"rerun": {"verify_within_minutes": 30}})
    job = awaiting(octo, minutes_ago=31)

    fix_jobs.resume()

    job.refresh_from_db()
    assert job.state == FixState.FAILED
    assert job.events.last().reason.startswith("not verified within 30 minutes")


def test_a_job_awaiting_verification_within_the_policys_time_keeps_waiting(octo):
    store.save(octo, {"rerun": {"verify_within_minutes": 30}})
    job = awaiting(octo, minutes_ago=29)

    fix_jobs.resume()

    job.refresh_from_db()
    assert job.state == FixState.AWAITING_VERIFICATION


def test_without_the_key_a_job_waits_six_hours_for_its_verification(octo):
    young, old = awaiting(octo, minutes_ago=359), awaiting(octo, minutes_ago=361, key="rerun:6:1")

    assert fix_jobs.expire_unverified() == 1

    young.refresh_from_db(), old.refresh_from_db()
    assert (young.state, old.state) == (FixState.AWAITING_VERIFICATION, FixState.FAILED)


def test_a_verification_arriving_after_the_timeout_changes_nothing(octo):
    job = awaiting(octo, minutes_ago=400)
    fix_jobs.expire_unverified()

    late = fix_jobs.Outcome(FixState.SUCCEEDED, "attempt 2 passed: the failures were flaky")
    assert not fix_jobs.verify(job, late)

    job.refresh_from_db()
    assert job.state == FixState.FAILED
