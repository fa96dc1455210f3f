"""The audit log over JSON and CSV: the clinic admin only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, Query, Router, Schema

from acucare.audit.selectors import AuditFilter, audit_csv_rows, audit_events
from acucare.audit.services import audit_exported
from acucare.core.actor import actor_from_request
from acucare.core.api_errors import errors
from acucare.core.api_types import IsoDate
from acucare.core.roles import require_admin

router = Router(tags=["audit"])
# Beyond any real log; larger offsets overflowed the database integer (issue 14).
MAX_OFFSET = 1_000_000_000


class AuditQuery(Schema):
    actor: Annotated[str, Field(max_length=150)] = ""
    action: Annotated[str, Field(max_length=20)] = ""
    object_type: Annotated[str, Field(max_length=40)] = ""
    patient_id: UUID | None = None
    since: IsoDate | None = None
    until: IsoDate | None = None
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0
    limit: Annotated[int, Field(ge=1, le=1000)] = 100

    def as_filter(self) -> AuditFilter:
        return AuditFilter(
            actor=self.actor,
            action=self.action,
            object_type=self.object_type,
            patient_id=str(self.patient_id or ""),
            since=self.since,
            until=self.until,
        )


class AuditEventOut(Schema):
    public_id: UUID
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: UUID | None
    patient_id: UUID | None
    ip_address: str | None
    channel: str
    detail: dict[str, Any]


class AuditPageOut(Schema):
    count: int
    offset: int
    items: list[AuditEventOut]


@router.get(
    "/audit/events",
    response={200: AuditPageOut, **errors(403)},
    summary="Audit events, newest first",
)
def list_events(request: HttpRequest, filters: Query[AuditQuery]) -> AuditPageOut:
    actor = actor_from_request(request, "api")
    events = audit_events(actor=actor, filters=filters.as_filter())
    rows = events[filters.offset : filters.offset + filters.limit]
    return AuditPageOut(
        count=events.count(),
        offset=filters.offset,
        items=[
            AuditEventOut(
                public_id=e.public_id,
                at=e.at,
                actor=e.actor_username,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                patient_id=e.patient_id,
                ip_address=e.ip_address,
                channel=e.channel,
                detail=e.detail,
            )
            for e in rows
        ],
    )


@router.get(
    "/audit/export.csv",
    response={200: str, **errors(403)},
    summary="Export audit events as CSV",
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV, one row per event",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_events(request: HttpRequest, filters: Query[AuditQuery]) -> StreamingHttpResponse:
    actor = actor_from_request(request, "api")
    require_admin(actor)
    flt = filters.as_filter()
    events = audit_events(actor=actor, filters=flt)
    audit_exported(actor=actor, filters={k: str(v) for k, v in vars(flt).items() if v})
    response = StreamingHttpResponse(audit_csv_rows(events), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="acucare-audit.csv"'
    return response
