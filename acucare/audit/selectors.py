"""Reading the audit log: the clinic admin only."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from acucare.audit.models import AuditEvent, AuditVerification
from acucare.core.actor import Actor
from acucare.core.csv_stream import csv_lines
from acucare.core.roles import require_admin
from acucare.domain.errors import InputError
from acucare.domain.text import search_text

CSV_COLUMNS = (
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "ip_address",
    "channel",
    "user_agent",
    "detail",
)


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    patient_id: str = ""
    # The patients a name filter matched (their ids; the name itself is not kept, since
    # the filters are written to the log); None when no name was given.
    named_patients: tuple[str, ...] | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def audit_events(*, actor: Actor, filters: AuditFilter) -> QuerySet[AuditEvent]:
    require_admin(actor)
    events = AuditEvent.objects.all()
    if search_text(filters.actor, max_length=150):
        events = events.filter(actor_username__iexact=search_text(filters.actor, max_length=150))
    if filters.action:
        events = events.filter(action=search_text(filters.action, max_length=20))
    if filters.object_type:
        events = events.filter(object_type=search_text(filters.object_type, max_length=40))
    if filters.patient_id:
        try:
            events = events.filter(patient_id=uuid.UUID(filters.patient_id.strip()))
        except ValueError as exc:
            raise InputError("patient_id", "Enter a patient id (a UUID).") from exc
    if filters.named_patients is not None:
        events = events.filter(patient_id__in=[uuid.UUID(p) for p in filters.named_patients])
    if filters.since:
        events = events.filter(at__date__gte=filters.since)
    if filters.until:
        events = events.filter(at__date__lte=filters.until)
    return events


def audit_csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """The header, then one CSV line per event, streamed."""
    return csv_lines(
        CSV_COLUMNS,
        (
            (
                event.at.isoformat(),
                event.actor_username,
                event.action,
                event.object_type,
                event.object_id or "",
                event.patient_id or "",
                event.ip_address or "",
                event.channel,
                event.user_agent,
                json.dumps(event.detail, sort_keys=True),
            )
            for event in events.iterator(chunk_size=2000)
        ),
    )


def last_verification(*, actor: Actor) -> AuditVerification | None:
    """The newest `audit_verify` result, for the admin."""
    require_admin(actor)
    return AuditVerification.objects.order_by("-at", "-id").first()
