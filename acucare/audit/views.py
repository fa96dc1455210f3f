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
from acucare.audit.patient_lookup import patients_named
from acucare.audit.selectors import (
    AuditFilter,
    audit_csv_rows,
    audit_events,
    last_verification,
)
from acucare.audit.services import audit_exported, audit_viewed
from acucare.core.actor import Actor, actor_from_request
from acucare.core.forms import apply_input_error
from acucare.core.roles import require_admin
from acucare.domain.errors import InputError


def _filters(form: AuditFilterForm, actor: Actor) -> AuditFilter | None:
    """The filters, or None when the form has errors (then nothing is shown or exported,
    rather than everything)."""
    if not form.is_bound:
        return AuditFilter()
    if not form.is_valid():
        return None
    data = form.cleaned_data
    named: tuple[str, ...] | None = None
    if data["patient_name"]:
        try:
            named = tuple(str(p) for p in patients_named(actor, data["patient_name"]))
        except InputError as error:
            apply_input_error(form, error)
            return None
    return AuditFilter(
        named_patients=named,
        actor=data["actor"] or "",
        action=data["action"] or "",
        object_type=data["object_type"] or "",
        patient_id=str(data["patient_id"] or ""),
        since=data["since"],
        until=data["until"],
    )


def _logged(filters: AuditFilter) -> dict[str, object]:
    """The filters as the log records them: the patients a name matched, never the name."""
    logged: dict[str, object] = {
        k: str(v) for k, v in vars(filters).items() if v and k != "named_patients"
    }
    if filters.named_patients is not None:
        logged["named_patients"] = list(filters.named_patients)
    return logged


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_admin(actor)
    form = AuditFilterForm(request.GET or None)
    filters = _filters(form, actor)
    events = audit_events(actor=actor, filters=filters) if filters else AuditEvent.objects.none()
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    # Read the rows now, before this viewing is itself logged: else the page would show
    # the new event in place of the oldest row its count was taken for.
    page.object_list = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    audit_viewed(
        actor=actor,
        filters=_logged(filters) if filters else {},
        page=page.number,
    )
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "verification": last_verification(actor=actor),
        "named": filters.named_patients if filters else None,
    }
    return render(request, "audit/log.html", context, status=200 if filters else 422)


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    actor = actor_from_request(request)
    require_admin(actor)
    form = AuditFilterForm(request.GET or None)
    filters = _filters(form, actor)
    if filters is None:
        page = Paginator(AuditEvent.objects.none(), 100).get_page(1)
        return render(request, "audit/log.html", {"form": form, "page": page}, status=422)
    events = audit_events(actor=actor, filters=filters)
    audit_exported(actor=actor, filters=_logged(filters))
    response = StreamingHttpResponse(audit_csv_rows(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response.headers["Content-Disposition"] = f'attachment; filename="acucare-audit-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
