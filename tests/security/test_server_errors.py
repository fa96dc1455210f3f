"""Inputs that used to answer 500 answer 4xx with a field error (issue 14)."""

from __future__ import annotations

import pytest
from django.test import Client

from acucare.accounts.totp import matching_step
from tests.factories import (
    PASSWORD,
    enrol_totp,
    make_admin,
    make_patient,
    make_practitioner,
    make_reception,
    signed_in,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=9999-12-31", "date_from"),
        ("date_from=0001-01-01", "date_from"),
        ("date_from=2026-01-01&date_to=9999-12-31", "date_to"),
    ],
)
def test_far_dates_on_the_appointments_api_are_field_errors(query, field):
    response = signed_in(make_reception()).get(f"/api/v1/appointments?{query}")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize("start", ["9999-12-31T23:59:00-05:00", "9999-12-31T23:00:00Z"])
def test_booking_at_a_far_date_is_a_field_error(start):
    doc = make_practitioner()
    patient = make_patient(doc)
    response = signed_in(make_reception()).post(
        "/api/v1/appointments",
        {
            "patient": str(patient.public_id),
            "practitioner": str(doc.public_id),
            "start": start,
            "duration_minutes": 45,
            "kind": "treatment",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "start"


@pytest.mark.parametrize(
    "query", ["date=9999-12-31", "date=9999-12-31&view=week", "date=0001-01-01"]
)
def test_far_dates_in_the_diary_open_today_with_the_date_refused(query):
    response = signed_in(make_reception()).get(f"/appointments/?{query}")
    assert response.status_code == 400
    assert response.context["date_error"]


def test_a_huge_offset_on_the_audit_api_is_a_field_error():
    client = signed_in(make_admin())
    response = client.get("/api/v1/audit/events?offset=9223372036854775808")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "offset"
    assert client.get("/api/v1/audit/events?offset=1000000000").status_code == 200


def test_non_ascii_digits_are_never_a_matching_code():
    assert matching_step("JBSWY3DPEHPK3PXP", "١٢٣٤٥٦", after=None) is None
    assert matching_step("JBSWY3DPEHPK3PXP", "１２３４５６", after=None) is None


@pytest.mark.parametrize("code", ["١٢٣٤٥٦", "１２３４５６", "12345x"])
def test_non_ascii_digits_in_the_sign_in_code_are_a_field_error(code):
    doc = make_practitioner()
    enrol_totp(doc)
    client = Client(REMOTE_ADDR="10.0.0.9")
    client.post("/sign-in/", {"username": doc.username, "password": PASSWORD})
    response = client.post("/sign-in/code/", {"code": code})
    assert response.status_code == 422
    assert "Enter the six digits" in response.content.decode()


def test_non_ascii_digits_in_the_enrolment_code_are_a_field_error():
    response = signed_in(make_practitioner()).post("/account/two-factor/", {"code": "١٢٣٤٥٦"})
    assert response.status_code == 422
    assert "Enter the six digits" in response.content.decode()
