"""Whether a pull request the loop opened may merge: merge, wait, or ask a person, with every reason.

A pure function over plain facts (``PullRequestFacts``) and the policy's ``merge:`` section
(``MergeRules``); the services gather the facts and act on the answer. Every rule is evaluated, so the
decision lists everything that stands in the way, not only the first thing found:

- **ask** a person when something is wrong that waiting will not fix: a failed or cancelled check, a new
  failure on the head, a failed validation, a red flaky-fix re-run, a path outside the allowed ones, a
  change over the size limits, missing approvals;
- **wait** when the verdict is not in yet: checks running or not reported on the head, validation not
  finished, flaky-fix re-runs short of the number that proves the fix (``hub.response.proof``);
- **merge** only when nothing asks and nothing waits, on the head the facts were gathered on: when the
  pull request's head moved, everything is re-gathered (wait), and the merge itself carries that head SHA
  so a stale head never merges.

docs/merge.md is the reference for people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agent import globs
from hub.response.proof import confidence, runs_to_prove

PASSING_CONCLUSIONS = frozenset({"success", "skipped", "neutral"})
COMPLETED = "completed"


class Verdict(StrEnum):
    MERGE = "merge"
    WAIT = "wait"
    ASK = "ask"


class Validation(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    PENDING = "pending"  # started, no verdict yet
    MISSING = "missing"  # never reported for this head


@dataclass(frozen=True)
class Check:
    """One check (a CI job, a status) as the provider reports it, on commit ``sha``."""

    name: str
    sha: str
    status: str  # queued, in_progress, completed (the providers' RunStatus)
    conclusion: str | None = None  # the providers' Conclusion once completed


@dataclass(frozen=True)
class FlakyFix:
    """The flaky test a pull request claims to fix, how often it failed, and its re-runs on the head."""

    test: str
    failure_rate: float
    passed: int = 0
    failed: int = 0


@dataclass(frozen=True)
class PullRequestFacts:
    head_sha: str  # the pull request's head now, as the provider says
    checked_sha: str  # the commit the facts below were gathered on
    checks: Sequence[Check] = ()
    new_failures: Sequence[str] = ()  # tests failing on the head that pass on the base
    validation: Validation = Validation.MISSING
    flaky_fix: FlakyFix | None = None
    touched_paths: Sequence[str] = ()
    lines_changed: int = 0  # added plus deleted
    approvals: int = 0


@dataclass(frozen=True)
class MergeRules:
    """The policy's ``merge:`` section (the defaults are the schema's)."""

    enabled: bool = False
    require_checks: bool = True
    require_validate: bool = True
    allowed_paths: tuple[str, ...] = ()  # glob patterns (``**`` crosses directories); empty: none allowed
    max_files: int = 10
    max_lines: int = 200
    approvals: int = 0
    flaky_max_runs: int = 100

    @classmethod
    def from_policy(cls, section: Mapping[str, Any]) -> MergeRules:
        known = {name: section[name] for name in cls.__dataclass_fields__ if name in section}
        if "allowed_paths" in known:
            known["allowed_paths"] = tuple(known["allowed_paths"])
        return cls(**known)


@dataclass(frozen=True)
class Reason:
    rule: str  # checks, new_failures, validate, flaky_fix, paths, size, approvals, head, policy
    verdict: Verdict
    message: str


@dataclass(frozen=True)
class MergeDecision:
    verdict: Verdict
    reasons: tuple[Reason, ...] = ()
    passed: tuple[str, ...] = ()  # the rules that held
    head_sha: str = ""  # the head to merge with (the expected SHA), when the verdict is merge
    detail: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        if self.verdict is Verdict.MERGE:
            return f"merge {self.head_sha[:12]}: " + ", ".join(self.passed)
        return f"{self.verdict.value}: " + "; ".join(reason.message for reason in self.reasons)


def decide(facts: PullRequestFacts, rules: MergeRules) -> MergeDecision:
    """Merge, wait or ask for a pull request the loop opened, with every reason (module docstring)."""
    if not rules.enabled:
        reason = Reason(
            "policy", Verdict.ASK, "merging is off in the policy (merge.enabled); a person merges"
        )
        return MergeDecision(Verdict.ASK, (reason,))
    if facts.checked_sha != facts.head_sha:
        message = (
            f"the head moved to {facts.head_sha[:12]} after {facts.checked_sha[:12]} was checked; "
            "deciding again on the new head"
        )
        return MergeDecision(Verdict.WAIT, (Reason("head", Verdict.WAIT, message),))
    reasons: list[Reason] = []
    passed: list[str] = []
    detail: dict[str, Any] = {}
    for rule, found in (
        ("checks", _checks(facts, rules)),
        ("new_failures", _new_failures(facts)),
        ("validate", _validation(facts, rules)),
        ("flaky_fix", _flaky_fix(facts, rules, detail)),
        ("paths", _paths(facts, rules)),
        ("size", _size(facts, rules)),
        ("approvals", _approvals(facts, rules)),
    ):
        if found:
            reasons += [Reason(rule, verdict, message) for verdict, message in found]
        else:
            passed.append(rule)
    verdicts = {reason.verdict for reason in reasons}
    verdict = Verdict.ASK if Verdict.ASK in verdicts else Verdict.WAIT if verdicts else Verdict.MERGE
    ordered = tuple(sorted(reasons, key=lambda reason: reason.verdict is not Verdict.ASK))
    head = facts.head_sha if verdict is Verdict.MERGE else ""
    return MergeDecision(verdict, ordered, tuple(passed), head, detail)


Found = list[tuple[Verdict, str]]


def _checks(facts: PullRequestFacts, rules: MergeRules) -> Found:
    if not rules.require_checks:
        return []
    on_head = [check for check in facts.checks if check.sha == facts.head_sha]
    if not on_head:
        return [(Verdict.WAIT, f"no check has reported on {facts.head_sha[:12]} yet")]
    found: Found = []
    for check in on_head:
        if check.status != COMPLETED:
            found.append((Verdict.WAIT, f"check {check.name!r} is {check.status.replace('_', ' ')}"))
        elif check.conclusion not in PASSING_CONCLUSIONS:
            found.append(
                (Verdict.ASK, f"check {check.name!r} ended {check.conclusion or 'without a conclusion'}")
            )
    return found


def _new_failures(facts: PullRequestFacts) -> Found:
    if not facts.new_failures:
        return []
    names = ", ".join(sorted(facts.new_failures)[:5])
    more = len(facts.new_failures) - 5
    return [(Verdict.ASK, f"new failures on the head: {names}" + (f" and {more} more" if more > 0 else ""))]


def _validation(facts: PullRequestFacts, rules: MergeRules) -> Found:
    if not rules.require_validate or facts.validation is Validation.PASSED:
        return []
    if facts.validation is Validation.FAILED:
        return [(Verdict.ASK, "orchestrate validate failed on the head")]
    return [(Verdict.WAIT, f"orchestrate validate is {facts.validation.value} on the head")]


def _flaky_fix(facts: PullRequestFacts, rules: MergeRules, detail: dict[str, Any]) -> Found:
    fix = facts.flaky_fix
    if fix is None:
        return []
    needed = runs_to_prove(fix.failure_rate, max_runs=rules.flaky_max_runs)
    reached = confidence(fix.failure_rate, fix.passed)
    detail["flaky_fix"] = {
        "test": fix.test,
        "runs_required": needed,
        "passed": fix.passed,
        "failed": fix.failed,
    }
    if fix.failed:
        return [
            (Verdict.ASK, f"{fix.test} failed {fix.failed} of {fix.passed + fix.failed} re-runs: still flaky")
        ]
    if fix.passed < needed:
        return [(Verdict.WAIT, f"{fix.test}: {fix.passed} of {needed} re-runs passed so far")]
    detail["flaky_fix"]["confidence"] = round(reached, 4)
    return []


def _paths(facts: PullRequestFacts, rules: MergeRules) -> Found:
    if not rules.allowed_paths:
        return [(Verdict.ASK, "merge.allowed_paths is empty: no path may be changed without a person")]
    outside = [
        path for path in facts.touched_paths if not any(globs.matches(path, p) for p in rules.allowed_paths)
    ]
    if not outside:
        return []
    names = ", ".join(sorted(outside)[:5]) + (f" and {len(outside) - 5} more" if len(outside) > 5 else "")
    return [(Verdict.ASK, f"changes outside merge.allowed_paths: {names}")]


def _size(facts: PullRequestFacts, rules: MergeRules) -> Found:
    found: Found = []
    if len(facts.touched_paths) > rules.max_files:
        found.append(
            (Verdict.ASK, f"{len(facts.touched_paths)} files changed, over merge.max_files {rules.max_files}")
        )
    if facts.lines_changed > rules.max_lines:
        found.append(
            (Verdict.ASK, f"{facts.lines_changed} lines changed, over merge.max_lines {rules.max_lines}")
        )
    return found


def _approvals(facts: PullRequestFacts, rules: MergeRules) -> Found:
    if facts.approvals >= rules.approvals:
        return []
    return [(Verdict.ASK, f"{facts.approvals} of {rules.approvals} required approvals given")]
