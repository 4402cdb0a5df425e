"""Failures off the default branch: evidence only when they stood alone (the default branch passed right
before and right after the failure began, and the same pull request passed on its next run), and flaky
only across independent code (two pull requests, or a pull request and the default branch). Pure rules,
no database."""

from __future__ import annotations

from hub.flaky.detection import judge
from tests.hub.flaky.histories import History, replay


def signals(verdict) -> dict[str, dict]:
    return {item["signal"]: item for item in verdict.evidence}


def pull_request(h: History, number: int, *outcomes: str, job_name: str = "test") -> History:
    """Runs of one pull request, one per letter, each on a new commit of its branch."""
    for letter in outcomes:
        h.job(letter, default=False, pull_request=number, job_name=job_name)
    return h


def alone(h: History, number: int, *outcomes: str) -> History:
    """Runs of one pull request with a passing default-branch run between each two, as CI interleaves
    them: ``alone(h, 3, "f", "p")`` is a failure on #3, a pass on main, a pass on #3."""
    for index, letter in enumerate(outcomes):
        if index:
            h.main("p")
        pull_request(h, number, letter)
    return h


def test_failures_on_two_pull_requests_that_each_passed_again_make_the_test_flaky():
    h = History().main("pppppp")
    alone(h, 3, "f", "p")
    alone(h, 4, "f", "p")

    verdict = judge(h.rows)

    assert (verdict.state, verdict.rule) == ("flaky", "failures-across-branches")
    assert signals(verdict)["branches"]["lines"] == ["#3", "#4"]


def test_the_verdict_comes_with_the_pass_that_completes_the_second_pull_requests_evidence():
    h = History().main("pppppp")
    alone(h, 3, "f", "p")
    alone(h, 4, "f", "p")

    # #3 fails; main passes; #3 passes; #4 fails; main passes; #4 passes
    assert replay(h)[-6:] == ["healthy", "healthy", "suspected", "suspected", "suspected", "flaky"]


def test_one_pull_request_failure_that_passed_again_makes_the_test_suspected_not_flaky():
    h = History().main("pppppp")
    alone(h, 3, "f", "p")

    verdict = judge(h.rows)

    assert (verdict.state, verdict.rule) == ("suspected", "failures-across-branches")


def test_a_pull_request_failure_awaiting_its_next_run_is_not_evidence_yet():
    h = History().main("pppppp")
    pull_request(h, 3, "f")

    verdict = judge(h.rows)

    assert verdict.state == "healthy"
    assert "branches" not in signals(verdict)


def test_failures_on_one_pull_request_are_not_independent_evidence():
    h = History().main("pppppp")
    alone(h, 3, "f", "p", "f", "p", "f", "p")  # a pull request that breaks and fixes the test

    verdict = judge(h.rows)

    assert verdict.state == "suspected"
    assert signals(verdict)["branches"]["count"] == 1


def test_a_pull_request_failure_still_failing_on_its_next_run_is_not_evidence():
    h = History().main("pppppp")
    alone(h, 3, "f", "f")  # a breakage on the pull request, not fixed (yet)
    alone(h, 4, "f", "p")

    verdict = judge(h.rows)

    assert verdict.state == "suspected"
    assert signals(verdict)["branches"]["lines"] == ["#4"]


def test_a_pass_in_another_job_does_not_end_a_pull_requests_failure():
    h = History().main("pppppp")
    pull_request(h, 3, "f", job_name="py3.9")
    h.main("p")
    pull_request(h, 3, "p", job_name="py3.12")  # another matrix cell: a configuration, not the same code
    alone(h, 4, "f", "p")

    assert judge(h.rows).state == "suspected"


def test_pull_requests_that_fail_before_the_default_branch_reports_its_breakage_are_not_counted():
    h = History().main("pppppp")
    pull_request(h, 3, "f")  # branched from a broken commit whose own run has not reported yet
    pull_request(h, 4, "f")
    h.main("ff", "p")  # the default branch's runs of that commit fail, then the fix passes
    pull_request(h, 3, "p")
    pull_request(h, 4, "p")

    verdict = judge(h.rows)

    assert verdict.state != "flaky"
    assert "branches" not in signals(verdict)


def test_pull_requests_branched_from_a_broken_default_branch_are_not_counted():
    h = History().main("pppppp", "f")  # the default branch breaks ...
    pull_request(h, 3, "f")  # ... and pull requests branched from it fail too
    pull_request(h, 4, "f")
    h.main("f", "p")  # fixed on the default branch
    pull_request(h, 3, "p")  # the pull requests pass once they have the fix
    pull_request(h, 4, "p")

    verdict = judge(h.rows)

    assert verdict.state != "flaky"
    assert "branches" not in signals(verdict)


def test_an_isolated_default_branch_failure_and_a_pull_request_failure_make_the_test_flaky():
    h = History().main("pppppp", "f", "pp")
    alone(h, 3, "f", "p")

    verdict = judge(h.rows)

    assert (verdict.state, verdict.rule) == ("flaky", "failures-across-branches")
    assert verdict.reason.startswith("Flaky: 1 isolated failure on the default branch and failed on #3")


def test_a_pull_request_failure_that_passes_on_a_rerun_of_its_commit_is_a_same_commit_flake():
    h = History().main("pppppp")
    h.job("f", default=False, pull_request=3)
    h.job("p", sha=h.last_sha, default=False, pull_request=3)  # the failed job, re-run on the same commit

    verdict = judge(h.rows)

    assert (verdict.state, verdict.rule) == ("flaky", "same-commit")
    assert "branches" not in signals(verdict)  # counted once, by the stronger signal


def test_a_pull_request_failure_is_not_counted_until_the_default_branch_passes_after_it():
    h = History().main("pppppp")
    pull_request(h, 3, "f", "p")  # passed again on #3, but no default-branch run since the failure

    assert judge(h.rows).state == "healthy"


def test_a_regression_merged_from_a_pull_request_is_never_labelled_flaky():
    h = History().main("pppppp")
    pull_request(h, 3, "p", "f", "f")  # broken on the pull request, merged broken
    h.main("fff")  # broken on the default branch
    pull_request(h, 5, "f", "f")  # branched from the broken default branch
    h.main("pppp")  # fixed
    pull_request(h, 5, "p")  # rebased on the fix

    assert "flaky" not in replay(h)


def test_the_evidence_names_the_failing_passing_and_base_runs():
    h = History().main("pppppp")
    h.job("f", default=False, pull_request=3, run=31)
    h.job("p", run=40)
    h.job("p", default=False, pull_request=3, run=32)

    item = signals(judge(h.rows))["branches"]

    assert (item["failed_runs"], item["passed_runs"], item["base_runs"]) == ([31], [32], [6, 40])
    assert "#3" in item["sentence"]


def test_cross_branch_failures_spent_by_a_clearing_do_not_count_again():
    h = History().main("pppppp")
    alone(h, 3, "f", "p")
    alone(h, 4, "f", "p")

    verdict = judge(h.rows, previous="fixed", evidence_after=h.newest)

    assert verdict.state == "fixed"


def test_clean_runs_before_a_pull_request_failure_do_not_clear_the_suspicion_it_raised():
    h = History().main("p" * 120)  # more clean runs than any test needs to be cleared
    alone(h, 3, "f", "p")
    h.main("p")

    assert replay(h)[-2:] == ["suspected", "suspected"]  # #3 passed again; then a clean main run


def test_a_test_made_flaky_by_two_pull_requests_is_fixed_only_by_clean_runs_after_them():
    h = History().main("p" * 120)
    alone(h, 3, "f", "p")
    alone(h, 4, "f", "p")
    needed = judge(h.rows, previous="flaky").clean_runs_needed
    h.main("p" * (needed - 2))  # the history already ends with one clean run since #4 failed

    assert replay(h)[-1] == "flaky"
    h.main("p")
    assert replay(h)[-1] == "fixed"
