"""The analytics statistics against hand-computed and published table values."""

from __future__ import annotations

import pytest

from acucare.domain.analytics import (
    funnel_curve,
    funnel_limits,
    mean_interval,
    rate_interval,
    shown,
    t_quantile,
    wilson_interval,
)
from acucare.domain.analytics.suppression import enough
from acucare.domain.errors import InputError


@pytest.mark.parametrize(
    ("df", "expected"),
    # Student's t 0.975 quantiles from the standard table.
    [(1, 12.706), (2, 4.303), (4, 2.776), (10, 2.228), (30, 2.042), (120, 1.980)],
)
def test_t_quantiles_match_the_table(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=5e-4)


def test_mean_interval_of_one_to_five() -> None:
    # Values 1..5: sum 15, sum of squares 55, mean 3, SD sqrt(2.5), SE sqrt(0.5);
    # half-width 2.776 * 0.7071 = 1.963.
    interval = mean_interval(5, 15, 55)
    assert interval is not None
    assert interval.estimate == 3
    assert interval.low == pytest.approx(1.037, abs=1e-3)
    assert interval.high == pytest.approx(4.963, abs=1e-3)
    assert interval.n == 5


def test_mean_interval_of_equal_values_has_no_width() -> None:
    interval = mean_interval(4, 8.0, 16.0)
    assert interval is not None
    assert (interval.low, interval.estimate, interval.high) == (2.0, 2.0, 2.0)


def test_mean_needs_two_values() -> None:
    assert mean_interval(1, 3, 9) is None
    assert mean_interval(0, 0, 0) is None


def test_wilson_three_of_ten() -> None:
    # p = 0.3, z = 1.96: centre (0.3 + 0.19208) / 1.38416 = 0.35556,
    # half 1.96 * sqrt(0.021 + 0.009604) / 1.38416 = 0.24776 -> 0.1078 to 0.6033.
    interval = wilson_interval(3, 10)
    assert interval is not None
    assert interval.estimate == pytest.approx(0.3)
    assert interval.low == pytest.approx(0.1078, abs=1e-4)
    assert interval.high == pytest.approx(0.6032, abs=1e-4)


@pytest.mark.parametrize(("successes", "low", "high"), [(0, 0.0, 0.2775), (10, 0.7225, 1.0)])
def test_wilson_at_the_edges_stays_inside_zero_and_one(
    successes: int, low: float, high: float
) -> None:
    interval = wilson_interval(successes, 10)
    assert interval is not None
    assert interval.low == pytest.approx(low, abs=1e-4)
    assert interval.high == pytest.approx(high, abs=1e-4)


def test_wilson_without_denominator() -> None:
    assert wilson_interval(0, 0) is None


def test_wilson_refuses_more_successes_than_cases() -> None:
    with pytest.raises(InputError) as caught:
        wilson_interval(4, 3)
    assert caught.value.field == "successes"


@pytest.mark.parametrize(
    ("events", "low", "high"),
    # Exact Poisson limits for a count (Garwood), per 1,000 of 1,000 sessions = the limits
    # of the count itself: 0 -> (0, 3.689), 1 -> (0.0253, 5.572), 10 -> (4.795, 18.390).
    [(0, 0.0, 3.689), (1, 0.0253, 5.572), (10, 4.795, 18.390)],
)
def test_exact_poisson_limits(events: int, low: float, high: float) -> None:
    interval = rate_interval(events, 1000)
    assert interval is not None
    assert interval.estimate == events
    assert interval.low == pytest.approx(low, abs=1e-3)
    assert interval.high == pytest.approx(high, abs=1e-3)


def test_rate_per_thousand_sessions_scales_by_exposure() -> None:
    # White 2001: 2,178 minor events in 31,822 consultations = 68.4 per 1,000.
    interval = rate_interval(2178, 31822)
    assert interval is not None
    assert interval.estimate == pytest.approx(68.44, abs=0.01)
    assert interval.low < 68.44 < interval.high
    # Large counts: close to the normal approximation, 68.44 +/- 1.96 * sqrt(2178)/31.822.
    assert interval.low == pytest.approx(68.44 - 2.87, abs=0.1)
    assert interval.high == pytest.approx(68.44 + 2.94, abs=0.1)


def test_rate_without_sessions() -> None:
    assert rate_interval(0, 0) is None


def test_negative_counts_name_the_field() -> None:
    with pytest.raises(InputError) as caught:
        rate_interval(-1, 10)
    assert caught.value.field == "events"
    assert caught.value.allowed == {"min": 0}


def test_funnel_limits_around_one_half() -> None:
    # sqrt(0.25 / 100) = 0.05: 0.5 +/- 1.96 * 0.05 and 0.5 +/- 3.09 * 0.05.
    limits = funnel_limits(0.5, 100)
    assert limits.low95 == pytest.approx(0.402, abs=1e-3)
    assert limits.high95 == pytest.approx(0.598, abs=1e-3)
    assert limits.low998 == pytest.approx(0.3455, abs=1e-3)
    assert limits.high998 == pytest.approx(0.6545, abs=1e-3)


def test_funnel_limits_are_clipped_to_proportions() -> None:
    limits = funnel_limits(0.9, 4)
    assert limits.high95 == 1.0
    assert limits.high998 == 1.0
    assert 0 <= limits.low998 < limits.low95 < 0.9


def test_funnel_curve_narrows_as_the_denominator_grows() -> None:
    curve = funnel_curve(0.4, 200)
    assert curve[0].n == 1
    assert curve[-1].n == 200
    widths = [c.high95 - c.low95 for c in curve]
    assert widths == sorted(widths, reverse=True)


def test_funnel_refuses_a_target_outside_zero_and_one() -> None:
    with pytest.raises(InputError) as caught:
        funnel_limits(1.5, 10)
    assert caught.value.field == "target"


@pytest.mark.parametrize(
    ("count", "text", "value"),
    [(0, "0", 0), (1, "<5", None), (4, "<5", None), (5, "5", 5), (123, "123", 123)],
)
def test_small_numbers_are_suppressed(count: int, text: str, value: int | None) -> None:
    cell = shown(count)
    assert (cell.text, cell.value) == (text, value)
    assert cell.suppressed is (value is None)


def test_figures_need_five_courses() -> None:
    assert not enough(4)
    assert enough(5)


def test_suppression_refuses_a_negative_count() -> None:
    with pytest.raises(InputError):
        shown(-1)
