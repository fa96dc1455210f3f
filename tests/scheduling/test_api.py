"""Appointments over JSON."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone

from acucare.audit.models import AuditEvent
from acucare.scheduling.models import Appointment
from tests.factories import (
    make_appointment,
    make_patient,
    make_practitioner,
    make_reception,
    signed_in,
)

pytestmark = pytest.mark.django_db


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def desk():
    doc = make_practitioner()
    return doc, make_patient(doc), signed_in(make_reception())


def send(client, method, path, body, **headers):
    return getattr(client, method)(
        path, data=json.dumps(body), content_type="application/json", **headers
    )


def payload(doc, patient, when, **changes):
    body = {
        "patient": str(patient.public_id),
        "practitioner": str(doc.public_id),
        "start": when.isoformat(),
        "duration_minutes": 45,
        "kind": "initial_assessment",
        "note": "Interpreter booked",
    }
    body.update(changes)
    return body


def test_book_and_read(desk):
    doc, patient, client = desk
    response = send(client, "post", "/api/v1/appointments", payload(doc, patient, at(1, 10)))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "booked"
    assert body["patient"]["public_id"] == str(patient.public_id)
    assert dt.datetime.fromisoformat(body["end"]) == at(1, 10, 45)
    again = client.get(f"/api/v1/appointments/{body['public_id']}").json()
    assert again == body


def test_idempotency_key_books_once(desk):
    doc, patient, client = desk
    key = str(uuid.uuid4())
    body = payload(doc, patient, at(1, 10))
    first = send(client, "post", "/api/v1/appointments", body, HTTP_IDEMPOTENCY_KEY=key)
    second = send(client, "post", "/api/v1/appointments", body, HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["public_id"] == second.json()["public_id"]
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"start": "2020-01-06T09:00:00+00:00"}, "start"),
        ({"start": "2099-01-06T09:00:00"}, "start"),
        ({"kind": "massage"}, "kind"),
        ({"practitioner": str(uuid.uuid4())}, "practitioner"),
    ],
)
def test_bad_input_names_the_field(desk, changes, field):
    doc, patient, client = desk
    response = send(
        client, "post", "/api/v1/appointments", payload(doc, patient, at(1, 10), **changes)
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert not Appointment.objects.exists()


def test_overlap_is_refused(desk):
    doc, patient, client = desk
    make_appointment(make_patient(doc), doc, start=at(1, 10, 30))
    response = send(client, "post", "/api/v1/appointments", payload(doc, patient, at(1, 10)))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "start"


def test_list_filters_by_practitioner_and_days(desk):
    doc, patient, client = desk
    other = make_practitioner()
    mine = [make_appointment(patient, doc, start=at(d, 9)) for d in (1, 2, 5)]
    make_appointment(make_patient(other), other, start=at(1, 11))
    first = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    last = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    listed = client.get(
        f"/api/v1/appointments?practitioner={doc.public_id}&date_from={first}&date_to={last}"
    ).json()
    assert [a["public_id"] for a in listed] == [str(a.public_id) for a in mine[:2]]
    assert len(client.get(f"/api/v1/appointments?date_from={first}").json()) == 2
    backwards = client.get(f"/api/v1/appointments?date_from={last}&date_to={first}")
    assert backwards.status_code == 422
    assert backwards.json()["error"]["field"] == "date_to"


def test_patch_moves_and_a_stale_version_is_409(desk):
    _doc, patient, client = desk
    appointment = make_appointment(patient, start=at(1, 10))
    url = f"/api/v1/appointments/{appointment.public_id}"
    moved = send(client, "patch", url, {"version": 1, "start": at(1, 15).isoformat()})
    assert moved.status_code == 200, moved.content
    assert (moved.json()["version"], moved.json()["kind"]) == (2, "treatment")
    stale = send(client, "patch", url, {"version": 1, "duration_minutes": 60})
    assert stale.status_code == 409
    assert stale.json()["error"] == {
        "code": "conflict",
        "message": stale.json()["error"]["message"],
        "current_version": 2,
    }
    appointment.refresh_from_db()
    assert (appointment.start, appointment.duration_minutes) == (at(1, 15), 45)


def test_patch_status_and_cancel(desk):
    doc, patient, client = desk
    today = make_appointment(patient, start=timezone.now())
    url = f"/api/v1/appointments/{today.public_id}"
    mixed = send(client, "patch", url, {"version": 1, "status": "arrived", "note": "x"})
    assert mixed.status_code == 422
    arrived = send(client, "patch", url, {"version": 1, "status": "arrived"})
    assert arrived.json()["status"] == "arrived"
    practitioner = signed_in(doc)
    done = send(practitioner, "patch", url, {"version": 2, "status": "completed"})
    assert done.json()["status"] == "completed"
    later = make_appointment(patient, start=at(2, 10))
    cancel = f"/api/v1/appointments/{later.public_id}/cancel"
    assert send(signed_in(make_practitioner()), "post", cancel, {"version": 1}).status_code == 404
    cancelled = send(client, "post", cancel, {"version": 1, "reason": "Moved away"})
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "Moved away"
    assert send(client, "post", cancel, {"version": 1}).status_code == 409
    assert Appointment.objects.filter(pk=later.pk).exists()


def test_every_read_is_audited(desk):
    _doc, patient, client = desk
    appointment = make_appointment(patient, start=at(1, 10))
    client.get(f"/api/v1/appointments/{appointment.public_id}")
    client.get("/api/v1/appointments")
    read = AuditEvent.objects.get(action="read", object_id=appointment.public_id)
    assert (read.channel, read.patient_id) == ("api", patient.public_id)
    assert AuditEvent.objects.filter(action="list", object_type="appointment").exists()


def test_the_openapi_document_lists_the_operations(desk):
    _doc, _patient, client = desk
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/appointments"]) == {"get", "post"}
    assert set(paths["/api/v1/appointments/{appointment_id}"]) == {"get", "patch"}
    assert "post" in paths["/api/v1/appointments/{appointment_id}/cancel"]
