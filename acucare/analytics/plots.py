"""The dashboard's plots as server-rendered SVG: a title and a description inside each
picture, lines told apart by dash and marker as well as colour, and the same numbers in a
table beside it (a `Table`, so it is exported as CSV too). Figures under the
small-number rule are neither drawn nor listed."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from acucare.analytics.selectors import FunnelUnit, TrajectoryPoint
from acucare.analytics.tables import Table, count, share
from acucare.domain.analytics import enough, funnel_curve, wilson_interval

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 20, 20, 48
GROUPS = {
    # group: (label, stroke, dash, marker)
    "responder": ("Responders", "#1b5e20", "", "circle"),
    "non_responder": ("Non-responders", "#8e2424", "6 4", "square"),
}


@dataclass(frozen=True)
class Plot:
    id: str
    title: str
    description: str
    svg: SafeString
    table: Table


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _frame(plot_id: str, title: str, description: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - every value in `body` is a number or passed through _e
        f'<svg class="analytics-plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{plot_id}-title {plot_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{plot_id}-title">{_e(title)}</title>'
        f'<desc id="{plot_id}-desc">{_e(description)}</desc>'
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>'
        + "".join(body)
        + "</svg>"
    )


def _axes(
    x_label: str,
    y_label: str,
    x_ticks: Sequence[tuple[float, str]],
    y_ticks: Sequence[tuple[float, str]],
) -> list[str]:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    parts = [
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333"/>',
        f'<text x="{(LEFT + right) / 2:.0f}" y="{HEIGHT - 8}" text-anchor="middle" '
        f'font-size="13">{_e(x_label)}</text>',
        f'<text x="14" y="{(TOP + bottom) / 2:.0f}" text-anchor="middle" font-size="13" '
        f'transform="rotate(-90 14 {(TOP + bottom) / 2:.0f})">{_e(y_label)}</text>',
    ]
    for x, label in x_ticks:
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'font-size="12">{_e(label)}</text>'
        )
    for y, label in y_ticks:
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="12">{_e(label)}</text>'
        )
    return parts


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>'


def trajectory_plot(points: Sequence[TrajectoryPoint]) -> Plot:
    """Mean pain before each session, one line per responder group."""
    shown = [p for p in points if enough(p.n)]
    last = max((p.session for p in shown), default=1)
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM

    def x(session: int) -> float:
        return LEFT + span_x * ((session - 1) / max(last - 1, 1))

    def y(pain: float) -> float:
        return TOP + span_y * (1 - pain / 10)

    body = _axes(
        "Session",
        "Mean pain before the session (0–10)",
        [(x(s), str(s)) for s in range(1, last + 1)],
        [(y(v), str(v)) for v in (0, 2, 4, 6, 8, 10)],
    )
    for group, (label, colour, dash, marker) in GROUPS.items():
        line = [p for p in shown if p.group == group]
        if not line:
            continue
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x(p.session):.1f},{y(p.mean_pain):.1f}"
            for i, p in enumerate(line)
        )
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dashed}/>')
        body.extend(_marker(marker, x(p.session), y(p.mean_pain), colour) for p in line)
        end = line[-1]
        body.append(
            f'<text x="{min(x(end.session) + 6, WIDTH - RIGHT - 90):.1f}" '
            f'y="{y(end.mean_pain) - 8:.1f}" '
            f'font-size="12" fill="{colour}">{_e(label)}</text>'
        )
    if not shown:
        body.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" '
            'font-size="14">Not enough courses to draw.</text>'
        )
    description = (
        "Mean pain before each session for courses that responded and courses that did not, "
        "by their status at discharge or review; a point over fewer than five courses is "
        "left out. The table below gives the numbers."
    )
    table = Table(
        slug="trajectories",
        title="Pain trajectories by responder group",
        columns=("Group", "Session", "Courses", "Mean pain before the session (0–10)"),
        rows=[
            (GROUPS[p.group][0], str(p.session), count(p.n), f"{p.mean_pain:.1f}") for p in shown
        ],
    )
    return Plot(
        "trajectory",
        table.title,
        description,
        _frame("trajectory", table.title, description, body),
        table,
    )


def funnel_plot(units: Sequence[FunnelUnit], clinic_courses: int, clinic_responders: int) -> Plot:
    """Each practitioner's responder rate at discharge against the number of their
    courses, inside 95 % and 99.8 % control limits around the clinic's rate."""
    title = "Responders at discharge by practitioner (funnel plot)"
    plotted = [u for u in units if enough(u.courses)]
    target = clinic_responders / clinic_courses if clinic_courses else 0.0
    largest = max([u.courses for u in plotted] + [clinic_courses // max(len(units), 1), 5])
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM

    def x(n: float) -> float:
        return LEFT + span_x * (n / largest)

    def y(p: float) -> float:
        return TOP + span_y * (1 - p)

    step = max(1, round(largest / 5))
    body = _axes(
        "Courses at discharge",
        "Responders (30 % or more)",
        [(x(n), str(n)) for n in range(0, largest + 1, step)],
        [(y(v / 100), f"{v} %") for v in (0, 25, 50, 75, 100)],
    )
    if enough(clinic_courses):
        curve = funnel_curve(target, largest)
        for low, high, dash, label in (
            ("low95", "high95", "5 3", "95 % limits"),
            ("low998", "high998", "2 3", "99.8 % limits"),
        ):
            for side in (low, high):
                path = " ".join(
                    f"{'M' if i == 0 else 'L'}{x(c.n):.1f},{y(getattr(c, side)):.1f}"
                    for i, c in enumerate(curve)
                )
                body.append(
                    f'<path d="{path}" fill="none" stroke="#555" stroke-dasharray="{dash}"/>'
                )
            body.append(
                f'<text x="{WIDTH - RIGHT - 4}" y="{y(getattr(curve[-1], high)) - 4:.1f}" '
                f'text-anchor="end" font-size="11">{_e(label)}</text>'
            )
        body.append(
            f'<line x1="{LEFT}" y1="{y(target):.1f}" x2="{WIDTH - RIGHT}" '
            f'y2="{y(target):.1f}" stroke="#1a4d8f" stroke-width="2"/>'
        )
        body.append(
            f'<text x="{LEFT + 6}" y="{y(target) - 6:.1f}" font-size="12" '
            f'fill="#1a4d8f">Clinic {100 * target:.0f} %</text>'
        )
    for u in plotted:
        body.append(_marker("circle", x(u.courses), y(u.responders / u.courses), "#222"))
        body.append(
            f'<text x="{x(u.courses) + 7:.1f}" y="{y(u.responders / u.courses) + 4:.1f}" '
            f'font-size="12">{_e(u.label)}</text>'
        )
    description = (
        "Each dot is a practitioner with five or more discharged courses: their share of "
        "responders against their number of courses. The funnel lines are the 95 % and "
        "99.8 % control limits around the clinic's rate; a dot outside the outer lines "
        "differs by more than chance usually explains. The table below gives the numbers."
    )
    rows = []
    for u in units:
        interval = wilson_interval(u.responders, u.courses) if enough(u.courses) else None
        rows.append(
            (u.label, count(u.courses), count(u.responders) if interval else "—", share(interval))
        )
    clinic_rate = share(
        wilson_interval(clinic_responders, clinic_courses) if clinic_courses else None
    )
    table = Table(
        slug="funnel",
        title="Responders at discharge by practitioner",
        columns=("Practitioner", "Courses", "Responders", "Share (95 % CI)"),
        rows=rows,
        caption=f"The clinic's rate: {clinic_rate}.",
    )
    return Plot("funnel", title, description, _frame("funnel", title, description, body), table)
