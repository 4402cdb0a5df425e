"""A consumer that can do many subjects in one pass gets a worker's backlog on its topic in one claim;
a batch that fails is done one piece at a time, so only the bad piece fails."""

from __future__ import annotations

import pytest
from django.db import transaction

from hub.outbox.models import OwedWork, WorkState
from hub.outbox.services import claims
from hub.outbox.services.announce import _SUBSCRIBERS, announce, subscribe

pytestmark = pytest.mark.django_db

TOPIC = "test.batched"
BAD = 13
DONE: list[int] = []  # subjects whose work committed, in order (appended on commit only)
PASSES: list[list[int]] = []


def many(subject_ids: list[int]) -> None:
    PASSES.append(list(subject_ids))
    for subject_id in subject_ids:
        one(subject_id)


@claims.batched(many)
def one(subject_id: int) -> None:
    if subject_id == BAD:
        raise ValueError(f"subject {subject_id} is malformed")
    transaction.on_commit(lambda: DONE.append(subject_id))


@pytest.fixture(autouse=True)
def batched_topic(settings):
    settings.OWED_BATCH_SIZE = 10
    DONE.clear()
    PASSES.clear()
    subscribe(TOPIC, f"{__name__}.one")
    yield
    _SUBSCRIBERS.pop(TOPIC, None)


def owe(*subjects: int) -> list[int]:
    with transaction.atomic():
        return [announce(TOPIC, subject)[0] for subject in subjects]


def test_the_backlog_is_done_in_one_pass_oldest_first(django_capture_on_commit_callbacks):
    work = owe(3, 1, 2)

    with django_capture_on_commit_callbacks(execute=True):
        assert claims.perform(work[1]) == WorkState.DONE

    assert PASSES == [[3, 1, 2]]
    assert DONE == [3, 1, 2]
    assert set(OwedWork.objects.values_list("state", flat=True)) == {WorkState.DONE}


def test_a_failed_pass_does_each_piece_alone_and_only_the_bad_one_fails(
    django_capture_on_commit_callbacks,
):
    work = owe(1, BAD, 2)

    with django_capture_on_commit_callbacks(execute=True):
        claims.perform(work[0])

    assert sorted(DONE) == [1, 2]
    bad = OwedWork.objects.get(subject_id=BAD)
    assert (bad.state, bad.attempts, bad.last_error) == (
        WorkState.OWED,
        1,
        f"ValueError: subject {BAD} is malformed",
    )
    assert bad.due_at > bad.created_at  # retried after the backoff, as any failure
    assert set(OwedWork.objects.exclude(subject_id=BAD).values_list("state", flat=True)) == {WorkState.DONE}


def test_a_batch_size_of_one_does_only_the_named_work(settings):
    settings.OWED_BATCH_SIZE = 1
    work = owe(1, 2)

    claims.perform(work[1])

    assert PASSES == []
    states = dict(OwedWork.objects.values_list("subject_id", "state"))
    assert states == {1: WorkState.OWED, 2: WorkState.DONE}
