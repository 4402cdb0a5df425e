"""The response loop's figures, as pure functions over plain rows, one ISO week at a time.

Nothing here reads the database: ``services.py`` turns runs and fix jobs into the rows below, so each
definition is written once, where it can be read and tested on its own (docs/metrics.md explains them).
A rate with nothing to count is ``None``, not 0: "no failed run this week" is not "none detected".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

FINISHED_OUTCOMES = frozenset({"succeeded", "failed", "dead"})  # a cancelled job proved nothing


def iso_week(when: datetime) -> str:
    """``2026-W49``: the ISO year and week, so the last days of December land in the right week."""
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class FailedRun:
    """A run the CI reported as failed (by webhook or the reconciler); ``uploaded``: the hub holds its
    test results."""

    finished: datetime
    uploaded: bool


@dataclass(frozen=True)
class Response:
    """A finished fix job: its responder, outcome, when its answer started and ended, and for a re-run
    whether the same tests failed again."""

    responder: str
    outcome: str
    started: datetime
    ended: datetime
    failed_again: bool = False


@dataclass
class Week:
    week: str
    failed_runs: int = 0
    detected_runs: int = 0
    responses: dict[str, dict[str, int]] = field(default_factory=dict)
    resolution_seconds: list[float] = field(default_factory=list)
    reruns_finished: int = 0
    reruns_failed_again: int = 0

    def as_dict(self) -> dict:
        return {
            "week": self.week,
            "failure_detection": {
                "failed_runs": self.failed_runs,
                "detected": self.detected_runs,
                "rate": rate(self.detected_runs, self.failed_runs),
            },
            "response_success": {
                responder: {**counts, "rate": rate(counts["succeeded"], counts["finished"])}
                for responder, counts in sorted(self.responses.items())
            },
            "time_to_resolution": {
                "resolved": len(self.resolution_seconds),
                "median_seconds": median(self.resolution_seconds) if self.resolution_seconds else None,
                "max_seconds": max(self.resolution_seconds, default=None),
            },
            "false_positives": {
                "reruns_finished": self.reruns_finished,
                "failed_again": self.reruns_failed_again,
                "rate": rate(self.reruns_failed_again, self.reruns_finished),
            },
        }


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def weekly(failed_runs: Iterable[FailedRun], responses: Iterable[Response], weeks: list[str]) -> list[Week]:
    """One ``Week`` per name in ``weeks`` (newest first, as given); rows outside them are left out.

    - failure detection: failed runs with uploads / failed runs, by the week the run finished;
    - response success: succeeded / finished (succeeded, failed, dead) fix jobs per responder, by the
      week the job finished;
    - time to resolution: from the failure a succeeded job answered to its success;
    - false positives: re-runs whose failed tests failed again / finished re-runs.
    """
    table = {name: Week(name) for name in weeks}
    for run in failed_runs:
        week = table.get(iso_week(run.finished))
        if week is not None:
            week.failed_runs += 1
            week.detected_runs += run.uploaded
    for response in responses:
        week = table.get(iso_week(response.ended))
        if week is None or response.outcome not in FINISHED_OUTCOMES:
            continue
        counts = week.responses.setdefault(response.responder, {"finished": 0, "succeeded": 0})
        counts["finished"] += 1
        if response.outcome == "succeeded":
            counts["succeeded"] += 1
            week.resolution_seconds.append(max(0.0, (response.ended - response.started).total_seconds()))
        if response.responder == "rerun":
            week.reruns_finished += 1
            week.reruns_failed_again += response.failed_again
    return [table[name] for name in weeks]


def last_weeks(now: datetime, count: int) -> list[str]:
    """The names of the ``count`` ISO weeks up to ``now``'s, newest first."""
    names: list[str] = []
    day = now
    while len(names) < count:
        name = iso_week(day)
        if name not in names:
            names.append(name)
        day -= timedelta(days=7)
    return names
