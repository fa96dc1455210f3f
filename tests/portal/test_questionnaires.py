"""Due questionnaires in the portal: answered on a phone, scored and stored as the
timepoint's measurement (which the review engine and charts read); PHQ-9 item 9 above 0
shows the crisis resources at once and raises an alert a practitioner acknowledges;
bad input and double sends save nothing twice."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from acucare.audit.models import AuditEvent
from acucare.kb import registry
from acucare.kb.records.instruments import Instrument
from acucare.outcomes.models import Measurement
from acucare.outcomes.selectors import chart_progress
from acucare.portal import crisis
from acucare.portal.models import PortalAlert
from tests.clinic_fixtures import fast_password_hashing
from tests.factories import make_episode, make_practitioner, signed_in
from tests.portal.factories import make_portal_patient

__all__ = ["fast_password_hashing"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    owner = make_practitioner()
    patient, user = make_portal_patient(owner)
    episode = make_episode(patient)
    return owner, patient, user, episode


def answers(self_harm: int = 0, **overrides: str) -> dict[str, str]:
    """Every item of the default baseline set (NRS, PHQ-9, GAD-7) answered 1."""
    data: dict[str, str] = {"submission": str(uuid.uuid4())}
    known = registry().of(Instrument)
    for instrument in ("nrs", "phq9", "gad7"):
        for item in known[instrument].items:
            data[f"q_{instrument}_{item.number}"] = "1"
    data["q_phq9_9"] = str(self_harm)
    data.update(overrides)
    return data


def url(episode, kind: str = "baseline") -> str:
    return f"/portal/questionnaires/{episode.public_id}/{kind}/"


def test_home_lists_the_baseline_and_the_page_asks_every_question(world):
    _owner, _patient, user, episode = world
    client = signed_in(user)
    home = client.get("/portal/").content.decode()
    assert url(episode) in home
    page = client.get(url(episode))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="radio"' in html
    assert "<legend>" in html
    assert "Little interest or pleasure in doing things" in html  # shipped PHQ-9 wording
    assert "Not answered" not in html


def test_answers_are_stored_as_the_baseline_the_review_engine_reads(world):
    _owner, _patient, user, episode = world
    client = signed_in(user)
    response = client.post(url(episode), answers())
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    measurement = Measurement.objects.get()
    assert (measurement.kind, measurement.created_by) == ("baseline", user)
    assert measurement.scores["phq9"]["9"] == 0
    progress = chart_progress([episode])[episode.pk]
    assert progress.course.baseline is not None
    assert progress.course.baseline.scores["gad7"] == measurement.scores["gad7"]
    assert not PortalAlert.objects.exists()
    assert url(episode) not in client.get("/portal/").content.decode()
    assert AuditEvent.objects.filter(
        object_type="measurement", action="create", actor=user
    ).exists()


def test_self_harm_thoughts_show_crisis_help_at_once_and_alert_the_practitioner(world):
    owner, patient, user, episode = world
    page = signed_in(user).post(url(episode), answers(self_harm=2))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'role="alert"' in html
    assert "116 123" in html  # the clinic's locale, en-gb by default
    assert "nhs.uk" in html  # its cited source
    alert = PortalAlert.objects.get()
    assert (alert.patient, alert.kind, alert.detail["answer"]) == (patient, "self_harm", 2)
    assert Measurement.objects.count() == 1
    practitioner = signed_in(owner)
    chart = practitioner.get(f"/patients/{patient.public_id}/").content.decode()
    assert "Thoughts of self-harm reported" in chart
    assert patient.full_name in practitioner.get("/today/").content.decode()
    ack = f"/portal/staff/alerts/{alert.public_id}/acknowledge/"
    practitioner.post(ack, {"note": ""})
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    practitioner.post(ack, {"note": "Called the patient; safety plan agreed."})
    alert.refresh_from_db()
    assert alert.acknowledged_by == owner
    assert AuditEvent.objects.filter(
        action="acknowledge", object_type="portal_alert", actor=owner
    ).exists()
    assert (
        "Thoughts of self-harm reported"
        not in practitioner.get(f"/patients/{patient.public_id}/").content.decode()
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"q_phq9_1": "9"}, "9 is not one of the answers to this question."),
        ({"q_gad7_3": ""}, "Choose an answer to this question."),
        ({"q_nrs_1": "-1"}, "-1 is not one of the answers to this question."),
    ],
)
def test_an_answer_out_of_range_or_missing_is_named_and_nothing_is_saved(world, change, message):
    _owner, _patient, user, episode = world
    page = signed_in(user).post(url(episode), answers(**change))
    assert page.status_code == 422
    assert message in page.content.decode()
    assert not Measurement.objects.exists()
    assert not PortalAlert.objects.exists()


def test_a_double_send_is_saved_once(world):
    _owner, _patient, user, episode = world
    client = signed_in(user)
    data = answers(self_harm=1)
    client.post(url(episode), data)
    again = client.post(url(episode), data)
    assert again.status_code == 302
    assert again["Location"] == "/portal/"
    assert Measurement.objects.count() == 1
    assert PortalAlert.objects.count() == 1


def test_another_patients_episode_or_a_timepoint_not_due_is_not_found(world):
    owner, _patient, _user, episode = world
    _other, other_user = make_portal_patient(owner)
    client = signed_in(other_user)
    assert client.get(url(episode)).status_code == 404
    assert client.post(url(episode), answers()).status_code == 404
    assert signed_in(world[2]).get(url(episode, "review")).status_code == 404
    assert (
        signed_in(world[2]).get(f"/portal/questionnaires/{uuid.uuid4()}/baseline/").status_code
        == 404
    )
    assert not Measurement.objects.exists()


def test_the_shipped_crisis_resources_cite_the_bibliography():
    shipped = crisis.load(crisis.SHIPPED)
    assert set(shipped) == {"en-gb", "en-us"}
    assert {c.id for c in shipped["en-us"].citations} == {"lifeline988"}
    assert any("988" in line for line in shipped["en-us"].lines)
    assert crisis.check_crisis_resources() == []


def test_a_clinic_file_adds_a_locale_and_a_bad_one_fails_the_system_check(settings, tmp_path: Path):
    good = tmp_path / "crisis.yaml"
    good.write_text(
        "en-ie:\n  heading: Help now\n  lines: [Call Samaritans free on 116 123.]\n"
        "  citations: [samaritans]\n"
    )
    settings.ACUCARE_CRISIS_RESOURCES_FILE = str(good)
    settings.ACUCARE_CRISIS_LOCALE = "en-ie"
    assert crisis.crisis_resources().lines == ("Call Samaritans free on 116 123.",)
    settings.ACUCARE_CRISIS_LOCALE = "fr-fr"
    [error] = crisis.check_crisis_resources()
    assert "fr-fr" in error.msg
    bad = tmp_path / "uncited.yaml"
    bad.write_text("en-gb:\n  heading: Help\n  lines: [Call someone.]\n  citations: [nobody2099]\n")
    settings.ACUCARE_CRISIS_RESOURCES_FILE = str(bad)
    settings.ACUCARE_CRISIS_LOCALE = "en-gb"
    [error] = crisis.check_crisis_resources()
    assert "nobody2099" in error.msg
