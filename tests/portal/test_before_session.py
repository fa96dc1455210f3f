"""The "before each session" questionnaire in the portal: due for a booked appointment
from 48 hours before it until it ends (while the session is not charted), answered on a
phone, scored and stored once for that appointment; the practitioner's session form
shows the answer and pre-fills pain-before from it, and what is saved says whether they
kept it. A stale answer (outside the window, another day's appointment, a session
already charted) is never used."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone

from acucare.audit.models import AuditEvent
from acucare.outcomes.models import BeforeSessionAnswer, Measurement
from acucare.outcomes.patient_due import BEFORE_SESSION_HOURS
from acucare.patients.models import Episode
from acucare.treatment.models import TreatmentSession
from tests.clinic_fixtures import fast_password_hashing
from tests.factories import make_appointment, make_practitioner, signed_in
from tests.portal.factories import make_portal_patient, make_signed_session
from tests.treatment.factories import make_session

__all__ = ["fast_password_hashing"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    owner = make_practitioner()
    patient, user = make_portal_patient(owner)
    # Session 1 charted last week: the schedule asks the pain (NRS) before session 2.
    first = make_signed_session(patient, date=timezone.localdate() - dt.timedelta(days=7))
    Episode.objects.filter(pk=first.plan.episode_id).update(
        started_on=timezone.localdate() - dt.timedelta(days=30)
    )
    return owner, patient, user, first


def soon(minutes: int = 5) -> dt.datetime:
    """An appointment starting shortly (today, so its session is charted today)."""
    start = timezone.localtime(timezone.now() + dt.timedelta(minutes=minutes))
    if start.date() != timezone.localdate():  # a run just before midnight
        pytest.skip("the appointment would fall tomorrow")
    return start


def url(session) -> str:
    return f"/portal/questionnaires/{session.plan.episode.public_id}/session/"


def answer(pain: str = "6", **extra: str) -> dict[str, str]:
    return {"submission": str(uuid.uuid4()), "q_nrs_1": pain, **extra}


def session_form(session) -> str:
    return f"/treatment/plans/{session.plan.public_id}/sessions/new/"


def charted(pain_before: str) -> dict[str, str]:
    return {
        "submission": str(uuid.uuid4()),
        "number": "2",
        "date": timezone.localdate().isoformat(),
        "modality": "manual_acupuncture",
        "point-0-code": "BL23",
        "point-0-side": "bilateral",
        "needle_gauge_mm": "0.25",
        "needle_length_mm": "40",
        "needle_material": "stainless_steel",
        "needles_in": "2",
        "needles_out": "2",
        "pain_before": pain_before,
    }


def pain_before_value(html: str) -> str | None:
    found = re.search(r'name="pain_before"[^>]*value="([^"]*)"', html) or re.search(
        r'value="([^"]*)"[^>]*name="pain_before"', html
    )
    return found.group(1) if found else None


def test_due_in_the_window_before_the_appointment_answered_once_on_the_phone(world):
    owner, patient, user, first = world
    appointment = make_appointment(patient, owner, start=soon())
    client = signed_in(user)
    home = client.get("/portal/").content.decode()
    assert url(first) in home
    page = client.get(url(first))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Before your next session" in html
    assert f"{timezone.localtime(appointment.start):%H:%M}" in html
    assert 'name="q_nrs_1"' in html
    assert 'name="pgic"' not in html  # the impression of change belongs to reviews
    data = answer("6")
    response = client.post(url(first), data)
    assert response.status_code == 302
    stored = BeforeSessionAnswer.objects.get()
    assert (stored.appointment, stored.pain, stored.session) == (appointment, 6, 2)
    assert stored.scores == {"nrs": {"1": 6}}
    assert stored.created_by == user
    assert not Measurement.objects.exists()  # not a course timepoint of its own
    assert AuditEvent.objects.filter(object_type="before_session_answer", action="create").exists()
    assert AuditEvent.objects.filter(object_type="portal_questionnaire", action="read").exists()
    # A resend saves nothing more; the questionnaire is no longer due.
    assert client.post(url(first), data).status_code == 302
    assert client.post(url(first), answer("3")).status_code == 404
    assert BeforeSessionAnswer.objects.count() == 1
    home = client.get("/portal/").content.decode()
    assert url(first) not in home
    assert "your answers are saved for your practitioner" in home


def test_not_due_outside_the_window_or_once_the_session_is_charted(world):
    owner, patient, user, first = world
    client = signed_in(user)
    later = timezone.now() + dt.timedelta(hours=BEFORE_SESSION_HOURS, minutes=30)
    make_appointment(patient, owner, start=later)
    assert client.get(url(first)).status_code == 404
    assert url(first) not in client.get("/portal/").content.decode()
    care = client.get("/portal/care/").content.decode()
    assert "from two days before the appointment" in care
    make_appointment(patient, owner, start=soon())
    assert client.get(url(first)).status_code == 200
    # The practitioner charts today's session before the patient answers: too late.
    make_session(first.plan, date=timezone.localdate().isoformat(), adverse_events=[])
    assert client.get(url(first)).status_code == 404


@pytest.mark.parametrize(("value", "message"), [("11", "not one of the answers"), ("", "Choose")])
def test_bad_input_names_the_question_and_saves_nothing(world, value, message):
    owner, patient, user, first = world
    make_appointment(patient, owner, start=soon())
    response = signed_in(user).post(url(first), answer(value))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_q_nrs_1_error"' in html or "q_nrs_1" in html
    assert message in html
    assert not BeforeSessionAnswer.objects.exists()


def test_another_patient_cannot_see_or_answer_it(world):
    owner, patient, _user, first = world
    make_appointment(patient, owner, start=soon())
    _other, other_user = make_portal_patient(owner)
    client = signed_in(other_user)
    assert client.get(url(first)).status_code == 404
    assert client.post(url(first), answer()).status_code == 404
    assert not BeforeSessionAnswer.objects.exists()


def test_the_session_form_prefills_pain_before_and_the_record_says_it_was_kept(world):
    owner, patient, user, first = world
    make_appointment(patient, owner, start=soon())
    signed_in(user).post(url(first), answer("6"))
    staff = signed_in(owner)
    html = staff.get(session_form(first)).content.decode()
    assert pain_before_value(html) == "6"
    assert "reported by the patient on" in html
    assert AuditEvent.objects.filter(object_type="before_session_answer", action="read").exists()
    response = staff.post(session_form(first), charted("6"))
    assert response.status_code == 302, response.content.decode()[:2000]
    session = TreatmentSession.objects.get(number=2)
    assert (session.pain_before, session.pain_before_reported) == (6, 6)
    assert session.pain_before_reported_at is not None
    page = staff.get(f"/treatment/sessions/{session.public_id}/").content.decode()
    assert "The patient reported 6 before the session" in page
    assert "kept." in page
    event = AuditEvent.objects.get(
        object_type="treatment_session", action="create", object_id=str(session.public_id)
    )
    assert event.detail["pain_before"] == "kept the patient's report"


def test_a_changed_pain_before_is_saved_as_changed(world):
    owner, patient, user, first = world
    make_appointment(patient, owner, start=soon())
    signed_in(user).post(url(first), answer("6"))
    staff = signed_in(owner)
    assert staff.post(session_form(first), charted("4")).status_code == 302
    session = TreatmentSession.objects.get(number=2)
    assert (session.pain_before, session.pain_before_reported) == (4, 6)
    page = staff.get(f"/treatment/sessions/{session.public_id}/").content.decode()
    assert "changed by the practitioner" in page


def test_a_stale_answer_is_never_used(world):
    owner, patient, user, first = world
    appointment = make_appointment(patient, owner, start=soon())
    signed_in(user).post(url(first), answer("6"))
    staff = signed_in(owner)
    # Charted for another day than the appointment's: not this appointment's answer.
    yesterday = {**charted("5"), "date": (timezone.localdate() - dt.timedelta(days=1)).isoformat()}
    assert staff.post(session_form(first), yesterday).status_code == 302
    assert TreatmentSession.objects.get(number=2).pain_before_reported is None
    assert pain_before_value(staff.get(session_form(first)).content.decode()) == "6"
    # An answer given before its window opened is not used.
    stored = BeforeSessionAnswer.objects.get()
    answered = stored.answered_at
    stored.answered_at = appointment.start - dt.timedelta(hours=BEFORE_SESSION_HOURS, minutes=1)
    stored.save(update_fields=["answered_at"])
    html = staff.get(session_form(first)).content.decode()
    assert pain_before_value(html) != "6"
    assert "reported by the patient" not in html
    # Nor once a session is charted on the appointment's day.
    BeforeSessionAnswer.objects.filter(pk=stored.pk).update(answered_at=answered)
    make_session(first.plan, date=timezone.localdate().isoformat(), adverse_events=[])
    html = staff.get(session_form(first)).content.decode()
    assert "reported by the patient" not in html
