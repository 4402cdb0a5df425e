"""The reconciliation schedule, created or updated by name after every ``migrate`` (so a changed
``RECONCILE_EVERY_MINUTES`` takes effect on the next deploy), removed when it is 0."""

from __future__ import annotations

from django.conf import settings

NAME = "operations.reconcile"


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    if settings.RECONCILE_EVERY_MINUTES:
        Schedule.objects.update_or_create(
            name=NAME,
            defaults={
                "func": "hub.operations.tasks.reconcile_runs",
                "schedule_type": Schedule.MINUTES,
                "minutes": settings.RECONCILE_EVERY_MINUTES,
                "repeats": -1,
            },
        )
    else:
        Schedule.objects.filter(name=NAME).delete()
