"""The outcomes dashboard, its tables as CSV and the de-identified research export. Views
only translate HTTP: `selectors.scope_for` refuses anyone but the admin and practitioners,
and every read and export is audited."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from acucare.analytics import plots, research, selectors
from acucare.audit.services import audit_record
from acucare.core.actor import actor_from_request
from acucare.core.csv_stream import csv_lines


def _stream(lines: Iterator[str], name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response.headers["Content-Disposition"] = f'attachment; filename="acucare-{name}-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    scope = selectors.scope_for(actor)
    board = selectors.dashboard(scope, timezone.now())
    trajectory = plots.trajectory_plot(board.trajectory)
    funnel = plots.funnel_plot(board.funnel, board.clinic_courses, board.clinic_responders)
    audit_record(
        actor=actor,
        action="read",
        object_type="analytics_dashboard",
        detail={"scope": "clinic" if scope.clinic else "own_patients"},
    )
    return render(
        request,
        "analytics/dashboard.html",
        {"board": board, "plots": [trajectory, funnel]},
    )


@login_required
@require_GET
def table_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    actor = actor_from_request(request)
    scope = selectors.scope_for(actor)
    board = selectors.dashboard(scope, timezone.now())
    tables = {t.slug: t for t in board.tables}
    tables["trajectories"] = plots.trajectory_plot(board.trajectory).table
    tables["funnel"] = plots.funnel_plot(
        board.funnel, board.clinic_courses, board.clinic_responders
    ).table
    table = tables.get(slug)
    if table is None:
        raise Http404("No such table.")
    audit_record(
        actor=actor,
        action="export",
        object_type="analytics_table",
        detail={"table": slug, "scope": "clinic" if scope.clinic else "own_patients"},
    )
    return _stream(csv_lines(table.columns, table.rows), f"outcomes-{slug}")


@login_required
@require_GET
def research_csv(request: HttpRequest) -> StreamingHttpResponse:
    actor = actor_from_request(request)
    scope = selectors.scope_for(actor)
    audit_record(
        actor=actor,
        action="export",
        object_type="research_export",
        detail={"scope": "clinic" if scope.clinic else "own_patients"},
    )
    rows = research.research_rows(scope, research.Keys.fresh())
    return _stream(csv_lines(research.COLUMNS, rows), "research")
