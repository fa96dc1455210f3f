"""The dashboard's tables as they may be published: every cell already passed through the
small-number rule (`acucare.domain.analytics.suppression`), so the page, the CSV export
and the plots' data tables show the same suppressed figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from acucare.domain.analytics import Interval, enough, shown

DASH = "—"  # no figure: nothing to compute, or suppressed under the small-number rule


@dataclass(frozen=True)
class Table:
    slug: str  # the CSV file's name
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    caption: str = ""
    notes: list[str] = field(default_factory=list)


def count(value: int) -> str:
    """A count: 0 and 5 or more as they are, 1 to 4 as "<5"."""
    return shown(value).text


def mean(interval: Interval | None, *, digits: int = 1) -> str:
    """A mean with its 95 % interval, over five or more courses only."""
    if interval is None or not enough(interval.n):
        return DASH
    return (
        f"{interval.estimate:.{digits}f} ({interval.low:.{digits}f} to {interval.high:.{digits}f})"
    )


def share(interval: Interval | None) -> str:
    """A share in per cent with its 95 % interval, over five or more only."""
    if interval is None or not enough(interval.n):
        return DASH
    return (
        f"{100 * interval.estimate:.0f} % ({100 * interval.low:.0f} to {100 * interval.high:.0f})"
    )


def rate(interval: Interval | None, events: int, *, courses: int) -> str:
    """Events per 1,000 sessions with the exact interval. The count behind it falls under
    the small-number rule: 1 to 4 events are not shown as a rate either."""
    if interval is None or not enough(courses) or 0 < events < 5:
        return DASH
    return f"{interval.estimate:.2f} ({interval.low:.2f} to {interval.high:.2f})"
