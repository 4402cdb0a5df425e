"""The sweep puts back on the queue what no worker finished, and only that: lost tasks, killed workers'
work, retries whose backoff is over; never what is fresh in the queue or in a live worker's hands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from hub.failures.models import Failure
from hub.outbox.models import OwedWork, WorkState
from hub.outbox.services import claims
from hub.outbox.services.sweeping import sweep
from tests.hub.conftest import case, report
from tests.hub.outbox.conftest import queued

pytestmark = pytest.mark.django_db

LEASE = 60


@pytest.fixture(autouse=True)
def _lease(settings):
    settings.OWED_LEASE_SECONDS = LEASE


@pytest.fixture
def owed(agent, django_capture_on_commit_callbacks):
    """One upload's analysis, owed and enqueued; the queue then loses the task (as Redis does when a
    worker dies holding it)."""
    with django_capture_on_commit_callbacks(execute=True):
        agent.post_report(report(case("test_a", "failed", message="assert 1 == 2")))
    OrmQ.objects.all().delete()
    return OwedWork.objects.get()


def later(seconds: float):
    return timezone.now() + timedelta(seconds=seconds)


def test_work_the_queue_lost_is_enqueued_again_after_a_lease(owed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(later(LEASE + 1)) == 1

    assert queued() == [owed.pk]
    claims.perform(owed.pk)
    assert Failure.objects.count() == 1


def test_work_just_enqueued_is_left_to_the_queue(owed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(later(LEASE - 5)) == 0
    assert queued() == []


def test_work_a_killed_worker_held_is_enqueued_again_when_its_lease_expires(
    owed, django_capture_on_commit_callbacks
):
    claimed_at = later(10)
    OwedWork.objects.filter(pk=owed.pk).update(
        claimed_until=claimed_at + timedelta(seconds=LEASE), attempts=1
    )

    assert sweep(claimed_at + timedelta(seconds=LEASE - 1)) == 0  # the worker may still be at it
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(claimed_at + timedelta(seconds=LEASE + 1)) == 1
    assert queued() == [owed.pk]


def test_a_retry_is_enqueued_once_its_backoff_is_over(owed, django_capture_on_commit_callbacks):
    OwedWork.objects.filter(pk=owed.pk).update(attempts=1, due_at=later(30), last_error="boom")

    assert sweep(later(29)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(later(31)) == 1
    assert queued() == [owed.pk]


def test_two_sweeps_enqueue_lost_work_once(owed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sweep(later(LEASE + 1))
        sweep(later(LEASE + 2))
    assert queued() == [owed.pk]


def test_done_and_dead_work_is_never_enqueued_again(owed):
    OwedWork.objects.filter(pk=owed.pk).update(state=WorkState.DONE, done_at=timezone.now())
    assert sweep(later(LEASE * 10)) == 0
    OwedWork.objects.filter(pk=owed.pk).update(state=WorkState.DEAD)
    assert sweep(later(LEASE * 10)) == 0


def test_work_whose_last_attempt_was_lost_is_dead_with_the_reason(owed, settings):
    settings.OWED_MAX_ATTEMPTS = 2
    OwedWork.objects.filter(pk=owed.pk).update(attempts=2, claimed_until=later(1))

    assert sweep(later(2)) == 0

    work = OwedWork.objects.get()
    assert work.state == WorkState.DEAD
    assert "claimed 2 times and never finished" in work.last_error


def test_done_work_is_forgotten_after_the_days_it_is_kept(owed, settings):
    settings.OWED_KEEP_DONE_DAYS = 7
    claims.perform(owed.pk)

    sweep(later(6 * 86400))
    assert OwedWork.objects.exists()
    sweep(later(8 * 86400))
    assert not OwedWork.objects.exists()
