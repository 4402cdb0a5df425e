"""The nightly full recompute and the hourly close of expired quarantine entries, created or updated by
name after every ``migrate``."""

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
    Schedule.objects.update_or_create(
        name="flaky.quarantine-expiry",
        defaults={
            "func": "hub.flaky.quarantine_tasks.expire_quarantine",
            "schedule_type": Schedule.HOURLY,
            "repeats": -1,
        },
    )
