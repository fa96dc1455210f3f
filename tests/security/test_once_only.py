"""Every create is once-only, page and API (issue 14: 8 racing registrations made 8
patients; 4 amendments with adverse events made 4; the API without a key duplicated)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.test import Client

from acucare.patients.models import Patient
from acucare.treatment import services as treatment_services
from acucare.treatment.models import AdverseEvent, SessionAmendment
from tests.factories import actor, make_practitioner, make_reception, signed_in
from tests.treatment.factories import SESSION, episode_with_assessment, make_plan, make_session

REGISTRATION = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "date_of_birth": "1960-12-10",
    "sex": "female",
    "phone": "",
    "email": "",
}
AMENDMENT = {
    "reason": "Reported at the next visit",
    "text": "Bruise at LI4.",
    "adverse_events": [{**SESSION["adverse_events"][0], "reporter": "patient"}],
}


@pytest.fixture
def signed_session():
    episode, _ = episode_with_assessment()
    plan = make_plan(episode, approve=True)
    session = make_session(plan, adverse_events=[])
    doc = plan.episode.patient.primary_practitioner
    treatment_services.session_sign(actor=actor(doc), session_id=session.public_id, version=1)
    return session, doc


def _registration_form(client: Client) -> dict[str, str]:
    html = client.get("/patients/new/").content.decode()
    key = html.split('name="submission" value="', 1)[1].split('"', 1)[0]
    return {**REGISTRATION, "submission": key}


@pytest.mark.django_db
def test_the_registration_page_carries_a_once_only_key():
    client = signed_in(make_practitioner())
    form = _registration_form(client)
    first = client.post("/patients/new/", form)
    again = client.post("/patients/new/", form)
    assert first.status_code == 302
    # The resend finds the patient its first send registered: it is shown that patient,
    # not asked whether the patient is a duplicate of themselves.
    assert again.status_code == 302, again.content.decode()[:2000]
    assert again["Location"] == first["Location"]
    assert Patient.objects.count() == 1


@pytest.mark.django_db
def test_an_amendment_page_resend_adds_it_once(signed_session):
    session, doc = signed_session
    client = signed_in(doc)
    html = client.get(f"/treatment/sessions/{session.public_id}/").content.decode()
    key = html.split('name="submission" value="', 1)[1].split('"', 1)[0]
    form = {"reason": "Late report", "text": "Bruise resolved.", "submission": key}
    url = f"/treatment/sessions/{session.public_id}/amend/"
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302
    assert SessionAmendment.objects.count() == 1


@pytest.mark.django_db
def test_the_api_without_a_key_answers_a_quick_resend_once():
    client = signed_in(make_reception())
    doc = make_practitioner()
    body = json.dumps({**REGISTRATION, "primary_practitioner": str(doc.public_id)})
    first = client.post("/api/v1/patients", body, content_type="application/json")
    again = client.post("/api/v1/patients", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["public_id"] == again.json()["public_id"]
    assert Patient.objects.count() == 1


def _race(clients: list[Client], send: Callable[[Client], int]) -> list[int]:
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def run(client: Client) -> None:
        try:
            barrier.wait(timeout=20)
            statuses.append(send(client))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if int(cursor.fetchone()[0]) == 0:
                break
        time.sleep(0.05)
    return statuses


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race needs PostgreSQL")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_registration_posts_make_one_patient(postgres_only):
    doc = make_practitioner()
    clients = [signed_in(doc) for _ in range(8)]
    form = _registration_form(clients[0])
    statuses = _race(clients, lambda c: c.post("/patients/new/", form).status_code)
    assert len(statuses) == 8
    assert all(s in {302, 409, 422} for s in statuses), statuses
    assert Patient.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_api_registrations_without_a_key_make_one_patient(postgres_only):
    desk = make_reception()
    doc = make_practitioner()
    clients = [signed_in(desk) for _ in range(8)]
    body = json.dumps({**REGISTRATION, "primary_practitioner": str(doc.public_id)})
    statuses = _race(
        clients,
        lambda c: c.post("/api/v1/patients", body, content_type="application/json").status_code,
    )
    assert len(statuses) == 8
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {200, 201, 409}
    assert Patient.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_amendments_record_their_adverse_events_once(postgres_only, signed_session):
    session, doc = signed_session
    clients = [signed_in(doc) for _ in range(4)]
    key = str(uuid.uuid4())
    statuses = _race(
        clients,
        lambda c: (
            c.post(
                f"/api/v1/sessions/{session.public_id}/amendments",
                json.dumps(AMENDMENT),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=key,
            ).status_code
        ),
    )
    assert statuses.count(201) == 1, statuses
    assert SessionAmendment.objects.count() == 1
    assert AdverseEvent.objects.count() == 1
