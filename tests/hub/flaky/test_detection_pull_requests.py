"""Failures on pull requests: what a change cannot explain is evidence (a retry that passed in one job, a
pass and a failure on one commit); a failure that stops on a later commit of the same pull request is the
author's change mended, shown but never counted, however many pull requests mend the same check. Pure
rules, no database."""

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


def pushes(h: History, number: int, *outcomes: str) -> History:
    """Pushes to one pull request with a passing default-branch run between each two, as CI interleaves
    them: ``pushes(h, 3, "f", "p")`` is a failure on #3, a pass on main, a pass on #3's next commit."""
    for index, letter in enumerate(outcomes):
        if index:
            h.main("p")
        pull_request(h, number, letter)
    return h


def test_a_check_that_many_pull_requests_break_and_mend_on_their_next_push_is_not_flaky():
    h = History().main("pppppp")
    for number in range(3, 9):  # the formatter, failed by six first pushes and mended by the next
        pushes(h, number, "f", "p")

    assert set(replay(h)) == {"healthy"}


def test_a_failure_mended_on_its_pull_request_is_shown_as_mended():
    h = History().main("pppppp")
    h.job("f", default=False, pull_request=3, run=31)
    h.job("p", run=40)
    h.job("p", default=False, pull_request=3, run=32)

    item = signals(judge(h.rows))["mended"]

    assert (item["lines"], item["failed_runs"], item["passed_runs"], item["base_runs"]) == (
        ["#3"],
        [31],
        [32],
        [6, 40],
    )
    assert "Not counted as flakiness" in item["sentence"]


def test_a_mended_failure_still_counts_as_impact():
    h = History().main("pppppp")
    pushes(h, 3, "f", "p")

    assert judge(h.rows).aggregates.runs_affected == 1


def test_a_mended_failure_does_not_add_to_an_isolated_default_branch_failure():
    h = History().main("pppppp", "f", "pp")
    pushes(h, 3, "f", "p")

    verdict = judge(h.rows)

    assert (verdict.state, verdict.rule) == ("suspected", "isolated-failures")


def test_a_mended_failure_does_not_keep_clean_runs_from_clearing_a_suspicion():
    h = History().main("pppppp", "f", "p")
    needed = judge(h.rows, previous="suspected").clean_runs_needed
    h.main("p" * (needed - 3))
    pushes(h, 3, "f", "p")  # with one more clean default-branch run in between
    h.main("p")

    assert replay(h)[-2:] == ["suspected", "healthy"]


def test_a_pull_request_abandoned_while_broken_is_not_evidence():
    h = History().main("pppppp")
    pull_request(h, 3, "f", "f")  # the last push still fails; the pull request is closed
    h.main("pp")

    verdict = judge(h.rows)

    assert verdict.state == "healthy"
    assert "mended" not in signals(verdict)


def test_a_pass_in_another_job_does_not_mend_a_pull_requests_failure():
    h = History().main("pppppp")
    pull_request(h, 3, "f", job_name="py3.9")
    h.main("p")
    pull_request(h, 3, "p", job_name="py3.12")  # another matrix cell: a configuration, not the same code

    assert "mended" not in signals(judge(h.rows))


def test_a_pull_request_failure_that_passes_on_a_rerun_of_its_commit_is_a_same_commit_flake():
    h = History().main("pppppp")
    h.job("f", default=False, pull_request=3)
    h.job("p", sha=h.last_sha, default=False, pull_request=3)  # the failed job, re-run on the same commit

    verdict = judge(h.rows)

    assert (verdict.state, verdict.rule) == ("flaky", "same-commit")
    assert "mended" not in signals(verdict)  # counted once, by the stronger signal


def test_a_retry_that_passes_in_a_pull_request_job_makes_the_test_flaky_after_mended_ones():
    h = History().main("pppppp")
    pushes(h, 3, "f", "p")
    h.job("f", "p", default=False, pull_request=4)

    verdict = judge(h.rows)

    assert (verdict.state, verdict.rule) == ("flaky", "retry-in-job")


def test_pull_requests_that_fail_before_the_default_branch_reports_its_breakage_mended_nothing():
    h = History().main("pppppp")
    pull_request(h, 3, "f")  # branched from a broken commit whose own run has not reported yet
    pull_request(h, 4, "f")
    h.main("ff", "p")  # the default branch's runs of that commit fail, then the fix passes
    pull_request(h, 3, "p")
    pull_request(h, 4, "p")

    verdict = judge(h.rows)

    assert verdict.state != "flaky"
    assert "mended" not in signals(verdict)


def test_pull_requests_branched_from_a_broken_default_branch_mended_nothing():
    h = History().main("pppppp", "f")  # the default branch breaks ...
    pull_request(h, 3, "f")  # ... and pull requests branched from it fail too
    pull_request(h, 4, "f")
    h.main("f", "p")  # fixed on the default branch
    pull_request(h, 3, "p")  # the pull requests pass once they have the fix
    pull_request(h, 4, "p")

    verdict = judge(h.rows)

    assert verdict.state != "flaky"
    assert "mended" not in signals(verdict)


def test_a_regression_merged_from_a_pull_request_is_never_labelled_flaky():
    h = History().main("pppppp")
    pull_request(h, 3, "p", "f", "f")  # broken on the pull request, merged broken
    h.main("fff")  # broken on the default branch
    pull_request(h, 5, "f", "f")  # branched from the broken default branch
    h.main("pppp")  # fixed
    pull_request(h, 5, "p")  # rebased on the fix

    assert "flaky" not in replay(h)
