"""Reads of appointments; each appends one audit event (`list` naming the
appointments shown, or `read`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from acucare.accounts import selectors as accounts
from acucare.accounts.models import Role, User, display_name_fields
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.domain.errors import InputError
from acucare.patients.models import Patient
from acucare.patients.selectors import PatientChart
from acucare.scheduling.access import (
    access_appointment,
    practitioners_of,
    visible_appointments,
)
from acucare.scheduling.models import Appointment, Availability, OpeningHours, Room, Weekday

MAX_RANGE_DAYS = 62


def _day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of `first` to the start of the day after `last`, in clinic time."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def _practitioner(public_id: uuid.UUID | str | None) -> User | None:
    if not public_id:
        return None
    practitioners = get_user_model().objects.filter(role=Role.PRACTITIONER)
    try:
        return practitioners.get(public_id=public_id)
    except (get_user_model().DoesNotExist, ValueError) as exc:
        raise InputError(
            "practitioner",
            "No such practitioner.",
            [str(u.public_id) for u in practitioners.filter(is_active=True).order_by("id")],
        ) from exc


def appointment_list(
    *,
    actor: Actor,
    first_day: dt.date,
    last_day: dt.date,
    practitioner: uuid.UUID | str | None = None,
) -> list[Appointment]:
    """Appointments the actor may see that start between the two days (inclusive), in
    time order, optionally for one practitioner."""
    if last_day < first_day:
        raise InputError("date_to", "The end of the range is before its start.")
    if (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise InputError(
            "date_to",
            f"Ask for at most {MAX_RANGE_DAYS} days at a time.",
            {"min": 1, "max": MAX_RANGE_DAYS},
        )
    appointments = visible_appointments(actor)
    own = practitioner is not None and str(practitioner) == str(actor.user.public_id)
    chosen = actor.user if own else _practitioner(practitioner)
    if chosen is not None:
        appointments = appointments.filter(practitioner=chosen)
    start, end = _day_bounds(first_day, last_day)
    shown = list(
        appointments.filter(start__gte=start, start__lt=end).select_related(
            "patient", "practitioner", "room"
        )
    )
    audit_record(
        actor=actor,
        action="list",
        object_type="appointment",
        detail={
            "from": first_day.isoformat(),
            "to": last_day.isoformat(),
            "practitioner": str(chosen.public_id) if chosen else None,
            "appointments": [str(a.public_id) for a in shown],
        },
    )
    return shown


def appointment_detail(*, actor: Actor, appointment_id: uuid.UUID | str) -> Appointment:
    appointment = access_appointment(actor, appointment_id, write=False)
    audit_record(
        actor=actor,
        action="read",
        object_type="appointment",
        object_id=appointment.public_id,
        patient_id=appointment.patient.public_id,
    )
    return appointment


@dataclass(frozen=True)
class PatientAppointments:
    upcoming: list[Appointment]
    past: list[Appointment]


PAST_SHOWN = 10


def patient_appointments_of_checked(*, patient: Patient) -> PatientAppointments:
    """A patient's coming appointments and the most recent past ones, for the chart.
    `patient` is one the chart has just reached through `access_patient`; the chart's
    own `read` event records the look at the patient, so this adds none (one view of a
    chart stays one event in the log).

    Access is not checked again: `visible_appointments` lets reception see every
    appointment and a practitioner those booked with them or of a patient they may see,
    so for a patient `access_patient` has just returned (reception, or a practitioner
    who may see them; nobody else gets one) it keeps every one of that patient's
    appointments, whoever they are booked with and whatever their status."""
    now = timezone.now()
    everything = list(
        Appointment.objects.filter(patient=patient)
        .select_related("practitioner")
        # What the chart's table shows, and the practitioner's name only.
        .only(
            "public_id",
            "start",
            "end",
            "kind",
            "status",
            "note",
            *display_name_fields("practitioner"),
        )
    )
    upcoming = [a for a in everything if a.end > now]
    past = [a for a in reversed(everything) if a.end <= now][:PAST_SHOWN]
    return PatientAppointments(upcoming, past)


def chart_appointments(actor: Actor, chart: PatientChart) -> PatientAppointments:
    """The patient chart's section: coming and recent appointments."""
    del actor  # `selectors.patient_chart` checked it against this patient
    return patient_appointments_of_checked(patient=chart.patient)


def bookable_practitioners(patient: Patient | None = None) -> list[User]:
    """Active practitioners; for a patient, those who look after them (primary or
    shared with), the only ones a booking accepts."""
    practitioners = (
        accounts.active_practitioners() if patient is None else practitioners_of(patient)
    )
    return list(practitioners.order_by("last_name", "first_name", "id"))


# The clinic's week: opening hours and each practitioner's availability (no patient data,
# so reading them is not audited).


def opening_hours() -> dict[int, OpeningHours]:
    """Weekday -> the clinic's hours that day; empty when the clinic has not set them."""
    return {h.weekday: h for h in OpeningHours.objects.all()}


def availability(practitioner: User) -> dict[int, Availability]:
    """Weekday -> the practitioner's hours that day; empty when not set."""
    return {a.weekday: a for a in Availability.objects.filter(practitioner=practitioner)}


def availability_by_practitioner() -> dict[int, dict[int, Availability]]:
    """Practitioner's pk -> weekday -> hours, for the diary's grid (one query)."""
    found: dict[int, dict[int, Availability]] = {}
    for a in Availability.objects.all():
        found.setdefault(a.practitioner_id, {})[a.weekday] = a
    return found


def rooms(*, in_use_only: bool = False) -> list[Room]:
    found = Room.objects.all()
    if in_use_only:
        found = found.filter(in_use=True)
    return list(found)


def _outside(start: dt.datetime, end: dt.datetime, opens: dt.time, closes: dt.time) -> bool:
    """True when the appointment starts before `opens` or ends after `closes` that day
    (past midnight counts as after)."""
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    return (
        local_start.time() < opens
        or local_end.date() != local_start.date()
        or local_end.time() > closes
    )


def _hours_warning(
    rows: Mapping[int, OpeningHours] | Mapping[int, Availability],
    start: dt.datetime,
    end: dt.datetime,
    *,
    closed: str,
    outside: str,
) -> list[str]:
    """`closed` or `outside` (with the day's hours added) for a booking outside the hours
    set; nothing while none are set. `{days}` in either is the weekday in the plural."""
    weekday = timezone.localtime(start).weekday()
    if not rows:
        return []
    day = rows.get(weekday)
    days = f"{Weekday(weekday).label}s"
    if day is None:
        return [closed.format(days=days)]
    opens, closes = day.span
    if _outside(start, end, opens, closes):
        return [f"{outside.format(days=days)} ({opens:%H:%M}–{closes:%H:%M})."]
    return []


def booking_warnings(
    *,
    practitioner: User,
    start: dt.datetime,
    end: dt.datetime,
    hours: Mapping[int, OpeningHours] | None = None,
    works: Mapping[int, Availability] | None = None,
) -> list[str]:
    """What is unusual about a booking, in words for the desk: outside the clinic's
    opening hours or the practitioner's availability. Warnings, not refusals (see
    `services`); none while the clinic or the practitioner has not set hours. A list of
    appointments passes the hours it has read once (`hours`, `works`)."""
    name = practitioner.display_name
    return _hours_warning(
        opening_hours() if hours is None else hours,
        start,
        end,
        closed="The clinic is closed on {days}.",
        outside="This is outside the clinic's opening hours on {days}",
    ) + _hours_warning(
        availability(practitioner) if works is None else works,
        start,
        end,
        closed=f"{name} does not work on {{days}}.",
        outside=f"This is outside {name}'s hours on {{days}}",
    )
