"""How often a test fails, and since when: the counts the health row keeps and the estimates behind the
score (a Beta posterior, decayed by age), the clean runs a fix needs, and where a failure rate stepped up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from math import ceil, log
from typing import Any

from hub.flaky.beta import beta_quantile
from hub.flaky.signals.executions import DEFAULT_RULES, Execution, Rules


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


def fix_runs_needed(failure_rate: float, rules: Rules = DEFAULT_RULES) -> int:
    """The clean runs that show a *flaky* test fixed: enough to bound its rate well below the rate ``p``
    it had, the smallest N with (1 - p / ``fix_ratio``)^N <= ``fix_confidence``, never capped.

    Clearing a suspicion can be quick, but a flaky verdict that leaves on a lucky streak comes straight
    back: a test that flakes 20% of the time passes the 14 runs ``clean_runs_needed`` asks 4.4% of the
    time, and it has a chance after every failure, so it flapped between flaky and fixed. At a quarter
    of the rate (59 runs at 20%), a test whose rate did not change passes them about
    ``fix_confidence ** fix_ratio`` of the time (6 in a million). ``detection`` passes the low end of the
    rate's credible interval: a test seen failing 3 of 11 runs in the window may fail 3% of the time, and
    measured against 11% it was fixed by a streak it passes 3% of the time. The cost: a test that failed
    one run in twenty needs 239 clean runs or more, more than the history holds, so only a person
    marking it fixed clears it.
    """
    if failure_rate <= 0.0:
        return rules.min_clean_runs
    needed = ceil(log(rules.fix_confidence) / log(1.0 - min(failure_rate, 1.0) / rules.fix_ratio))
    return max(rules.min_clean_runs, needed)


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


def score(known_good: list[Execution], rules: Rules) -> tuple[float, float, float]:
    decay = 0.5 ** (1.0 / rules.half_life)
    weight, runs, failures = 1.0, 0.0, 0.0
    for e in reversed(known_good):
        runs += weight
        if e.any_failed:
            failures += weight
        weight *= decay
    return posterior(failures, runs, rules)


def rate_had(known_good: list[Execution], rules: Rules) -> tuple[float, float, float]:
    """The failure rate up to its last failure, as ``posterior`` gives it (mean, low, high): what a fix
    must be measured against (the clean runs since then must not lower the bar they are judged by)."""
    last = max((i for i, e in enumerate(known_good) if e.any_failed), default=-1)
    window = known_good[: last + 1]
    return posterior(sum(1 for e in window if e.any_failed), len(window), rules)


def _bernoulli_ll(k: float, n: float) -> float:
    if n == 0 or k == 0 or k == n:
        return 0.0
    p = k / n
    return k * log(p) + (n - k) * log(1.0 - p)
