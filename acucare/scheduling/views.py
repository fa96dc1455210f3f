"""Appointment pages: the diary, booking, moving, cancelling and recording arrivals.
Views only translate HTTP; reads go through `selectors`, writes through `services`."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acucare.core.actor import actor_from_request
from acucare.core.forms import apply_input_error
from acucare.core.once import resend_shows
from acucare.domain.dates import parse_clinic_date
from acucare.domain.errors import ConflictError, InputError
from acucare.patients import selectors as patient_selectors
from acucare.scheduling import selectors, services
from acucare.scheduling.access import require_booking, visible_appointments
from acucare.scheduling.forms import AppointmentForm, CancelForm, MarkForm
from acucare.scheduling.models import Appointment, AppointmentStatus


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
    context = {
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
        "practitioners": selectors.bookable_practitioners(),
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
    return render(
        request,
        "scheduling/detail.html",
        {"a": appointment, "now": timezone.now(), "here": request.get_full_path()},
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
    )


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
    form = AppointmentForm(
        request.POST or None,
        practitioners=practitioners,
        editing=False,
        initial={
            "practitioner": str(default.public_id),
            "date": request.GET.get("date") or timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
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
        {"form": form, "patient": patient, "appointment": None},
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
    form = AppointmentForm(
        request.POST or None,
        practitioners=selectors.bookable_practitioners(appointment.patient),
        editing=True,
        initial={
            "practitioner": str(appointment.practitioner.public_id),
            "date": local.date(),
            "time": local.time(),
            "duration_minutes": appointment.duration_minutes,
            "kind": appointment.kind,
            "note": appointment.note,
            "version": appointment.version,
        },
    )
    status = 200
    if request.method == "POST" and form.is_valid():
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
        {"form": form, "patient": appointment.patient, "appointment": appointment},
        status=status,
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
