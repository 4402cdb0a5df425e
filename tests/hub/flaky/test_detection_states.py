"""State changes: hysteresis, fixed only on evidence, quarantine left alone. Judged run by run (``replay``)
as the hub judges after each ingest."""

from __future__ import annotations

import random

import pytest

from hub.flaky.detection import clean_runs_needed, fix_runs_needed, judge
from tests.hub.flaky.histories import History, replay


@pytest.mark.parametrize(
    ("failure_rate", "needed"),
    [
        (1 / 3, 8),  # (2/3)^8 = 0.039 <= 0.05 < (2/3)^7 = 0.059
        (0.5, 5),  # 0.5^5 = 0.031
        (0.05, 59),  # 0.95^59 = 0.048
        (0.01, 100),  # 299 by the formula, capped
        (0.9, 3),  # 2 by the formula, never fewer than 3
    ],
)
def test_the_clean_runs_that_show_a_fix_follow_from_the_failure_rate(failure_rate, needed):
    assert clean_runs_needed(failure_rate) == needed


@pytest.mark.parametrize(
    ("failure_rate", "needed"),
    [
        (0.3, 39),  # (1 - 0.3/4)^39 = 0.048: were it still failing 7.5%, 39 passes would be a 5% fluke
        (0.2, 59),  # a steady 20% flake passes 59 in a row 2 times in a million
        (0.05, 239),  # more than the 200 rows read per test hold: only a person clears it
        (1.0, 11),
    ],
)
def test_the_clean_runs_that_show_a_flaky_test_fixed_bound_its_rate_below_a_quarter(failure_rate, needed):
    assert fix_runs_needed(failure_rate) == needed


def test_a_steady_flake_failing_a_fifth_of_its_runs_stays_flaky_once_labelled():
    rng = random.Random(5)  # a seed whose lucky streaks made the verdict flap under the old rule
    h = History()
    for _ in range(270):
        if rng.random() < 0.2:
            h.job("failed", "passed")  # flaked; the retry inside the job passed
        else:
            h.main("p")

    states = replay(h, window=200)  # the hub reads a test's newest 200 rows

    assert set(states[states.index("flaky") :]) == {"flaky"}


def test_a_flaky_tests_fix_is_measured_against_the_least_rate_its_few_failures_allow():
    # 3 failures in 11 runs read as 11% on average, but a 3% flake fails like that too, and passes the
    # 105 clean runs an 11% flake would need 4% of the time
    h = History().main("pfppppppfpf", "p" * 112)

    assert judge(h.rows, previous="flaky").state == "flaky"


def test_a_test_labelled_flaky_shows_the_clean_runs_its_fix_needs_at_once():
    h = History().main("pppp").job("failed", "passed")

    assert judge(h.rows).clean_runs_needed == judge(h.rows, previous="flaky").clean_runs_needed


def test_a_flaky_test_is_fixed_only_after_the_clean_runs_its_failure_rate_requires():
    h = History().main("pfppfpfpppfpfpp")  # a test that failed about a third of the time
    needed = judge(h.rows, previous="flaky").clean_runs_needed
    h.main("p" * (needed - 3))  # the history already ends with two clean runs

    assert judge(h.rows, previous="flaky").state == "flaky"
    h.main("p")
    verdict = judge(h.rows, previous="flaky")
    assert (verdict.state, verdict.rule) == ("fixed", "clean-runs")


def test_a_flaky_test_that_stops_reporting_stays_flaky():
    h = History().main("pppp").job("failed", "passed")

    assert replay(h)[-1] == "flaky"
    assert judge(h.rows, previous="flaky").state == "flaky"  # judged again later, with nothing new


def test_a_flaky_test_still_flaking_on_other_branches_is_not_fixed():
    h = History().main("pfppfpfpppfpfpp", "p" * 30)
    h.job("failed", "passed", default=False, pull_request=9)

    assert judge(h.rows, previous="flaky").state == "flaky"


def test_one_failure_enters_suspected_and_leaving_it_takes_many_clean_runs():
    h = History().main("p" * 10, "f", "p")

    states = replay(h)
    assert states[-2:] == ["suspected", "suspected"]
    needed = judge(h.rows, previous="suspected").clean_runs_needed
    h.main("p" * (needed - 1))
    states = replay(h)
    assert states[-2:] == ["suspected", "healthy"]


def test_a_cleared_test_is_not_made_suspected_again_by_the_failure_it_was_cleared_of():
    h = History().main("p" * 10, "f", "p" * 120)

    states = replay(h)

    assert states.count("suspected") > 0
    assert states[-1] == "healthy"


def fixed_by_clean_runs() -> History:
    """A test that failed about a third of the time, then passed as many runs in a row as its fix needs."""
    h = History().main("pfppfpfpppfpfpf" * 2)
    return h.main("p" * judge(h.rows, previous="flaky").clean_runs_needed)


def test_a_fixed_test_is_not_made_flaky_again_by_old_evidence():
    states = replay(fixed_by_clean_runs())

    assert states[-1] == "fixed"


def test_a_fixed_test_that_flakes_again_is_flaky_again():
    h = fixed_by_clean_runs().job("failed", "passed")

    assert replay(h)[-1] == "flaky"


def test_a_test_a_person_marked_fixed_is_judged_only_on_newer_evidence():
    h = History().main("pppp").job("failed", "passed").main("pp")

    assert judge(h.rows, previous="fixed", evidence_after=h.newest).state == "fixed"
    h.job("failed", "passed")
    assert judge(h.rows, previous="fixed", evidence_after=h.newest - 2).state == "flaky"


def test_a_broken_test_that_passes_again_is_fixed():
    h = History().main("p" * 20, "fff")
    assert replay(h)[-1] == "broken"

    h.main("p")
    states = replay(h)

    assert states[-1] == "fixed"


def test_a_quarantined_test_stays_quarantined_whatever_the_rules_say():
    h = History().main("p" * 20, "fffff")  # a quarantined test is judged as a flaky one: 5 failures break it

    verdict = judge(h.rows, previous="quarantined")

    assert (verdict.state, verdict.rules_state) == ("quarantined", "broken")


def test_a_quarantined_tests_score_and_evidence_still_update():
    h = History().main("pppp").job("failed", "passed")
    before = judge(h.rows, previous="quarantined")
    h.main("ffpfpfpf")

    after = judge(h.rows, previous="quarantined")

    assert after.state == "quarantined"
    assert after.score > before.score
    assert after.aggregates.failures > before.aggregates.failures


def test_a_flaky_test_is_flaky_once_its_second_isolated_failure_is_followed_by_a_pass():
    h = History().main("p" * 15, "f", "p" * 6, "f", "p")

    states = replay(h)

    assert states[15] == "suspected"
    assert states[22] == "suspected"  # a regression starts like this too: the next run tells them apart
    assert states[23] == "flaky"


def test_a_test_flaky_from_pull_request_evidence_alone_is_not_fixed_by_a_few_clean_runs():
    h = History().job("f", default=False, pull_request=3, sha="c" * 40)
    h.job("p", default=False, pull_request=3, sha="c" * 40).main("ppp")

    states = replay(h)

    assert states[1:] == ["flaky"] * 4
