"""Dates far in the past or future are field errors on every page, never a server
error (issue 15, item 1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from acucare.domain.dates import EARLIEST, LATEST, clinic_date, parse_clinic_date
from acucare.domain.errors import InputError
from acucare.patients.models import Episode
from acucare.scheduling import services
from acucare.scheduling.models import Appointment
from tests.factories import (
    actor,
    make_admin,
    make_episode,
    make_patient,
    make_practitioner,
    make_reception,
    signed_in,
)

pytestmark = pytest.mark.django_db

FAR = ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"]


@pytest.mark.parametrize("text", FAR)
def test_dates_outside_the_clinic_span_are_refused_naming_the_field(text):
    with pytest.raises(InputError) as caught:
        parse_clinic_date(text, "date")
    assert caught.value.field == "date"
    assert caught.value.allowed == {"min": EARLIEST.isoformat(), "max": LATEST.isoformat()}


def test_the_span_ends_are_accepted():
    assert clinic_date(EARLIEST, "d") == EARLIEST
    assert clinic_date(LATEST, "d") == LATEST


@pytest.mark.parametrize("view", ["day", "week"])
@pytest.mark.parametrize("text", [*FAR, "not-a-date", "2026-02-30"])
def test_the_diary_shows_a_far_date_as_a_field_error(view, text):
    response = signed_in(make_reception()).get(f"/appointments/?date={text}&view={view}")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="diary-date_error"' in html
    assert timezone.localdate().strftime("%Y-%m-%d") in html


def test_the_diary_fragment_says_why_the_date_was_refused():
    response = signed_in(make_reception()).get(
        "/appointments/?date=9999-12-31&view=week",
        headers={"HX-Request": "true", "HX-Target": "diary"},
    )
    assert response.status_code == 200
    assert "Give a date from 1 Jan 1900 to 31 Dec 2100." in response.content.decode()


@pytest.mark.parametrize("view", ["day", "week"])
def test_the_diary_at_the_span_edges_works(view):
    client = signed_in(make_reception())
    for day in (EARLIEST, LATEST):
        response = client.get(f"/appointments/?date={day.isoformat()}&view={view}")
        assert response.status_code == 200
        assert 'id="diary-date_error"' not in response.content.decode()


def test_booking_9999_12_31_at_23_45_is_a_field_error_on_the_page():
    doc = make_practitioner()
    patient = make_patient(doc)
    response = signed_in(make_reception()).post(
        f"/appointments/new/?patient={patient.public_id}",
        {
            "practitioner": str(doc.public_id),
            "date": "9999-12-31",
            "time": "23:45",
            "duration_minutes": "30",
            "kind": "treatment",
        },
    )
    assert response.status_code == 422
    assert 'id="id_date_error"' in response.content.decode()
    assert not Appointment.objects.exists()


def test_the_booking_service_refuses_a_start_past_the_span():
    doc = make_practitioner()
    patient = make_patient(doc)
    start = dt.datetime(9999, 12, 31, 23, 45, tzinfo=dt.UTC)
    with pytest.raises(InputError) as caught:
        services.appointment_book(
            actor=actor(make_reception()),
            patient_id=patient.public_id,
            booking=services.Booking(doc.public_id, start, 30, "treatment"),
        )
    assert caught.value.field == "start"
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31"])
def test_patient_birth_dates_far_out_are_field_errors(text):
    doc = make_practitioner()
    response = signed_in(doc).post(
        "/patients/new/",
        {"given_name": "Ann", "family_name": "Lee", "date_of_birth": text, "sex": "female"},
    )
    assert response.status_code == 422
    assert 'id="id_date_of_birth_error"' in response.content.decode()


def test_an_episode_start_far_in_the_past_is_a_field_error():
    doc = make_practitioner()
    patient = make_patient(doc)
    response = signed_in(doc).post(
        f"/patients/{patient.public_id}/episodes/new/",
        {"complaint": "Neck pain", "icd10_0": "M54.2", "started_on": "0001-01-01"},
    )
    assert response.status_code == 422
    assert 'id="id_started_on_error"' in response.content.decode()
    assert not Episode.objects.exists()


def test_a_discharge_date_far_in_the_future_is_a_field_error():
    doc = make_practitioner()
    episode = make_episode(make_patient(doc))
    response = signed_in(doc).post(
        f"/patients/episodes/{episode.public_id}/edit/",
        {
            "complaint": "Back pain",
            "status": "discharged",
            "ended_on": "9999-12-31",
            "version": episode.version,
        },
    )
    assert response.status_code == 422
    assert 'id="id_ended_on_error"' in response.content.decode()


def test_the_audit_log_filter_refuses_far_dates():
    response = signed_in(make_admin()).get("/admin/audit/?since=0001-01-01&until=9999-12-31")
    assert response.status_code in {200, 422}
    assert "Give a date from 1 Jan 1900 to 31 Dec 2100." in response.content.decode()


def test_a_credential_expiry_far_out_is_a_field_error():
    doc = make_practitioner()
    response = signed_in(doc).post(
        "/account/credentials/",
        {"base_profession": "acupuncturist", "licence_expiry": "9999-12-31"},
    )
    assert response.status_code in {200, 422}
    assert "Give a date from 1 Jan 1900 to 31 Dec 2100." in response.content.decode()
