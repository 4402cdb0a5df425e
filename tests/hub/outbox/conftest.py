"""Owed-work fixtures: the tasks the queue holds, and a consumer of our own for failures no real consumer
can be made to have on demand (it is subscribed through the real API, as an app would)."""

from __future__ import annotations

import pytest
from django_q.models import OrmQ

from hub.outbox.services.announce import _SUBSCRIBERS, subscribe

BROKEN_TOPIC = "test.broken"
CALLS: list[int] = []


def broken_consumer(subject_id: int) -> None:
    CALLS.append(subject_id)
    raise RuntimeError(f"subject {subject_id} cannot be handled")


def queued() -> list[int]:
    """The owed-work ids the ORM broker holds, oldest first."""
    tasks = (q.task for q in OrmQ.objects.order_by("id"))
    return [task["args"][0] for task in tasks if task.get("func") == "hub.outbox.tasks.perform"]


@pytest.fixture
def broken_topic():
    """``test.broken``: every announcement owes a call to a consumer that always raises."""
    CALLS.clear()
    subscribe(BROKEN_TOPIC, f"{__name__}.broken_consumer")
    yield BROKEN_TOPIC
    _SUBSCRIBERS.pop(BROKEN_TOPIC, None)
