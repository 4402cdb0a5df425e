"""The nightly full recompute, created or updated by name after every ``migrate``."""

from __future__ import annotations


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="flaky.recompute",
        defaults={
            "func": "hub.flaky.tasks.recompute_all",
            "schedule_type": Schedule.DAILY,
            "repeats": -1,
        },
    )
