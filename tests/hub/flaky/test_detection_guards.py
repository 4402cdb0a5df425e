"""Guards against false alarms: infrastructure failures, regressions that are not flakes."""

from __future__ import annotations

import pytest

from hub.flaky.detection import is_infrastructure, judge
from tests.hub.flaky.histories import History, replay


@pytest.mark.parametrize(
    ("tests", "failed", "errors", "infra"),
    [
        (100, 51, 0, True),  # most tests failed at once
        (100, 20, 40, True),  # errors count too
        (100, 50, 0, False),  # half is not most
        (10, 6, 0, True),
        (4, 4, 0, False),  # too few tests to tell an outage from a regression
    ],
)
def test_a_job_is_infrastructure_when_most_of_its_tests_failed(tests, failed, errors, infra):
    assert is_infrastructure(tests, failed, errors) is infra


def test_failures_in_an_infrastructure_job_are_not_evidence():
    h = History().main("pppppp")
    h.job("f", infra=True).main("pp")
    h.job("failed", "passed", infra=True).main("pp")

    verdict = judge(h.rows)

    assert verdict.state == "healthy"
    assert verdict.aggregates.infra_failures == 2
    assert verdict.aggregates.failures == 0


def test_an_infrastructure_failure_followed_by_a_passing_rerun_is_not_a_same_commit_flake():
    h = History().main("pppppp").job("f", infra=True)
    h.job("p", sha=h.last_sha)

    verdict = judge(h.rows)

    assert verdict.state == "healthy"
    assert verdict.aggregates.same_commit_flakes == 0


def test_the_verdict_says_how_many_failures_were_left_out_as_infrastructure():
    h = History().main("pppppp").job("f", infra=True)

    item = next(i for i in judge(h.rows).evidence if i["signal"] == "infrastructure")

    assert item["count"] == 1


def test_a_test_failing_every_run_since_a_commit_is_broken_not_flaky():
    h = History().main("p" * 30, "fff")

    verdict = judge(h.rows)

    assert (verdict.state, verdict.rule) == ("broken", "failing-since-commit")


def test_a_broken_tests_onset_is_its_first_failing_commit():
    h = History().main("p" * 30, "f")
    first = h.last_sha
    h.main("ff")

    verdict = judge(h.rows)

    assert verdict.onset_sha == first


def test_a_streak_the_tests_own_flake_rate_explains_is_not_broken():
    h = History().main("ppfpppfpfppppfppfppfpp", "ff")  # flakes about a third of the time

    assert judge(h.rows, previous="flaky").state == "flaky"


def test_a_streak_with_a_pass_on_one_of_its_commits_is_a_flake_not_a_regression():
    h = History().main("p" * 30, "ff")
    h.job("p", sha=h.last_sha)  # re-run of the last failing commit passes
    h.job("f", sha=h.last_sha)
    h.main("f")

    assert judge(h.rows).state == "flaky"


def test_a_regression_that_is_fixed_later_is_never_labelled_flaky():
    h = History().main("p" * 20, "f" * 8, "p" * 20)

    states = replay(h)

    assert "flaky" not in states
    assert "broken" in states


def test_a_regression_rerun_on_its_commit_fails_again_and_stays_broken():
    h = History().main("p" * 20, "ff")
    h.job("f", sha=h.last_sha)

    assert judge(h.rows).state == "broken"


def test_a_fixed_regression_keeps_the_commit_that_broke_it_as_onset():
    h = History().main("p" * 20, "f")
    broke = h.last_sha
    h.main("f" * 7, "p" * 5)

    verdict = judge(h.rows, previous="fixed")

    assert verdict.onset_sha == broke


def test_fixing_a_regression_does_not_spend_earlier_evidence_of_flakiness():
    h = History().main("p" * 20, "f", "p" * 5, "fff")
    assert replay(h)[-1] == "broken"

    h.main("p" * 5, "f", "p")

    assert replay(h)[-1] == "flaky"  # two isolated failures, one before the regression and one after


def test_a_regression_after_an_isolated_failure_is_not_labelled_flaky():
    h = History().main("p" * 20, "f", "p" * 5, "ffff")

    states = replay(h)

    assert "flaky" not in states
    assert states[-1] == "broken"


def test_a_flaky_tests_streak_its_rate_explains_somewhere_in_its_history_does_not_make_it_broken():
    h = History().main("ppppf" * 30, "fffff")  # fails a fifth of the time: five in a row happens

    assert judge(h.rows, previous="flaky").state == "flaky"


def test_a_flaky_test_seen_a_few_dozen_runs_is_judged_at_the_upper_end_of_its_rate():
    # 3 failures in 24 runs, from a test that fails a quarter of the time: the mean (8%) would call 4
    # in a row a regression
    h = History().main("pfppppppppfpppfppppppppp", "ffff")

    assert judge(h.rows, previous="flaky").state == "flaky"


def test_a_flaky_test_that_really_breaks_is_broken_after_a_longer_streak():
    h = History().main("ppppf" * 30, "f" * 10)

    assert judge(h.rows, previous="flaky").state == "broken"
