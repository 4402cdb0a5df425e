"""A worker killed between GitHub's answer and the record of it, or an answer that never came, never
makes a second re-run: the next attempt asks GitHub whether the run has a newer attempt first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.projects.models import Project
from hub.response.models import EffectState, FixJob, FixState
from hub.response.services import fix_jobs
from tests.hub.response.conftest import RERUN_PATH, fake_rerun, github_shows, rerun_requests

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs, no ``except Exception`` sees it."""


def killed_after_sending(request):
    raise WorkerKilled


def backoff_over(job: FixJob) -> None:
    FixJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())


def kill_mid_call(job: FixJob, api) -> None:
    api.add_callback("POST", RERUN_PATH, callback=killed_after_sending)
    with pytest.raises(WorkerKilled):
        fix_jobs.perform(job.pk)
    job.refresh_from_db()
    assert (job.state, job.effects.get().state) == (FixState.RUNNING, EffectState.INTENDED)
    api.remove("POST", RERUN_PATH)
    fix_jobs.resume(now=timezone.now() + fix_jobs.lease() + timedelta(seconds=1))  # the lease runs out
    job.refresh_from_db()
    assert (job.state, job.attempts) == (FixState.PENDING, 1)
    backoff_over(job)


def test_a_worker_killed_after_the_request_adopts_the_attempt_github_shows_instead_of_asking_again(
    opened, api
):
    kill_mid_call(opened, api)
    github_shows(api, attempt=2)

    fix_jobs.resume()

    opened.refresh_from_db()
    effect = opened.effects.get()
    assert opened.state == FixState.AWAITING_VERIFICATION
    assert (effect.state, effect.detail["adopted_after_check"]) == (EffectState.DONE, True)
    assert rerun_requests(api) == 1  # the killed worker's only


def test_a_request_github_never_received_is_made_again_once_github_shows_no_new_attempt(opened, api):
    kill_mid_call(opened, api)
    github_shows(api, attempt=1)  # the check: still the first attempt
    fake_rerun(api, attempt=2)

    fix_jobs.resume()

    opened.refresh_from_db()
    assert opened.state == FixState.AWAITING_VERIFICATION
    assert rerun_requests(api) == 2


def test_when_github_cannot_be_asked_the_effect_stays_unsettled_and_nothing_is_requested(opened, api):
    kill_mid_call(opened, api)
    github_shows(api, attempt=1, status=500)

    fix_jobs.resume()

    opened.refresh_from_db()
    assert (opened.state, opened.attempts) == (FixState.PENDING, 2)
    assert opened.effects.get().state == EffectState.INTENDED
    assert rerun_requests(api) == 1


def test_a_server_error_on_the_request_leaves_the_effect_unknown_and_the_retry_checks_first(opened, api):
    api.post(RERUN_PATH, status=502, json={"message": "Bad gateway"})
    fix_jobs.perform(opened.pk)
    opened.refresh_from_db()
    assert (opened.state, opened.effects.get().state) == (FixState.PENDING, EffectState.UNKNOWN)
    api.remove("POST", RERUN_PATH)
    github_shows(api, attempt=2)  # GitHub did start it
    backoff_over(opened)

    fix_jobs.perform(opened.pk)

    opened.refresh_from_db()
    assert opened.state == FixState.AWAITING_VERIFICATION
    assert rerun_requests(api) == 1


def test_on_a_ci_that_does_not_number_attempts_an_unsettled_request_is_never_repeated(opened, api):
    kill_mid_call(opened, api)
    Project.objects.filter(pk=opened.project_id).update(provider="gitlab")

    fix_jobs.resume()

    opened.refresh_from_db()
    assert opened.state == FixState.FAILED
    assert "is not asked again" in opened.events.last().reason
    assert rerun_requests(api) == 1
