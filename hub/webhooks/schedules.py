"""Daily pruning of webhook deliveries older than ``WEBHOOK_RETENTION_DAYS`` (0 keeps them)."""

from __future__ import annotations

from django.conf import settings

from hub.schedules import keep_schedule


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    keep_schedule(
        "webhooks.prune",
        "hub.webhooks.tasks.prune_deliveries",
        Schedule.DAILY,
        enabled=bool(settings.WEBHOOK_RETENTION_DAYS),
    )
