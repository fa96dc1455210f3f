"""The clinic admin's view of the audit log, with filters and a CSV export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from acucare.audit.forms import AuditFilterForm
from acucare.audit.models import AuditEvent
from acucare.audit.selectors import (
    AuditFilter,
    audit_csv_rows,
    audit_events,
    last_verification,
)
from acucare.audit.services import audit_exported, audit_viewed
from acucare.core.actor import actor_from_request
from acucare.core.roles import require_admin


def _filters(form: AuditFilterForm) -> AuditFilter | None:
    """The filters, or None when the form has errors (then nothing is shown or exported,
    rather than everything)."""
    if not form.is_bound:
        return AuditFilter()
    if not form.is_valid():
        return None
    data = form.cleaned_data
    return AuditFilter(
        actor=data["actor"] or "",
        action=data["action"] or "",
        object_type=data["object_type"] or "",
        patient_id=str(data["patient_id"] or ""),
        since=data["since"],
        until=data["until"],
    )


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_admin(actor)
    form = AuditFilterForm(request.GET or None)
    filters = _filters(form)
    events = audit_events(actor=actor, filters=filters) if filters else AuditEvent.objects.none()
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    audit_viewed(
        actor=actor,
        filters={k: str(v) for k, v in vars(filters).items() if v} if filters else {},
        page=page.number,
    )
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "verification": last_verification(actor=actor),
    }
    return render(request, "audit/log.html", context, status=200 if filters else 422)


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    actor = actor_from_request(request)
    require_admin(actor)
    form = AuditFilterForm(request.GET or None)
    filters = _filters(form)
    if filters is None:
        page = Paginator(AuditEvent.objects.none(), 100).get_page(1)
        return render(request, "audit/log.html", {"form": form, "page": page}, status=422)
    events = audit_events(actor=actor, filters=filters)
    audit_exported(actor=actor, filters={k: str(v) for k, v in vars(filters).items() if v})
    response = StreamingHttpResponse(audit_csv_rows(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response.headers["Content-Disposition"] = f'attachment; filename="acucare-audit-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
