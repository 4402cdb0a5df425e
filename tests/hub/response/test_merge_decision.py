"""When a pull request the loop opened merges, waits, or goes to a person: every rule, over plain facts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.response.merge import (
    Check,
    FlakyFix,
    MergeRules,
    PullRequestFacts,
    Reason,
    Validation,
    Verdict,
    decide,
)
from hub.response.policy.schema import defaults

HEAD = "6b9fec60e107f1f323dfa6674b317facd996cb0a"
OLD = "1111111111111111111111111111111111111111"
RULES = MergeRules(enabled=True, allowed_paths=("tests/**", "src/app/*.py"))
GREEN = PullRequestFacts(
    head_sha=HEAD,
    checked_sha=HEAD,
    checks=(Check("build", HEAD, "completed", "success"), Check("lint", HEAD, "completed", "skipped")),
    validation=Validation.PASSED,
    touched_paths=("tests/test_clock.py", "src/app/clock.py"),
    lines_changed=12,
)
ALL_RULES = ("checks", "new_failures", "validate", "flaky_fix", "paths", "size", "approvals")


def test_a_green_fix_inside_the_rules_merges_with_its_head():
    decision = decide(GREEN, RULES)

    assert (decision.verdict, decision.reasons, decision.head_sha) == (Verdict.MERGE, (), HEAD)
    assert decision.passed == ALL_RULES


@pytest.mark.parametrize(
    ("change", "verdict", "rule", "message"),
    [
        (
            {"checks": (Check("build", HEAD, "completed", "failure"),)},
            Verdict.ASK,
            "checks",
            "check 'build' ended failure",
        ),
        (
            {"checks": (Check("build", HEAD, "completed", "timed_out"),)},
            Verdict.ASK,
            "checks",
            "check 'build' ended timed_out",
        ),
        (
            {"checks": (Check("build", HEAD, "completed", "cancelled"),)},
            Verdict.ASK,
            "checks",
            "check 'build' ended cancelled",
        ),
        (
            {"checks": (Check("build", HEAD, "completed", None),)},
            Verdict.ASK,
            "checks",
            "check 'build' ended without a conclusion",
        ),
        (
            {"checks": (Check("build", HEAD, "in_progress"),)},
            Verdict.WAIT,
            "checks",
            "check 'build' is in progress",
        ),
        ({"checks": (Check("build", HEAD, "queued"),)}, Verdict.WAIT, "checks", "check 'build' is queued"),
        ({"checks": ()}, Verdict.WAIT, "checks", "no check has reported on 6b9fec60e107 yet"),
        (
            {"checks": (Check("build", OLD, "completed", "success"),)},
            Verdict.WAIT,
            "checks",
            "no check has reported on 6b9fec60e107 yet",
        ),
        (
            {"new_failures": ("test_b", "test_a")},
            Verdict.ASK,
            "new_failures",
            "new failures on the head: test_a, test_b",
        ),
        (
            {"new_failures": tuple(f"t{i}" for i in range(7))},
            Verdict.ASK,
            "new_failures",
            "new failures on the head: t0, t1, t2, t3, t4 and 2 more",
        ),
        (
            {"validation": Validation.FAILED},
            Verdict.ASK,
            "validate",
            "orchestrate validate failed on the head",
        ),
        (
            {"validation": Validation.PENDING},
            Verdict.WAIT,
            "validate",
            "orchestrate validate is pending on the head",
        ),
        (
            {"validation": Validation.MISSING},
            Verdict.WAIT,
            "validate",
            "orchestrate validate is missing on the head",
        ),
        (
            {"touched_paths": ("tests/a.py", "setup.py")},
            Verdict.ASK,
            "paths",
            "changes outside merge.allowed_paths: setup.py",
        ),
        (
            {"touched_paths": ("src/app/sub/deep.py",)},
            Verdict.ASK,
            "paths",
            "changes outside merge.allowed_paths: src/app/sub/deep.py",
        ),
        (
            {"touched_paths": tuple(f"tests/t{i}.py" for i in range(11))},
            Verdict.ASK,
            "size",
            "11 files changed, over merge.max_files 10",
        ),
        ({"lines_changed": 201}, Verdict.ASK, "size", "201 lines changed, over merge.max_lines 200"),
    ],
)
def test_one_rule_not_holding(change, verdict, rule, message):
    decision = decide(replace(GREEN, **change), RULES)

    assert decision.verdict is verdict
    assert decision.reasons == (Reason(rule, verdict, message),)
    assert decision.passed == tuple(r for r in ALL_RULES if r != rule)
    assert decision.head_sha == ""


@pytest.mark.parametrize(
    ("fix", "verdict", "message"),
    [
        (FlakyFix("test_clock", 0.5, passed=5), None, None),
        (FlakyFix("test_clock", 0.5, passed=9), None, None),
        (FlakyFix("test_clock", 0.5, passed=4), Verdict.WAIT, "test_clock: 4 of 5 re-runs passed so far"),
        (FlakyFix("test_clock", 0.5, passed=0), Verdict.WAIT, "test_clock: 0 of 5 re-runs passed so far"),
        (
            FlakyFix("test_clock", 0.5, passed=4, failed=1),
            Verdict.ASK,
            "test_clock failed 1 of 5 re-runs: still flaky",
        ),
        (
            FlakyFix("test_clock", 0.5, passed=10, failed=1),
            Verdict.ASK,
            "test_clock failed 1 of 11 re-runs: still flaky",
        ),
        (FlakyFix("test_clock", 0.0, passed=99), Verdict.WAIT, "test_clock: 99 of 100 re-runs passed so far"),
        (FlakyFix("test_clock", 0.0, passed=100), None, None),
        (FlakyFix("test_clock", 1.0, passed=1), None, None),
    ],
)
def test_a_flaky_fix_merges_only_after_enough_green_re_runs(fix, verdict, message):
    decision = decide(replace(GREEN, flaky_fix=fix), RULES)

    if verdict is None:
        assert decision.verdict is Verdict.MERGE
        assert decision.detail["flaky_fix"]["passed"] == fix.passed
    else:
        assert decision.reasons == (Reason("flaky_fix", verdict, message),)


def test_the_re_runs_needed_follow_the_policy_max():
    decision = decide(
        replace(GREEN, flaky_fix=FlakyFix("t", 0.01, passed=30)), replace(RULES, flaky_max_runs=30)
    )

    assert decision.verdict is Verdict.MERGE
    assert decision.detail["flaky_fix"] == {
        "test": "t",
        "runs_required": 30,
        "passed": 30,
        "failed": 0,
        "confidence": 0.2603,
    }


@pytest.mark.parametrize(
    ("required", "given", "verdict"),
    [
        (0, 0, Verdict.MERGE),
        (1, 0, Verdict.ASK),
        (2, 1, Verdict.ASK),
        (2, 2, Verdict.MERGE),
        (1, 3, Verdict.MERGE),
    ],
)
def test_approvals_when_required(required, given, verdict):
    decision = decide(replace(GREEN, approvals=given), replace(RULES, approvals=required))

    assert decision.verdict is verdict
    if verdict is Verdict.ASK:
        assert decision.reasons == (
            Reason("approvals", Verdict.ASK, f"{given} of {required} required approvals given"),
        )


def test_merging_off_in_the_policy_asks_a_person():
    decision = decide(GREEN, replace(RULES, enabled=False))

    assert decision.verdict is Verdict.ASK
    assert decision.reasons[0].rule == "policy"


def test_a_head_that_moved_since_the_facts_waits_whatever_they_say():
    decision = decide(replace(GREEN, checked_sha=OLD, new_failures=("test_a",)), RULES)

    assert decision.verdict is Verdict.WAIT
    assert decision.reasons == (
        Reason(
            "head",
            Verdict.WAIT,
            "the head moved to 6b9fec60e107 after 111111111111 was checked; deciding again on the new head",
        ),
    )


def test_every_reason_is_listed_and_asking_wins_over_waiting():
    facts = replace(
        GREEN, checks=(Check("build", HEAD, "in_progress"),), validation=Validation.FAILED, lines_changed=500
    )

    decision = decide(facts, RULES)

    assert decision.verdict is Verdict.ASK
    assert [(r.rule, r.verdict) for r in decision.reasons] == [
        ("validate", Verdict.ASK),
        ("size", Verdict.ASK),
        ("checks", Verdict.WAIT),
    ]
    assert decision.summary().startswith("ask: orchestrate validate failed on the head; 500 lines changed")


def test_waiting_reasons_alone_wait():
    decision = decide(
        replace(GREEN, validation=Validation.PENDING, checks=(Check("b", HEAD, "queued"),)), RULES
    )

    assert decision.verdict is Verdict.WAIT
    assert {r.rule for r in decision.reasons} == {"checks", "validate"}


def test_checks_and_validation_can_be_left_out_by_the_policy():
    facts = replace(GREEN, checks=(), validation=Validation.MISSING)

    assert (
        decide(facts, replace(RULES, require_checks=False, require_validate=False)).verdict is Verdict.MERGE
    )


def test_no_allowed_paths_means_a_person_decides():
    decision = decide(GREEN, replace(RULES, allowed_paths=()))

    assert decision.reasons == (
        Reason("paths", Verdict.ASK, "merge.allowed_paths is empty: no path may be changed without a person"),
    )


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("tests/**", "tests/a.py", True),
        ("tests/**", "tests/deep/er/a.py", True),
        ("tests/**", "src/tests/a.py", False),
        ("**/test_*.py", "test_a.py", True),
        ("**/test_*.py", "pkg/sub/test_a.py", True),
        ("**/test_*.py", "pkg/sub/a_test.py", False),
        ("src/*.py", "src/a.py", True),
        ("src/*.py", "src/sub/a.py", False),
        ("src/?.py", "src/a.py", True),
        ("src/?.py", "src/ab.py", False),
        ("docs/a+b.md", "docs/a+b.md", True),
        ("docs/a+b.md", "docs/aab.md", False),
        ("*.md", "README.md.bak", False),
    ],
)
def test_allowed_path_patterns(pattern, path, matches):
    facts = replace(GREEN, touched_paths=(path,))

    assert (decide(facts, replace(RULES, allowed_paths=(pattern,))).verdict is Verdict.MERGE) is matches


def test_the_rules_from_the_default_policy_are_the_rules_defaults():
    assert MergeRules.from_policy(defaults()["merge"]) == MergeRules()


def test_the_rules_read_a_policy_section():
    section = {"enabled": True, "allowed_paths": ["tests/**"], "max_lines": 50, "approvals": 1}

    assert MergeRules.from_policy(section) == MergeRules(
        enabled=True, allowed_paths=("tests/**",), max_lines=50, approvals=1
    )
