"""What the policy says to do about a completed run: pure functions over plain facts.

The services gather the facts (``services/facts.py``) and act on the answer; nothing here reads the
database, so every rule and limit is pinned by a plain test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FAILED_CONCLUSIONS = frozenset({"failure", "timed_out"})
KNOWN_FLAKY = frozenset({"flaky", "quarantined"})
INFRASTRUCTURE = "infrastructure"


@dataclass(frozen=True)
class TestFailure:
    __test__ = False  # a failed test, not a pytest class
    test: str
    state: str  # the test's verdict (hub.flaky TestState), "healthy" when it has none
    category: str  # hub.failures Category of this failure


@dataclass(frozen=True)
class FailedJob:
    name: str
    failures: Sequence[TestFailure] = ()
    category: str = ""  # the job's own category (hub.failures JobFailure), "" when unknown


@dataclass(frozen=True)
class RunFacts:
    conclusion: str
    failed_jobs: Sequence[FailedJob] = ()
    analysis_pending: bool = False  # an upload of the run is not analysed yet


@dataclass(frozen=True)
class Decision:
    act: bool
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)


def _why(failure: TestFailure, when: Sequence[str]) -> str | None:
    if "flaky" in when and failure.state in KNOWN_FLAKY:
        return "known flaky"
    if INFRASTRUCTURE in when and failure.category == INFRASTRUCTURE:
        return INFRASTRUCTURE
    return None


def _job_refusal(job: FailedJob, when: Sequence[str]) -> str | None:
    """Why ``job``'s failure does not qualify for a re-run; None when it does."""
    if not job.failures:
        if INFRASTRUCTURE in when and job.category == INFRASTRUCTURE:
            return None
        return f"job {job.name!r} failed with no failed test the hub knows of"
    for failure in job.failures:
        if _why(failure, when) is None:
            return f"{failure.test} in job {job.name!r} failed and is {failure.state} ({failure.category})"
    return None


def rerun(facts: RunFacts, rules: Mapping[str, Any], *, reruns_of_run: int, reruns_today: int) -> Decision:
    """Re-run the failed jobs of a completed run when every failure is one the policy's ``rerun.when``
    names (a known-flaky test, an infrastructure failure), within ``max_per_run`` and ``max_per_day``."""
    if not rules["enabled"]:
        return Decision(False, "re-runs are off in the policy (rerun.enabled)")
    if facts.conclusion not in FAILED_CONCLUSIONS:
        return Decision(False, f"the run's conclusion is {facts.conclusion or 'unknown'}, not a failure")
    if facts.analysis_pending:
        return Decision(False, "an upload of the run is still being analysed; decided when it is")
    if not facts.failed_jobs:
        return Decision(False, "no failed job is known, so nothing explains the failure")
    when = rules["when"]
    for job in facts.failed_jobs:
        refusal = _job_refusal(job, when)
        if refusal is not None:
            return Decision(False, f"not every failure qualifies (rerun.when): {refusal}")
    if reruns_of_run >= rules["max_per_run"]:
        return Decision(False, f"this run was re-run {reruns_of_run} time(s) (rerun.max_per_run)")
    if reruns_today >= rules["max_per_day"]:
        return Decision(False, f"{reruns_today} re-runs in the last 24 hours (rerun.max_per_day)")
    tests = sorted({f.test for job in facts.failed_jobs for f in job.failures})
    reasons = sorted({_why(f, when) or "" for job in facts.failed_jobs for f in job.failures} - {""})
    jobs = [job.name for job in facts.failed_jobs]
    summary = " and ".join(reasons) or INFRASTRUCTURE
    return Decision(
        True,
        f"every failure of the run's {len(jobs)} failed job(s) is {summary}",
        {"jobs": jobs, "tests": tests},
    )


# -- issues: one per flaky or broken test, following its state -----------------------------------------

OPEN, UPDATE, CLOSE, REOPEN, NOTHING = "open", "update", "close", "reopen", "nothing"
# An issue the hub opened and a person closed while the hub still saw the problem: "not a problem". The hub
# leaves it closed (a person's decision) until the problem clears; a relapse after that reopens it.
DISMISSED = "dismissed"
ISSUE_KINDS = {"flaky": "flaky", "quarantined": "flaky", "broken": "broken"}  # test state -> policy key
CLEARED = frozenset({"fixed", "healthy"})
LIMITED = frozenset({OPEN, UPDATE})  # what issues.max_per_hour holds back; closing and reopening follow
# state changes, which detection already bounds, and are never dropped


@dataclass(frozen=True)
class IssueDecision:
    move: str  # OPEN, UPDATE, CLOSE, REOPEN or NOTHING
    reason: str


def issue(
    state: str, issue_state: str | None, rules: Mapping[str, Any], *, writes_last_hour: int
) -> IssueDecision:
    """What the test's issue should do, from the test's state now and its issue's (None: no issue, else
    ``open``, ``closed`` or ``dismissed``): a flaky or broken test has an open issue (opened, updated in
    place, or reopened on relapse), a fixed or healed test's issue is closed, and nothing else is touched."""
    kind = ISSUE_KINDS.get(state)
    if kind is None:
        if state in CLEARED and issue_state in ("open", DISMISSED):
            return IssueDecision(CLOSE, f"the test is {state}")
        return IssueDecision(NOTHING, f"the test is {state} and its issue is {issue_state or 'not filed'}")
    if not rules[kind]:
        return IssueDecision(NOTHING, f"issues for {kind} tests are off in the policy (issues.{kind})")
    return _keep_open(f"the test is {state}", issue_state, rules, writes_last_hour)


def cluster_issue(
    cleared: str | None, issue_state: str | None, rules: Mapping[str, Any], *, writes_last_hour: int
) -> IssueDecision:
    """What a failure cluster's issue should do: ``cleared`` says why the cluster is over (quiet for the
    policy's window, or all its tests pass again), None while it goes on. An issue is only opened for a
    cluster new on the default branch; the responder asks this only then, or when the cluster has one."""
    if not rules["new_cluster_on_default_branch"]:
        return IssueDecision(
            NOTHING, "issues for failure clusters are off (issues.new_cluster_on_default_branch)"
        )
    if cleared is not None:
        if issue_state in ("open", DISMISSED):
            return IssueDecision(CLOSE, cleared)
        return IssueDecision(NOTHING, f"{cleared}, and its issue is {issue_state or 'not filed'}")
    return _keep_open(
        "the failure cluster is seen on the default branch", issue_state, rules, writes_last_hour
    )


def _keep_open(
    why: str, issue_state: str | None, rules: Mapping[str, Any], writes_last_hour: int
) -> IssueDecision:
    if issue_state == DISMISSED:
        return IssueDecision(
            NOTHING, f"{why}, but a person closed its issue as not a problem; it stays closed until cleared"
        )
    if issue_state == "closed":
        return IssueDecision(REOPEN, f"{why} again after its issue was closed")
    move = UPDATE if issue_state == "open" else OPEN
    if writes_last_hour >= rules["max_per_hour"]:
        return IssueDecision(
            NOTHING, f"{writes_last_hour} issue writes in the last hour (issues.max_per_hour)"
        )
    return IssueDecision(move, why)


# -- fixer: failures the repository's fix workflow can mend ---------------------------------------------

FIX_BRANCH_PREFIX = "orchestrate/fix-"  # agent.fix.publish.BRANCH_PREFIX: a fix's own branch
PULL_REQUEST_EVENTS = frozenset(
    {"pull_request", "pull_request_target", "merge_request_event", "external_pull_request_event"}
)
FORKS = "docs/fixer.md, 'Pull requests from forks'"


def _categories(job: FailedJob) -> list[str]:
    """A job's failure categories: its failed tests', or its own when no test failed (a lint job)."""
    return [failure.category for failure in job.failures] or [job.category or "unknown"]


def fixer(
    facts: RunFacts, route: Sequence[str], rules: Mapping[str, Any], *, branch: str, fixes_today: int
) -> Decision:
    """Dispatch the fix workflow for a completed run when every failure's category is one ``route.fixer``
    lists (a fix that mends only part of the failures leaves the run red), within ``fixer.max_per_day``,
    and never for a fix's own branch (a fix is not fixed again)."""
    if not route:
        return Decision(False, "no failure category is routed to the fixer (route.fixer)")
    if facts.conclusion not in FAILED_CONCLUSIONS:
        return Decision(False, f"the run's conclusion is {facts.conclusion or 'unknown'}, not a failure")
    if branch.startswith(FIX_BRANCH_PREFIX):
        return Decision(False, f"{branch} is a fix's own branch: a fix is never fixed again")
    if facts.analysis_pending:
        return Decision(False, "an upload of the run is still being analysed; decided when it is")
    if not facts.failed_jobs:
        return Decision(False, "no failed job is known, so nothing says what to fix")
    for job in facts.failed_jobs:
        outside = [category for category in _categories(job) if category not in route]
        if outside:
            return Decision(
                False, f"job {job.name!r} failed with {outside[0]}, which route.fixer does not list"
            )
    if fixes_today >= rules["max_per_day"]:
        return Decision(False, f"{fixes_today} fix workflows in the last 24 hours (fixer.max_per_day)")
    categories = sorted({category for job in facts.failed_jobs for category in _categories(job)})
    jobs = [job.name for job in facts.failed_jobs]
    return Decision(
        True,
        f"every failure of the run's {len(jobs)} failed job(s) is {', '.join(categories)} (route.fixer)",
        {"jobs": jobs, "categories": categories},
    )


@dataclass(frozen=True)
class Origin:
    """Where a run's code came from, as far as the provider can tell."""

    event: str
    pull_request: int | None
    from_fork: bool | None  # None: a pull request whose source the provider cannot show


def fork_refusal(origin: Origin) -> str | None:
    """Why no fix workflow (which holds the repository's secrets) may run for this run; None when one may.
    A pull request from a fork is refused, and so is one that cannot be shown not to be from a fork."""
    if origin.from_fork:
        return (
            "the run is from a pull request of a fork, whose code never meets the repository's secrets "
            f"({FORKS})"
        )
    if origin.from_fork is None and (origin.pull_request or origin.event in PULL_REQUEST_EVENTS):
        return (
            "the run is from a pull request the provider cannot show is not from a fork, so no workflow "
            f"holding the repository's secrets is started for it ({FORKS})"
        )
    return None
