"""What a test's issue does, from the test's state and its issue's: every move, the policy's switches and
its hourly limit, over plain values."""

from __future__ import annotations

import pytest

from hub.response.decisions import CLOSE, DISMISSED, NOTHING, OPEN, REOPEN, UPDATE, cluster_issue, issue
from hub.response.policy.schema import defaults

ON = defaults()["issues"] | {"flaky": True, "broken": True, "max_per_hour": 10}


def move(state: str, issue_state: str | None, rules=ON, writes: int = 0) -> str:
    return issue(state, issue_state, rules, writes_last_hour=writes).move


@pytest.mark.parametrize(
    ("state", "issue_state", "expected"),
    [
        ("flaky", None, OPEN),
        ("broken", None, OPEN),
        ("quarantined", None, OPEN),
        ("flaky", "open", UPDATE),
        ("broken", "open", UPDATE),
        ("flaky", "closed", REOPEN),
        ("broken", "closed", REOPEN),
        ("fixed", "open", CLOSE),
        ("healthy", "open", CLOSE),
        ("fixed", "closed", NOTHING),
        ("fixed", None, NOTHING),
        ("healthy", None, NOTHING),
        ("suspected", None, NOTHING),
        ("suspected", "open", NOTHING),
    ],
)
def test_the_issue_follows_the_test(state, issue_state, expected) -> None:
    assert move(state, issue_state) == expected


def test_a_flaky_test_gets_no_issue_when_issues_for_flaky_tests_are_off() -> None:
    decision = issue("flaky", None, ON | {"flaky": False}, writes_last_hour=0)
    assert (decision.move, decision.reason) == (
        NOTHING,
        "issues for flaky tests are off in the policy (issues.flaky)",
    )


def test_a_broken_test_gets_no_issue_when_issues_for_broken_tests_are_off() -> None:
    assert move("broken", None, ON | {"broken": False}) == NOTHING


def test_a_quarantined_test_counts_as_flaky() -> None:
    assert move("quarantined", None, ON | {"flaky": False}) == NOTHING


def test_the_hourly_limit_holds_back_opening_and_updating() -> None:
    decision = issue("flaky", None, ON, writes_last_hour=10)
    assert (decision.move, decision.reason) == (
        NOTHING,
        "10 issue writes in the last hour (issues.max_per_hour)",
    )
    assert move("flaky", "open", writes=10) == NOTHING


def test_the_hourly_limit_never_holds_back_closing_or_reopening() -> None:
    assert move("fixed", "open", writes=99) == CLOSE
    assert move("flaky", "closed", writes=99) == REOPEN


def test_under_the_limit_an_issue_opens() -> None:
    assert move("flaky", None, writes=9) == OPEN


@pytest.mark.parametrize(
    ("state", "expected"),
    [("flaky", NOTHING), ("broken", NOTHING), ("fixed", CLOSE), ("healthy", CLOSE)],
)
def test_an_issue_a_person_dismissed_stays_closed_until_the_test_clears(state, expected) -> None:
    assert move(state, DISMISSED) == expected


def test_a_dismissed_issue_says_why_nothing_is_done() -> None:
    decision = issue("flaky", DISMISSED, ON, writes_last_hour=0)
    assert "a person closed its issue as not a problem" in decision.reason


CLUSTERS = defaults()["issues"] | {"new_cluster_on_default_branch": True, "max_per_hour": 2}


def cluster_move(cleared: str | None, issue_state: str | None, rules=CLUSTERS, writes: int = 0) -> str:
    return cluster_issue(cleared, issue_state, rules, writes_last_hour=writes).move


@pytest.mark.parametrize(
    ("cleared", "issue_state", "expected"),
    [
        (None, None, OPEN),
        (None, "open", UPDATE),
        (None, "closed", REOPEN),
        (None, DISMISSED, NOTHING),
        ("all its tests pass again", "open", CLOSE),
        ("all its tests pass again", DISMISSED, CLOSE),
        ("all its tests pass again", "closed", NOTHING),
        ("all its tests pass again", None, NOTHING),
    ],
)
def test_the_cluster_issue_follows_the_cluster(cleared, issue_state, expected) -> None:
    assert cluster_move(cleared, issue_state) == expected


def test_no_cluster_issue_when_the_policy_leaves_clusters_out() -> None:
    assert cluster_move(None, None, defaults()["issues"]) == NOTHING


def test_the_hourly_limit_holds_back_opening_and_updating_a_cluster_issue_but_not_closing_it() -> None:
    assert cluster_move(None, None, writes=2) == NOTHING
    assert cluster_move(None, "open", writes=2) == NOTHING
    assert cluster_move(None, "closed", writes=2) == REOPEN
    assert cluster_move("quiet", "open", writes=2) == CLOSE
