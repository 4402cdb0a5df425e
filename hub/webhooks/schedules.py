"""The webhooks' periodic task (daily pruning of old deliveries), created or updated by name after every
``migrate``, removed when ``WEBHOOK_RETENTION_DAYS`` is 0."""

from __future__ import annotations

from django.conf import settings


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    if settings.WEBHOOK_RETENTION_DAYS:
        Schedule.objects.update_or_create(
            name="webhooks.prune",
            defaults={
                "func": "hub.webhooks.tasks.prune_deliveries",
                "schedule_type": Schedule.DAILY,
                "repeats": -1,
            },
        )
    else:
        Schedule.objects.filter(name="webhooks.prune").delete()
