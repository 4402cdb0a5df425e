"""Flaky-test rules: pure functions from one test's recent results to a verdict with its reasons.

No Django here. The services load a test's history as plain ``Outcome`` values (one per result row: every
attempt of every job) and ``judge`` returns a ``Verdict``: the state, a score with a credible interval, the
evidence that decided it (each naming its signal, the runs and commits behind it), the onset and the
clean runs that would show a fix. The same function judges after every ingest and in the nightly full
recompute, so the two cannot disagree.

A test is judged from *executions*: its attempts in one job. Signals of non-determinism on the same code
(a failed attempt and a passing one in one job; a pass and a failure on one commit) are strong evidence;
an isolated failure on the default branch (a pass right before and right after it) is weak evidence, and
two make it flaky. A pull request's failure that stops on its next commit is the author's change mended,
not evidence: it is shown, never counted (``signals/mended.py`` says why). Failures in a job where most
tests failed at once are infrastructure and count as nothing. A test that fails on every default-branch
run since a commit, more often than its own flake rate can explain, is broken (a regression), not flaky.
Entering a state takes less than leaving it (hysteresis): a suspicion clears after clean runs that would
be unlikely under the failure rate the test had; a flaky test is fixed only by clean runs that bound its
rate well below that, so a steady flake does not flap between flaky and fixed. The signals are computed
in ``signals/``, their evidence worded in ``evidence.py``; docs/flaky.md explains every threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hub.flaky import evidence, signals
from hub.flaky.signals import (  # the vocabulary callers use, re-exported
    DEFAULT_RULES,
    PASSED,
    Aggregates,
    Execution,
    Outcome,
    Rules,
    changepoint,
    clean_runs_needed,
    executions,
    fix_runs_needed,
    is_infrastructure,
    posterior,
)

__all__ = [
    "DEFAULT_RULES",
    "Aggregates",
    "Execution",
    "Outcome",
    "Rules",
    "Verdict",
    "changepoint",
    "clean_runs_needed",
    "executions",
    "fix_runs_needed",
    "is_infrastructure",
    "judge",
    "posterior",
]


HEALTHY, SUSPECTED, FLAKY, BROKEN, QUARANTINED, FIXED = (
    "healthy",
    "suspected",
    "flaky",
    "broken",
    "quarantined",
    "fixed",
)

# Rule names, recorded with every state change.
RULE_RETRY = "retry-in-job"
RULE_SAME_COMMIT = "same-commit"
RULE_ISOLATED = "isolated-failures"
RULE_BROKEN = "failing-since-commit"
RULE_CLEAN = "clean-runs"
RULE_RECOVERED = "passed-after-broken"


@dataclass
class Verdict:
    state: str
    rule: str
    reason: str
    score: float
    confidence_low: float
    confidence_high: float
    evidence: list[dict[str, Any]]
    run_ids: list[int]
    commit_shas: list[str]
    onset_sha: str
    onset_run: int | None
    clean_runs_needed: int
    aggregates: Aggregates
    newest_result_id: int
    clears: bool = False  # the verdict clears the test: evidence so far is spent (see ``judge``)
    rules_state: str = ""  # what the rules alone say (differs from ``state`` while quarantined)


def judge(
    outcomes: Iterable[Outcome],
    *,
    previous: str = HEALTHY,
    evidence_after: int = 0,
    rules: Rules = DEFAULT_RULES,
) -> Verdict:
    """Judge one test from its recent results.

    ``previous`` is its current state (hysteresis depends on it). ``evidence_after`` is the newest result
    id already spent: when a test is cleared (healthy again, or fixed), the evidence that made it flaky
    must not make it flaky again, so only failures after that id can move it to suspected, flaky or
    broken. A quarantined test keeps its state; its score and evidence still update.
    """
    runs = executions(outcomes)
    newest = max((e.last_id for e in runs), default=0)
    usable = [e for e in runs if not e.infra and (e.any_failed or e.final_status == PASSED)]
    history = [e for e in usable if e.default]
    agg = signals.aggregates(runs, usable, history, rules)

    retries = [e for e in usable if e.retried_flake]
    same_commit = signals.same_commit(usable)
    agg.retry_flakes = len(retries)
    agg.same_commit_flakes = len(same_commit)
    strong_jobs = {e.job_id for e in retries}
    for failing, _ in same_commit:
        strong_jobs.update(e.job_id for e in failing)
    isolated = signals.isolated_failures(history, strong_jobs)
    mended = signals.mended_failures(usable, strong_jobs)
    regression_like = signals.regression_episodes(history, agg, rules)
    current = FLAKY if previous == QUARANTINED else previous
    streak = signals.broken_streak(
        history, same_commit, evidence_after, regression_like, rules, flaky=current == FLAKY
    )

    known_good = [e for i, e in enumerate(history) if i not in regression_like]
    score, low, high = signals.score(known_good, rules)
    had = signals.rate_had(known_good, rules)
    needed = _runs_needed(current, streak, had, rules)

    new_strong = [e for e in retries if e.last_id > evidence_after] + [
        f
        for failing, passing in same_commit
        if signals.newest(failing, passing) > evidence_after
        for f in failing[:1]
    ]
    new_isolated = [e for e in isolated if e.last_id > evidence_after]
    lone = signals.lone_latest(history, strong_jobs)
    suspicious = bool(new_isolated) or (lone is not None and lone.last_id > evidence_after)

    found: list[dict[str, Any]] = []
    if retries:
        found.append(evidence.retry(retries, rules))
    if same_commit:
        found.append(evidence.same_commit(same_commit, rules))
    if history:
        found.append(evidence.history(history, isolated, agg, rules))
    if mended:
        found.append(evidence.mended(mended, rules))
    if agg.infra_failures:
        found.append(evidence.infrastructure(runs, rules))
    if streak:
        found.append(evidence.broken(streak, rules))
    found.append(evidence.probability(score, low, high, known_good, rules))

    state, rule, reason = _next_state(
        current, streak, new_strong, new_isolated, suspicious, agg.clean_streak, needed, history, rules
    )
    rules_state = state
    if previous == QUARANTINED:
        state, rule = QUARANTINED, ""
        reason = f"Quarantined; the rules alone would say {rules_state}: {reason}"

    onset_sha, onset_run = ("", None)
    if state != HEALTHY:
        onset_sha, onset_run = _onset(streak, history, regression_like, rules_state, rules)
    run_ids: list[int] = []
    shas: list[str] = []
    for item in found:
        run_ids.extend(r for r in item.get("runs", ()) if r not in run_ids)
        shas.extend(s for s in item.get("commits", ()) if s and s not in shas)
    return Verdict(
        state=state,
        rule=rule,
        reason=reason,
        score=score,
        confidence_low=low,
        confidence_high=high,
        evidence=found,
        run_ids=run_ids,
        commit_shas=shas,
        onset_sha=onset_sha,
        onset_run=onset_run,
        clean_runs_needed=_runs_needed(FLAKY if state == QUARANTINED else state, streak, had, rules),
        aggregates=agg,
        newest_result_id=newest,
        # A regression fixed says nothing about flakiness: only a clean-run clearing or a person spends
        # the evidence.
        clears=state != previous and state in (HEALTHY, FIXED) and rule != RULE_RECOVERED,
        rules_state=rules_state,
    )


def _next_state(
    current: str,
    streak: list[Execution],
    new_strong: list[Execution],
    new_isolated: list[Execution],
    suspicious: bool,
    clean: int,
    needed: int,
    history: list[Execution],
    rules: Rules,
) -> tuple[str, str, str]:
    """The state the rules choose from the signals, and the rule and sentence behind it (the rule is
    empty when the state stays). ``current`` is the state before, a quarantined test's taken as flaky."""
    if streak:
        return (
            BROKEN,
            RULE_BROKEN,
            f"Broken: failed on every default-branch run since commit {streak[0].sha[:12] or '?'} "
            f"({len(streak)} in a row), more than its flake rate can explain: a regression, not a flake.",
        )
    if current == FLAKY:
        if clean >= needed and not _strong_since(new_strong, history):
            return (
                FIXED,
                RULE_CLEAN,
                f"Fixed: {clean} clean runs in a row; a test failing even 1/{rules.fix_ratio:g} as often "
                f"as this one did would pass {needed} in a row less than {rules.fix_confidence:.0%} of the "
                "time.",
            )
        left = max(needed - clean, 1)
        return (
            FLAKY,
            "",
            f"Flaky: {left} more clean runs in a row would show it fixed; mark it fixed when a change "
            "fixes it.",
        )
    if new_strong:
        retry = next((e for e in new_strong if e.retried_flake), None)
        if retry is not None:
            why = f"failed, then passed, in job {retry.job_name!r} of run {retry.run_id}"
            return FLAKY, RULE_RETRY, f"Flaky: it {why}: the same code gave both outcomes."
        sha = new_strong[0].sha[:12]
        return FLAKY, RULE_SAME_COMMIT, f"Flaky: it passed and failed on the same commit {sha}."
    if len(new_isolated) >= rules.isolated_to_flaky:
        return (
            FLAKY,
            RULE_ISOLATED,
            f"Flaky: {len(new_isolated)} isolated failures on the default branch, each followed by a "
            "pass on the next run.",
        )
    if current == BROKEN:
        if history and not history[-1].final_failed:
            return FIXED, RULE_RECOVERED, "Fixed: it passes again after the failures that made it broken."
        return BROKEN, "", "Broken: no passing default-branch run since it broke."
    if current == SUSPECTED:
        if clean >= needed:
            sentence = f"Healthy: {clean} clean runs in a row, {needed} needed to clear it."
            return HEALTHY, RULE_CLEAN, sentence
        return SUSPECTED, "", f"Suspected: {needed - clean} more clean runs would clear it."
    if suspicious:
        return (
            SUSPECTED,
            RULE_ISOLATED,
            "Suspected: a failure on the default branch after a passing run; "
            f"{rules.isolated_to_flaky} such isolated failures make it flaky.",
        )
    return current, "", f"{current.capitalize()}: no new evidence of flakiness."


def _runs_needed(state: str, streak: list[Execution], had: tuple[float, float, float], rules: Rules) -> int:
    """The clean runs that would move a test out of ``state``: one pass ends a broken streak; a flaky test
    needs its rate bounded well below the least it may have been (``fix_runs_needed`` of the low end of
    its credible interval); a suspicion clears sooner (``clean_runs_needed`` of the mean)."""
    mean, low, _ = had
    if streak:
        return 1
    if state == FLAKY:
        return fix_runs_needed(low, rules)
    return clean_runs_needed(mean, rules)


def _strong_since(strong: list[Execution], history: list[Execution]) -> bool:
    """Strong evidence (possibly off the default branch) newer than the current clean streak."""
    start = _clean_streak_start(history)
    return any(e.last_id >= start for e in strong)


def _clean_streak_start(history: list[Execution]) -> int:
    for i in range(len(history) - 1, -1, -1):
        if history[i].any_failed:
            return history[i + 1].first_id if i + 1 < len(history) else history[i].last_id + 1
    return history[0].first_id if history else 0


def _onset(
    streak: list[Execution], history: list[Execution], regression_like: set[int], state: str, rules: Rules
) -> tuple[str, int | None]:
    """The first commit where the trouble likely started. A broken test (or one fixed since it broke):
    the first failing commit of its latest regression. Others: the first failure after the most likely
    changepoint of the default-branch history."""
    if streak:
        return streak[0].sha, streak[0].run_id
    if state in (BROKEN, FIXED) and regression_like:
        last_regression = max(regression_like)
        if not any(e.any_failed for e in history[last_regression + 1 :]):
            start = last_regression
            while start - 1 in regression_like:
                start -= 1
            return history[start].sha, history[start].run_id
    flags = [e.any_failed for e in history]
    split = changepoint(flags, rules.changepoint_min_gain) or 0
    first = next((e for e in history[split:] if e.any_failed), None)
    return (first.sha, first.run_id) if first else ("", None)
