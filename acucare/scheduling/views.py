"""Appointment pages: the diary, booking, moving, cancelling and recording arrivals.
Views only translate HTTP; reads go through `selectors`, writes through `services`."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acucare.accounts.models import User
from acucare.core.actor import actor_from_request
from acucare.core.forms import apply_input_error
from acucare.core.once import resend_shows
from acucare.core.roles import require_admin
from acucare.domain.dates import parse_clinic_date
from acucare.domain.errors import ConflictError, InputError
from acucare.patients import selectors as patient_selectors
from acucare.scheduling import selectors, services
from acucare.scheduling.access import require_booking, visible_appointments
from acucare.scheduling.forms import (
    AppointmentForm,
    CancelForm,
    MarkForm,
    RoomForm,
    WeekForm,
    week_initial,
)
from acucare.scheduling.grid import diary_grid
from acucare.scheduling.models import Appointment, AppointmentStatus, Room


@dataclass(frozen=True)
class DiaryDay:
    date: dt.date
    appointments: list[Appointment]


def _day(value: str | None) -> tuple[dt.date, str]:
    """The day asked for, or today with the reason the asked-for one was refused
    (a date that is not one, or one outside the clinic's span of dates)."""
    if not value:
        return timezone.localdate(), ""
    try:
        return parse_clinic_date(value, "date"), ""
    except InputError as error:
        return timezone.localdate(), error.message


@login_required
@require_GET
def diary(request: HttpRequest) -> HttpResponse:
    """One day or one week (Monday to Sunday), for one practitioner or everyone."""
    actor = actor_from_request(request)
    visible_appointments(actor)  # the admin is refused here, before anything else
    view = "week" if request.GET.get("view") == "week" else "day"
    day, date_error = _day(request.GET.get("date"))
    first = day - dt.timedelta(days=day.weekday()) if view == "week" else day
    last = first + dt.timedelta(days=6 if view == "week" else 0)
    chosen = request.GET.get("practitioner")
    if chosen is None and actor.is_practitioner:
        chosen = str(actor.user.public_id)  # a practitioner's own diary first
    try:
        uuid.UUID(chosen or "")
    except ValueError:
        chosen = ""
    try:
        shown = selectors.appointment_list(
            actor=actor, first_day=first, last_day=last, practitioner=chosen or None
        )
    except InputError:  # a practitioner id that does not exist: show everyone's
        chosen = ""
        shown = selectors.appointment_list(actor=actor, first_day=first, last_day=last)
    days = []
    for offset in range((last - first).days + 1):
        date = first + dt.timedelta(days=offset)
        days.append(DiaryDay(date, [a for a in shown if timezone.localdate(a.start) == date]))
    step = dt.timedelta(days=7 if view == "week" else 1)
    practitioners = selectors.bookable_practitioners()
    columns = [p for p in practitioners if str(p.public_id) == chosen] if chosen else practitioners
    context = {
        "grid": diary_grid(
            days=[d.date for d in days],
            practitioners=columns,
            appointments=shown,
            hours=selectors.opening_hours(),
            availability=selectors.availability_by_practitioner(),
        ),
        "view": view,
        "day": day,
        "date_error": date_error,
        "days": days,
        "first": first,
        "last": last,
        "previous": (day - step).isoformat(),
        "next": (day + step).isoformat(),
        "today": timezone.localdate(),
        "chosen": chosen,
        "practitioners": practitioners,
        "now": timezone.now(),
        "here": request.get_full_path(),
    }
    partial = request.headers.get("HX-Request") and request.headers.get("HX-Target") == "diary"
    context["partial"] = bool(partial)
    template = "scheduling/_diary.html" if partial else "scheduling/diary.html"
    # A refused date is a client error (400) that still shows today's diary with the
    # field error; the htmx fragment stays 200 because htmx swaps only successful answers.
    status = 400 if date_error and not partial else 200
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
@require_GET
def appointment_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    appointment = selectors.appointment_detail(actor=actor, appointment_id=public_id)
    warnings = (
        selectors.booking_warnings(
            practitioner=appointment.practitioner, start=appointment.start, end=appointment.end
        )
        if appointment.holds_time
        else []
    )
    return render(
        request,
        "scheduling/detail.html",
        {
            "a": appointment,
            "warnings": warnings,
            "now": timezone.now(),
            "here": request.get_full_path(),
        },
    )


def _show(form: AppointmentForm, error: InputError) -> None:
    """The service speaks of `start`; the form asks for a date and a time."""
    if error.field == "start":
        form.add_error("time", error.message)
    else:
        apply_input_error(form, error)


def _booking(form: AppointmentForm) -> services.Booking:
    data = form.cleaned_data
    return services.Booking(
        practitioner=data["practitioner"] or None,
        start=form.start(),
        duration_minutes=data["duration_minutes"],
        kind=data["kind"],
        note=data.get("note") or "",
        room=data.get("room") or None,
    )


def _unheeded_warnings(
    request: HttpRequest, form: AppointmentForm, practitioners: list[User]
) -> list[str]:
    """What is unusual about the booking in the form (outside the opening hours or the
    practitioner's availability), unless the desk has already ticked "book it anyway".
    Empty when there is nothing to say: the booking goes ahead."""
    if request.POST.get("accept_warnings") == "on":
        return []
    chosen = str(form.cleaned_data["practitioner"])
    practitioner = next((p for p in practitioners if str(p.public_id) == chosen), None)
    if practitioner is None:
        return []  # the service refuses it with the reason
    start = form.start()
    end = start + dt.timedelta(minutes=form.cleaned_data["duration_minutes"])
    return selectors.booking_warnings(practitioner=practitioner, start=start, end=end)


def _booking_form(
    request: HttpRequest,
    *,
    practitioners: list[User],
    rooms: list[Room],
    initial: dict[str, Any],
    editing: Appointment | None = None,
) -> tuple[AppointmentForm, list[str]]:
    """The booking form (bound to a POST) and the warnings the desk has not heeded yet:
    with warnings, the form carries the "book it anyway" box and nothing is saved. A
    change that does not move the appointment (its time or practitioner) is not warned."""
    options: dict[str, Any] = {
        "practitioners": practitioners,
        "editing": editing is not None,
        "rooms": rooms,
        "initial": initial,
    }
    form = AppointmentForm(request.POST or None, **options)
    if request.method != "POST" or not form.is_valid():
        return form, []
    if editing is not None and not _moved(form, editing):
        return form, []
    warnings = _unheeded_warnings(request, form, practitioners)
    if warnings:
        form = AppointmentForm(request.POST, warnings=warnings, **options)
        form.is_valid()
    return form, warnings


def _rooms(current: Appointment | None = None) -> list[Room]:
    rooms = selectors.rooms(in_use_only=True)
    if current is not None and current.room is not None and current.room not in rooms:
        rooms.append(current.room)
    return rooms


@login_required
@require_http_methods(["GET", "POST"])
@resend_shows("the appointment was booked", "scheduling:detail", record="public_id")
def appointment_book(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_booking(actor)
    patient_id = request.GET.get("patient", "")
    if not patient_id:
        return render(request, "scheduling/choose_patient.html")
    patient = patient_selectors.patient_for_edit(actor=actor, patient_id=patient_id)
    practitioners = selectors.bookable_practitioners(patient)
    # A practitioner books with themselves first; reception with the primary practitioner.
    default = actor.user if actor.user in practitioners else patient.primary_practitioner
    initial = {
        "practitioner": str(default.public_id),
        "date": request.GET.get("date") or timezone.localdate(),
    }
    form, warnings = _booking_form(
        request, practitioners=practitioners, rooms=_rooms(), initial=initial
    )
    if request.method == "POST" and not warnings and form.is_valid():
        try:
            appointment = services.appointment_book(
                actor=actor,
                patient_id=patient.public_id,
                booking=_booking(form),
                submission=form.cleaned_data.get("submission"),
            )
        except InputError as error:
            _show(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Booked: {patient.full_name}, {_when(appointment)}.")
            return redirect(_diary_url(appointment))
    status = 422 if form.errors else 200
    return render(
        request,
        "scheduling/form.html",
        {"form": form, "patient": patient, "appointment": None, "warnings": warnings},
        status=status,
    )


def _when(appointment: Appointment) -> str:
    return f"{timezone.localtime(appointment.start):%a %d %b %Y, %H:%M}"


def _diary_url(appointment: Appointment) -> str:
    date = timezone.localdate(appointment.start).isoformat()
    return (
        f"{reverse('scheduling:diary')}?date={date}"
        f"&practitioner={appointment.practitioner.public_id}"
    )


def _only_booked(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    messages.info(
        request,
        f"This appointment is {appointment.get_status_display().lower()}; only a booked "
        "appointment can be changed or cancelled.",
    )
    return redirect("scheduling:detail", public_id=appointment.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def appointment_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    require_booking(actor)
    appointment = selectors.appointment_detail(actor=actor, appointment_id=public_id)
    if appointment.status != AppointmentStatus.BOOKED:
        return _only_booked(request, appointment)
    local = timezone.localtime(appointment.start)
    practitioners = selectors.bookable_practitioners(appointment.patient)
    rooms = _rooms(appointment)
    initial = {
        "practitioner": str(appointment.practitioner.public_id),
        "date": local.date(),
        "time": local.time(),
        "duration_minutes": appointment.duration_minutes,
        "kind": appointment.kind,
        "room": str(appointment.room.public_id) if appointment.room else "",
        "note": appointment.note,
        "version": appointment.version,
    }
    form, warnings = _booking_form(
        request, practitioners=practitioners, rooms=rooms, initial=initial, editing=appointment
    )
    status = 200
    if request.method == "POST" and not warnings and form.is_valid():
        try:
            services.appointment_update(
                actor=actor,
                appointment_id=appointment.public_id,
                version=form.cleaned_data["version"] or 0,
                booking=_booking(form),
            )
        except InputError as error:
            _show(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
            status = 409
        else:
            messages.success(request, "Appointment changed.")
            return redirect("scheduling:detail", public_id=appointment.public_id)
    if form.errors and status == 200:
        status = 422
    return render(
        request,
        "scheduling/form.html",
        {
            "form": form,
            "patient": appointment.patient,
            "appointment": appointment,
            "warnings": warnings,
        },
        status=status,
    )


def _moved(form: AppointmentForm, appointment: Appointment) -> bool:
    """Whether the change moves the appointment in time or to another practitioner (only
    then are the hours checked again)."""
    data = form.cleaned_data
    return (
        form.start() != appointment.start
        or data["duration_minutes"] != appointment.duration_minutes
        or str(data["practitioner"]) != str(appointment.practitioner.public_id)
    )


@login_required
@require_http_methods(["GET", "POST"])
def appointment_cancel(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    require_booking(actor)
    appointment = selectors.appointment_detail(actor=actor, appointment_id=public_id)
    if appointment.status != AppointmentStatus.BOOKED:
        return _only_booked(request, appointment)
    form = CancelForm(request.POST or None, initial={"version": appointment.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_cancel(
                actor=actor,
                appointment_id=appointment.public_id,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except InputError as error:
            apply_input_error(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
            status = 409
        else:
            messages.success(request, "Appointment cancelled; it stays in the history.")
            return redirect(_diary_url(appointment))
    if form.errors and status == 200:
        status = 422
    return render(
        request, "scheduling/cancel.html", {"form": form, "a": appointment}, status=status
    )


@login_required
@require_POST
def appointment_mark(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Arrived, completed, did not attend: one button each, back to where it was pressed."""
    actor = actor_from_request(request)
    form = MarkForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    back = back or reverse("scheduling:detail", kwargs={"public_id": public_id})
    if not form.is_valid():
        messages.error(request, "The status change was incomplete; try again.")
        return redirect(back)
    try:
        appointment = services.appointment_mark(
            actor=actor,
            appointment_id=public_id,
            version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
        )
    except InputError as error:
        messages.error(request, error.message)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"{appointment.patient.full_name}: {appointment.get_status_display().lower()}.",
        )
    return redirect(back)


# The clinic's week: opening hours and rooms (the clinic admin), availability (the admin,
# or the practitioner for themselves).


def _week_form(request: HttpRequest, rows: dict[int, Any], starts: str, ends: str) -> WeekForm:
    return WeekForm(
        request.POST if request.POST.get("action") == "hours" else None,
        initial=week_initial(rows, starts, ends),
        prefix="week",
    )


@login_required
@require_http_methods(["GET", "POST"])
def clinic_hours(request: HttpRequest) -> HttpResponse:
    """The clinic admin's page: the opening hours and the treatment rooms."""
    actor = actor_from_request(request)
    require_admin(actor)
    week = _week_form(request, selectors.opening_hours(), "opens", "closes")
    room_form = RoomForm(request.POST if request.POST.get("action") == "room" else None)
    if request.method == "POST":
        try:
            if week.is_bound and week.is_valid():
                services.opening_hours_set(actor=actor, periods=week.periods())
                messages.success(request, "Opening hours saved.")
                return redirect("scheduling:hours")
            if room_form.is_bound and room_form.is_valid():
                data = room_form.cleaned_data
                room = services.room_save(
                    actor=actor,
                    name=data["name"],
                    room_id=data["room"],
                    in_use=data["in_use"] if data["room"] else True,
                )
                messages.success(request, f"Room saved: {room.name}.")
                return redirect("scheduling:hours")
        except InputError as error:
            form: forms.Form = week if week.is_bound else room_form
            if error.field.startswith("weekday_"):
                form.add_error(f"ends_{error.field.removeprefix('weekday_')}", error.message)
            else:
                apply_input_error(form, error)
    status = 422 if week.errors or room_form.errors or request.method == "POST" else 200
    rooms = [
        (
            room,
            RoomForm(
                initial={"name": room.name, "room": room.public_id, "in_use": room.in_use},
                auto_id=f"room-{room.public_id}-%s",
            ),
        )
        for room in selectors.rooms()
    ]
    return render(
        request,
        "scheduling/hours.html",
        {"week": week, "room_form": room_form, "rooms": rooms},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def availability_edit(request: HttpRequest) -> HttpResponse:
    """A practitioner's working week: their own, or any practitioner's for the admin."""
    actor = actor_from_request(request)
    if not (actor.is_admin or actor.is_practitioner):
        raise PermissionDenied("The clinic admin or the practitioner sets their availability.")
    practitioners = selectors.bookable_practitioners()
    if actor.is_practitioner:
        practitioner: User | None = actor.user
    else:
        asked = request.GET.get("practitioner", "")
        practitioner = next((p for p in practitioners if str(p.public_id) == asked), None)
        if practitioner is None and practitioners:
            practitioner = practitioners[0]
    if practitioner is None:
        return render(request, "scheduling/availability.html", {"practitioners": []})
    week = _week_form(request, selectors.availability(practitioner), "starts", "ends")
    if request.method == "POST" and week.is_valid():
        try:
            services.availability_set(
                actor=actor, practitioner_id=practitioner.public_id, periods=week.periods()
            )
        except InputError as error:
            if error.field.startswith("weekday_"):
                week.add_error(f"ends_{error.field.removeprefix('weekday_')}", error.message)
            else:
                apply_input_error(week, error)
        else:
            messages.success(request, f"Working hours saved for {practitioner.display_name}.")
            return redirect(
                f"{reverse('scheduling:availability')}?practitioner={practitioner.public_id}"
            )
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "scheduling/availability.html",
        {
            "week": week,
            "practitioner": practitioner,
            "practitioners": practitioners if actor.is_admin else [],
        },
        status=status,
    )
