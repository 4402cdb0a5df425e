"""How many green re-runs prove a flaky test fixed: the smallest N with (1-p)^N <= 0.05, at its edges."""

from __future__ import annotations

from fractions import Fraction

import pytest

from hub.response.proof import confidence, runs_to_prove


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
