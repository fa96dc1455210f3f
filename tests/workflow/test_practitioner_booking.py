"""A practitioner books, moves and cancels their own patients' appointments; a solo
practitioner needs no receptionist to book a follow-up (issue 15, item 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from acucare.scheduling.models import Appointment
from tests.factories import (
    make_admin,
    make_appointment,
    make_patient,
    make_practitioner,
    signed_in,
)

pytestmark = pytest.mark.django_db


def tomorrow_at(hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def test_a_solo_practitioner_books_a_follow_up_from_the_chart():
    doc = make_practitioner()
    patient = make_patient(doc)
    client = signed_in(doc)
    chart = client.get(f"/patients/{patient.public_id}/").content.decode()
    assert f"/appointments/new/?patient={patient.public_id}" in chart
    form = client.get(f"/appointments/new/?patient={patient.public_id}").content.decode()
    assert f'<option value="{doc.public_id}" selected>' in form
    day = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = client.post(
        f"/appointments/new/?patient={patient.public_id}",
        {
            "practitioner": str(doc.public_id),
            "date": day,
            "time": "10:00",
            "duration_minutes": "30",
            "kind": "review",
        },
    )
    assert response.status_code == 302
    booked = Appointment.objects.get()
    assert (booked.patient, booked.practitioner, booked.created_by) == (patient, doc, doc)


def test_a_practitioner_moves_and_cancels_their_patients_appointment():
    doc = make_practitioner()
    patient = make_patient(doc)
    appointment = make_appointment(patient, doc, start=tomorrow_at(9))
    client = signed_in(doc)
    moved = client.post(
        f"/appointments/{appointment.public_id}/edit/",
        {
            "practitioner": str(doc.public_id),
            "date": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
            "time": "11:00",
            "duration_minutes": "45",
            "kind": "treatment",
            "version": appointment.version,
        },
    )
    assert moved.status_code == 302
    appointment.refresh_from_db()
    cancelled = client.post(
        f"/appointments/{appointment.public_id}/cancel/", {"version": appointment.version}
    )
    assert cancelled.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_a_practitioner_cannot_book_a_patient_they_do_not_see():
    patient = make_patient(make_practitioner())
    response = signed_in(make_practitioner()).get(f"/appointments/new/?patient={patient.public_id}")
    assert response.status_code == 404


def test_the_admin_reaches_no_patient_so_books_none():
    patient = make_patient(make_practitioner())
    response = signed_in(make_admin()).get(f"/appointments/new/?patient={patient.public_id}")
    assert response.status_code == 403


def test_the_diary_offers_booking_to_a_practitioner():
    html = signed_in(make_practitioner()).get("/appointments/").content.decode()
    assert "Book an appointment" in html
