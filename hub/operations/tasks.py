"""django-q2 tasks for operations: thin functions taking plain values, calling services."""

from __future__ import annotations

from django.conf import settings

from hub.operations.services import logs, monitor, reconcile


def reconcile_runs() -> str:
    """The scheduled pass: stale runs checked with their provider, then failed log fetches retried."""
    summary = reconcile.reconcile()
    retried = logs.retry_failed(settings.RECONCILE_BATCH)
    return (
        f"checked {summary.checked} run(s), {summary.advanced} moved, {summary.failed} error(s); "
        f"{retried} log fetch(es) retried"
    )


def monitor_projects() -> str:
    """The scheduled sweep: each due project's CI polled for failed runs nobody reported."""
    polls = monitor.sweep()
    fed = sum(len(p.fed) for p in polls)
    stopped = sum(1 for p in polls if p.error)
    return f"polled {len(polls)} project(s), {fed} failed run(s) fed, {stopped} stopped early"
