"""The patient's own view of their care: the plan in plain words (no codes or
identifiers), the sessions and the review, what each care layer asks (the education
pages), the progress chart, appointments and after-effects with what to do; and the
"before each session" questionnaires due before the next appointment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from acucare.audit.models import AuditEvent
from acucare.portal import selectors
from tests.clinic_fixtures import fast_password_hashing
from tests.factories import actor, make_appointment, make_practitioner, signed_in
from tests.portal.factories import make_portal_patient, make_signed_session
from tests.workflow.test_words_not_identifiers import SNAKE, readable_text

__all__ = ["fast_password_hashing"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    owner = make_practitioner()
    patient, user = make_portal_patient(owner)
    session = make_signed_session(patient, date=timezone.localdate() - dt.timedelta(days=1))
    return owner, patient, user, session


def test_the_plan_in_plain_words_with_the_chart(world):
    owner, patient, user, session = world
    make_appointment(patient, owner, start=timezone.now() + dt.timedelta(days=3))
    response = signed_in(user).get("/portal/care/")
    assert response.status_code == 200
    html = response.content.decode()
    plan = session.plan.document["acupuncture"]
    assert "very fine, sterile, single-use needles" in html
    assert f"The plan is for {plan['sessions']} sessions" in html
    assert "You have had 1 so far" in html
    assert "after session" in html  # when the review is
    assert "<svg" in html  # the progress chart, drawn on the server
    assert "Your appointments" in html
    assert "What you can do between sessions" in html
    text = readable_text(html)
    assert not SNAKE.findall(text)
    assert plan["protocol"] not in text
    assert not any(p["code"] in text.split() for p in plan["points"])
    assert AuditEvent.objects.filter(object_type="portal_care", action="read").exists()


def test_charted_after_effects_show_with_what_to_do(world):
    _owner, patient, user, _session = world
    make_signed_session(
        patient,
        adverse_events=[
            {
                "seriousness": "minor",
                "mechanism": "other",
                "type_code": "tiredness",
                "needed_treatment": False,
                "avoidable": "no",
                "modality": "manual",
                "reporter": "practitioner",
            }
        ],
    )
    html = signed_in(user).get("/portal/care/").content.decode()
    assert "Feeling tired or sleepy" in html
    assert "do not drive" in html.lower()


def test_before_session_questionnaires_show_before_the_next_appointment(world):
    owner, patient, user, _session = world
    start = timezone.localtime(timezone.now() + dt.timedelta(days=2))
    make_appointment(patient, owner, start=start)
    care = selectors.portal_care(actor=actor(user))
    before = care.plans[0].before_session
    assert before is not None
    assert before.names == ["Pain NRS"]  # the schedule's "before each session" set
    assert before.appointment is not None
    html = signed_in(user).get("/portal/care/").content.decode()
    assert f"Before your next session on {start:%A %-d %B}" in html
    assert "Pain NRS" in html
    home = signed_in(user).get("/portal/").content.decode()
    assert f"Before your next session on {start:%A %-d %B}" in home


def test_staff_and_anonymous_do_not_see_a_patients_care(world):
    owner, _patient, _user, _session = world
    assert signed_in(owner).get("/portal/care/").status_code == 403
    assert Client().get("/portal/care/").status_code == 302
