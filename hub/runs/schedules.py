"""The hub's periodic tasks, created or updated by name after every ``migrate`` (so they always exist
and a changed setting takes effect on the next deploy)."""

from __future__ import annotations

from django.conf import settings


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    if settings.RETENTION_DAYS:
        Schedule.objects.update_or_create(
            name="runs.prune",
            defaults={
                "func": "hub.runs.tasks.prune_runs",
                "schedule_type": Schedule.DAILY,
                "repeats": -1,
            },
        )
    else:
        Schedule.objects.filter(name="runs.prune").delete()
