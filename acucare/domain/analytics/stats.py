"""Summary statistics for the clinic's outcomes, from counts and sums only.

The database aggregates (count, sum, sum of squares, number of events); these functions
turn those few numbers into estimates with 95 % confidence intervals, so no patient row
ever needs to reach Python. Every function takes plain numbers and returns plain values.

- a mean: Student's t interval (``mean_interval``);
- a proportion: Wilson's score interval (``wilson_interval``), which stays inside 0–1 and
  behaves for small counts and for 0 % and 100 %;
- a rate per 1,000 sessions: the exact (Garwood) Poisson interval (``rate_interval``);
- a funnel plot: binomial control limits around the clinic's rate (``funnel_limits``).

The special functions (regularised incomplete beta and gamma) are the textbook series
and continued fractions; the tests check them against published table values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from acucare.domain.errors import InputError

Z95 = 1.959963984540054  # two-sided 95 %: the normal 0.975 quantile
Z998 = 3.090232306167813  # two-sided 99.8 %: the normal 0.999 quantile
_EPS = 1e-14
_MAX_ITERATIONS = 500


@dataclass(frozen=True, slots=True)
class Interval:
    """An estimate with its 95 % confidence interval and the count it rests on."""

    estimate: float
    low: float
    high: float
    n: int


def _count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(name, "must be a whole number, 0 or more", {"min": 0})


# --- means -------------------------------------------------------------------------------


def mean_interval(n: int, total: float, sum_of_squares: float) -> Interval | None:
    """The mean of n values and its t-based 95 % interval, from their sum and the sum of
    their squares. None below two values (no spread to estimate)."""
    _count("n", n)
    if n < 2:
        return None
    mean = total / n
    # The sample variance; tiny negative round-off (all values equal) is zero.
    variance = max((sum_of_squares - n * mean * mean) / (n - 1), 0.0)
    half = t_quantile(0.975, n - 1) * math.sqrt(variance / n)
    return Interval(mean, mean - half, mean + half, n)


def t_quantile(p: float, df: int) -> float:
    """The p quantile of Student's t with df degrees of freedom (0.5 < p < 1)."""
    if not 0.5 < p < 1:
        raise InputError("p", "must lie between 0.5 and 1", {"min": 0.5, "max": 1})
    if df < 1:
        raise InputError("df", "must be 1 or more", {"min": 1})
    tail = 2 * (1 - p)  # two-sided tail probability

    def two_sided(t: float) -> float:  # P(|T| > t), decreasing in t
        return _beta_regularised(df / 2, 0.5, df / (df + t * t))

    low, high = 0.0, 1.0
    while two_sided(high) > tail:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if two_sided(middle) > tail:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return (low + high) / 2


def _beta_regularised(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularised incomplete beta function."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, _MAX_ITERATIONS):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < _EPS:
            break
    return result


# --- proportions -------------------------------------------------------------------------


def wilson_interval(successes: int, n: int, z: float = Z95) -> Interval | None:
    """A proportion and its Wilson score interval; None when there is no denominator."""
    _count("successes", successes)
    _count("n", n)
    if successes > n:
        raise InputError("successes", "cannot exceed n", {"max": n})
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # At 0 and n the bound is exactly 0 or 1; keep round-off from showing -0.0 or 1.0000001.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(p, low, high, n)


# --- rates -------------------------------------------------------------------------------


def rate_interval(events: int, exposure: int, per: int = 1000) -> Interval | None:
    """Events per `per` units of exposure (sessions) with the exact Poisson interval
    (Garwood): the lower limit solves P(X >= k) = 2.5 %, the upper P(X <= k) = 2.5 %.
    None without exposure. `n` is the exposure."""
    _count("events", events)
    _count("exposure", exposure)
    if exposure == 0:
        return None
    low = 0.0 if events == 0 else _solve_mean(lambda mu: _gamma_lower(events, mu), 0.025)
    # P(X <= k; mu) = Q(k + 1, mu) = 1 - P(k + 1, mu): solve for 0.975 of the lower gamma.
    high = _solve_mean(lambda mu: _gamma_lower(events + 1, mu), 0.975)
    scale = per / exposure
    return Interval(events * scale, low * scale, high * scale, exposure)


def _solve_mean(increasing: Callable[[float], float], target: float) -> float:
    """The mean mu at which an increasing function of mu reaches the target."""
    low, high = 0.0, 1.0
    while increasing(high) < target:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if increasing(middle) < target:
            low = middle
        else:
            high = middle
        if high - low < 1e-12 * max(1.0, high):
            break
    return (low + high) / 2


def _gamma_lower(a: float, x: float) -> float:
    """P(a, x), the regularised lower incomplete gamma function (= P(X >= a) for a
    Poisson count X of mean x, when a is a whole number)."""
    if x <= 0:
        return 0.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:  # the series converges fast here
        term = total = 1 / a
        denominator = a
        for _ in range(_MAX_ITERATIONS * 20):
            denominator += 1
            term *= x / denominator
            total += term
            if abs(term) < abs(total) * _EPS:
                break
        return total * math.exp(log_front)
    # The continued fraction for the upper function Q, then P = 1 - Q (modified Lentz).
    tiny = 1e-300
    b = x + 1 - a
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, _MAX_ITERATIONS * 20):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1 / (d if abs(d) > tiny else tiny)
        c = b + an / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        if abs(d * c - 1) < _EPS:
            break
    return 1 - math.exp(log_front) * h


# --- funnel plots ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FunnelLimits:
    """Control limits for a proportion at one denominator: 95 % and 99.8 %."""

    n: int
    low95: float
    high95: float
    low998: float
    high998: float


def funnel_limits(target: float, n: int) -> FunnelLimits:
    """Binomial (normal approximation) control limits around a target proportion for a
    unit with n cases, clipped to 0–1: a practitioner outside the 99.8 % limits differs
    from the clinic by more than chance would usually explain."""
    _count("n", n)
    if not 0 <= target <= 1:
        raise InputError("target", "must be a proportion between 0 and 1", {"min": 0, "max": 1})
    if n == 0:
        raise InputError("n", "must be 1 or more", {"min": 1})
    spread = math.sqrt(target * (1 - target) / n)

    def clip(value: float) -> float:
        return min(1.0, max(0.0, value))

    return FunnelLimits(
        n,
        clip(target - Z95 * spread),
        clip(target + Z95 * spread),
        clip(target - Z998 * spread),
        clip(target + Z998 * spread),
    )


def funnel_curve(target: float, largest: int, points: int = 40) -> list[FunnelLimits]:
    """Limits at denominators from 1 to `largest`, spaced for drawing the funnel."""
    _count("largest", largest)
    if largest < 1:
        return []
    ns = sorted({max(1, round(largest ** (i / (points - 1)))) for i in range(points)})
    return [funnel_limits(target, n) for n in ns]
