"""Reconciliation every ``RECONCILE_EVERY_MINUTES`` and the monitors' sweep every
``MONITOR_SWEEP_MINUTES`` (0 turns either off; each monitor keeps its own interval within the sweep)."""

from __future__ import annotations

from django.conf import settings

from hub.schedules import keep_schedule

NAME = "operations.reconcile"
MONITOR = "operations.monitor"


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    keep_schedule(
        NAME,
        "hub.operations.tasks.reconcile_runs",
        Schedule.MINUTES,
        enabled=bool(settings.RECONCILE_EVERY_MINUTES),
        minutes=settings.RECONCILE_EVERY_MINUTES,
    )
    keep_schedule(
        MONITOR,
        "hub.operations.tasks.monitor_projects",
        Schedule.MINUTES,
        enabled=bool(settings.MONITOR_SWEEP_MINUTES),
        minutes=settings.MONITOR_SWEEP_MINUTES,
    )
