"""The nightly full recompute and the hourly close of expired quarantine entries."""

from __future__ import annotations

from hub.schedules import keep_schedule


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    keep_schedule("flaky.recompute", "hub.flaky.tasks.recompute_all", Schedule.DAILY)
    keep_schedule("flaky.quarantine-expiry", "hub.flaky.tasks.expire_quarantine", Schedule.HOURLY)
