"""Writes to appointments. Each service is atomic, keyword-only, takes the acting
user, reaches records through the access helpers and appends exactly one audit event.

Reception books, moves and cancels appointments, and so does a practitioner for the
patients they may see; practitioners and reception record
what happened (arrived, did not attend), and the practitioner completes the visit.
Double booking is refused inside the transaction: the practitioner's row is locked
and then the patient's (`SELECT … FOR UPDATE` on PostgreSQL; SQLite lets one writer
at a time) before the overlap check, so two racing bookings for one practitioner, or
for one patient, are serialised. A room holds one appointment at a time too: a booking in
a room that is taken is refused (two patients cannot be treated in one room at once),
while a booking outside the opening hours or the practitioner's availability is only
warned about by the pages (`selectors.booking_warnings`): a clinic may see a patient
early by arrangement, and the hours describe the usual week, not every day.

The clinic admin keeps the opening hours and the rooms; the admin or the practitioner
keeps a practitioner's availability."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from acucare.accounts import selectors as accounts
from acucare.accounts import submissions
from acucare.accounts.models import Role, User
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.roles import require_admin
from acucare.domain.dates import clinic_date
from acucare.domain.errors import ConflictError, InputError
from acucare.domain.text import plain_text
from acucare.patients.access import access_patient
from acucare.patients.models import Patient
from acucare.scheduling.access import access_appointment, practitioners_of, require_booking
from acucare.scheduling.models import (
    HOLDS_TIME,
    MAX_MINUTES,
    MIN_MINUTES,
    NOTE_MAX_LENGTH,
    ROOM_NAME_MAX_LENGTH,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Availability,
    OpeningHours,
    Room,
    Weekday,
)

S = AppointmentStatus

# Status changes after booking: (from, to) -> the roles that may make them.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.BOOKED, S.ARRIVED): frozenset({Role.RECEPTION, Role.PRACTITIONER}),
    (S.BOOKED, S.DID_NOT_ATTEND): frozenset({Role.RECEPTION, Role.PRACTITIONER}),
    (S.ARRIVED, S.COMPLETED): frozenset({Role.PRACTITIONER}),
    # An arrival recorded by mistake (the wrong patient ticked) can be taken back.
    (S.ARRIVED, S.BOOKED): frozenset({Role.RECEPTION, Role.PRACTITIONER}),
}
MARKABLE = (S.ARRIVED, S.COMPLETED, S.DID_NOT_ATTEND, S.BOOKED)


@dataclass(frozen=True)
class Booking:
    practitioner: uuid.UUID | str | None
    start: dt.datetime | None
    duration_minutes: int | None
    kind: str
    note: str = ""
    room: uuid.UUID | str | None = None


def _when(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{date_format(local, 'D j M')} {local:%H:%M}"


def _practitioner_for(patient: Patient, public_id: uuid.UUID | str | None) -> User:
    """An active practitioner who may see the patient (primary or shared with)."""
    candidates = practitioners_of(patient).order_by("id")
    allowed = [str(u.public_id) for u in candidates]
    if public_id is None or str(public_id) not in allowed:
        raise InputError(
            "practitioner",
            "Choose an active practitioner who looks after this patient (the primary "
            "practitioner or one the patient is shared with).",
            allowed,
        )
    return candidates.get(public_id=public_id)


def _clean(booking: Booking, *, now: dt.datetime, check_past: bool) -> tuple[dt.datetime, int]:
    start = booking.start
    if start is None:
        raise InputError("start", "Give the date and time of the appointment.")
    if timezone.is_naive(start):
        raise InputError("start", "Give the time with its time zone (e.g. 2026-11-23T09:30Z).")
    clinic_date(start.date(), "start")  # 9999-12-31 23:45 + 30 minutes would overflow
    if check_past and start < now:
        raise InputError("start", "This time has already passed; choose a time from now on.")
    minutes = booking.duration_minutes
    if minutes is None or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InputError(
            "duration_minutes",
            f"An appointment lasts from {MIN_MINUTES} to {MAX_MINUTES} minutes.",
            {"min": MIN_MINUTES, "max": MAX_MINUTES},
        )
    if booking.kind not in AppointmentKind.values:
        raise InputError(
            "kind",
            f"'{booking.kind}' is not a kind of appointment.",
            list(AppointmentKind.values),
        )
    return start, minutes


def _room(public_id: uuid.UUID | str | None, current: Room | None = None) -> Room | None:
    """The room chosen: one in use (an appointment keeps a room since taken out of use)."""
    if not public_id:
        return None
    if current is not None and str(current.public_id) == str(public_id):
        return current
    in_use = Room.objects.filter(in_use=True).order_by("name", "id")
    found = next((r for r in in_use if str(r.public_id) == str(public_id)), None)
    if found is None:
        raise InputError(
            "room", "Choose one of the clinic's rooms in use.", [str(r.public_id) for r in in_use]
        )
    return found


def _refuse_overlap(
    *,
    practitioner: User,
    patient: Patient,
    start: dt.datetime,
    end: dt.datetime,
    exclude: Appointment | None = None,
    room: Room | None = None,
) -> None:
    # Lock the practitioner's row, then the patient's, then the room's (always in this
    # order, so two bookings cannot wait for each other): every booking for any of them
    # waits here in turn.
    get_user_model().objects.select_for_update().filter(pk=practitioner.pk).get()
    Patient.objects.select_for_update().filter(pk=patient.pk).get()
    if room is not None:
        Room.objects.select_for_update().filter(pk=room.pk).get()
    clashes = Appointment.objects.filter(status__in=HOLDS_TIME, start__lt=end, end__gt=start)
    if exclude is not None:
        clashes = clashes.exclude(pk=exclude.pk)
    taken = clashes.filter(practitioner=practitioner).order_by("start").first()
    if taken is not None:
        raise InputError(
            "start",
            f"{practitioner.display_name} is already booked from {_when(taken.start)} to "
            f"{timezone.localtime(taken.end):%H:%M}; choose another time or practitioner.",
        )
    own = clashes.filter(patient=patient).order_by("start").first()
    if own is not None:
        raise InputError(
            "start",
            f"The patient already has an appointment from {_when(own.start)} to "
            f"{timezone.localtime(own.end):%H:%M}.",
        )
    in_room = clashes.filter(room=room).order_by("start").first() if room else None
    if room is not None and in_room is not None:
        raise InputError(
            "room",
            f"{room.name} is already booked from {_when(in_room.start)} to "
            f"{timezone.localtime(in_room.end):%H:%M}; choose another room or time.",
        )


def _note(value: str) -> str:
    return plain_text(value, "note", max_length=NOTE_MAX_LENGTH)


@transaction.atomic
def appointment_book(
    *,
    actor: Actor,
    patient_id: uuid.UUID | str,
    booking: Booking,
    submission: uuid.UUID | None = None,
) -> Appointment:
    """Reception, or a practitioner who may see the patient, books the patient with a
    practitioner who looks after them."""
    require_booking(actor)
    patient = access_patient(actor, patient_id, clinical=False, write=True)
    claimed = submissions.claim(actor=actor, key=submission, object_type="appointment")
    now = timezone.now()
    practitioner = _practitioner_for(patient, booking.practitioner)
    start, minutes = _clean(booking, now=now, check_past=True)
    note = _note(booking.note)
    room = _room(booking.room)
    end = start + dt.timedelta(minutes=minutes)
    _refuse_overlap(practitioner=practitioner, patient=patient, start=start, end=end, room=room)
    appointment = Appointment.objects.create(
        patient=patient,
        practitioner=practitioner,
        room=room,
        start=start,
        end=end,
        duration_minutes=minutes,
        kind=booking.kind,
        note=note,
        created_by=actor.user,
        updated_by=actor.user,
        created_at=now,
        updated_at=now,
    )
    submissions.created(
        claimed,
        actor=actor,
        object_type="appointment",
        object_id=appointment.public_id,
        patient_id=patient.public_id,
        detail={"practitioner": str(practitioner.public_id), "start": start.isoformat()},
    )
    return appointment


def _locked(actor: Actor, appointment_id: uuid.UUID | str, version: int) -> Appointment:
    found = access_appointment(actor, appointment_id, write=True)
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("patient", "practitioner")
        .get(pk=found.pk)
    )
    if appointment.version != version:
        raise ConflictError(
            "Someone else changed this appointment after you opened it. Reload to see "
            "the change, then make yours again.",
            appointment.version,
        )
    return appointment


def _save(appointment: Appointment, actor: Actor) -> None:
    appointment.stamp(actor.user)
    appointment.save()


@transaction.atomic
def appointment_update(
    *, actor: Actor, appointment_id: uuid.UUID | str, version: int, booking: Booking
) -> Appointment:
    """Move a booked appointment, or change its practitioner, length, kind or note."""
    require_booking(actor)
    appointment = _locked(actor, appointment_id, version)
    access_patient(actor, appointment.patient.public_id, clinical=False, write=True)
    if appointment.status != S.BOOKED:
        raise InputError(
            "status",
            f"Only a booked appointment can be changed; this one is "
            f"{appointment.get_status_display().lower()}.",
            [S.BOOKED.value],
        )
    moved = booking.start != appointment.start
    start, minutes = _clean(booking, now=timezone.now(), check_past=moved)
    practitioner = _practitioner_for(appointment.patient, booking.practitioner)
    note = _note(booking.note)
    room = _room(booking.room, appointment.room)
    end = start + dt.timedelta(minutes=minutes)
    _refuse_overlap(
        practitioner=practitioner,
        patient=appointment.patient,
        start=start,
        end=end,
        exclude=appointment,
        room=room,
    )
    values = {
        "practitioner": practitioner,
        "room": room,
        "start": start,
        "end": end,
        "duration_minutes": minutes,
        "kind": booking.kind,
        "note": note,
    }
    changed = sorted(name for name, value in values.items() if getattr(appointment, name) != value)
    for name, value in values.items():
        setattr(appointment, name, value)
    _save(appointment, actor)
    audit_record(
        actor=actor,
        action="update",
        object_type="appointment",
        object_id=appointment.public_id,
        patient_id=appointment.patient.public_id,
        detail={"fields": [f for f in changed if f != "end"]},
    )
    return appointment


@transaction.atomic
def appointment_cancel(
    *, actor: Actor, appointment_id: uuid.UUID | str, version: int, reason: str = ""
) -> Appointment:
    """Cancel a booked appointment. The record stays, with its reason, for the history."""
    require_booking(actor)
    appointment = _locked(actor, appointment_id, version)
    access_patient(actor, appointment.patient.public_id, clinical=False, write=True)
    if appointment.status != S.BOOKED:
        raise InputError(
            "status",
            f"Only a booked appointment can be cancelled; this one is "
            f"{appointment.get_status_display().lower()}.",
            [S.BOOKED.value],
        )
    appointment.cancel_reason = plain_text(reason, "reason", max_length=NOTE_MAX_LENGTH)
    appointment.status = S.CANCELLED
    _save(appointment, actor)
    audit_record(
        actor=actor,
        action="cancel",
        object_type="appointment",
        object_id=appointment.public_id,
        patient_id=appointment.patient.public_id,
        detail={"before": S.BOOKED.value, "after": S.CANCELLED.value},
    )
    return appointment


@transaction.atomic
def appointment_mark(
    *, actor: Actor, appointment_id: uuid.UUID | str, version: int, status: str
) -> Appointment:
    """Record what happened: arrived, completed, did not attend (or undo an arrival)."""
    appointment = _locked(actor, appointment_id, version)
    if status not in MARKABLE:
        raise InputError(
            "status", f"'{status}' cannot be set here.", [str(s.value) for s in MARKABLE]
        )
    before = appointment.status
    roles = TRANSITIONS.get((before, status))
    allowed_next = sorted(str(to) for (frm, to) in TRANSITIONS if frm == before)
    if roles is None:
        raise InputError(
            "status",
            f"A {appointment.get_status_display().lower()} appointment cannot become "
            f"{S(status).label.lower()}.",
            allowed_next,
        )
    if actor.role not in roles:
        raise PermissionDenied("The practitioner records that a visit was completed.")
    now = timezone.now()
    if status == S.DID_NOT_ATTEND and now < appointment.start:
        raise InputError(
            "status", "A patient can be marked as not attending once the time has come."
        )
    if status == S.ARRIVED and timezone.localdate(now) != timezone.localdate(appointment.start):
        raise InputError(
            "status", "A patient can be marked as arrived on the day of the appointment."
        )
    appointment.status = status
    _save(appointment, actor)
    audit_record(
        actor=actor,
        action="update",
        object_type="appointment",
        object_id=appointment.public_id,
        patient_id=appointment.patient.public_id,
        detail={"before": before, "after": status},
    )
    return appointment


@dataclass(frozen=True)
class Period:
    """Opening hours or availability on one weekday; a weekday left out is closed."""

    weekday: int
    starts: dt.time
    ends: dt.time


def _periods(periods: list[Period]) -> dict[int, Period]:
    by_day: dict[int, Period] = {}
    for period in periods:
        name = f"weekday_{period.weekday}"
        if period.weekday not in Weekday.values:
            raise InputError("weekday", f"'{period.weekday}' is not a weekday.", Weekday.values)
        day = Weekday(period.weekday).label
        if period.weekday in by_day:
            raise InputError(name, f"{day} is given twice; give one period a day.")
        if period.ends <= period.starts:
            raise InputError(name, f"{day}: the end time must be after the start time.")
        by_day[period.weekday] = period
    return by_day


def _shown(periods: dict[int, Period]) -> dict[str, str]:
    return {
        Weekday(day).label: f"{p.starts:%H:%M}–{p.ends:%H:%M}" for day, p in sorted(periods.items())
    }


@transaction.atomic
def opening_hours_set(*, actor: Actor, periods: list[Period]) -> list[OpeningHours]:
    """The clinic admin sets the week's opening hours (the days left out are closed;
    an empty week clears the hours, and nothing is checked against them)."""
    require_admin(actor)
    by_day = _periods(periods)
    OpeningHours.objects.all().delete()
    saved = [
        OpeningHours(weekday=day, opens=p.starts, closes=p.ends)
        for day, p in sorted(by_day.items())
    ]
    return _save_week(actor, saved, by_day, "opening_hours")


_Week = TypeVar("_Week", OpeningHours, Availability)


def _save_week(
    actor: Actor,
    rows: list[_Week],
    by_day: dict[int, Period],
    object_type: str,
    object_id: uuid.UUID | None = None,
) -> list[_Week]:
    """Stamp and save a week's new rows, with one audit event naming the hours."""
    for row in rows:
        row.created_by = row.updated_by = actor.user
        row.save()
    audit_record(
        actor=actor,
        action="update",
        object_type=object_type,
        object_id=object_id,
        detail={"hours": _shown(by_day)},
    )
    return rows


def _may_set_availability(actor: Actor, practitioner: User) -> None:
    if actor.is_admin and actor.user.is_active:
        return
    if actor.is_practitioner and actor.user.is_active and actor.user.pk == practitioner.pk:
        return
    raise PermissionDenied("The clinic admin or the practitioner sets their availability.")


@transaction.atomic
def availability_set(
    *, actor: Actor, practitioner_id: uuid.UUID | str, periods: list[Period]
) -> list[Availability]:
    """A practitioner's working week (the clinic admin's or their own): the weekdays left
    out are days off; an empty week clears it, and nothing is checked against it."""
    practitioners = accounts.active_practitioners()
    practitioner = next(
        (p for p in practitioners if str(p.public_id) == str(practitioner_id)), None
    )
    if practitioner is None:
        raise InputError(
            "practitioner",
            "Choose an active practitioner.",
            [str(p.public_id) for p in practitioners.order_by("id")],
        )
    _may_set_availability(actor, practitioner)
    by_day = _periods(periods)
    Availability.objects.filter(practitioner=practitioner).delete()
    saved = [
        Availability(practitioner=practitioner, weekday=day, starts=p.starts, ends=p.ends)
        for day, p in sorted(by_day.items())
    ]
    return _save_week(actor, saved, by_day, "availability", practitioner.public_id)


@transaction.atomic
def room_save(
    *, actor: Actor, name: str, room_id: uuid.UUID | str | None = None, in_use: bool = True
) -> Room:
    """The clinic admin adds a room, or renames one or takes it out of use (a room is
    never deleted: past appointments keep it)."""
    require_admin(actor)
    clean = plain_text(name, "name", max_length=ROOM_NAME_MAX_LENGTH).strip()
    if not clean:
        raise InputError("name", "Give the room a name, e.g. “Room 2” or “Garden room”.")
    room: Room | None = None
    if room_id:
        room = Room.objects.select_for_update().filter(public_id=room_id).first()
        if room is None:
            raise InputError(
                "room", "No such room.", [str(r.public_id) for r in Room.objects.all()]
            )
    taken = Room.objects.filter(name__iexact=clean)
    if room is not None:
        taken = taken.exclude(pk=room.pk)
    if taken.exists():
        raise InputError("name", f"There is already a room called {clean}.")
    if room is None:
        room = Room.objects.create(
            name=clean, in_use=in_use, created_by=actor.user, updated_by=actor.user
        )
        action = "create"
    else:
        room.name, room.in_use = clean, in_use
        room.stamp(actor.user)
        room.save()
        action = "update"
    audit_record(
        actor=actor,
        action=action,
        object_type="room",
        object_id=room.public_id,
        detail={"name": room.name, "in_use": room.in_use},
    )
    return room


__all__ = [
    "Booking",
    "Period",
    "appointment_book",
    "appointment_cancel",
    "appointment_mark",
    "appointment_update",
    "availability_set",
    "opening_hours_set",
    "room_save",
]
