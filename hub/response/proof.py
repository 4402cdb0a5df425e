"""How many green re-runs prove a flaky test fixed: a pure function of the failure rate it had.

A test that failed a share ``p`` of its runs passes ``N`` runs in a row by luck with probability
``(1 - p) ** N``. The fix is taken as proven when that luck is at most ``ALPHA`` (5%): the smallest such
``N``. A rarely failing test needs many runs (p = 1% needs 299), and one never seen failing cannot be
proven by any number, so the policy's ``max_runs`` bounds ``N``; the confidence reached is then reported
as it is (``confidence``), never rounded up to 95%.

The comparison is exact (fractions built from the decimal text of ``p``): with floats ``1 - 0.95`` is a
hair above 0.05, and a test failing 95% of the time would need two runs instead of one.

``p`` itself is read off a few runs: a test that failed 2 of its 3 runs looks like a 67% flake, proven by
3 green runs, though a 30% flake passes 3 in a row a third of the time. So the rate a proof uses is the
lower end of its one-sided 95% Wilson score interval (``lower_bound``): close to the observed share over
a long history, well below it over a short one, which asks for more re-runs exactly when less is known.
"""

from __future__ import annotations

import math
from fractions import Fraction

ALPHA = 0.05
Z_95 = 1.6448536269514722  # the standard normal's 95th percentile: a one-sided 95% bound


def runs_to_prove(failure_rate: float, *, max_runs: int, alpha: float = ALPHA) -> int:
    """The smallest ``N`` with ``(1 - failure_rate) ** N <= alpha``, at most ``max_runs``."""
    p, a = _fraction(failure_rate, "failure_rate"), _fraction(alpha, "alpha")
    if not 0 < a < 1:
        raise ValueError(f"alpha is a probability strictly between 0 and 1, not {alpha!r}")
    if max_runs < 1:
        raise ValueError(f"max_runs must be at least 1, not {max_runs!r}")
    if p == 0:
        return max_runs  # never seen failing: no number of runs proves it; run as many as allowed
    if p == 1:
        return 1
    estimate = math.ceil(math.log(float(a)) / math.log1p(-float(p)))
    n = max(1, min(estimate, max_runs + 1))
    while n > 1 and (1 - p) ** (n - 1) <= a:
        n -= 1
    while n <= max_runs and (1 - p) ** n > a:
        n += 1
    return min(n, max_runs)


def lower_bound(failures: float, runs: float, *, z: float = Z_95) -> float:
    """The lower end of the Wilson score interval for a failure rate of ``failures`` in ``runs`` (either
    may be weighted, so fractional); 0 with no runs."""
    if runs <= 0:
        return 0.0
    share = min(max(failures / runs, 0.0), 1.0)
    z2 = z * z
    centre = share + z2 / (2 * runs)
    spread = z * math.sqrt(share * (1 - share) / runs + z2 / (4 * runs * runs))
    return max(0.0, (centre - spread) / (1 + z2 / runs))


def confidence(failure_rate: float, runs: int) -> float:
    """The chance that ``runs`` green runs in a row would have shown a failure had the test not been
    fixed: ``1 - (1 - failure_rate) ** runs``."""
    p = _fraction(failure_rate, "failure_rate")
    return float(1 - (1 - p) ** max(runs, 0))


def _fraction(value: float, name: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{name} is a probability between 0 and 1, not {value!r}")
    return Fraction(repr(float(value)))
