"""The diary, the booking forms and the chart's appointments, as pages."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone

from acucare.audit.models import AuditEvent
from acucare.scheduling.models import Appointment
from tests.factories import (
    make_appointment,
    make_episode,
    make_patient,
    make_practitioner,
    make_reception,
    signed_in,
)

pytestmark = pytest.mark.django_db

# session, user, clinic settings, the appointments with patients and practitioners, the
# practitioner filter's choices, the audit insert; and the session refresh with its
# savepoint pair.
# (+1 since issue 14: each audit insert first reads the hash chain's head FOR UPDATE.)
# (+2 since issue 15, item 12: the opening hours and the practitioners' availability for
# the time grid.)
DIARY_QUERIES = 12


def shown_appointments(html: str) -> set[str]:
    """The appointments a diary page links to (each is in the time grid and the list)."""
    return set(re.findall(r'href="/appointments/[0-9a-f-]{36}/"', html))


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def busy_week():
    docs = [make_practitioner(), make_practitioner()]
    for day in range(7):
        for slot in range(6):
            doc = docs[slot % 2]
            make_appointment(make_patient(doc), doc, start=at(day, 9 + slot))
    return docs


def monday_of_this_week() -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday())


@pytest.mark.parametrize("view", ["day", "week"])
def test_the_diary_runs_a_fixed_number_of_queries(busy_week, view, django_assert_max_num_queries):
    client = signed_in(make_reception())
    url = f"/appointments/?view={view}&practitioner="
    with django_assert_max_num_queries(DIARY_QUERIES):
        response = client.get(url)
    html = response.content.decode()
    shown = len(shown_appointments(html))
    expected = (
        6
        if view == "day"
        else sum(
            6
            for d in range(7)
            if monday_of_this_week() + dt.timedelta(days=d) >= timezone.localdate()
        )
    )
    assert shown == expected


def test_a_practitioner_sees_their_own_diary_first(busy_week):
    doc = busy_week[0]
    html = signed_in(doc).get("/appointments/").content.decode()
    assert len(shown_appointments(html)) == 3
    assert doc.display_name in html


def test_htmx_changes_the_day_with_a_fragment(busy_week):
    client = signed_in(make_reception())
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    fragment = client.get(
        f"/appointments/?date={tomorrow}&practitioner=",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="diary",
    )
    html = fragment.content.decode()
    assert "<html" not in html
    assert "HX-Request" in fragment["Vary"]
    assert len(shown_appointments(html)) == 6
    # the same links work without JavaScript
    assert 'href="?date=' in html


def test_a_nonsense_date_or_practitioner_shows_today_for_everyone():
    response = signed_in(make_reception()).get(
        f"/appointments/?date=soon&practitioner={uuid.uuid4()}"
    )
    # The date is refused (400, with today's diary and the field error); the unknown
    # practitioner simply shows everyone.
    assert response.status_code == 400
    assert response.context["date_error"]
    assert response.context["chosen"] == ""
    assert response.context["day"] == timezone.localdate()


@pytest.fixture
def desk():
    doc = make_practitioner()
    return doc, make_patient(doc), make_reception()


def form(doc, **changes):
    data = {
        "practitioner": str(doc.public_id),
        "date": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        "time": "10:00",
        "duration_minutes": "45",
        "kind": "treatment",
        "note": "Prefers the ground-floor room",
        "submission": str(uuid.uuid4()),
    }
    data.update(changes)
    return data


def test_booking_on_the_page(desk):
    doc, patient, reception = desk
    client = signed_in(reception)
    page = client.get(f"/appointments/new/?patient={patient.public_id}").content.decode()
    assert "Booking note (no clinical details)" in page
    response = client.post(f"/appointments/new/?patient={patient.public_id}", form(doc))
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.patient, appointment.start) == (patient, at(1, 10))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_minutes": "200"}, "duration_minutes"),
        ({"time": "25:00"}, "time"),
        ({"kind": "massage"}, "kind"),
        ({"date": (timezone.localdate() - dt.timedelta(days=2)).isoformat()}, "time"),
        ({"practitioner": ""}, "practitioner"),
    ],
)
def test_bad_input_shows_the_field_and_saves_nothing(desk, changes, field):
    doc, patient, reception = desk
    response = signed_in(reception).post(
        f"/appointments/new/?patient={patient.public_id}", form(doc, **changes)
    )
    assert response.status_code == 422
    assert not Appointment.objects.exists()
    assert field in response.context["form"].errors


def test_the_overlap_is_shown_on_the_form(desk):
    doc, patient, reception = desk
    make_appointment(make_patient(doc), doc, start=at(1, 9, 30))
    response = signed_in(reception).post(
        f"/appointments/new/?patient={patient.public_id}", form(doc)
    )
    assert response.status_code == 422
    assert "already booked" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_a_double_click_books_once(desk):
    doc, patient, reception = desk
    client = signed_in(reception)
    data = form(doc)
    first = client.post(f"/appointments/new/?patient={patient.public_id}", data)
    second = client.post(f"/appointments/new/?patient={patient.public_id}", data)
    assert (first.status_code, second.status_code) == (302, 302)
    appointment = Appointment.objects.get()
    assert second["Location"] == f"/appointments/{appointment.public_id}/"


def test_a_stale_edit_is_a_conflict_on_the_page(desk):
    doc, patient, reception = desk
    appointment = make_appointment(patient, start=at(1, 10))
    client = signed_in(reception)
    edit = form(doc, time="11:00", version="1")
    assert client.post(f"/appointments/{appointment.public_id}/edit/", edit).status_code == 302
    stale = client.post(
        f"/appointments/{appointment.public_id}/edit/", form(doc, time="12:00", version="1")
    )
    assert stale.status_code == 409
    assert "Someone else changed" in stale.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == at(1, 11)


def test_cancel_page_keeps_the_record(desk):
    _doc, patient, reception = desk
    appointment = make_appointment(patient, start=at(1, 10))
    client = signed_in(reception)
    assert client.get(f"/appointments/{appointment.public_id}/cancel/").status_code == 200
    response = client.post(
        f"/appointments/{appointment.public_id}/cancel/", {"version": "1", "reason": "Rang"}
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    again = client.post(f"/appointments/{appointment.public_id}/cancel/", {"version": "2"})
    assert again["Location"] == f"/appointments/{appointment.public_id}/"
    edit = client.get(f"/appointments/{appointment.public_id}/edit/")
    assert edit["Location"] == f"/appointments/{appointment.public_id}/"
    appointment.refresh_from_db()
    assert (appointment.status, appointment.version) == ("cancelled", 2)


def test_a_stale_cancel_is_a_conflict_on_the_page(desk):
    doc, patient, reception = desk
    appointment = make_appointment(patient, start=at(1, 10))
    client = signed_in(reception)
    client.post(
        f"/appointments/{appointment.public_id}/edit/", form(doc, time="11:00", version="1")
    )
    stale = client.post(f"/appointments/{appointment.public_id}/cancel/", {"version": "1"})
    assert stale.status_code == 409
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_marking_from_the_diary(desk):
    _doc, patient, reception = desk
    appointment = make_appointment(patient, start=timezone.now())
    client = signed_in(reception)
    html = client.get("/appointments/?practitioner=").content.decode()
    assert 'value="arrived"' in html
    response = client.post(
        f"/appointments/{appointment.public_id}/status/",
        {"status": "arrived", "version": "1", "next": "/appointments/"},
    )
    assert response["Location"] == "/appointments/"
    appointment.refresh_from_db()
    assert appointment.status == "arrived"
    stale = client.post(
        f"/appointments/{appointment.public_id}/status/",
        {"status": "did_not_attend", "version": "1", "next": "https://evil.example/"},
    )
    assert stale["Location"] == f"/appointments/{appointment.public_id}/"
    appointment.refresh_from_db()
    assert appointment.status == "arrived"


def test_reception_sees_appointments_on_the_chart_without_clinical_content(desk):
    doc, patient, reception = desk
    episode = make_episode(patient, complaint="Chronic neck pain")
    make_appointment(patient, start=at(3, 14), note="Needs step-free access")
    html = signed_in(reception).get(f"/patients/{patient.public_id}/").content.decode()
    assert "Needs step-free access" in html
    assert "Book an appointment" in html
    assert episode.complaint not in html
    doc_html = signed_in(doc).get(f"/patients/{patient.public_id}/").content.decode()
    assert "Needs step-free access" in doc_html
    assert "Book an appointment" in doc_html  # a practitioner books their own patients
    # one look at the chart is one event, appointments included
    events = AuditEvent.objects.filter(patient_id=patient.public_id)
    assert [(e.action, e.object_type) for e in events] == [("read", "patient")] * 2


def test_the_chart_lists_many_appointments_in_fixed_queries(desk, django_assert_max_num_queries):
    from tests.patients.test_query_counts import CHART_QUERIES

    _doc, patient, reception = desk
    for day in [*range(-10, 0), *range(1, 11)]:
        make_appointment(patient, start=at(day, 10), status="completed" if day < 0 else "booked")
    client = signed_in(reception)
    with django_assert_max_num_queries(CHART_QUERIES):
        html = client.get(f"/patients/{patient.public_id}/").content.decode()
    assert len(shown_appointments(html)) == 20


def test_the_form_offers_only_practitioners_who_look_after_the_patient(desk):
    doc, patient, reception = desk
    colleague, stranger = make_practitioner(), make_practitioner()
    from tests.factories import share

    share(patient, colleague)
    html = signed_in(reception).get(f"/appointments/new/?patient={patient.public_id}")
    page = html.content.decode()
    assert str(doc.public_id) in page
    assert str(colleague.public_id) in page
    assert str(stranger.public_id) not in page


def test_a_practitioners_week_and_the_api_list_run_fixed_queries(
    busy_week, django_assert_max_num_queries
):
    client = signed_in(busy_week[0])
    with django_assert_max_num_queries(DIARY_QUERIES):
        assert client.get("/appointments/?view=week").status_code == 200
    last = (timezone.localdate() + dt.timedelta(days=6)).isoformat()
    with django_assert_max_num_queries(DIARY_QUERIES):
        listed = client.get(f"/api/v1/appointments?date_to={last}").json()
    assert len(listed) == 21
