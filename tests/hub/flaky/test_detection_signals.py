"""The four signals of flakiness, each on its own, from plain histories (no database)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hub.flaky.detection import Rules, judge
from tests.hub.flaky.histories import History


def signals(verdict) -> dict[str, dict]:
    return {item["signal"]: item for item in verdict.evidence}


def test_a_failed_attempt_then_a_pass_in_one_job_makes_the_test_flaky():
    h = History().main("ppppp").job("failed", "passed")

    verdict = judge(h.rows)

    assert (verdict.state, verdict.rule) == ("flaky", "retry-in-job")
    assert signals(verdict)["retry"]["count"] == 1


def test_a_retry_on_a_pull_request_branch_is_evidence_too():
    h = History().main("ppppp").job("failed", "passed", default=False, pull_request=7)

    assert judge(h.rows).state == "flaky"


def test_a_retry_counts_once_per_job_however_many_attempts_failed():
    h = History().main("ppp").job("failed", "failed", "passed").job("error", "passed")

    verdict = judge(h.rows)

    assert verdict.aggregates.retry_flakes == 2


def test_a_pass_and_a_failure_on_the_same_commit_make_the_test_flaky():
    h = History().main("ppppp").job("f")
    h.job("p", sha=h.last_sha)  # the failed run, re-run on the same commit

    verdict = judge(h.rows)

    assert (verdict.state, verdict.rule) == ("flaky", "same-commit")
    assert signals(verdict)["same_commit"]["commits"] == [h.last_sha]


def test_one_commit_failing_in_one_job_and_passing_in_another_is_a_configuration_not_a_flake():
    h = History().main("ppppp").job("f", job_name="py3.9")
    h.job("p", sha=h.last_sha, job_name="py3.12")

    verdict = judge(h.rows)

    assert verdict.state != "flaky"
    assert verdict.aggregates.same_commit_flakes == 0


def test_one_isolated_failure_on_the_default_branch_makes_the_test_suspected():
    h = History().main("pppppp", "f", "pp")

    verdict = judge(h.rows)

    assert (verdict.state, verdict.rule) == ("suspected", "isolated-failures")


def test_two_isolated_failures_on_the_default_branch_make_the_test_flaky():
    h = History().main("pppppp", "f", "pppp", "f", "p")

    verdict = judge(h.rows)

    assert (verdict.state, verdict.rule) == ("flaky", "isolated-failures")
    assert signals(verdict)["history"]["isolated_failures"] == 2


def test_history_counts_flips_and_failures_over_the_default_branch():
    h = History().main("ppfpffpp")

    agg = judge(h.rows).aggregates

    assert (agg.runs, agg.failures, agg.flips, agg.recent) == (8, 3, 4, "ppfpffpp")


def test_history_weighs_recent_runs_more_than_old_ones():
    recent = judge(History().main("p" * 40, "ff").rows).aggregates
    old = judge(History().main("ff", "p" * 40).rows).aggregates

    assert recent.failures == old.failures == 2
    assert recent.weighted_failures > old.weighted_failures


def test_history_rates_are_reported_only_from_the_minimum_sample():
    few = signals(judge(History().main("pfp").rows))["history"]
    enough = signals(judge(History().main("pfppp").rows))["history"]

    assert "failure_rate" not in few
    assert enough["failure_rate"] > 0


def test_the_score_is_the_posterior_mean_of_the_failure_rate_with_a_weak_prior():
    rules = Rules(half_life=1e12)  # every run weighs the same: the posterior is the textbook one
    h = History().main("p" * 37, "f", "p" * 10, "f", "p")  # 2 failures in 50 runs

    verdict = judge(h.rows, rules=rules)

    assert verdict.score == pytest.approx((0.5 + 2) / (0.5 + 19.5 + 50))
    assert verdict.confidence_low < verdict.score < verdict.confidence_high


def test_more_runs_narrow_the_credible_interval():
    short = judge(History().main("ppppfpppppfpppp").rows)
    long = judge(History().main("ppppfpppppfpppp" * 8).rows)

    assert long.confidence_high - long.confidence_low < short.confidence_high - short.confidence_low


def test_every_piece_of_evidence_names_its_signal_and_says_what_it_means():
    h = History().main("ppppp").job("failed", "passed").main("pp")

    for item in judge(h.rows).evidence:
        assert item["signal"] in {
            "retry",
            "same_commit",
            "history",
            "probability",
            "infrastructure",
            "broken",
            "mended",
        }
        assert item["sentence"]


def test_the_verdict_lists_the_runs_and_commits_behind_its_evidence():
    h = History().main("ppppp").job("failed", "passed", run=42)
    sha = h.last_sha

    verdict = judge(h.rows)

    assert 42 in verdict.run_ids
    assert sha in verdict.commit_shas


def test_impact_counts_runs_and_pull_requests_affected_and_time_lost():
    h = History().main("ppp")
    h.job("failed", "passed", default=False, pull_request=5, duration=2.5)
    h.job("f", default=False, pull_request=6, duration=4.0)

    agg = judge(h.rows).aggregates

    assert (agg.runs_affected, agg.pull_requests_affected, agg.time_lost) == (2, 2, 6.5)


def test_the_rules_are_plain_python_that_never_import_django():
    code = "import sys, hub.flaky.detection; sys.exit(any(m.startswith('django') for m in sys.modules))"

    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[3])

    assert done.returncode == 0
