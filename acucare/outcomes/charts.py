"""Outcome charts as server-rendered SVG geometry: the template draws what is computed
here. Every series has its own marker shape and line style and a text label, so nothing
is told by colour alone; the numbers behind each chart go into a table beside it.

The reference lines (30 % and 50 % less pain than at baseline) are read from the NRS
record's improvement thresholds (IMMPACT, Dworkin 2008), the same table the review
engine uses: a threshold is stated once."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe

from acucare.domain.scoring import instrument_tables
from acucare.kb import registry
from acucare.kb.records.base import acts_on
from acucare.kb.records.instruments import Instrument

WIDTH = 640
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 40
SMALL_HEIGHT = 180


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    label: str  # what a screen reader or a tooltip says


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # a class for the stroke style (solid, dashed) and the marker shape
    marker: str  # circle, square or diamond
    points: list[Point]

    @property
    def path(self) -> str:
        # "M" to the first point, "L" to each next one.
        lines = " ".join([f"L{p.x:.1f},{p.y:.1f}" for p in self.points])
        return f"M{lines[1:]}" if lines else ""


@dataclass(frozen=True)
class Rule:
    """A horizontal reference line (baseline, a threshold) or a vertical marker."""

    position: float
    label: str
    css: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    title: str
    description: str
    width: int
    height: int
    x_label: str
    y_label: str
    series: list[Series] = field(default_factory=list)
    levels: list[Rule] = field(default_factory=list)  # horizontal
    markers: list[Rule] = field(default_factory=list)  # vertical
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the table's column headings
    rows: list[list[str]] = field(default_factory=list)

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    @property
    def plot_top(self) -> int:
        return TOP

    @property
    def plot_bottom(self) -> int:
        return self.height - BOTTOM

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)

    def svg_body(self) -> SafeString:
        """The drawing inside the <svg> element: grid, axes, reference lines, markers,
        series and their points (each with a <title> a screen reader or a tooltip reads).
        Built here rather than in the template: a 100-session chart is a few hundred
        elements, and every text is escaped by format_html."""
        left, right, top, bottom = self.plot_left, self.plot_right, self.plot_top, self.plot_bottom
        parts: list[str] = []
        for t in self.y_ticks:
            parts.append(
                _h(
                    '<line class="grid" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/>'
                    '<text x="{}" y="{:.1f}" text-anchor="end" dominant-baseline="middle">'
                    "{}</text>",
                    left,
                    right,
                    t.position,
                    t.position,
                    left - 6,
                    t.position,
                    t.label,
                )
            )
        parts.append(
            _h(
                '<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}"/>',
                left,
                right,
                bottom,
                bottom,
                left,
                left,
                top,
                bottom,
            )
        )
        parts.append(
            "".join(
                _h(
                    '<text x="{:.1f}" y="{}" text-anchor="middle">{}</text>',
                    t.position,
                    bottom + 14,
                    t.label,
                )
                for t in self.x_ticks
            )
        )
        parts.append(
            _h(
                '<text x="{}" y="{}" text-anchor="end">{}</text>',
                right,
                self.height - 4,
                self.x_label,
            )
        )
        for level in self.levels:
            parts.append(
                _h(
                    '<line class="{}" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/>'
                    '<text x="{}" y="{:.1f}" dy="-3" text-anchor="end">{}</text>',
                    level.css,
                    left,
                    right,
                    level.position,
                    level.position,
                    right,
                    level.position,
                    level.label,
                )
            )
        for m in self.markers:
            parts.append(
                _h(
                    '<line class="{}" x1="{:.1f}" x2="{:.1f}" y1="{}" y2="{}"/>'
                    '<text x="{:.1f}" y="{}" dx="3" dy="8">{}</text>',
                    m.css,
                    m.position,
                    m.position,
                    top,
                    bottom,
                    m.position,
                    top,
                    m.label,
                )
            )
        for series in self.series:
            if not series.points:
                continue
            parts.append(_h('<path class="{}" d="{}"/>', series.css, series.path))
            parts.append(_markers(series))
        return _safe(parts)

    def table_body(self) -> SafeString:
        """The numbers of the chart as table rows: the first cell heads its row."""
        if not self.rows:
            return _safe(
                [_h('<tr><td colspan="{}">Nothing recorded yet.</td></tr>', len(self.columns))]
            )
        # One f-string per row, every cell escaped: a hundred-session table is a few
        # hundred cells, and a format call per cell was most of the page's chart cost.
        escape = html.escape
        return _safe(
            [
                f'<tr><th scope="row">{escape(row[0])}</th>'
                + "".join([f"<td>{escape(cell)}</td>" for cell in row[1:]])
                + "</tr>"
                for row in self.rows
            ]
        )


def _h(template: str, *args: object) -> str:
    """`template` filled in with every text argument escaped and numbers formatted as the
    template asks (Django's format_html turns numbers into text a `{:.1f}` cannot format,
    and is slow over a few hundred chart elements)."""
    return template.format(*(html.escape(a) if isinstance(a, str) else a for a in args))


def _safe(parts: Iterable[str]) -> SafeString:
    return mark_safe("".join(parts))  # noqa: S308 - every text in the parts went through _h


def _markers(series: Series) -> str:
    """Each point's marker: a filled circle, an open square or a diamond (shape, not
    colour, tells the series apart), with its value as a title. One f-string per point,
    the class escaped once per series and each label once: there are a few hundred."""
    css, escape = html.escape(series.css), html.escape
    if series.marker == "circle":
        return "".join(
            [
                f'<circle class="marker-{css}" cx="{p.x:.1f}" cy="{p.y:.1f}" r="3.5">'
                f"<title>{escape(p.label)}</title></circle>"
                for p in series.points
            ]
        )
    if series.marker == "square":
        return "".join(
            [
                f'<rect class="marker-{css}" x="{p.x - 3:.1f}" y="{p.y - 3:.1f}" width="6" '
                f'height="6"><title>{escape(p.label)}</title></rect>'
                for p in series.points
            ]
        )
    return "".join(
        [
            f'<polygon class="marker-{css}" points="{p.x:.1f},{p.y - 5:.1f} {p.x + 5:.1f},'
            f'{p.y:.1f} {p.x:.1f},{p.y + 5:.1f} {p.x - 5:.1f},{p.y:.1f}">'
            f"<title>{escape(p.label)}</title></polygon>"
            for p in series.points
        ]
    )


class _Scale:
    def __init__(self, low: float, high: float, start: float, end: float) -> None:
        self.low, self.high, self.start, self.end = low, high, start, end

    def __call__(self, value: float) -> float:
        span = self.high - self.low or 1.0
        return self.start + (value - self.low) / span * (self.end - self.start)


def pain_thresholds() -> list[tuple[float, str]]:
    """(percent, tier) of the NRS record's acting percentage thresholds, largest first."""
    nrs = registry().of(Instrument).get("nrs")
    if nrs is None or nrs.change is None:
        return []
    found = {
        t.value: t.tier
        for t in nrs.change.thresholds
        if t.kind == "percent" and acts_on(t.citations)
    }
    return sorted(found.items(), reverse=True)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class PainSession:
    number: int
    date: str
    before: int | None
    after: int | None


@dataclass(frozen=True)
class DiaryDay:
    """A day of the patient's diary: pain written `days_after` the session `session`."""

    session: int
    days_after: int
    date: str
    pain: int


def pain_chart(
    sessions: Sequence[PainSession],
    *,
    diary: Sequence[DiaryDay] = (),
    baseline: float | None,
    baseline_label: str,
    reviews: Sequence[int] = (),
    discharge: int | None = None,
    planned: int | None = None,
) -> Chart:
    """Pain before and after each session (0–10), the pain the patient wrote in their
    diary on the days after a session (drawn between that session and the next), the
    baseline, the 30 % and 50 % thresholds below it, and the review and discharge
    markers."""
    last = max([s.number for s in sessions] + [planned or 0, *reviews, discharge or 0, 1])
    chart = Chart(
        title="Pain at each session",
        description=(
            "Pain from 0 (none) to 10 (worst) before and after each session, with the "
            "baseline and the lines 30 % and 50 % below it."
        ),
        width=WIDTH,
        height=HEIGHT,
        x_label="Session",
        y_label="Pain (0–10)",
        columns=["Session", "Date", "Pain before", "Pain after"],
    )
    x = _Scale(0, last, chart.plot_left + 12, chart.plot_right - 8)
    y = _Scale(0, 10, chart.plot_bottom, chart.plot_top)
    chart.y_ticks = [Tick(y(v), str(v)) for v in range(0, 11, 2)]
    step = 1 if last <= 12 else 2 if last <= 24 else 5 if last <= 60 else 10
    chart.x_ticks = [Tick(x(n), str(n)) for n in range(step, last + 1, step)]
    before = [
        Point(x(s.number), y(s.before), s.before, f"Session {s.number}: pain before {s.before}")
        for s in sessions
        if s.before is not None
    ]
    after = [
        Point(x(s.number), y(s.after), s.after, f"Session {s.number}: pain after {s.after}")
        for s in sessions
        if s.after is not None
    ]
    days = sorted(diary, key=lambda d: (d.session, d.days_after))
    between = [
        Point(
            # A week of diary fits between one session and the next.
            x(d.session + min(d.days_after, 6) / 7),
            y(d.pain),
            d.pain,
            f"Diary, {d.date} ({_days_after(d.days_after)} session {d.session}): pain {d.pain}",
        )
        for d in days
    ]
    chart.series = [
        Series("Pain before the session", "series-before", "circle", before),
        Series("Pain after the session", "series-after", "square", after),
        Series("Pain in the diary between sessions", "series-diary", "diamond", between),
    ]
    if days:
        chart.description = chart.description.replace(
            "each session,", "each session and in the diary on the days after,"
        )
    if baseline is not None:
        chart.levels.append(
            Rule(y(baseline), f"Baseline {_fmt(baseline)} ({baseline_label})", "level-baseline")
        )
        for percent, _tier in pain_thresholds():
            value = baseline * (1 - percent / 100)
            chart.levels.append(
                Rule(y(value), f"{_fmt(percent)} % less: {_fmt(value)}", "level-threshold")
            )
    for number in reviews:
        chart.markers.append(Rule(x(number), f"Review {number}", "marker-review"))
    if discharge is not None:
        chart.markers.append(Rule(x(discharge), "Discharge", "marker-discharge"))
    chart.rows = [
        [
            str(s.number),
            s.date,
            "—" if s.before is None else str(s.before),
            "—" if s.after is None else str(s.after),
        ]
        for s in sessions
    ]
    if days:
        chart.columns.append("Pain in the diary")
        written: dict[int, list[str]] = {}
        for d in days:
            written.setdefault(d.session, []).append(f"{d.pain} on {d.date}")
        for row, s in zip(chart.rows, sessions, strict=True):
            row.append("; ".join(written.get(s.number, [])) or "—")
    return chart


def _days_after(days: int) -> str:
    return "the day of" if days == 0 else "1 day after" if days == 1 else f"{days} days after"


@dataclass(frozen=True)
class DomainValue:
    label: str  # "Baseline", "Review after session 6", …
    session: int
    total: float


def domain_chart(
    instrument: str, values: Sequence[DomainValue], *, low: float, high: float, better: str
) -> Chart:
    """One questionnaire's total at each timepoint it was measured."""
    name = _instrument_name(instrument)
    chart = Chart(
        title=name,
        description=f"{name} total at each timepoint ({better}).",
        width=WIDTH,
        height=SMALL_HEIGHT,
        x_label="Timepoint",
        y_label="Total",
        columns=["Timepoint", "Session", name],
    )
    count = max(len(values), 2)
    x = _Scale(0, count - 1, chart.plot_left + 24, chart.plot_right - 24)
    y = _Scale(low, high, chart.plot_bottom, chart.plot_top)
    middle = (low + high) / 2
    chart.y_ticks = [Tick(y(v), _fmt(v)) for v in (low, middle, high)]
    chart.x_ticks = [Tick(x(i), _short(v.label)) for i, v in enumerate(values)]
    chart.series = [
        Series(
            name,
            "series-domain",
            "diamond",
            [
                Point(x(i), y(v.total), v.total, f"{v.label}: {_fmt(v.total)}")
                for i, v in enumerate(values)
            ],
        )
    ]
    if values:
        chart.levels.append(Rule(y(values[0].total), "Baseline", "level-baseline"))
    chart.rows = [[v.label, str(v.session), _fmt(v.total)] for v in values]
    return chart


def _short(label: str) -> str:
    return (
        label.replace("Review after session ", "Review ")
        .replace("Follow-up ", "F/U ")
        .replace(" after discharge", "")
    )


def _instrument_name(instrument: str) -> str:
    found = registry().of(Instrument).get(instrument)
    return found.short_name if found is not None else instrument


def domain_charts(series: Mapping[str, Sequence[DomainValue]]) -> list[Chart]:
    """One small chart per questionnaire measured at two timepoints or more."""
    tables = instrument_tables(registry())
    charts = []
    for instrument, values in series.items():
        table = tables.get(instrument)
        if table is None or len(values) < 2:
            continue
        better = "higher is better" if table.direction == "higher_is_better" else "lower is better"
        charts.append(
            domain_chart(
                instrument, values, low=table.total_low, high=table.total_high, better=better
            )
        )
    return charts
