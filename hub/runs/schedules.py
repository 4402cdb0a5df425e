"""The runs' periodic tasks: daily pruning of runs older than ``RETENTION_DAYS`` (0 keeps everything), and
the idle sweep that completes runs only the agent reported (``RUN_IDLE_COMPLETE_SECONDS``; 0 turns it off),
checked every fifth of that time, between one and ten minutes, so a run completes at most a fifth late."""

from __future__ import annotations

from django.conf import settings

from hub.schedules import keep_schedule

IDLE_SWEEP = "runs.complete-idle"


def sweep_minutes(idle_seconds: int) -> int:
    return min(10, max(1, idle_seconds // 300))


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    keep_schedule(
        "runs.prune", "hub.runs.tasks.prune_runs", Schedule.DAILY, enabled=bool(settings.RETENTION_DAYS)
    )
    keep_schedule(
        IDLE_SWEEP,
        "hub.runs.tasks.complete_idle_runs",
        Schedule.MINUTES,
        enabled=bool(settings.RUN_IDLE_COMPLETE_SECONDS),
        minutes=sweep_minutes(settings.RUN_IDLE_COMPLETE_SECONDS),
    )
