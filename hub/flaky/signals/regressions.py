"""The regression signal: failures in a row that the test's flake rate cannot explain, so the code broke.

Kept with the signals because it decides what is *not* flakiness: executions inside such runs are not
counted as evidence of flakes, and the current streak may make the test broken.
"""

from __future__ import annotations

from hub.flaky.signals.executions import Execution, Rules
from hub.flaky.signals.rates import Aggregates, posterior


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
    flaky: bool = False,
) -> list[Execution]:
    """The executions of the current failure streak if they show a regression, else an empty list.

    A streak is a regression when it is long enough (``broken_min_streak``), newer than the spent
    evidence, no commit in it also passed (a pass on the same code is a flake), and the test's failure
    rate before the streak makes so many failures in a row less likely than ``broken_alpha``.

    A test already ``flaky`` has had a chance at such a streak after every run it was judged on, and
    one failing a fifth of the time runs into five in a row every few hundred runs: it would flap flaky ->
    broken -> flaky. Its streak must be unlikely across all those chances (``broken_alpha`` divided by
    the runs before it, a Bonferroni bound) even at the upper end of its rate's credible interval (a
    few dozen runs underestimate a 24% flake as 12% as often as not): 9 in a row instead of 5 after 30
    failures in 150 runs.
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
    mean, _, high = posterior(sum(e.any_failed for e in before), len(before), rules)
    if flaky:
        return streak if high ** len(streak) <= rules.broken_alpha / max(len(before), 1) else []
    return streak if mean ** len(streak) <= rules.broken_alpha else []
