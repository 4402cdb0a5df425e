"""Work the hub owes is recorded with what owes it, done once however often its task arrives, retried
with backoff when it fails, and given up (visibly) after its attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ

from hub.failures.models import Failure
from hub.outbox.models import OwedWork, WorkState
from hub.outbox.services import claims, retry
from hub.outbox.services.announce import announce
from hub.runs.models import Upload
from hub.runs.services.ingest import UPLOAD_STORED
from tests.hub.conftest import case, report
from tests.hub.outbox.conftest import CALLS, queued

pytestmark = pytest.mark.django_db


def test_a_stored_upload_owes_its_analysis_from_the_same_commit(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        agent.post_report(report(case("test_a", "failed", message="assert 1 == 2")))

    upload = Upload.objects.get()
    work = OwedWork.objects.get()
    assert (work.topic, work.subject_id, work.consumer, work.state) == (
        UPLOAD_STORED,
        upload.pk,
        "hub.response.tasks.upload_stored",
        WorkState.OWED,
    )
    assert queued() == [work.pk]


def test_the_queue_keeps_no_success_record_of_owed_work(agent, django_capture_on_commit_callbacks):
    """The owed-work row is the record; django-q2's monitor would read every kept success to add one."""
    with django_capture_on_commit_callbacks(execute=True):
        agent.post_report(report(case("test_a", "failed", message="assert 1 == 2")))

    (task,) = (q.task for q in OrmQ.objects.all())
    assert (task["func"], task["save"]) == ("hub.outbox.tasks.perform", False)


def test_a_refused_upload_owes_nothing(agent):
    response = agent.post_report(report(case("test_a", status="exploded")))

    assert response.status_code == 422
    assert not OwedWork.objects.exists()


def test_a_replayed_upload_owes_nothing_more(agent):
    doc = report(case("test_a", "failed"))
    agent.post_report(doc, key="same")
    agent.post_report(doc, key="same")

    assert OwedWork.objects.count() == 1


def test_announcing_twice_owes_the_work_once():
    with transaction.atomic():
        first = announce(UPLOAD_STORED, 7)
        second = announce(UPLOAD_STORED, 7)

    assert first == second
    assert OwedWork.objects.count() == 1


def test_performing_owed_work_does_it_and_marks_it_done(agent):
    agent.post_report(report(case("test_a", "failed", message="assert 1 == 2")))
    work = OwedWork.objects.get()

    assert claims.perform(work.pk) == WorkState.DONE

    work.refresh_from_db()
    assert (work.state, work.attempts, work.claimed_until) == (WorkState.DONE, 1, None)
    assert work.done_at is not None
    assert Failure.objects.count() == 1


def test_work_a_live_worker_holds_is_not_done_a_second_time(agent):
    agent.post_report(report(case("test_a", "failed")))
    work = OwedWork.objects.get()
    OwedWork.objects.filter(pk=work.pk).update(claimed_until=timezone.now() + timedelta(minutes=5))

    assert claims.perform(work.pk) == claims.SKIPPED
    assert not Failure.objects.exists()


def test_work_whose_worker_died_is_done_by_the_next_delivery(agent):
    agent.post_report(report(case("test_a", "failed")))
    work = OwedWork.objects.get()
    expired = timezone.now() - timedelta(seconds=1)
    OwedWork.objects.filter(pk=work.pk).update(claimed_until=expired, attempts=1)

    assert claims.perform(work.pk) == WorkState.DONE
    assert OwedWork.objects.get().attempts == 2
    assert Failure.objects.count() == 1


def test_a_failing_consumer_leaves_its_error_and_a_backoff_on_the_work(broken_topic, settings):
    settings.OWED_RETRY_BACKOFF_SECONDS = 30
    with transaction.atomic():
        (work_id,) = announce(broken_topic, 5)

    assert claims.perform(work_id) == WorkState.OWED

    work = OwedWork.objects.get()
    assert work.last_error == "RuntimeError: subject 5 cannot be handled"
    assert work.claimed_until is None
    assert timedelta(seconds=29) < work.due_at - timezone.now() <= timedelta(seconds=30)
    assert CALLS == [5]


def test_failing_work_is_dead_after_its_attempts(broken_topic, settings):
    settings.OWED_MAX_ATTEMPTS = 2
    with transaction.atomic():
        (work_id,) = announce(broken_topic, 5)

    claims.perform(work_id)
    OwedWork.objects.filter(pk=work_id).update(due_at=timezone.now())
    assert claims.perform(work_id) == WorkState.DEAD
    assert claims.perform(work_id) == claims.SKIPPED

    assert OwedWork.objects.get().state == WorkState.DEAD
    assert CALLS == [5, 5]


def test_the_backoff_doubles_from_its_base_up_to_an_hour():
    assert [retry.backoff(n, 30).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry.backoff(20, 30) == timedelta(hours=1)


def test_no_retry_is_planned_once_the_attempts_are_used_up():
    now = timezone.now()
    assert retry.after_failure(3, now, max_attempts=3, base_seconds=30) is None
    assert retry.after_failure(2, now, max_attempts=3, base_seconds=30) == now + timedelta(seconds=60)
