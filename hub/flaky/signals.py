"""The signals of flakiness, computed from a test's executions: pure functions over plain data.

``detection.judge`` combines them into a verdict. Each function here answers one question about a test's
recent history (which jobs retried a failure into a pass, which commits both passed and failed, which
default-branch failures stood alone, which failure runs look like a regression, how likely a failure is)
so each can be read, tested and tuned on its own. ``Rules`` holds every threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from math import ceil, log
from typing import Any, NamedTuple

from hub.flaky.beta import beta_quantile

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
    max_clean_runs: int = 100
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
    """A test's attempts in one job."""

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

    @property
    def final_failed(self) -> bool:
        return self.final_status in FAILED_STATUSES

    @property
    def any_failed(self) -> bool:
        return self.failed_attempts > 0

    @property
    def retried_flake(self) -> bool:
        return self.failed_attempts > 0 and self.passed_attempts > 0


@dataclass
class Aggregates:
    """What the health row keeps besides the verdict (field names match ``TestHealth``)."""

    runs: int = 0
    failures: int = 0
    weighted_runs: float = 0.0
    weighted_failures: float = 0.0
    flips: int = 0
    retry_flakes: int = 0
    same_commit_flakes: int = 0
    infra_failures: int = 0
    failure_streak: int = 0
    clean_streak: int = 0
    recent: str = ""
    runs_affected: int = 0
    pull_requests_affected: int = 0
    time_lost: float = 0.0
    first_failure_at: Any = None
    last_failure_at: Any = None
    last_result_at: Any = None


def is_infrastructure(tests: int, failed: int, errors: int, rules: Rules = DEFAULT_RULES) -> bool:
    """Most of a job's tests failed at once: the runner, network or services broke, not each test."""
    return tests >= rules.infra_min_tests and (failed + errors) > rules.infra_fraction * tests


def clean_runs_needed(failure_rate: float, rules: Rules = DEFAULT_RULES) -> int:
    """The clean runs that show a fix: the smallest N with (1 - p)^N <= ``fix_confidence``, clamped.

    A test that failed one run in three is shown fixed by 8 clean runs; one that failed one in a hundred
    needs 299, capped at ``max_clean_runs``.
    """
    if failure_rate <= 0.0:
        return rules.min_clean_runs
    if failure_rate >= 1.0:
        return 1
    needed = ceil(log(rules.fix_confidence) / log(1.0 - failure_rate))
    return max(rules.min_clean_runs, min(rules.max_clean_runs, needed))


def posterior(failures: float, runs: float, rules: Rules = DEFAULT_RULES) -> tuple[float, float, float]:
    """Mean and equal-tailed credible interval of the failure rate after ``failures`` in ``runs``."""
    a = rules.prior_failures + failures
    b = rules.prior_passes + max(runs - failures, 0.0)
    tail = (1.0 - rules.credible_mass) / 2.0
    return a / (a + b), beta_quantile(tail, a, b), beta_quantile(1.0 - tail, a, b)


def changepoint(failed: Sequence[bool], min_gain: float = DEFAULT_RULES.changepoint_min_gain) -> int | None:
    """Where a Bernoulli sequence most likely stepped up: the index starting the second segment of the
    two-segment maximum-likelihood split with the higher failure rate after it, or None when no split
    beats one segment by ``min_gain`` in log-likelihood."""
    n = len(failed)
    total = sum(failed)
    if n < 2 or total == 0:
        return None
    best_gain, best_at = 0.0, None
    base = _bernoulli_ll(total, n)
    before = 0
    for split in range(1, n):
        before += failed[split - 1]
        after = total - before
        if after / (n - split) <= before / split:
            continue
        gain = _bernoulli_ll(before, split) + _bernoulli_ll(after, n - split) - base
        if gain > best_gain:
            best_gain, best_at = gain, split
    return best_at if best_gain >= min_gain else None


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
    return sorted(by_job.values(), key=_first_id)


def _first_id(e: Execution) -> int:
    return e.first_id


def aggregates(
    runs: list[Execution], usable: list[Execution], history: list[Execution], rules: Rules
) -> Aggregates:
    agg = Aggregates()
    n = len(history)
    agg.runs = n
    agg.failures = sum(1 for e in history if e.any_failed)
    decay = 0.5 ** (1.0 / rules.half_life)
    weight = 1.0
    for e in reversed(history):
        agg.weighted_runs += weight
        if e.any_failed:
            agg.weighted_failures += weight
        weight *= decay
    agg.flips = sum(1 for a, b in pairwise(history) if a.final_failed != b.final_failed)
    for e in reversed(history):
        if not e.final_failed:
            break
        agg.failure_streak += 1
    for e in reversed(history):
        if e.any_failed:
            break
        agg.clean_streak += 1
    agg.recent = "".join("f" if e.any_failed else "p" for e in history[-200:])
    agg.infra_failures = sum(1 for e in runs if e.infra and e.any_failed)
    failing = [e for e in usable if e.any_failed]
    agg.runs_affected = len({e.run_id for e in failing})
    agg.pull_requests_affected = len({e.pull_request for e in failing if e.pull_request})
    agg.time_lost = round(sum(e.failed_seconds for e in failing), 3)
    if failing:
        agg.first_failure_at = failing[0].at
        agg.last_failure_at = failing[-1].at
    if runs:
        agg.last_result_at = runs[-1].at
    return agg


def same_commit(usable: list[Execution]) -> list[tuple[list[Execution], list[Execution]]]:
    """Commits (per job name: a matrix cell that always fails is a configuration, not a flake) where the
    test finished failed in one execution and passed in another."""
    groups: dict[tuple[str, str], tuple[list[Execution], list[Execution]]] = {}
    if not any(e.final_failed for e in usable):
        return []
    for e in usable:
        if not e.sha:
            continue
        failing, passing = groups.setdefault((e.sha, e.job_name), ([], []))
        if e.final_failed:
            failing.append(e)
        elif e.final_status == PASSED:
            passing.append(e)
    return [(f, p) for f, p in groups.values() if f and p]


def isolated_failures(history: list[Execution], strong_jobs: set[int]) -> list[Execution]:
    """Default-branch failures with a pass right before and right after: a regression lasts until it is
    fixed; these did not. The latest execution cannot be one yet (see ``_lone_latest``)."""
    found = []
    for i in range(1, len(history) - 1):
        e = history[i]
        alone = not history[i - 1].final_failed and not history[i + 1].final_failed
        if e.final_failed and alone and e.job_id not in strong_jobs:
            found.append(e)
    return found


class BranchFailure(NamedTuple):
    """A failure on a branch other than the default one, with the runs that make it evidence."""

    line: str  # the pull request ("#12") or, for a branch pushed without one, the branch name
    before: Execution  # the default-branch run before the failure began, which passed
    after: Execution  # the default-branch run after it began, which passed
    failed: Execution  # the first failure of the episode
    passed: Execution  # the next run on the same line and job name, which passed


@dataclass(slots=True)
class _Episode:
    line: str
    before: Execution
    failed: Execution
    after: Execution | None = None
    passed: Execution | None = None


def branch_failures(usable: list[Execution], strong_jobs: set[int]) -> list[BranchFailure]:
    """Failures off the default branch that stood alone: the default branch passed on its runs right
    before and right after the failure began (the code it branched from was fine), and the same pull
    request passed again on a later run of the same job (the failure did not last). One per pull
    request: a pull request may break a test and fix it on its own branch, which looks the same, so only
    *different* pull requests are independent evidence (``detection.judge`` counts them with the default
    branch's isolated failures).

    A pull request branched from a broken default branch fails from its first run, next to the default
    branch's failures, so it is not counted even when its CI reported before the default branch's did.
    A failure still awaiting its pull request's next run is not evidence yet. ``usable`` is every usable
    execution in arrival order; failures in ``strong_jobs`` (a retry or a same-commit pass) are counted
    by their own signal."""
    found: dict[str, BranchFailure] = {}
    before: Execution | None = None  # the latest default-branch execution so far
    episodes: dict[tuple[str, str], _Episode | None] = {}  # open failures by line and job name
    waiting: list[_Episode] = []  # episodes without a default-branch run after their start yet

    def stood_alone(episode: _Episode) -> None:
        after, passed = episode.after, episode.passed
        if after is not None and passed is not None and not after.final_failed:
            found[episode.line] = BranchFailure(episode.line, episode.before, after, episode.failed, passed)

    for e in usable:
        if e.default:
            for episode in waiting:
                episode.after = e
                stood_alone(episode)
            waiting.clear()
            before = e
            continue
        line = f"#{e.pull_request}" if e.pull_request else e.branch
        key = (line, e.job_name)
        if e.final_failed and e.job_id not in strong_jobs:
            if key not in episodes:
                fine = before is not None and not before.final_failed
                episodes[key] = _Episode(line, before, e) if fine else None
                if fine:
                    waiting.append(episodes[key])
        elif e.final_status == PASSED and key in episodes:
            episode = episodes.pop(key)
            if episode is not None:
                episode.passed = e
                stood_alone(episode)
    return sorted(found.values(), key=lambda b: max(b.after.last_id, b.passed.last_id))


def clean_since(history: list[Execution], after_id: int) -> int:
    """The default branch's clean executions in a row at the end of its history, counting only those
    received after result ``after_id``."""
    clean = 0
    for e in reversed(history):
        if e.any_failed or e.first_id <= after_id:
            break
        clean += 1
    return clean


def lone_latest(history: list[Execution], strong_jobs: set[int]) -> Execution | None:
    """The latest default-branch execution when it failed right after a pass: the first sign of a flake
    or of a regression, which the next run tells apart. Enough to suspect, never to call it flaky."""
    if len(history) < 2 or not history[-1].final_failed or history[-2].final_failed:
        return None
    return None if history[-1].job_id in strong_jobs else history[-1]


def episodes(history: list[Execution]) -> list[tuple[int, int]]:
    """Maximal runs of final failures as (start, end) indexes, end exclusive."""
    found, start = [], None
    for i, e in enumerate(history):
        if e.final_failed and start is None:
            start = i
        elif not e.final_failed and start is not None:
            found.append((start, i))
            start = None
    if start is not None:
        found.append((start, len(history)))
    return found


def regression_episodes(history: list[Execution], agg: Aggregates, rules: Rules) -> set[int]:
    """Indexes of executions in failure runs too long for the test's overall flake rate to explain
    (p^L below ``broken_alpha``): failures of code that was broken, not evidence about flakiness."""
    if not agg.failures:
        return set()
    rate = (rules.prior_failures + agg.failures) / (rules.prior_failures + rules.prior_passes + agg.runs)
    inside: set[int] = set()
    for start, end in episodes(history):
        length = end - start
        long_enough = length >= rules.broken_min_streak and rate**length <= rules.broken_alpha
        if long_enough and not any(history[i].retried_flake for i in range(start, end)):
            inside.update(range(start, end))
    return inside


def broken_streak(
    history: list[Execution],
    same_commit: list[tuple[list[Execution], list[Execution]]],
    evidence_after: int,
    regression_like: set[int],
    rules: Rules,
) -> list[Execution]:
    """The executions of the current failure streak if they show a regression, else an empty list.

    A streak is a regression when it is long enough (``broken_min_streak``), newer than the spent
    evidence, no commit in it also passed (a pass on the same code is a flake), and the test's failure
    rate before the streak makes so many failures in a row less likely than ``broken_alpha``.
    """
    start = len(history)
    while start > 0 and history[start - 1].final_failed:
        start -= 1
    streak = history[start:]
    if len(streak) < rules.broken_min_streak or streak[-1].last_id <= evidence_after:
        return []
    passed_on = {(p.sha, p.job_name) for _, passing in same_commit for p in passing}
    if any(e.passed_attempts or (e.sha, e.job_name) in passed_on for e in streak):
        return []
    before = [e for i, e in enumerate(history[:start]) if i not in regression_like]
    rate_before = (rules.prior_failures + sum(e.any_failed for e in before)) / (
        rules.prior_failures + rules.prior_passes + len(before)
    )
    return streak if rate_before ** len(streak) <= rules.broken_alpha else []


def score(known_good: list[Execution], rules: Rules) -> tuple[float, float, float]:
    decay = 0.5 ** (1.0 / rules.half_life)
    weight, runs, failures = 1.0, 0.0, 0.0
    for e in reversed(known_good):
        runs += weight
        if e.any_failed:
            failures += weight
        weight *= decay
    return posterior(failures, runs, rules)


def rate_had(known_good: list[Execution], rules: Rules) -> float:
    """The failure rate up to its last failure: what a fix must be measured against (the clean runs
    since then must not lower the bar they are judged by)."""
    last = max((i for i, e in enumerate(known_good) if e.any_failed), default=-1)
    window = known_good[: last + 1]
    failures = sum(1 for e in window if e.any_failed)
    return (rules.prior_failures + failures) / (rules.prior_failures + rules.prior_passes + len(window))


def newest(*groups: list[Execution]) -> int:
    return max(e.last_id for group in groups for e in group)


def _bernoulli_ll(k: float, n: float) -> float:
    if n == 0 or k == 0 or k == n:
        return 0.0
    p = k / n
    return k * log(p) + (n - k) * log(1.0 - p)
