"""The Beta distribution's CDF (the regularised incomplete beta function) and its inverse, in pure Python.

Detection needs credible intervals for a failure rate for a few hundred tests at a time; pulling in scipy
for two functions would make the hub's install several times larger. The algorithms are the classical
ones: Lentz's continued fraction for I_x(a, b) and Halley's method from a good first guess for the
inverse (Press et al., Numerical Recipes, 3rd ed., sections 6.4 and 6.14). Parameters may be fractional
(detection weights its counts towards recent runs).
"""

from __future__ import annotations

from functools import lru_cache
from math import exp, lgamma, log, log1p, sqrt

_TINY = 1e-300
_EPS = 1e-15
_MAX_TERMS = 10_000


def regularized_incomplete_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b): the probability that a Beta(a, b) variable is at most ``x``."""
    if a <= 0 or b <= 0:
        raise ValueError(f"Beta parameters must be positive, got a={a}, b={b}")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p_neg(x))
    # The continued fraction converges fast on this side of the mean; use the symmetry on the other.
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(x, a, b) / a
    return 1.0 - front * _continued_fraction(1.0 - x, b, a) / b


@lru_cache(maxsize=4096)
def beta_quantile(q: float, a: float, b: float) -> float:
    """The ``x`` with I_x(a, b) = ``q``: the ``q`` quantile of Beta(a, b). Remembered: a verdict asks four,
    and the rate a fix is measured against comes from whole counts that many tests share."""
    if a <= 0 or b <= 0:
        raise ValueError(f"Beta parameters must be positive, got a={a}, b={b}")
    if q <= 0.0:
        return 0.0
    if q >= 1.0:
        return 1.0
    x = _first_guess(q, a, b)
    log_norm = lgamma(a + b) - lgamma(a) - lgamma(b)
    for step in range(100):
        if x <= 0.0 or x >= 1.0:
            return min(max(x, 0.0), 1.0)
        error = regularized_incomplete_beta(x, a, b) - q
        density = exp((a - 1.0) * log(x) + (b - 1.0) * log1p_neg(x) + log_norm)
        newton = error / density
        halley = newton / (1.0 - 0.5 * min(1.0, newton * ((a - 1.0) / x - (b - 1.0) / (1.0 - x))))
        x -= halley
        if x <= 0.0:
            x = 0.5 * (x + halley)  # halfway back towards the previous point
        if x >= 1.0:
            x = 0.5 * (x + halley + 1.0)
        if abs(halley) < 1e-12 * x and step > 0:
            break
    return x


def log1p_neg(x: float) -> float:
    """log(1 - x), accurate for small ``x``."""
    return log1p(-x)


def _continued_fraction(x: float, a: float, b: float) -> float:
    """Lentz's evaluation of the continued fraction for I_x(a, b)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_TERMS):
        m2 = 2 * m
        term = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + term * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + term / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        term = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + term * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + term / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def _first_guess(q: float, a: float, b: float) -> float:
    """A starting point close enough for Halley's method to converge in a few steps."""
    if a >= 1.0 and b >= 1.0:
        tail = q if q < 0.5 else 1.0 - q
        t = sqrt(-2.0 * log(tail))
        z = (2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t
        if q < 0.5:
            z = -z
        al = (z * z - 3.0) / 6.0
        h = 2.0 / (1.0 / (2.0 * a - 1.0) + 1.0 / (2.0 * b - 1.0))
        w = z * sqrt(al + h) / h - (1.0 / (2.0 * b - 1.0) - 1.0 / (2.0 * a - 1.0)) * (
            al + 5.0 / 6.0 - 2.0 / (3.0 * h)
        )
        return a / (a + b * exp(2.0 * w))
    lna, lnb = log(a / (a + b)), log(b / (a + b))
    t, u = exp(a * lna) / a, exp(b * lnb) / b
    w = t + u
    if q < t / w:
        return (a * w * q) ** (1.0 / a)
    return 1.0 - (b * w * (1.0 - q)) ** (1.0 / b)
