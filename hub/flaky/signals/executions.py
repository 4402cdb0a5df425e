"""What every signal reads: a test's result rows grouped into executions (one per job), and the rules.

``Rules`` holds every threshold (docs/flaky.md says why each has its value); ``executions`` turns query rows
into ``Execution`` values, the one shape the signal families share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

FAILED_STATUSES = frozenset(("failed", "error"))
PASSED = "passed"


@dataclass(frozen=True)
class Rules:
    """Every threshold in one place; docs/flaky.md says why each has its value."""

    infra_fraction: float = 0.5  # a job where more than this share of tests failed is infrastructure
    infra_min_tests: int = 10  # ... when it ran at least this many (two failures of three are not an outage)
    isolated_to_flaky: int = 2  # isolated default-branch failures that make a test flaky
    broken_min_streak: int = 2  # consecutive default-branch failures before a test can be broken
    broken_alpha: float = 1e-3  # ... and only if its own flake rate makes such a streak this unlikely
    prior_failures: float = 0.5  # Beta prior of the failure rate: weak (20 runs' worth), mean 2.5%
    prior_passes: float = 19.5
    half_life: float = 50.0  # executions; older ones weigh less in the rates and the score
    credible_mass: float = 0.90  # the interval reported with the score
    fix_confidence: float = 0.05  # clean runs needed: smallest N with (1 - p)^N <= this
    min_clean_runs: int = 3
    max_clean_runs: int = 100  # ... to clear a suspicion; a flaky test's fix is not capped
    fix_ratio: float = 4.0  # a flaky test is fixed once clean runs bound its rate below 1/this of what it had
    changepoint_min_gain: float = 3.0  # log-likelihood gain for a two-segment onset over one segment
    min_sample: int = 5  # default-branch executions before history rates are reported
    evidence_items: int = 10  # runs and commits listed per piece of evidence


DEFAULT_RULES = Rules()


class Outcome(NamedTuple):
    """One result row as detection sees it (built straight from a query row, in this field order)."""

    result_id: int
    run_id: int
    sha: str
    branch: str
    on_default_branch: bool
    pull_request: int | None
    job_id: int
    job_name: str
    attempt: int
    final: bool
    status: str
    duration: float | None
    at: Any  # when the run happened; carried through, only compared with other outcomes' ``at``
    infra: bool  # the job is an infrastructure failure (see ``is_infrastructure``)
    test_id: int = 0


@dataclass(slots=True)
class Execution:
    """A test's attempts in one job. The last three fields are derived from the others once they are all
    read (``settle``): signals ask them of every execution many times over, so they are not properties."""

    job_id: int
    run_id: int
    sha: str
    job_name: str
    default: bool
    pull_request: int | None
    at: Any
    first_id: int
    last_id: int
    infra: bool
    final_id: int = 0
    final_status: str = ""
    failed_attempts: int = 0
    passed_attempts: int = 0
    failed_seconds: float = 0.0
    branch: str = ""
    final_failed: bool = False  # its final attempt failed (or errored)
    any_failed: bool = False  # any attempt failed
    retried_flake: bool = False  # an attempt failed and another passed, in one job

    def settle(self) -> Execution:
        self.final_failed = self.final_status in FAILED_STATUSES
        self.any_failed = self.failed_attempts > 0
        self.retried_flake = self.any_failed and self.passed_attempts > 0
        return self


def is_infrastructure(tests: int, failed: int, errors: int, rules: Rules = DEFAULT_RULES) -> bool:
    """Most of a job's tests failed at once: the runner, network or services broke, not each test."""
    return tests >= rules.infra_min_tests and (failed + errors) > rules.infra_fraction * tests


def executions(outcomes: Iterable[Outcome]) -> list[Execution]:
    """Group result rows by job, oldest first (by result id, the order the hub received them).

    Rows may be plain tuples in ``Outcome``'s field order (the services pass query rows as they come):
    they are unpacked by position, which is also the fastest way to read them."""
    by_job: dict[int, Execution] = {}
    for row in outcomes:
        result_id, run_id, sha, branch, default, pull_request, job_id, job_name = row[:8]
        final, status, duration = row[9:12]
        e = by_job.get(job_id)
        if e is None:
            e = by_job[job_id] = Execution(
                job_id,
                run_id,
                sha,
                job_name,
                bool(default),
                pull_request,
                row[12],
                result_id,
                result_id,
                bool(row[13]),
                branch=branch,
            )
        elif result_id < e.first_id:
            e.first_id = result_id
        elif result_id > e.last_id:
            e.last_id = result_id
        if status in FAILED_STATUSES:
            e.failed_attempts += 1
            e.failed_seconds += duration or 0.0
        elif status == PASSED:
            e.passed_attempts += 1
        if final and result_id > e.final_id:
            e.final_id, e.final_status = result_id, status
    return sorted((e.settle() for e in by_job.values()), key=_first_id)


def _first_id(e: Execution) -> int:
    return e.first_id


def newest(*groups: list[Execution]) -> int:
    return max(e.last_id for group in groups for e in group)
