"""django-q2 tasks for runs: thin functions taking plain values, calling services."""

from __future__ import annotations

from django.conf import settings

from hub.runs.services import retention


def prune_runs(older_than_days: int | None = None) -> int:
    return retention.prune_runs(settings.RETENTION_DAYS if older_than_days is None else older_than_days)
