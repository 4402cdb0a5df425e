"""A run's and a job's state only move forward: queued, in progress, completed; a conclusion sticks.

Reports and webhooks arrive in any order and may be replayed; these pure functions decide what an update
may change, so a late "in progress" never reopens a completed run, and what a run that no provider
describes concludes from its jobs (``services/completion.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from hub.runs.models import STATUS_ORDER, Conclusion, RunStatus


def advance_status(current: str, proposed: str | None) -> str:
    if not proposed:
        return current
    return proposed if STATUS_ORDER[RunStatus(proposed)] > STATUS_ORDER[RunStatus(current)] else current


def advance(current: dict, proposed: dict) -> dict:
    """What ``proposed`` may change in ``current``: status forward, conclusion once, times filled."""
    changes: dict = {}
    status = advance_status(current["status"], proposed.get("status"))
    if status != current["status"]:
        changes["status"] = status
    conclusion = proposed.get("conclusion")
    if conclusion and not current.get("conclusion"):
        changes["conclusion"] = conclusion
        if status != RunStatus.COMPLETED:
            changes["status"] = RunStatus.COMPLETED  # a conclusion means the run is over
    started: datetime | None = proposed.get("started_at")
    if started and (current.get("started_at") is None or started < current["started_at"]):
        changes["started_at"] = started
    finished: datetime | None = proposed.get("finished_at")
    if finished and current.get("finished_at") is None:
        changes["finished_at"] = finished
    return changes


def fill_blanks(current: dict, proposed: dict) -> dict:
    """Descriptive fields (branch, SHA, workflow...) are filled by whoever knows them first."""
    return {k: v for k, v in proposed.items() if v not in (None, "") and current.get(k) in (None, "")}


# A job or run ended badly when its conclusion is one of these; the run then fails.
FAILED_CONCLUSIONS = frozenset({Conclusion.FAILURE, Conclusion.TIMED_OUT})


def conclude_job(conclusion: str, failed: int, errors: int) -> str:
    """A finished job's conclusion: the one it was given, else what its results say (a test that finally
    failed or errored fails the job)."""
    if conclusion:
        return conclusion
    return Conclusion.FAILURE if failed or errors else Conclusion.SUCCESS


def conclude_run(job_conclusions: Iterable[str]) -> str:
    """A run's conclusion from its jobs': failure if any failed or timed out, else cancelled if any was
    cancelled, skipped if every job was, else success."""
    conclusions = list(job_conclusions)
    if any(c in FAILED_CONCLUSIONS for c in conclusions):
        return Conclusion.FAILURE
    if Conclusion.CANCELLED in conclusions:
        return Conclusion.CANCELLED
    if conclusions and all(c == Conclusion.SKIPPED for c in conclusions):
        return Conclusion.SKIPPED
    return Conclusion.SUCCESS
