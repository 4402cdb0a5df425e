"""Reconciliation every ``RECONCILE_EVERY_MINUTES`` (0 turns it off)."""

from __future__ import annotations

from django.conf import settings

from hub.schedules import keep_schedule

NAME = "operations.reconcile"


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    keep_schedule(
        NAME,
        "hub.operations.tasks.reconcile_runs",
        Schedule.MINUTES,
        enabled=bool(settings.RECONCILE_EVERY_MINUTES),
        minutes=settings.RECONCILE_EVERY_MINUTES,
    )
