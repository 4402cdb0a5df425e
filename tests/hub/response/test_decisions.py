"""When the policy re-runs a completed run: every rule and limit, over plain facts."""

from __future__ import annotations

from hub.response.decisions import FailedJob, RunFacts, TestFailure, rerun
from hub.response.policy.schema import defaults

RULES = defaults()["rerun"]
FLAKY = TestFailure("test_timing", "flaky", "assertion")
QUARANTINED = TestFailure("test_race", "quarantined", "timeout")
BROKEN = TestFailure("test_math", "broken", "assertion")
NEW = TestFailure("test_new", "healthy", "assertion")
LOST_RUNNER = TestFailure("test_io", "healthy", "infrastructure")


def decide(*jobs: FailedJob, conclusion="failure", pending=False, rules=RULES, of_run=0, today=0):
    facts = RunFacts(conclusion, jobs, analysis_pending=pending)
    return rerun(facts, rules, reruns_of_run=of_run, reruns_today=today)


def test_a_run_failing_only_on_known_flaky_tests_is_re_run():
    decision = decide(FailedJob("unit", [FLAKY, QUARANTINED]), FailedJob("e2e", [FLAKY]))
    assert decision.act
    assert decision.detail == {"jobs": ["unit", "e2e"], "tests": ["test_race", "test_timing"]}


def test_one_failure_not_known_flaky_keeps_the_run_from_a_re_run_and_is_named():
    decision = decide(FailedJob("unit", [FLAKY, NEW]))
    assert not decision.act
    assert "test_new in job 'unit' failed and is healthy (assertion)" in decision.reason


def test_a_broken_test_is_not_re_run():
    assert not decide(FailedJob("unit", [BROKEN])).act


def test_an_infrastructure_failure_is_re_run():
    assert decide(FailedJob("unit", [LOST_RUNNER])).act


def test_a_failed_job_with_no_failed_test_is_re_run_only_for_infrastructure():
    assert decide(FailedJob("deploy", [], category="infrastructure")).act
    assert not decide(FailedJob("lint", [], category="lint")).act
    assert not decide(FailedJob("deploy", [])).act


def test_rerun_when_limits_the_reasons():
    only_flaky = {**RULES, "when": ["flaky"]}
    assert not decide(FailedJob("unit", [LOST_RUNNER]), rules=only_flaky).act
    assert decide(FailedJob("unit", [FLAKY]), rules=only_flaky).act


def test_a_run_that_did_not_fail_is_not_re_run():
    assert not decide(FailedJob("unit", [FLAKY]), conclusion="success").act
    assert not decide(FailedJob("unit", [FLAKY]), conclusion="cancelled").act


def test_a_timed_out_run_is_re_run():
    assert decide(FailedJob("unit", [FLAKY]), conclusion="timed_out").act


def test_a_failed_run_without_a_known_failed_job_is_not_re_run():
    assert "nothing explains" in decide().reason


def test_nothing_is_decided_while_an_upload_of_the_run_awaits_its_analysis():
    decision = decide(FailedJob("unit", [FLAKY]), pending=True)
    assert not decision.act
    assert "still being analysed" in decision.reason


def test_re_runs_turned_off_are_not_made():
    assert not decide(FailedJob("unit", [FLAKY]), rules={**RULES, "enabled": False}).act


def test_the_limit_per_run_counts_the_runs_earlier_re_runs():
    assert not decide(FailedJob("unit", [FLAKY]), of_run=1).act
    assert decide(FailedJob("unit", [FLAKY]), of_run=1, rules={**RULES, "max_per_run": 2}).act
    assert "rerun.max_per_run" in decide(FailedJob("unit", [FLAKY]), of_run=1).reason


def test_the_limit_per_day_counts_the_projects_re_runs_in_the_last_day():
    decision = decide(FailedJob("unit", [FLAKY]), today=20)
    assert not decision.act
    assert "rerun.max_per_day" in decision.reason
    assert decide(FailedJob("unit", [FLAKY]), today=19).act
