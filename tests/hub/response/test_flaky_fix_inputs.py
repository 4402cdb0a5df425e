"""The inputs of proving a flaky fix, as pure functions: the failure rate a test's health row gives, a
description naming a test, the tally of its runs on the head, and when the decision asks for a re-run or
lets a person's merge fix the test."""

from __future__ import annotations

import pytest

from hub.response.merge import Check as CheckFact
from hub.response.merge import FlakyFix, MergeRules, PullRequestFacts, Validation, Verdict, decide
from hub.response.proof import runs_to_prove
from hub.response.services.flaky_proof import failure_rate, names, proven_for_a_person, tally, wants_rerun

HEAD = "a" * 40
RULES = MergeRules(enabled=True, require_validate=False, allowed_paths=("app/**",), flaky_max_runs=3)


def facts(fix: FlakyFix | None, **changes) -> PullRequestFacts:
    given = {"checks": [CheckFact("ci", HEAD, "completed", "success")], "validation": Validation.PASSED,
             "touched_paths": ["app/a.py"], "lines_changed": 3, **changes}  # fmt: skip
    return PullRequestFacts(head_sha=HEAD, checked_sha=HEAD, flaky_fix=fix, **given)


@pytest.mark.parametrize(
    ("runs", "failures", "weighted_runs", "weighted_failures", "rate"),
    [
        (10, 2, 0.0, 0.0, 0.0686),  # no weights yet: the plain share (0.2), at the lower end of its interval
        (10, 2, 4.0, 2.0, 0.1824),  # weighted towards recent runs, as the test's evidence reports it (0.5)
        (200, 40, 0.0, 0.0, 0.1576),  # a long history: close to the share it shows
        (0, 0, 0.0, 0.0, 0.0),  # never run: no rate, so the policy's max runs prove it
        (3, 5, 0.0, 0.0, 0.5258),  # never more failures than runs
    ],
)
def test_the_failure_rate_is_the_lower_end_of_the_interval_the_health_row_gives(
    runs, failures, weighted_runs, weighted_failures, rate
):
    assert failure_rate(runs, failures, weighted_runs, weighted_failures) == pytest.approx(rate, abs=1e-4)


def test_a_rate_read_off_a_few_runs_asks_for_enough_re_runs_to_catch_a_milder_flake():
    # 2 failures in 3 runs looks like 67% (3 green runs would do), but a 30% flake passes 3 in a row a
    # third of the time; the proof asks for enough runs that it does so under 5% of the time.
    n = runs_to_prove(failure_rate(3, 2, 0.0, 0.0), max_runs=100)

    assert n == 11
    assert (1 - 0.3) ** n < 0.05


@pytest.mark.parametrize(
    ("description", "named"),
    [
        ("Fixes the flaky tests.test_widgets.test_sometimes (timing).", True),
        ("tests.test_widgets.test_sometimes", True),
        ("Fixes tests.test_widgets.test_sometimes_slow", False),  # a longer name is another test
        ("Fixes other.tests.test_widgets.test_sometimes", False),
        ("Fixes the widgets", False),
    ],
)
def test_a_description_names_a_test_only_as_a_whole_word(description, named):
    assert names(description, "tests.test_widgets.test_sometimes") is named


def test_a_run_counts_once_and_a_failure_in_it_counts_even_if_a_retry_passed():
    results = [(1, "passed"), (2, "failed"), (2, "passed"), (3, "passed"), (3, "passed"), (4, "skipped")]

    assert tally(results) == (2, 1)


def test_re_runs_are_asked_while_the_proof_is_short_and_nothing_asks_a_person():
    short = decide(facts(FlakyFix("t", 0.5, passed=1)), RULES)
    asked = decide(facts(FlakyFix("t", 0.5, passed=1), new_failures=["t2"]), RULES)
    proven = decide(facts(FlakyFix("t", 0.5, passed=3)), RULES)
    red = decide(facts(FlakyFix("t", 0.5, passed=1, failed=1)), RULES)

    assert (short.verdict, wants_rerun(short)) == (Verdict.WAIT, True)
    assert (asked.verdict, wants_rerun(asked)) == (Verdict.ASK, False)
    assert (proven.verdict, wants_rerun(proven)) == (Verdict.MERGE, False)
    assert (red.verdict, wants_rerun(red)) == (Verdict.ASK, False)
    assert wants_rerun(decide(facts(None), RULES)) is False


def test_a_proof_completed_fixes_the_test_when_only_a_persons_merge_is_missing():
    proven = FlakyFix("t", 0.5, passed=3)
    outside_paths = decide(facts(proven, touched_paths=["ci.yml"]), RULES)
    not_approved = decide(facts(proven), MergeRules(**{**RULES.__dict__, "approvals": 1}))
    broken = decide(facts(proven, new_failures=["t2"]), RULES)
    short = decide(facts(FlakyFix("t", 0.5, passed=2), touched_paths=["ci.yml"]), RULES)

    assert proven_for_a_person(outside_paths) is True
    assert proven_for_a_person(not_approved) is True
    assert proven_for_a_person(broken) is False  # the change breaks another test: not a fix to trust
    assert proven_for_a_person(short) is False
    assert proven_for_a_person(decide(facts(None, touched_paths=["ci.yml"]), RULES)) is False
