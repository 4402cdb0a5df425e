"""django-q2 tasks for runs: thin functions taking plain values, calling services."""

from __future__ import annotations

from django.conf import settings

from hub.runs.services import retention


def prune_runs(older_than_days: int | None = None) -> int:
    return retention.prune_runs(settings.RETENTION_DAYS if older_than_days is None else older_than_days)


def complete_idle_runs() -> int:
    """The idle sweep: runs only the agent reported, finished and quiet, get their conclusion."""
    from hub.runs.services import completion

    return completion.complete_idle_runs()
