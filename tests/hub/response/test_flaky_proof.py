"""How many green re-runs prove a flaky test fixed: the smallest N with (1-p)^N <= 0.05, at its edges."""

from __future__ import annotations

from fractions import Fraction

import pytest

from hub.response.proof import confidence, lower_bound, runs_to_prove


@pytest.mark.parametrize(
    ("failure_rate", "max_runs", "runs"),
    [
        (1.0, 100, 1),  # always failed: one green run shows the change
        (0.95, 100, 1),  # 0.05 ** 1 == 0.05 exactly: the bound is inclusive
        (0.9, 100, 2),  # 0.1 > 0.05, 0.01 <= 0.05
        (0.5, 100, 5),  # 0.0625 > 0.05 >= 0.03125
        (0.2, 100, 14),
        (0.05, 100, 59),
        (0.01, 1000, 299),
        (0.01, 100, 100),  # would need 299: bounded by the policy's max
        (1e-9, 50, 50),  # tiny p: the max
        (0.0, 100, 100),  # never seen failing: no N proves it; the max
        (0.0, 1, 1),
        (0.5, 1, 1),
    ],
)
def test_runs_to_prove_a_fix(failure_rate, max_runs, runs):
    assert runs_to_prove(failure_rate, max_runs=max_runs) == runs


@pytest.mark.parametrize("failure_rate", [i / 200 for i in range(1, 201)])
def test_it_is_the_smallest_n_that_reaches_the_bound(failure_rate):
    n = runs_to_prove(failure_rate, max_runs=10_000)
    survive = 1 - Fraction(repr(failure_rate))

    assert survive**n <= Fraction("0.05")
    assert n == 1 or survive ** (n - 1) > Fraction("0.05")


@pytest.mark.parametrize(
    ("failure_rate", "max_runs", "alpha"),
    [(-0.1, 10, 0.05), (1.1, 10, 0.05), (True, 10, 0.05), (0.5, 0, 0.05), (0.5, 10, 0.0), (0.5, 10, 1.0)],
)
def test_bad_inputs_are_refused(failure_rate, max_runs, alpha):
    with pytest.raises(ValueError, match=r"must be|probability"):
        runs_to_prove(failure_rate, max_runs=max_runs, alpha=alpha)


@pytest.mark.parametrize(
    ("failure_rate", "runs", "reached"),
    [(0.5, 5, 0.96875), (0.01, 100, 1 - 0.99**100), (0.0, 100, 0.0), (1.0, 1, 1.0), (0.3, 0, 0.0)],
)
def test_confidence_is_the_chance_the_runs_would_have_shown_a_failure(failure_rate, runs, reached):
    assert confidence(failure_rate, runs) == pytest.approx(reached)


@pytest.mark.parametrize(
    ("failures", "runs", "bound"),
    [
        (2, 3, 0.2535),  # a short history: well below the 67% it shows
        (40, 200, 0.1576),  # a long one: close to the 20% it shows
        (10, 10, 0.7871),  # failed every run: still not certain it always fails
        (0, 5, 0.0),
        (0, 0, 0.0),  # never run
        (2.5, 4.0, 0.2629),  # weighted counts are fractional
    ],
)
def test_the_rate_a_proof_relies_on_is_the_lower_end_of_its_wilson_interval(failures, runs, bound):
    assert lower_bound(failures, runs) == pytest.approx(bound, abs=1e-4)


def test_the_lower_bound_nears_the_observed_share_as_runs_grow():
    bounds = [lower_bound(n / 5, n) for n in (5, 50, 500, 5000)]

    assert bounds == sorted(bounds)
    assert 0.19 < bounds[-1] < 0.2
