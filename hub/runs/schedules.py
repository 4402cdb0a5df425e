"""The runs' periodic task: daily pruning of runs older than ``RETENTION_DAYS`` (0 keeps everything)."""

from __future__ import annotations

from django.conf import settings

from hub.schedules import keep_schedule


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    keep_schedule(
        "runs.prune", "hub.runs.tasks.prune_runs", Schedule.DAILY, enabled=bool(settings.RETENTION_DAYS)
    )
