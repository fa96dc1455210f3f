"""Clinic analytics in pure Python: estimates with confidence intervals from database
aggregates, funnel-plot control limits, and the small-number rule."""

from acucare.domain.analytics.stats import (
    FunnelLimits,
    Interval,
    funnel_curve,
    funnel_limits,
    mean_interval,
    rate_interval,
    t_quantile,
    wilson_interval,
)
from acucare.domain.analytics.suppression import SUPPRESSED, THRESHOLD, Cell, enough, shown

__all__ = [
    "SUPPRESSED",
    "THRESHOLD",
    "Cell",
    "FunnelLimits",
    "Interval",
    "enough",
    "funnel_curve",
    "funnel_limits",
    "mean_interval",
    "rate_interval",
    "shown",
    "t_quantile",
    "wilson_interval",
]
