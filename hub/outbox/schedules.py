"""The sweep of owed work every ``OWED_SWEEP_MINUTES`` (0 turns it off: then nothing lost is recovered)."""

from __future__ import annotations

from django.conf import settings

from hub.schedules import keep_schedule

NAME = "outbox.sweep"


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    keep_schedule(
        NAME,
        "hub.outbox.tasks.sweep",
        Schedule.MINUTES,
        enabled=bool(settings.OWED_SWEEP_MINUTES),
        minutes=settings.OWED_SWEEP_MINUTES,
    )
