"""What a test's issue says, rendered from plain facts: the marker it is found by, its title, evidence,
onset, impact and recent failures with links, and its bounds."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.response.services.issue_body import MAX_BODY, MAX_TITLE, IssueFacts, RecentFailure, render, title

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
RUN_77 = "https://github.com/o/r/actions/runs/77"


def facts(**changes) -> IssueFacts:
    base = IssueFacts(
        test_id=42, test="tests.test_widgets.test_timing", state="flaky",
        state_reason="Flaky: failed, then passed on a retry.", page_url="https://hub.example/t/42",
        evidence=["Failed, then passed on a retry in the same job, in 2 jobs."], onset_sha="e" * 40,
        onset_url=RUN_77, first_failure_at=AT, runs_affected=3,
        pull_requests_affected=1, time_lost=5400.0,
        recent=[RecentFailure(AT, "77 (attempt 1)", RUN_77, "main", "e" * 12, "assertion")],
    )  # fmt: skip
    return IssueFacts(**{**base.__dict__, **changes})


def test_the_body_starts_with_the_marker_the_issue_is_found_by() -> None:
    assert render(facts()).startswith("<!-- orchestrate:test:42 -->\n")


def test_the_body_has_the_evidence_onset_impact_failures_and_the_test_page() -> None:
    body = render(facts())
    assert "- Failed, then passed on a retry in the same job, in 2 jobs." in body
    assert "from commit [eeeeeeeeeeee](https://github.com/o/r/actions/runs/77)" in body
    assert "- Runs affected: 3; pull requests affected: 1" in body
    assert "- CI time lost: 1 h 30 min" in body
    assert (
        "- 2026-12-01 09:30 UTC: [run 77 (attempt 1)](https://github.com/o/r/actions/runs/77) on `main`"
        in body
    )
    assert "[The test in Orchestrate](https://hub.example/t/42)" in body


def test_the_title_names_the_state_and_the_test() -> None:
    assert title(facts()) == "Flaky test: tests.test_widgets.test_timing"
    assert title(facts(state="broken")) == "Broken test: tests.test_widgets.test_timing"
    assert title(facts(state="quarantined")).startswith("Flaky test:")


def test_a_fixed_test_keeps_the_issue_s_title() -> None:
    assert title(facts(state="fixed")) is None


def test_a_long_test_name_is_cut_in_the_title() -> None:
    assert len(title(facts(test="t" * 5000))) == MAX_TITLE


def test_long_reasons_and_sentences_are_cut_to_one_line() -> None:
    body = render(facts(state_reason="why\n" * 500, evidence=["x " * 1000]))
    assert max(len(line) for line in body.splitlines()) < 400


def test_the_body_stays_under_github_s_limit() -> None:
    huge = [RecentFailure(AT, "r" * 5000, "https://x/" + "u" * 50_000, "b", "s", "c")] * 5
    assert len(render(facts(recent=huge))) <= MAX_BODY
