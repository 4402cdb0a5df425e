"""The response loop's figures, as pure functions over plain rows, one ISO week at a time.

Nothing here reads the database: ``services.py`` turns runs and fix jobs into the rows below, so each
definition is written once, where it can be read and tested on its own (docs/metrics.md explains them).
A rate with nothing to count is ``None``, not 0: "no failed run this week" is not "none detected".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil
from statistics import median

FINISHED_OUTCOMES = frozenset({"succeeded", "failed", "dead"})  # a cancelled job proved nothing


def iso_week(when: datetime) -> str:
    """``2026-W49``: the ISO year and week, so the last days of December land in the right week."""
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class FailedRun:
    """A run the CI itself reported as failed (its webhook or the reconciler said so); ``detected``: the
    hub recorded why (an analysed failed test, or a failed job it categorised)."""

    finished: datetime
    detected: bool


@dataclass(frozen=True)
class Response:
    """A finished fix job: its responder, outcome and end, and for a re-run whether the same tests failed
    again."""

    responder: str
    outcome: str
    ended: datetime
    failed_again: bool = False


@dataclass(frozen=True)
class Resolution:
    """A test fixed or healed, or a failure cluster's issue closed by the hub: from the first failure of
    that episode (``started``) to the fix or heal (``ended``)."""

    subject: str  # "test" or "cluster"
    started: datetime
    ended: datetime


@dataclass(frozen=True)
class IssueClosed:
    """An issue the hub filed came to be closed: by the hub (the problem cleared) or, ``not_a_problem``,
    by a person while the hub still saw the problem."""

    at: datetime
    not_a_problem: bool


@dataclass(frozen=True)
class Red:
    """A run the CI reported failed (``FailedRun``), and what the loop made of it: whether a fix job
    answered it, whether one of them succeeded, and when a fix of it was merged (``None``: not merged)."""

    finished: datetime
    responded: bool
    fixed: bool
    merged: datetime | None = None


@dataclass(frozen=True)
class Merge:
    """A fix the hub merged, with the tests failing on the default branch's last completed run before the
    merge and on its first completed run after (``None``: no such run yet, so nothing is known)."""

    at: datetime
    failing_before: frozenset[str]
    failing_after: frozenset[str] | None


def broke_something(merge: Merge) -> bool:
    """A merged fix broke something when the default branch's first run after it has a failing test its
    last run before it did not have (a failure that was already there is not the fix's doing)."""
    return merge.failing_after is not None and bool(merge.failing_after - merge.failing_before)


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` in (0, 1]): the smallest value with at least that share of
    the values at or below it; ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, ceil(share * len(ordered))) - 1]


@dataclass
class Week:
    week: str
    failed_runs: int = 0
    detected_runs: int = 0
    responses: dict[str, dict[str, int]] = field(default_factory=dict)
    resolution_seconds: dict[str, list[float]] = field(default_factory=lambda: {"test": [], "cluster": []})
    reruns_finished: int = 0
    reruns_failed_again: int = 0
    issues_closed: int = 0
    issues_not_a_problem: int = 0
    reds: int = 0
    reds_responded: int = 0
    reds_fixed: int = 0
    red_to_merged_seconds: list[float] = field(default_factory=list)
    fixes_merged: int = 0
    merges_judged: int = 0
    merges_broke: int = 0

    def as_dict(self) -> dict:
        seconds = [s for subject in self.resolution_seconds.values() for s in subject]
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
                "resolved": len(seconds),
                "tests": len(self.resolution_seconds["test"]),
                "clusters": len(self.resolution_seconds["cluster"]),
                "median_seconds": median(seconds) if seconds else None,
                "max_seconds": max(seconds, default=None),
            },
            "false_positives": {
                "reruns_finished": self.reruns_finished,
                "failed_again": self.reruns_failed_again,
                "issues_closed": self.issues_closed,
                "closed_as_not_a_problem": self.issues_not_a_problem,
                "rate": rate(
                    self.reruns_failed_again + self.issues_not_a_problem,
                    self.reruns_finished + self.issues_closed,
                ),
            },
            "loop": {
                "failures_seen": self.reds,
                "responded": self.reds_responded,
                "fixed": self.reds_fixed,
                "merged": len(self.red_to_merged_seconds),
                "red_to_merged_p50_seconds": percentile(self.red_to_merged_seconds, 0.5),
                "red_to_merged_p90_seconds": percentile(self.red_to_merged_seconds, 0.9),
                "fixes_merged": self.fixes_merged,
                "fixes_judged": self.merges_judged,
                "fixes_that_broke_something": self.merges_broke,
                "reruns_wasted": self.reruns_failed_again,
            },
        }


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def weekly(
    weeks: list[str],
    failed_runs: Iterable[FailedRun] = (),
    responses: Iterable[Response] = (),
    resolutions: Iterable[Resolution] = (),
    issues_closed: Iterable[IssueClosed] = (),
    reds: Iterable[Red] = (),
    merges: Iterable[Merge] = (),
) -> list[Week]:
    """One ``Week`` per name in ``weeks`` (newest first, as given); rows outside them are left out.

    - failure detection: failed runs the CI reported whose failure the hub recorded / failed runs the CI
      reported, by the week the run finished;
    - response success: succeeded / finished (succeeded, failed, dead) fix jobs per responder, by the
      week the job finished;
    - time to resolution: from a test's (or cluster's) first failure to its fix or heal, by the week of
      the fix or heal;
    - false positives: (re-runs whose tests failed again + issues closed as not a problem) / (finished
      re-runs + issues closed), by the week each ended;
    - the loop: the failed runs of the week the run finished (failures seen), those a fix job answered
      (responded), those one of whose fix jobs succeeded (fixed), those a fix of which was merged
      (merged), with the p50 and p90 of the time from the run's end to the merge; by the week of each
      merge, the fixes merged, those whose default branch has run since (judged) and those that broke
      something (``broke_something``); wasted re-runs are the re-runs whose tests failed again.
    """
    table = {name: Week(name) for name in weeks}
    for run in failed_runs:
        if (week := table.get(iso_week(run.finished))) is not None:
            week.failed_runs += 1
            week.detected_runs += run.detected
    for response in responses:
        week = table.get(iso_week(response.ended))
        if week is None or response.outcome not in FINISHED_OUTCOMES:
            continue
        counts = week.responses.setdefault(response.responder, {"finished": 0, "succeeded": 0})
        counts["finished"] += 1
        counts["succeeded"] += response.outcome == "succeeded"
        if response.responder == "rerun":
            week.reruns_finished += 1
            week.reruns_failed_again += response.failed_again
    for resolution in resolutions:
        if (week := table.get(iso_week(resolution.ended))) is not None:
            seconds = max(0.0, (resolution.ended - resolution.started).total_seconds())
            week.resolution_seconds[resolution.subject].append(seconds)
    for closed in issues_closed:
        if (week := table.get(iso_week(closed.at))) is not None:
            week.issues_closed += 1
            week.issues_not_a_problem += closed.not_a_problem
    for red in reds:
        if (week := table.get(iso_week(red.finished))) is not None:
            week.reds += 1
            week.reds_responded += red.responded
            week.reds_fixed += red.fixed
            if red.merged is not None:
                week.red_to_merged_seconds.append(max(0.0, (red.merged - red.finished).total_seconds()))
    for merge in merges:
        if (week := table.get(iso_week(merge.at))) is not None:
            week.fixes_merged += 1
            week.merges_judged += merge.failing_after is not None
            week.merges_broke += broke_something(merge)
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
