"""The assessment API: intake in, screening out, acknowledgements, errors by field."""

from __future__ import annotations

import json
import uuid

import pytest

from acucare.assessments.models import Assessment
from acucare.audit.models import AuditEvent
from acucare.kb import registry
from tests.assessments.factories import URGENT_AND_REFER, intake, make_assessment
from tests.factories import make_episode, make_patient, make_practitioner, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode():
    return make_episode(make_patient(make_practitioner()))


def post(client, path, body, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def test_posting_an_intake_returns_the_assessment_with_its_screening(episode):
    client = signed_in(episode.patient.primary_practitioner)
    response = post(
        client, f"/api/v1/episodes/{episode.public_id}/assessments", intake(**URGENT_AND_REFER)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["decision"] == "urgent_referral"
    assert body["kb_version"] == registry().version
    assert body["screening"]["format"] == "acucare.screening/1"
    assert body["intake"]["red_flags"] == ["saddle_anaesthesia", "unexplained_weight_loss"]
    assert body["unacknowledged"] == ["cauda_equina", "unexplained_weight_loss"]
    assert body["current"] is True
    assert body["episode_id"] == str(episode.public_id)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"history": ["diabetes", "gills"]}, "history[1]"),
        ({"patient": {"age": 130}}, "patient.age"),
        ({"questionnaires": {"phq9": {"9": 4}}}, "questionnaires.phq9.9"),
        ({"hobbies": []}, "hobbies"),
        ({"pain_sites": ["left_tail"]}, "pain_sites[0]"),
        ({"pregnancy": {"pregnant": False, "weeks": 12}}, "pregnancy.weeks"),
    ],
)
def test_invalid_intake_is_422_with_the_input_error_document(episode, change, field):
    client = signed_in(episode.patient.primary_practitioner)
    response = post(client, f"/api/v1/episodes/{episode.public_id}/assessments", intake(**change))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert not Assessment.objects.exists()


def test_idempotency_key_creates_one_assessment(episode):
    client = signed_in(episode.patient.primary_practitioner)
    path = f"/api/v1/episodes/{episode.public_id}/assessments"
    key = str(uuid.uuid4())
    first = post(client, path, intake(), HTTP_IDEMPOTENCY_KEY=key)
    second = post(client, path, intake(), HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["public_id"] == second.json()["public_id"]
    assert episode.assessments.count() == 1


def test_list_get_and_acknowledge(episode):
    client = signed_in(episode.patient.primary_practitioner)
    old = make_assessment(episode)
    current = make_assessment(episode, **URGENT_AND_REFER)
    listed = client.get(f"/api/v1/episodes/{episode.public_id}/assessments").json()
    assert [a["public_id"] for a in listed] == [str(current.public_id), str(old.public_id)]
    assert [a["current"] for a in listed] == [True, False]
    ack = post(
        client,
        f"/api/v1/assessments/{current.public_id}/acknowledgements",
        {"rule": "cauda_equina", "note": "Sent to the emergency department."},
    )
    assert ack.status_code == 201, ack.content
    assert ack.json()["level"] == "urgent"
    detail = client.get(f"/api/v1/assessments/{current.public_id}").json()
    assert detail["unacknowledged"] == ["unexplained_weight_loss"]
    assert [a["rule"] for a in detail["acknowledgements"]] == ["cauda_equina"]
    refused = post(
        client,
        f"/api/v1/assessments/{current.public_id}/acknowledgements",
        {"rule": "vasovagal_risk", "note": "ok"},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "rule"
    actions = set(
        AuditEvent.objects.filter(
            object_type__in=["assessment", "finding_acknowledgement"]
        ).values_list("action", "object_type")
    )
    assert actions == {
        ("create", "assessment"),
        ("list", "assessment"),
        ("read", "assessment"),
        ("create", "finding_acknowledgement"),
    }


def test_the_operations_are_in_the_openapi_document(episode):
    client = signed_in(episode.patient.primary_practitioner)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/episodes/{episode_id}/assessments" in paths
    assert "/api/v1/assessments/{assessment_id}" in paths
    assert "/api/v1/assessments/{assessment_id}/acknowledgements" in paths


def test_based_on_refuses_to_replace_a_newer_intake(episode):
    client = signed_in(episode.patient.primary_practitioner)
    path = f"/api/v1/episodes/{episode.public_id}/assessments"
    first = post(client, f"{path}?based_on=none", intake())
    assert first.status_code == 201
    # Different intakes each time: an identical request within seconds is a resend and
    # is answered with what the first created (issue 14).
    again = post(client, f"{path}?based_on=none", intake(pain_sites=["neck"]))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    second = post(
        client, f"{path}?based_on={first.json()['public_id']}", intake(pain_sites=["sacrum"])
    )
    assert second.status_code == 201
    stale = post(
        client, f"{path}?based_on={first.json()['public_id']}", intake(pain_sites=["pelvis"])
    )
    assert stale.status_code == 409
    bad = post(client, f"{path}?based_on=yesterday", intake())
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "based_on"
    assert episode.assessments.count() == 2


class TestRedFlagsAreRequired:
    """Issue 14: an intake posted without `red_flags` screened as proceed."""

    def test_an_intake_without_red_flags_is_refused(self):
        doc = make_practitioner()
        episode = make_episode(make_patient(doc))
        document = intake()
        del document["red_flags"]
        response = post(
            signed_in(doc), f"/api/v1/episodes/{episode.public_id}/assessments", document
        )
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["field"] == "red_flags"
        assert not episode.assessments.exists()

    def test_every_question_answered_true_or_false(self):
        from acucare.assessments.questions import RED_FLAG_QUESTIONS

        doc = make_practitioner()
        episode = make_episode(make_patient(doc))
        path = f"/api/v1/episodes/{episode.public_id}/assessments"
        answers = dict.fromkeys(RED_FLAG_QUESTIONS, False)
        answers["saddle_anaesthesia"] = True
        partial = dict(answers)
        del partial["thoracic_pain"]
        refused = post(signed_in(doc), path, intake(red_flags=partial))
        assert refused.status_code == 422
        assert refused.json()["error"]["field"] == "red_flags.thoracic_pain"
        saved = post(signed_in(doc), path, intake(red_flags=answers))
        assert saved.status_code == 201
        assert saved.json()["intake"]["red_flags"] == ["saddle_anaesthesia"]
        assert saved.json()["decision"] == "urgent_referral"
