"""Referrer and GP details (issue 12 item 1): the patient's GP, who referred each
episode, whom letters go to, and errors that name the field."""

import datetime as dt
import json

import pytest

from acucare.audit.models import AuditEvent
from acucare.domain.errors import InputError
from acucare.patients import services
from acucare.patients.models import Episode, Patient, ReferralSource
from tests.factories import actor, make_episode, make_patient, make_practitioner, signed_in

pytestmark = pytest.mark.django_db

ADA = services.Demographics(
    given_name="Ada",
    family_name="Moreno",
    date_of_birth=dt.date(1971, 3, 4),
    sex="female",
    gp_name="Dr Helen Okafor",
    gp_practice="Riverside Medical Practice",
    gp_address="2 Riverside Walk\nDemo Town",
    gp_email="reception@riverside.example",
)
BACK = [services.ConditionInput("M54.50", 12)]


def _open(doc, patient, referral):
    return services.episode_create(
        actor=actor(doc),
        patient_id=patient.public_id,
        complaint="Low back pain",
        conditions=BACK,
        referral=referral,
    )


def test_the_gp_is_recorded_on_the_patient_and_is_whom_letters_go_to():
    doc = make_practitioner()
    patient = services.patient_create(actor=actor(doc), demographics=ADA)
    episode = _open(doc, patient, services.Referral(source="gp"))
    assert episode.referral_source == ReferralSource.GP
    addressee = episode.addressee
    assert addressee is not None
    assert (addressee.name, addressee.practice, addressee.role) == (
        "Dr Helen Okafor",
        "Riverside Medical Practice",
        "gp",
    )
    assert addressee.address == "2 Riverside Walk\nDemo Town"


def test_a_referring_clinician_is_named_on_the_episode_and_letters_go_to_them():
    doc = make_practitioner()
    patient = services.patient_create(actor=actor(doc), demographics=ADA)
    episode = _open(
        doc,
        patient,
        services.Referral(
            source="clinician",
            name="Dr Ravi Shah",
            practice="Demo Town Pain Service",
            email="pain.service@example.org",
        ),
    )
    assert episode.addressee is not None
    assert (episode.addressee.name, episode.addressee.role) == ("Dr Ravi Shah", "referrer")
    event = AuditEvent.objects.get(object_type="episode", action="create")
    assert event.detail["referral_source"] == "clinician"


def test_a_self_referred_patient_without_a_gp_has_no_addressee():
    doc = make_practitioner()
    episode = make_episode(make_patient(doc))
    assert episode.referral_source == ReferralSource.SELF
    assert episode.addressee is None


@pytest.mark.parametrize(
    ("referral", "field"),
    [
        (services.Referral(source="friend"), "referral_source"),
        (services.Referral(source="clinician"), "referrer_name"),
        (
            services.Referral(source="clinician", name="Dr Shah", email="not-an-address"),
            "referrer_email",
        ),
        (services.Referral(source="self", name="Dr Shah"), "referrer_name"),
        (services.Referral(source="gp", practice="Somewhere"), "referrer_practice"),
    ],
)
def test_a_bad_referral_names_the_field_and_opens_no_episode(referral, field):
    doc = make_practitioner()
    patient = services.patient_create(actor=actor(doc), demographics=ADA)
    with pytest.raises(InputError) as caught:
        _open(doc, patient, referral)
    assert caught.value.field == field
    assert not Episode.objects.filter(patient=patient).exists()


def test_an_unknown_source_lists_the_allowed_values():
    doc = make_practitioner()
    patient = services.patient_create(actor=actor(doc), demographics=ADA)
    with pytest.raises(InputError) as caught:
        _open(doc, patient, services.Referral(source="friend"))
    assert caught.value.allowed == ["self", "gp", "clinician"]


def test_a_gp_referral_needs_a_gp_on_the_patients_details():
    doc = make_practitioner()
    patient = make_patient(doc)
    with pytest.raises(InputError) as caught:
        _open(doc, patient, services.Referral(source="gp"))
    assert caught.value.field == "referral_source"
    assert "no GP" in caught.value.message


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"gp_email": "nobody"}, "gp_email"),
        ({"gp_name": "", "gp_practice": "Riverside"}, "gp_name"),
        ({"gp_name": "x" * 201}, "gp_name"),
    ],
)
def test_bad_gp_details_name_the_field_and_register_nobody(changes, field):
    doc = make_practitioner()
    values = {**ADA.__dict__, **changes}
    with pytest.raises(InputError) as caught:
        services.patient_create(actor=actor(doc), demographics=services.Demographics(**values))
    assert caught.value.field == field
    assert not Patient.objects.exists()


def test_changing_the_referral_is_audited_and_leaving_it_out_keeps_it():
    doc = make_practitioner()
    patient = services.patient_create(actor=actor(doc), demographics=ADA)
    episode = _open(doc, patient, services.Referral(source="gp"))
    changed = services.episode_update(
        actor=actor(doc),
        episode_id=episode.public_id,
        version=episode.version,
        complaint=episode.complaint,
        status=episode.status,
        referral=services.Referral(source="clinician", name="Dr Ravi Shah"),
    )
    assert (changed.referral_source, changed.referrer_name) == ("clinician", "Dr Ravi Shah")
    event = AuditEvent.objects.filter(object_type="episode", action="update").get()
    assert event.detail["referral_fields"] == ["referral_source", "referrer_name"]
    kept = services.episode_update(
        actor=actor(doc),
        episode_id=episode.public_id,
        version=changed.version,
        complaint="Back and leg pain",
        status=episode.status,
    )
    assert (kept.referral_source, kept.referrer_name) == ("clinician", "Dr Ravi Shah")


def _post_json(client, path, body, method="post"):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def test_the_api_reads_and_writes_gp_and_referral_fields():
    doc = make_practitioner()
    client = signed_in(doc)
    created = _post_json(
        client,
        "/api/v1/patients",
        {
            "given_name": "Ada",
            "family_name": "Moreno",
            "date_of_birth": "1971-03-04",
            "gp_name": "Dr Helen Okafor",
            "gp_practice": "Riverside Medical Practice",
            "gp_email": "reception@riverside.example",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["gp_name"], body["gp_practice"]) == (
        "Dr Helen Okafor",
        "Riverside Medical Practice",
    )
    episode = _post_json(
        client,
        f"/api/v1/patients/{body['public_id']}/episodes",
        {
            "complaint": "Low back pain",
            "conditions": [{"icd10": "M54.50"}],
            "referral_source": "clinician",
            "referrer_name": "Dr Ravi Shah",
        },
    )
    assert episode.status_code == 201, episode.content
    out = episode.json()
    assert (out["referral_source"], out["referrer_name"]) == ("clinician", "Dr Ravi Shah")
    changed = _post_json(
        client,
        f"/api/v1/episodes/{out['public_id']}",
        {
            "complaint": "Low back pain",
            "status": "active",
            "version": out["version"],
            "referral": {"referral_source": "gp"},
        },
        method="put",
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["referral_source"], changed.json()["referrer_name"]) == ("gp", "")


def test_the_api_answers_a_bad_referral_with_422_naming_the_field():
    doc = make_practitioner()
    patient = make_patient(doc)
    response = _post_json(
        signed_in(doc),
        f"/api/v1/patients/{patient.public_id}/episodes",
        {
            "complaint": "Low back pain",
            "conditions": [{"icd10": "M54.50"}],
            "referral_source": "clinician",
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "referrer_name"


def test_the_chart_shows_the_gp_and_who_referred_each_episode():
    doc = make_practitioner()
    patient = services.patient_create(actor=actor(doc), demographics=ADA)
    _open(doc, patient, services.Referral(source="clinician", name="Dr Ravi Shah"))
    page = signed_in(doc).get(f"/patients/{patient.public_id}/")
    text = page.content.decode()
    assert "Dr Helen Okafor, Riverside Medical Practice" in text
    assert "Referred by Dr Ravi Shah" in text
    assert "clinician" not in text.replace("Another clinician", "")


def test_the_edit_episode_page_changes_the_referral_and_shows_errors_by_the_field():
    doc = make_practitioner()
    patient = services.patient_create(actor=actor(doc), demographics=ADA)
    episode = _open(doc, patient, services.Referral(source="gp"))
    client = signed_in(doc)
    url = f"/patients/episodes/{episode.public_id}/edit/"
    form = {
        "complaint": "Low back pain",
        "status": "active",
        "version": episode.version,
        "referral_source": "clinician",
    }
    refused = client.post(url, form)
    assert refused.status_code == 422
    assert "Name the clinician who referred the patient." in refused.content.decode()
    saved = client.post(url, {**form, "referrer_name": "Dr Ravi Shah"})
    assert saved.status_code == 302
    episode.refresh_from_db()
    assert episode.referrer_name == "Dr Ravi Shah"
