"""A failure cluster's issue body, rendered from plain facts: its marker, counts, tests and first run, an
example with secrets redacted, and the bounds on its size."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.response.services.cluster_issue_body import ClusterFacts, marker, render, title

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def facts(**changes) -> ClusterFacts:
    base = ClusterFacts(
        cluster_id=7, normalised="TimeoutError: waited <N>s for <PATH>", category="timeout", rule="timeout",
        occurrences=5, tests_touched=2, page_url="https://hub.example/admin/failures/failurecluster/7/change/",
        branch="main", first_seen=AT, last_seen=AT, first_run="901 (attempt 1)",
        first_run_url="https://github.com/o/r/actions/runs/901", first_sha="abcdef123456",
        tests=["t.test_a", "t.test_b"], example="TimeoutError: waited 30s for /tmp/x",
    )  # fmt: skip
    return ClusterFacts(**{**base.__dict__, **changes})


def test_the_body_starts_with_the_clusters_marker() -> None:
    assert render(facts()).startswith(marker(7))
    assert marker(7) == "<!-- orchestrate:cluster:7 -->"


def test_the_body_gives_counts_tests_and_the_first_run_on_the_default_branch() -> None:
    body = render(facts())
    assert "Occurrences: 5; tests touched: 2" in body
    assert "- `t.test_a`" in body
    assert "- `t.test_b`" in body
    assert (
        "First on `main`: [run 901 (attempt 1)](https://github.com/o/r/actions/runs/901) at abcdef123456"
        in body
    )
    assert "TimeoutError: waited 30s for /tmp/x" in body


def test_a_cluster_that_is_over_says_why() -> None:
    assert "It is over: all 2 of its tests pass again." in render(
        facts(cleared="all 2 of its tests pass again")
    )


def test_the_title_is_the_first_line_of_the_normalised_message() -> None:
    assert title(facts(normalised="KeyError: <S>\nTraceback...")) == "Failure cluster: KeyError: <S>"


def test_an_example_holding_a_fence_is_fenced_with_tildes() -> None:
    body = render(facts(example="expected:\n```\nvalue\n```"))
    assert "~~~~\nexpected:\n```" in body
