"""The practitioner's today page, and where `/` sends each visitor (issue 15, item 11)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from acucare.audit.models import AuditEvent
from tests.assessments.factories import make_assessment
from tests.factories import (
    make_admin,
    make_appointment,
    make_episode,
    make_patient,
    make_practitioner,
    make_reception,
    signed_in,
)
from tests.treatment.factories import REFER, episode_with_assessment, make_plan, make_session

pytestmark = pytest.mark.django_db


def now_plus(hours: int) -> dt.datetime:
    """A time today (clinic time), whatever the hour the test runs at."""
    day = timezone.localdate()
    return dt.datetime.combine(day, dt.time(hours * 2), tzinfo=timezone.get_current_timezone())


def test_signed_out_visitors_get_the_sign_in_page():
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert "Knowledge base" not in Client().get("/", follow=True).content.decode()


@pytest.mark.parametrize(
    ("maker", "where"),
    [(make_practitioner, "/today/"), (make_reception, "/appointments/")],
)
def test_each_role_starts_where_its_work_is(maker, where):
    response = signed_in(maker()).get("/")
    assert (response.status_code, response["Location"]) == (302, where)


def test_the_admin_home_still_shows_the_knowledge_base():
    assert signed_in(make_admin()).get("/").status_code == 200


def test_the_day_shows_appointments_with_stages_and_the_work_waiting():
    doc = make_practitioner()
    # a new patient with no episode, one awaiting a referral, one in treatment
    newcomer = make_patient(doc, given_name="Nora")
    referred, _flagged = episode_with_assessment(doc, **REFER)
    treated, _ = episode_with_assessment(doc)
    plan = make_plan(treated, approve=True)
    session = make_session(plan)  # charted, not signed
    for hours, patient in enumerate([newcomer, referred.patient, treated.patient], start=1):
        make_appointment(patient, doc, start=now_plus(hours))
    html = signed_in(doc).get("/today/").content.decode()
    assert "No open episode" in html
    assert "Referral needed" in html
    assert "In treatment: 1 session" in html
    assert f"/treatment/sessions/{session.public_id}/" in html  # to sign
    assert "Screening findings to acknowledge" in html
    assert referred.patient.full_name in html.split("Screening findings to acknowledge")[1]
    assert AuditEvent.objects.filter(object_type="today", action="list").count() == 1


def test_another_practitioners_patients_stay_off_the_page():
    doc, other = make_practitioner(), make_practitioner()
    theirs = make_patient(other, given_name="Stranger")
    make_assessment(make_episode(theirs), **REFER)
    make_appointment(theirs, other, start=now_plus(1))
    html = signed_in(doc).get("/today/").content.decode()
    assert "Stranger" not in html


def test_an_expired_licence_is_an_alert():
    doc = make_practitioner()
    from acucare.accounts.models import PractitionerProfile

    PractitionerProfile.objects.update_or_create(
        user=doc, defaults={"licence_expiry": timezone.localdate() - dt.timedelta(days=1)}
    )
    html = signed_in(doc).get("/today/").content.decode()
    assert "Your licence expired on" in html


@pytest.mark.parametrize("maker", [make_reception, make_admin])
def test_only_practitioners_have_a_today_page(maker):
    assert signed_in(maker()).get("/today/").status_code == 403
