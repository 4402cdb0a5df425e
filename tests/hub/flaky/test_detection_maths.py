"""The numbers under the verdict: the Beta CDF and its inverse against values checkable by hand, and the
changepoint that dates an onset."""

from __future__ import annotations

from math import asin, comb, pi, sqrt

import pytest

from hub.flaky.beta import beta_quantile, regularized_incomplete_beta
from hub.flaky.detection import changepoint, judge, posterior
from tests.hub.flaky.histories import History


def binomial_tail(x: float, a: int, b: int) -> float:
    """For whole a, b: I_x(a, b) = P(Binomial(a + b - 1, x) >= a)."""
    n = a + b - 1
    return sum(comb(n, j) * x**j * (1 - x) ** (n - j) for j in range(a, n + 1))


@pytest.mark.parametrize(
    ("x", "a", "b"), [(0.5, 2, 3), (0.1, 1, 30), (0.3, 5, 5), (0.02, 2, 200), (0.9, 7, 2)]
)
def test_the_incomplete_beta_matches_the_binomial_sum_for_whole_parameters(x, a, b):
    assert regularized_incomplete_beta(x, a, b) == pytest.approx(binomial_tail(x, a, b), rel=1e-10)


def test_the_incomplete_beta_of_two_and_three_at_a_half_is_eleven_sixteenths():
    assert regularized_incomplete_beta(0.5, 2, 3) == pytest.approx(11 / 16, abs=1e-14)


@pytest.mark.parametrize("x", [0.01, 0.25, 0.5, 0.8])
def test_the_incomplete_beta_of_halves_is_the_arcsine_law(x):
    assert regularized_incomplete_beta(x, 0.5, 0.5) == pytest.approx(2 / pi * asin(sqrt(x)), rel=1e-10)


@pytest.mark.parametrize("q", [0.05, 0.5, 0.95])
def test_the_uniform_distributions_quantile_is_itself(q):
    assert beta_quantile(q, 1, 1) == pytest.approx(q, abs=1e-12)


@pytest.mark.parametrize(("q", "b"), [(0.95, 10), (0.05, 10), (0.975, 200)])
def test_beta_one_b_quantiles_have_a_closed_form(q, b):
    assert beta_quantile(q, 1, b) == pytest.approx(1 - (1 - q) ** (1 / b), rel=1e-10)


def test_the_five_percent_quantile_of_beta_two_two_solves_its_cdf_polynomial():
    x = beta_quantile(0.05, 2, 2)

    assert 3 * x**2 - 2 * x**3 == pytest.approx(0.05, abs=1e-12)  # the CDF of Beta(2, 2)
    assert x == pytest.approx(0.1353, abs=1e-4)  # as tabulated


@pytest.mark.parametrize(
    ("q", "a", "b"), [(0.05, 0.5, 19.5), (0.95, 2.5, 217.5), (0.5, 30.3, 70.1), (0.05, 0.7, 3.2)]
)
def test_the_quantile_inverts_the_cdf_for_fractional_parameters(q, a, b):
    assert regularized_incomplete_beta(beta_quantile(q, a, b), a, b) == pytest.approx(q, abs=1e-12)


def test_the_posterior_interval_holds_ninety_percent_of_the_mass():
    mean, low, high = posterior(3, 60)

    a, b = 0.5 + 3, 19.5 + 57
    assert mean == pytest.approx(a / (a + b))
    mass = regularized_incomplete_beta(high, a, b) - regularized_incomplete_beta(low, a, b)
    assert mass == pytest.approx(0.90, abs=1e-12)


def test_a_changepoint_is_found_where_failures_start():
    sequence = [False] * 40 + [True, False, True, True, False, True, False, True, True, False]

    assert changepoint(sequence) == 40


def test_a_steady_rate_has_no_changepoint():
    sequence = [i % 5 == 0 for i in range(60)]

    assert changepoint(sequence) is None


def test_a_flaky_tests_onset_is_its_first_failure_after_the_changepoint():
    h = History().main("p" * 3, "f", "p" * 40)  # an old, lone failure before the test became flaky
    h.main("pp", "f")
    onset = h.last_sha
    h.main("pfpfppfpfpp")

    verdict = judge(h.rows, previous="flaky")

    assert verdict.onset_sha == onset
