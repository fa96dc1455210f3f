"""Appointments over JSON: the same services, selectors and access rules as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Header, Query, Router, Schema, Status

from acucare.accounts.submissions import request_key
from acucare.core.actor import actor_from_request
from acucare.core.api_errors import errors
from acucare.core.api_types import IsoDate
from acucare.core.once import created_once
from acucare.domain.dates import clinic_date
from acucare.domain.errors import InputError
from acucare.scheduling import selectors, services
from acucare.scheduling.access import require_booking
from acucare.scheduling.models import (
    MAX_MINUTES,
    MIN_MINUTES,
    NOTE_MAX_LENGTH,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
)

router = Router(tags=["appointments"])

VERSION_HELP = "The `version` you read; a stale version is refused with 409."
IDEMPOTENCY = (
    "Optional UUID. A repeated request with the same key creates nothing and answers 200 "
    "with the appointment the first request booked."
)
NOTE_HELP = "Booking note for the desk; no clinical details (reception reads it)."
ROOM_HELP = "A room in use; one taken at that time is refused (422, field `room`)."
WARNINGS_HELP = (
    "What is unusual about the time, in words: outside the clinic's opening hours or the "
    "practitioner's working hours. Booked anyway; shown to the desk (empty when none)."
)


class AppointmentIn(Schema):
    patient: UUID
    practitioner: UUID
    start: dt.datetime = Field(description="ISO 8601 with a time zone; not in the past.")
    duration_minutes: Annotated[int, Field(ge=MIN_MINUTES, le=MAX_MINUTES)]
    kind: str = Field(json_schema_extra={"enum": list(AppointmentKind.values)})
    note: Annotated[str, Field(max_length=NOTE_MAX_LENGTH, description=NOTE_HELP)] = ""
    room: UUID | None = Field(None, description=ROOM_HELP)


class AppointmentPatchIn(Schema):
    """Either `status` alone (arrived, completed, did_not_attend, or booked to undo an
    arrival), or any of the booking fields (reception)."""

    version: int = Field(description=VERSION_HELP)
    status: str | None = Field(
        None, json_schema_extra={"enum": ["arrived", "completed", "did_not_attend", "booked"]}
    )
    practitioner: UUID | None = None
    start: dt.datetime | None = None
    duration_minutes: Annotated[int, Field(ge=MIN_MINUTES, le=MAX_MINUTES)] | None = None
    kind: str | None = Field(None, json_schema_extra={"enum": list(AppointmentKind.values)})
    note: Annotated[str, Field(max_length=NOTE_MAX_LENGTH, description=NOTE_HELP)] | None = None
    room: UUID | None = Field(None, description=ROOM_HELP + " Left out: the room stays.")


class CancelIn(Schema):
    version: int = Field(description=VERSION_HELP)
    reason: Annotated[str, Field(max_length=NOTE_MAX_LENGTH)] = ""


class PersonRef(Schema):
    public_id: UUID
    name: str


class AppointmentOut(Schema):
    public_id: UUID
    patient: PersonRef
    practitioner: PersonRef
    start: dt.datetime
    end: dt.datetime
    duration_minutes: int
    kind: str = Field(json_schema_extra={"enum": list(AppointmentKind.values)})
    status: str = Field(json_schema_extra={"enum": list(AppointmentStatus.values)})
    note: str
    cancel_reason: str
    room: PersonRef | None = Field(description="The room, if one is chosen (`name` is its name).")
    warnings: list[str] = Field(description=WARNINGS_HELP)
    version: int
    updated_at: dt.datetime


def appointment_out(a: Appointment, warnings: list[str] | None = None) -> AppointmentOut:
    """`warnings` as a list has read them (with the hours read once); else read here."""
    if warnings is None:
        warnings = (
            selectors.booking_warnings(practitioner=a.practitioner, start=a.start, end=a.end)
            if a.holds_time
            else []
        )
    return AppointmentOut(
        public_id=a.public_id,
        patient=PersonRef(public_id=a.patient.public_id, name=a.patient.full_name),
        practitioner=PersonRef(
            public_id=a.practitioner.public_id, name=a.practitioner.display_name
        ),
        start=a.start,
        end=a.end,
        duration_minutes=a.duration_minutes,
        kind=a.kind,
        status=a.status,
        note=a.note,
        cancel_reason=a.cancel_reason,
        room=PersonRef(public_id=a.room.public_id, name=a.room.name) if a.room else None,
        warnings=warnings,
        version=a.version,
        updated_at=a.updated_at,
    )


class AppointmentQuery(Schema):
    practitioner: UUID | None = None
    date_from: IsoDate | None = Field(None, description="First day (clinic time); default today.")
    date_to: IsoDate | None = Field(
        None,
        description=(
            f"Last day, inclusive; default `date_from`; at most {selectors.MAX_RANGE_DAYS} days."
        ),
    )


@router.get(
    "/appointments",
    response={200: list[AppointmentOut], **errors(403)},
    summary="Appointments you may see, by day range and practitioner",
)
def list_appointments(
    request: HttpRequest, filters: Query[AppointmentQuery]
) -> list[AppointmentOut]:
    first = clinic_date(filters.date_from or timezone.localdate(), "date_from")
    if filters.date_to is not None:
        clinic_date(filters.date_to, "date_to")
    shown = selectors.appointment_list(
        actor=actor_from_request(request, "api"),
        first_day=first,
        last_day=filters.date_to or first,
        practitioner=filters.practitioner,
    )
    hours = selectors.opening_hours()
    works = selectors.availability_by_practitioner()
    return [
        appointment_out(
            a,
            selectors.booking_warnings(
                practitioner=a.practitioner,
                start=a.start,
                end=a.end,
                hours=hours,
                works=works.get(a.practitioner_id, {}),
            )
            if a.holds_time
            else [],
        )
        for a in shown
    ]


@router.post(
    "/appointments",
    response={200: AppointmentOut, 201: AppointmentOut, **errors(403, 404, 409)},
    summary="Book an appointment (reception)",
)
def book_appointment(
    request: HttpRequest,
    payload: AppointmentIn,
    idempotency_key: Annotated[
        UUID | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY)
    ] = None,
) -> Status[AppointmentOut]:
    actor = actor_from_request(request, "api")
    return created_once(
        lambda: services.appointment_book(
            actor=actor,
            patient_id=payload.patient,
            booking=services.Booking(
                practitioner=payload.practitioner,
                start=payload.start,
                duration_minutes=payload.duration_minutes,
                kind=payload.kind,
                note=payload.note,
                room=payload.room,
            ),
            submission=request_key(request, idempotency_key),
        ),
        first=lambda public_id: selectors.appointment_detail(actor=actor, appointment_id=public_id),
        out=appointment_out,
    )


@router.get(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, **errors(403, 404)},
    summary="One appointment",
)
def get_appointment(request: HttpRequest, appointment_id: UUID) -> AppointmentOut:
    return appointment_out(
        selectors.appointment_detail(
            actor=actor_from_request(request, "api"), appointment_id=appointment_id
        )
    )


BOOKING_FIELDS = ("practitioner", "start", "duration_minutes", "kind", "note", "room")


@router.patch(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, **errors(403, 404, 409)},
    summary="Record arrival, completion or non-attendance, or move the appointment",
)
def update_appointment(
    request: HttpRequest, appointment_id: UUID, payload: AppointmentPatchIn
) -> AppointmentOut:
    actor = actor_from_request(request, "api")
    given = payload.model_fields_set & set(BOOKING_FIELDS)
    if payload.status is not None:
        if given:
            raise InputError(
                "status", "Change the status on its own, then the booking in a second request."
            )
        return appointment_out(
            services.appointment_mark(
                actor=actor,
                appointment_id=appointment_id,
                version=payload.version,
                status=payload.status,
            )
        )
    if not given:
        raise InputError("body", "Nothing to change.", ["status", *BOOKING_FIELDS])
    require_booking(actor)
    current = selectors.appointment_detail(actor=actor, appointment_id=appointment_id)
    appointment = services.appointment_update(
        actor=actor,
        appointment_id=appointment_id,
        version=payload.version,
        booking=services.Booking(
            practitioner=payload.practitioner or current.practitioner.public_id,
            start=payload.start or current.start,
            duration_minutes=payload.duration_minutes or current.duration_minutes,
            kind=payload.kind or current.kind,
            note=current.note if payload.note is None else payload.note,
            room=payload.room or (current.room.public_id if current.room else None),
        ),
    )
    return appointment_out(appointment)


@router.post(
    "/appointments/{appointment_id}/cancel",
    response={200: AppointmentOut, **errors(403, 404, 409)},
    summary="Cancel an appointment (reception); the record is kept",
)
def cancel_appointment(
    request: HttpRequest, appointment_id: UUID, payload: CancelIn
) -> AppointmentOut:
    return appointment_out(
        services.appointment_cancel(
            actor=actor_from_request(request, "api"),
            appointment_id=appointment_id,
            version=payload.version,
            reason=payload.reason,
        )
    )
