"""Announcing what an app stored, and who owes work for it.

``announce`` is called inside the transaction that stores the subject (an upload, a delivery): the
``OwedWork`` rows commit with it or not at all, and are handed to the queue after commit. Consumers
subscribe to a topic by the dotted path of a function taking the subject's id, from their app's
``ready()``, so the announcing app never imports the apps that respond to it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from hub.outbox.models import OwedWork, WorkState

_SUBSCRIBERS: dict[str, list[str]] = {}


def subscribe(topic: str, consumer: str) -> None:
    """Owe ``consumer(subject_id)`` for every later announcement of ``topic`` (idempotent)."""
    consumers = _SUBSCRIBERS.setdefault(topic, [])
    if consumer not in consumers:
        consumers.append(consumer)


def subscribers(topic: str) -> tuple[str, ...]:
    return tuple(_SUBSCRIBERS.get(topic, ()))


def announce(topic: str, subject_id: int) -> list[int]:
    """Record the work ``topic`` owes for ``subject_id`` (once per consumer, however often announced) in
    the caller's transaction, and enqueue it when that commits. Returns the ids of the owed work."""
    consumers = subscribers(topic)
    if not consumers:
        return []
    now = timezone.now()
    OwedWork.objects.bulk_create(
        [
            OwedWork(
                topic=topic, subject_id=subject_id, consumer=c, created_at=now, due_at=now, enqueued_at=now
            )
            for c in consumers
        ],
        ignore_conflicts=True,
    )
    ids = list(
        OwedWork.objects.filter(topic=topic, subject_id=subject_id, state=WorkState.OWED).values_list(
            "pk", flat=True
        )
    )
    transaction.on_commit(lambda: enqueue(ids))
    return ids


def enqueue(work_ids: Iterable[int]) -> None:
    """Hand owed work to the task queue (the fast path; the sweep catches whatever it loses). A success
    is not saved by django-q2 (``save=False``): the ``OwedWork`` row records it, and django-q2's monitor
    reads every kept success to save one more (a quarter of a core at 8 analyses a second)."""
    from django_q.tasks import async_task

    for work_id in work_ids:
        async_task("hub.outbox.tasks.perform", work_id, task_name=f"owed-{work_id}", save=False)
