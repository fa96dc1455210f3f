"""Booking rules: overlaps, past times, status changes, conflicts, once-only, audit."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from acucare.audit.models import AuditEvent
from acucare.core.once import DuplicateSubmission
from acucare.domain.errors import ConflictError, InputError
from acucare.scheduling import services
from acucare.scheduling.models import Appointment
from tests.factories import (
    actor,
    make_appointment,
    make_patient,
    make_practitioner,
    make_reception,
    share,
)

pytestmark = pytest.mark.django_db


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def clinic():
    doc = make_practitioner()
    return doc, make_patient(doc), actor(make_reception())


def booking(doc, start, minutes=45, kind="treatment", note=""):
    return services.Booking(
        practitioner=doc.public_id, start=start, duration_minutes=minutes, kind=kind, note=note
    )


def book(desk, patient, doc, start, minutes=45, **extra):
    return services.appointment_book(
        actor=desk, patient_id=patient.public_id, booking=booking(doc, start, minutes), **extra
    )


def test_reception_books_with_one_audit_event(clinic):
    doc, patient, desk = clinic
    before = AuditEvent.objects.count()
    appointment = book(desk, patient, doc, at(2, 9, 30), 60)
    assert appointment.status == "booked"
    assert appointment.end - appointment.start == dt.timedelta(minutes=60)
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.object_type) for e in events] == [("create", "appointment")]
    assert events[0].object_id == appointment.public_id
    assert events[0].patient_id == patient.public_id


@pytest.mark.parametrize(
    ("hour", "minute", "minutes", "clash"),
    [
        (10, 0, 45, True),  # the same slot
        (9, 30, 45, True),  # overlapping the start
        (10, 30, 30, True),  # overlapping the end
        (9, 0, 180, True),  # around it
        (9, 15, 45, False),  # ends exactly when it starts
        (10, 45, 15, False),  # starts exactly when it ends
    ],
)
def test_a_practitioner_is_not_double_booked(clinic, hour, minute, minutes, clash):
    doc, patient, desk = clinic
    book(desk, patient, doc, at(1, 10), 45)
    other = make_patient(doc)
    if clash:
        with pytest.raises(InputError) as caught:
            book(desk, other, doc, at(1, hour, minute), minutes)
        assert caught.value.field == "start"
        assert "already booked" in caught.value.message
        assert Appointment.objects.count() == 1
    else:
        book(desk, other, doc, at(1, hour, minute), minutes)
        assert Appointment.objects.count() == 2


def test_cancelled_and_missed_appointments_free_the_time(clinic):
    doc, patient, desk = clinic
    make_appointment(patient, start=at(1, 10), status="cancelled")
    make_appointment(make_patient(doc), start=at(1, 10), status="did_not_attend")
    book(desk, make_patient(doc), doc, at(1, 10))
    assert Appointment.objects.filter(status="booked").count() == 1


def test_a_patient_is_not_booked_twice_at_once(clinic):
    doc, patient, desk = clinic
    colleague = make_practitioner()
    share(patient, colleague)
    book(desk, patient, doc, at(1, 10))
    with pytest.raises(InputError) as caught:
        book(desk, patient, colleague, at(1, 10, 15))
    assert caught.value.field == "start"
    assert "patient already has" in caught.value.message


def test_a_time_in_the_past_is_refused(clinic):
    doc, patient, desk = clinic
    with pytest.raises(InputError) as caught:
        book(desk, patient, doc, timezone.now() - dt.timedelta(minutes=5))
    assert caught.value.field == "start"
    assert not Appointment.objects.exists()


def test_a_time_without_a_zone_is_refused(clinic):
    doc, patient, desk = clinic
    with pytest.raises(InputError) as caught:
        book(desk, patient, doc, at(1, 10).replace(tzinfo=None))
    assert caught.value.field == "start"


@pytest.mark.parametrize("minutes", [0, 10, 14, 181, 600])
def test_length_must_be_15_to_180_minutes(clinic, minutes):
    doc, patient, desk = clinic
    with pytest.raises(InputError) as caught:
        book(desk, patient, doc, at(1, 10), minutes)
    assert (caught.value.field, caught.value.allowed) == (
        "duration_minutes",
        {"min": 15, "max": 180},
    )


def test_the_kind_must_be_known(clinic):
    doc, patient, desk = clinic
    with pytest.raises(InputError) as caught:
        services.appointment_book(
            actor=desk,
            patient_id=patient.public_id,
            booking=booking(doc, at(1, 10), kind="massage"),
        )
    assert caught.value.field == "kind"
    assert caught.value.allowed is not None
    assert set(caught.value.allowed) == {"initial_assessment", "treatment", "review"}


def test_only_a_practitioner_who_looks_after_the_patient_is_booked(clinic):
    doc, patient, desk = clinic
    stranger = make_practitioner()
    with pytest.raises(InputError) as caught:
        book(desk, patient, stranger, at(1, 10))
    assert caught.value.field == "practitioner"
    assert caught.value.allowed == [str(doc.public_id)]
    stranger.is_active = False
    stranger.save()
    share(patient, stranger)
    with pytest.raises(InputError):
        book(desk, patient, stranger, at(1, 10))


def test_the_booking_note_is_one_plain_line(clinic):
    doc, patient, desk = clinic
    with pytest.raises(InputError) as caught:
        services.appointment_book(
            actor=desk,
            patient_id=patient.public_id,
            booking=booking(doc, at(1, 10), note="line one\nline two"),
        )
    assert caught.value.field == "note"


def test_the_admin_books_nothing(clinic):
    doc, patient, _desk = clinic
    from tests.factories import make_admin

    with pytest.raises(PermissionDenied):
        book(actor(make_admin()), patient, doc, at(1, 10))


def test_a_practitioner_books_their_own_patient_but_not_a_stranger(clinic):
    doc, patient, _desk = clinic
    from django.http import Http404

    from tests.factories import make_practitioner

    assert book(actor(doc), patient, doc, at(1, 10)).practitioner == doc
    with pytest.raises(Http404):
        book(actor(make_practitioner()), patient, doc, at(2, 10))


def test_a_resent_booking_creates_one_appointment(clinic):
    doc, patient, desk = clinic
    key = uuid.uuid4()
    first = book(desk, patient, doc, at(1, 10), submission=key)
    with pytest.raises(DuplicateSubmission) as caught:
        book(desk, patient, doc, at(1, 10), submission=key)
    assert caught.value.object_id == first.public_id
    assert Appointment.objects.count() == 1


def test_cancelling_keeps_the_record(clinic):
    doc, patient, desk = clinic
    appointment = book(desk, patient, doc, at(1, 10))
    services.appointment_cancel(
        actor=desk, appointment_id=appointment.public_id, version=1, reason="Rang to rearrange"
    )
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason, appointment.version) == (
        "cancelled",
        "Rang to rearrange",
        2,
    )
    assert AuditEvent.objects.filter(action="cancel", object_id=appointment.public_id).count() == 1
    with pytest.raises(InputError) as caught:
        services.appointment_cancel(actor=desk, appointment_id=appointment.public_id, version=2)
    assert caught.value.field == "status"


def test_moving_an_appointment_checks_overlaps_and_saves_nothing_on_refusal(clinic):
    doc, patient, desk = clinic
    first = book(desk, patient, doc, at(1, 10))
    second = book(desk, make_patient(doc), doc, at(1, 11))
    with pytest.raises(InputError):
        services.appointment_update(
            actor=desk,
            appointment_id=second.public_id,
            version=1,
            booking=booking(doc, at(1, 10, 30)),
        )
    second.refresh_from_db()
    assert (second.start, second.version) == (at(1, 11), 1)
    moved = services.appointment_update(
        actor=desk,
        appointment_id=first.public_id,
        version=1,
        booking=booking(doc, at(1, 10, 15), minutes=30, kind="review"),
    )
    assert (moved.start, moved.duration_minutes, moved.kind, moved.version) == (
        at(1, 10, 15),
        30,
        "review",
        2,
    )
    event = AuditEvent.objects.filter(action="update", object_id=first.public_id).get()
    assert event.detail["fields"] == ["duration_minutes", "kind", "start"]


def test_a_stale_version_is_a_conflict(clinic):
    doc, patient, desk = clinic
    appointment = book(desk, patient, doc, at(1, 10))
    services.appointment_update(
        actor=desk, appointment_id=appointment.public_id, version=1, booking=booking(doc, at(1, 12))
    )
    with pytest.raises(ConflictError) as caught:
        services.appointment_update(
            actor=desk,
            appointment_id=appointment.public_id,
            version=1,
            booking=booking(doc, at(1, 14)),
        )
    assert caught.value.current_version == 2
    with pytest.raises(ConflictError):
        services.appointment_cancel(actor=desk, appointment_id=appointment.public_id, version=1)
    appointment.refresh_from_db()
    assert (appointment.start, appointment.status) == (at(1, 12), "booked")


def test_arrived_then_completed(clinic):
    doc, patient, desk = clinic
    appointment = make_appointment(patient, start=timezone.now())
    services.appointment_mark(
        actor=desk, appointment_id=appointment.public_id, version=1, status="arrived"
    )
    with pytest.raises(PermissionDenied):
        services.appointment_mark(
            actor=desk, appointment_id=appointment.public_id, version=2, status="completed"
        )
    done = services.appointment_mark(
        actor=actor(doc), appointment_id=appointment.public_id, version=2, status="completed"
    )
    assert (done.status, done.version) == ("completed", 3)
    events = AuditEvent.objects.filter(object_id=appointment.public_id, action="update")
    assert [e.detail for e in events.order_by("id")] == [
        {"before": "booked", "after": "arrived"},
        {"before": "arrived", "after": "completed"},
    ]
    with pytest.raises(InputError) as caught:
        services.appointment_mark(
            actor=actor(doc), appointment_id=appointment.public_id, version=3, status="arrived"
        )
    assert (caught.value.field, caught.value.allowed) == ("status", [])


def test_did_not_attend_only_once_the_time_has_come(clinic):
    doc, patient, _desk = clinic
    later = make_appointment(patient, start=at(1, 10))
    with pytest.raises(InputError):
        services.appointment_mark(
            actor=actor(doc), appointment_id=later.public_id, version=1, status="did_not_attend"
        )
    missed = make_appointment(patient, start=timezone.now() - dt.timedelta(hours=2))
    marked = services.appointment_mark(
        actor=actor(doc), appointment_id=missed.public_id, version=1, status="did_not_attend"
    )
    assert marked.status == "did_not_attend"


def test_arrival_is_only_on_the_day_and_can_be_undone(clinic):
    _doc, patient, desk = clinic
    tomorrow = make_appointment(patient, start=at(1, 10))
    with pytest.raises(InputError):
        services.appointment_mark(
            actor=desk, appointment_id=tomorrow.public_id, version=1, status="arrived"
        )
    today = make_appointment(patient, start=timezone.now())
    services.appointment_mark(
        actor=desk, appointment_id=today.public_id, version=1, status="arrived"
    )
    undone = services.appointment_mark(
        actor=desk, appointment_id=today.public_id, version=2, status="booked"
    )
    assert undone.status == "booked"


def test_a_booked_appointment_cannot_jump_to_completed(clinic):
    doc, patient, _desk = clinic
    appointment = make_appointment(patient, start=timezone.now())
    with pytest.raises(InputError) as caught:
        services.appointment_mark(
            actor=actor(doc), appointment_id=appointment.public_id, version=1, status="completed"
        )
    assert caught.value.allowed == ["arrived", "did_not_attend"]
    with pytest.raises(InputError) as caught:
        services.appointment_mark(
            actor=actor(doc), appointment_id=appointment.public_id, version=1, status="cancelled"
        )
    assert caught.value.field == "status"


def test_another_practitioners_appointment_is_not_found(clinic):
    _doc, patient, _desk = clinic
    appointment = make_appointment(patient, start=timezone.now())
    with pytest.raises(Http404):
        services.appointment_mark(
            actor=actor(make_practitioner()),
            appointment_id=appointment.public_id,
            version=1,
            status="arrived",
        )
    appointment.refresh_from_db()
    assert appointment.status == "booked"
