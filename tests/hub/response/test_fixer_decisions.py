"""What the fixer decides, as plain data: every failure routed or nothing, limits, a fix's own branch,
and the fork rule."""

from __future__ import annotations

import pytest

from hub.response.decisions import FailedJob, Origin, RunFacts, TestFailure, fixer, fork_refusal

RULES = {"max_per_day": 10}


def facts(*jobs: FailedJob, conclusion: str = "failure", pending: bool = False) -> RunFacts:
    return RunFacts(conclusion=conclusion, failed_jobs=jobs, analysis_pending=pending)


LINT_JOB = FailedJob("lint", (), category="lint")
IMPORT_TEST = FailedJob("test", (TestFailure("t.test_load", "healthy", "import"),))


def decide(run: RunFacts, route=("lint", "import"), *, branch: str = "main", today: int = 0):
    return fixer(run, list(route), RULES, branch=branch, fixes_today=today)


def test_a_run_whose_every_failure_is_routed_is_sent_to_the_fixer() -> None:
    decision = decide(facts(LINT_JOB, IMPORT_TEST))
    assert decision.act
    assert decision.detail == {"jobs": ["lint", "test"], "categories": ["import", "lint"]}


def test_one_failure_outside_the_route_keeps_the_run_from_the_fixer() -> None:
    assertion = FailedJob("test", (TestFailure("t.test_sum", "healthy", "assertion"),))
    decision = decide(facts(LINT_JOB, assertion))
    assert not decision.act
    assert decision.reason == "job 'test' failed with assertion, which route.fixer does not list"


def test_a_job_with_no_category_counts_as_unknown() -> None:
    assert not decide(facts(FailedJob("build"))).act
    assert decide(facts(FailedJob("build")), route=("unknown",)).act


@pytest.mark.parametrize(
    ("run", "kwargs", "reason"),
    [
        (facts(LINT_JOB), {"route": ()}, "no failure category is routed"),
        (facts(LINT_JOB, conclusion="success"), {}, "not a failure"),
        (facts(LINT_JOB), {"branch": "orchestrate/fix-12"}, "a fix is never fixed again"),
        (facts(LINT_JOB, pending=True), {}, "still being analysed"),
        (facts(), {}, "no failed job is known"),
        (facts(LINT_JOB), {"today": 10}, "fixer.max_per_day"),
    ],
)
def test_nothing_is_sent_when(run, kwargs, reason) -> None:
    decision = decide(run, **kwargs)
    assert not decision.act
    assert reason in decision.reason


@pytest.mark.parametrize(
    ("origin", "refused"),
    [
        (Origin("push", None, False), False),
        (Origin("pull_request", 7, False), False),
        (Origin("pull_request", 7, True), True),
        (Origin("pull_request", None, None), True),  # GitHub names no pull request for a fork's run
        (Origin("merge_request_event", None, None), True),
        (Origin("push", 4, None), True),  # a pull request whose source the provider cannot show
    ],
)
def test_the_fork_rule(origin, refused) -> None:
    assert (fork_refusal(origin) is not None) is refused
