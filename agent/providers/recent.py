"""Recent runs over a look-back window: what ``orchestrate ci list --since`` shows and what the hub's
monitor polls, read the same way so a terminal and the hub agree on which runs failed lately.

Every client's ``list_runs`` answers newest first; at most ``scan`` runs are listed (a bounded number of
pages, whatever the repository's traffic), and those older than the window are left out. "Failed" is
the hub's own set of failed conclusions (a failure or a time-out), not a cancelled or skipped run.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from agent.providers.base import Conclusion, Provider, RunInfo, RunStatus

FAILED = frozenset({Conclusion.FAILURE.value, Conclusion.TIMED_OUT.value})
DEFAULT_SCAN = 100  # runs listed at most per reading, before the window and the status filter


def matches(run: RunInfo, status: str | None) -> bool:
    """Whether ``run`` is in state ``status`` or ended with that conclusion ("failure": any failed one)."""
    if status is None:
        return True
    if status in {s.value for s in RunStatus}:
        return run.status == status
    if status == Conclusion.FAILURE:
        return run.completed and run.conclusion in FAILED
    return run.completed and run.conclusion == status


def within(runs: Iterable[RunInfo], since: datetime) -> Iterable[RunInfo]:
    """The runs created at or after ``since``, stopping at the first older one (newest first)."""
    for run in runs:
        if run.created_at is not None and run.created_at < since:
            return
        yield run


def recent_runs(
    provider: Provider,
    *,
    since: datetime,
    status: str | None = None,
    workflow: str | None = None,
    branch: str | None = None,
    limit: int = 20,
    scan: int = DEFAULT_SCAN,
) -> list[RunInfo]:
    """At most ``limit`` runs created since ``since`` in ``status`` (a state or a conclusion), newest
    first, from at most ``max(scan, limit)`` runs listed."""
    # A conclusion is a completed run: the listing asks for completed ones, which every client filters.
    listed_status = status if status in {s.value for s in RunStatus} else None
    if status is not None and listed_status is None:
        listed_status = RunStatus.COMPLETED.value
    listed = provider.list_runs(
        branch=branch or None, workflow=workflow or None, status=listed_status, limit=max(scan, limit)
    )
    found = [run for run in within(listed, since) if matches(run, status)]
    return found[:limit]
