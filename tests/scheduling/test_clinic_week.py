"""The clinic's week (issue 15, item 12): opening hours, rooms and each practitioner's
working hours, kept on their pages; a booking outside the hours is warned about and goes
ahead once the desk confirms it; a room holds one appointment at a time (refused); the
diary shows a time grid."""

from __future__ import annotations

import datetime as dt
import html as markup
import re
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from acucare.audit.models import AuditEvent
from acucare.domain.errors import InputError
from acucare.scheduling import services
from acucare.scheduling.models import Appointment, AppointmentStatus, Availability, OpeningHours
from tests.factories import (
    actor,
    make_admin,
    make_appointment,
    make_patient,
    make_practitioner,
    make_reception,
    share,
    signed_in,
)

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + dt.timedelta(days=1)
NINE_TO_FIVE = [services.Period(day, dt.time(9), dt.time(17)) for day in range(7)]


def at(hour: int, minute: int = 0, day: dt.date = TOMORROW) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def form(doc, **changes):
    data = {
        "practitioner": str(doc.public_id),
        "date": TOMORROW.isoformat(),
        "time": "10:00",
        "duration_minutes": "45",
        "kind": "treatment",
        "submission": str(uuid.uuid4()),
    }
    data.update(changes)
    return data


@pytest.fixture
def desk():
    doc = make_practitioner()
    return doc, make_patient(doc), make_reception(), make_admin()


def open_hours(admin, periods=NINE_TO_FIVE):
    return services.opening_hours_set(actor=actor(admin), periods=periods)


def book(client, patient, data):
    return client.post(f"/appointments/new/?patient={patient.public_id}", data)


def test_without_hours_nothing_is_warned(desk):
    doc, patient, reception, _ = desk
    response = book(signed_in(reception), patient, form(doc, time="21:00"))
    assert response.status_code == 302
    assert Appointment.objects.count() == 1


def test_a_booking_outside_the_opening_hours_warns_then_books_when_confirmed(desk):
    doc, patient, reception, admin = desk
    open_hours(admin)
    client = signed_in(reception)
    data = form(doc, time="16:30")  # ends 17:15, after closing
    warned = book(client, patient, data)
    assert warned.status_code == 200
    page = markup.unescape(warned.content.decode())
    day = TOMORROW.strftime("%A")
    assert f"This is outside the clinic's opening hours on {day}s (09:00–17:00)." in page
    assert "Book it anyway" in page
    assert not Appointment.objects.exists()
    booked = book(client, patient, {**data, "accept_warnings": "on"})
    assert booked.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.start == at(16, 30)
    detail = markup.unescape(client.get(f"/appointments/{appointment.public_id}/").content.decode())
    assert "outside the clinic's opening hours" in detail


def test_a_closed_day_and_a_day_off_are_named(desk):
    doc, patient, reception, admin = desk
    weekday = TOMORROW.weekday()
    open_hours(admin, [p for p in NINE_TO_FIVE if p.weekday != weekday])
    others = [services.Period(d, dt.time(9), dt.time(12)) for d in range(7) if d != weekday]
    services.availability_set(actor=actor(doc), practitioner_id=doc.public_id, periods=others)
    page = markup.unescape(book(signed_in(reception), patient, form(doc)).content.decode())
    day = TOMORROW.strftime("%A")
    assert f"The clinic is closed on {day}s." in page
    assert f"{doc.display_name} does not work on {day}s." in page


def test_a_booking_outside_the_practitioners_hours_warns(desk):
    doc, patient, reception, admin = desk
    open_hours(admin)
    mornings = [services.Period(d, dt.time(9), dt.time(12)) for d in range(7)]
    services.availability_set(actor=actor(doc), practitioner_id=doc.public_id, periods=mornings)
    client = signed_in(reception)
    assert book(client, patient, form(doc, time="09:00")).status_code == 302
    page = markup.unescape(book(client, patient, form(doc, time="14:00")).content.decode())
    assert f"This is outside {doc.display_name}'s hours on" in page
    assert "opening hours" not in page.split("Check before booking")[1].split("</ul>")[0]
    assert Appointment.objects.count() == 1


def test_changing_only_the_note_does_not_warn_again(desk):
    doc, patient, reception, admin = desk
    open_hours(admin)
    appointment = make_appointment(patient, doc, start=at(18))
    response = signed_in(reception).post(
        f"/appointments/{appointment.public_id}/edit/",
        {**form(doc, time="18:00", note="Interpreter coming"), "version": 1},
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.note == "Interpreter coming"


def test_a_room_holds_one_appointment_at_a_time(desk):
    doc, patient, reception, admin = desk
    room = services.room_save(actor=actor(admin), name="Room 1")
    other_doc = make_practitioner()
    taken = make_appointment(make_patient(other_doc), other_doc, start=at(9, 30), room=room)
    client = signed_in(reception)
    refused = book(client, patient, form(doc, room=str(room.public_id)))
    assert refused.status_code == 422
    assert "Room 1 is already booked from" in refused.content.decode()
    assert "room" in refused.context["form"].errors
    assert Appointment.objects.count() == 1
    # A cancelled appointment frees the room; another room or none is fine.
    Appointment.objects.filter(pk=taken.pk).update(status=AppointmentStatus.CANCELLED)
    assert book(client, patient, form(doc, room=str(room.public_id))).status_code == 302
    assert Appointment.objects.get(status="booked").room == room


def test_a_room_out_of_use_is_not_offered_but_stays_on_its_appointments(desk):
    doc, patient, reception, admin = desk
    room = services.room_save(actor=actor(admin), name="Garden room")
    appointment = make_appointment(patient, doc, room=room)
    services.room_save(actor=actor(admin), name="Garden room", room_id=room.public_id, in_use=False)
    client = signed_in(reception)
    page = client.get(f"/appointments/new/?patient={make_patient(doc).public_id}")
    assert "Garden room" not in page.content.decode()
    edit = client.get(f"/appointments/{appointment.public_id}/edit/").content.decode()
    assert "Garden room (no longer in use)" in edit
    with pytest.raises(InputError) as refused:
        services.appointment_book(
            actor=actor(reception),
            patient_id=make_patient(doc).public_id,
            booking=services.Booking(
                practitioner=doc.public_id,
                start=at(15),
                duration_minutes=30,
                kind="treatment",
                room=room.public_id,
            ),
        )
    assert refused.value.field == "room"


def test_the_admin_keeps_the_hours_and_rooms_on_their_page(desk):
    _, _, _, admin = desk
    client = signed_in(admin)
    assert client.get("/appointments/hours/").status_code == 200
    saved = client.post(
        "/appointments/hours/",
        {"action": "hours", "week-starts_0": "08:30", "week-ends_0": "18:00"},
    )
    assert saved.status_code == 302
    assert [(h.weekday, h.opens, h.closes) for h in OpeningHours.objects.all()] == [
        (0, dt.time(8, 30), dt.time(18))
    ]
    half = client.post("/appointments/hours/", {"action": "hours", "week-starts_1": "09:00"})
    assert half.status_code == 422
    assert "Tuesday: give both times, or leave both empty" in half.content.decode()
    backwards = client.post(
        "/appointments/hours/",
        {"action": "hours", "week-starts_2": "17:00", "week-ends_2": "09:00"},
    )
    assert backwards.status_code == 422
    assert "Wednesday: the end time must be after the start time." in backwards.content.decode()
    assert OpeningHours.objects.count() == 1  # nothing half-written
    assert (
        client.post("/appointments/hours/", {"action": "room", "name": "Room 2"}).status_code == 302
    )
    twice = client.post("/appointments/hours/", {"action": "room", "name": "room 2"})
    assert twice.status_code == 422
    assert "There is already a room called room 2." in markup.unescape(twice.content.decode())
    assert AuditEvent.objects.filter(object_type="opening_hours", actor=admin).count() == 1
    assert AuditEvent.objects.filter(object_type="room", action="create").count() == 1


def test_a_practitioner_keeps_their_own_working_hours(desk):
    doc, _, reception, admin = desk
    client = signed_in(doc)
    saved = client.post(
        "/appointments/availability/",
        {"action": "hours", "week-starts_3": "10:00", "week-ends_3": "16:00"},
    )
    assert saved.status_code == 302
    assert [(a.weekday, a.starts) for a in Availability.objects.filter(practitioner=doc)] == [
        (3, dt.time(10))
    ]
    assert 'value="10:00"' in client.get("/appointments/availability/").content.decode()
    with pytest.raises(PermissionDenied):
        services.availability_set(
            actor=actor(make_practitioner()), practitioner_id=doc.public_id, periods=[]
        )
    # The admin keeps anyone's; reception keeps none.
    page = signed_in(admin).get(f"/appointments/availability/?practitioner={doc.public_id}")
    assert doc.display_name in page.content.decode()
    assert signed_in(reception).get("/appointments/availability/").status_code == 403


def test_the_diary_is_a_time_grid_with_closed_times_greyed(desk):
    doc, patient, reception, admin = desk
    open_hours(admin)
    make_appointment(patient, doc, start=at(10, 15))
    html = signed_in(reception).get(f"/appointments/?date={TOMORROW.isoformat()}").content.decode()
    grid = html.split('<table class="time-grid">')[1].split("</table>")[0]
    rows = re.findall(r'<th scope="row" class="nowrap">(\d\d:\d\d)</th>', grid)
    assert rows[0] == "09:00"
    assert rows[-1] == "16:30"
    assert f'<th scope="col">{doc.display_name}</th>' in grid
    ten = grid.split(">10:00</th>")[1].split("</tr>")[0]
    assert "10:15–11:00" in ten
    assert patient.full_name in ten
    # Outside the practitioner's working hours the cells are closed.
    services.availability_set(
        actor=actor(doc),
        practitioner_id=doc.public_id,
        periods=[services.Period(d, dt.time(9), dt.time(12)) for d in range(7)],
    )
    html = signed_in(reception).get(f"/appointments/?date={TOMORROW.isoformat()}").content.decode()
    afternoon = html.split(">14:00</th>")[1].split("</tr>")[0]
    assert 'class="closed"' in afternoon
    assert "Closed" in afternoon
    week = signed_in(reception).get(f"/appointments/?date={TOMORROW.isoformat()}&view=week")
    assert TOMORROW.strftime("%a %-d %b") in week.content.decode()


def test_the_api_books_a_room_and_says_what_is_unusual(desk):
    doc, patient, reception, admin = desk
    open_hours(admin)
    room = services.room_save(actor=actor(admin), name="Room 3")
    client = signed_in(reception)
    body = {
        "patient": str(patient.public_id),
        "practitioner": str(doc.public_id),
        "start": at(18).isoformat(),
        "duration_minutes": 30,
        "kind": "treatment",
        "room": str(room.public_id),
    }
    booked = client.post("/api/v1/appointments", body, content_type="application/json")
    assert booked.status_code == 201
    answer = booked.json()
    assert answer["room"]["name"] == "Room 3"
    day = TOMORROW.strftime("%A")
    assert answer["warnings"] == [
        f"This is outside the clinic's opening hours on {day}s (09:00–17:00)."
    ]
    listed = client.get(f"/api/v1/appointments?date_from={TOMORROW.isoformat()}").json()
    assert [a["warnings"] for a in listed] == [answer["warnings"]]
    other = make_patient(doc)
    taken = client.post(
        "/api/v1/appointments",
        {
            **body,
            "patient": str(other.public_id),
            "practitioner": str(make_practitioner().public_id),
        },
        content_type="application/json",
    )
    # The other practitioner does not look after the patient: share first, then the room.
    assert taken.status_code == 422
    second = make_practitioner()
    share(other, second)
    taken = client.post(
        "/api/v1/appointments",
        {**body, "patient": str(other.public_id), "practitioner": str(second.public_id)},
        content_type="application/json",
    )
    assert taken.status_code == 422
    assert taken.json()["error"]["field"] == "room"
