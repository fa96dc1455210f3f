"""What the patient writes in the portal, in their FHIR record: the answers before a
session (QuestionnaireResponse and score, the patient their author) and the diary days
(pain, sleep, the day's MME as Observations performed by the patient; each medicine a
MedicationStatement). Valid (R4B), references resolving inside the record, after-effects
once (as the session's AdverseEvent), and read in a fixed number of queries however many
days the patient wrote."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from acucare.domain import diary
from acucare.domain.fhir import codes
from acucare.fhir.mapping import record_resources
from acucare.fhir.record_export import summary_html
from acucare.fhir.selectors import load_records
from acucare.kb import registry
from acucare.outcomes.models import BeforeSessionAnswer
from acucare.portal import services as portal_services
from tests.clinic_fixtures import fast_password_hashing
from tests.factories import actor, make_appointment, make_practitioner, signed_in
from tests.fhir.factories import references, validate
from tests.fhir.test_endpoints import assert_self_contained
from tests.portal.factories import make_portal_patient, make_signed_session

__all__ = ["fast_password_hashing"]
pytestmark = pytest.mark.django_db


def write_days(user, session, count: int, *, start: int = 0) -> None:
    """`count` diary days from `start` days after the session's; the session's own day
    with oxycodone, a patch and a bruise, the rest plain."""
    for n in range(start, start + count):
        first = n == 0
        portal_services.diary_record(
            actor=actor(user),
            session_id=session.public_id,
            day=session.date + dt.timedelta(days=n),
            pain=4 + n % 3,
            sleep_hours=6.5,
            sleep_quality=6,
            medicines=[
                diary.MedicineTaken("oxycodone", 10, "mg", 2),
                diary.MedicineTaken("fentanyl", 12, "mcg/h", 1),
            ]
            if first
            else [],
            effects=[diary.AfterEffect("bruising", days=3)] if first else [],
        )


def answer_before(patient, session, *, pain: int) -> BeforeSessionAnswer:
    """The patient's pain (NRS) answered before the next session's appointment."""
    start = timezone.localtime(timezone.now()).replace(hour=10, minute=0, second=0, microsecond=0)
    appointment = make_appointment(patient, start=start)
    return BeforeSessionAnswer.objects.create(
        episode=session.plan.episode,
        appointment=appointment,
        session=2,
        scores={"nrs": {"1": pain}},
        pain=pain,
        kb_version=registry().version,
        created_by=patient.portal_account.user,
    )


@pytest.fixture
def world():
    owner = make_practitioner()
    patient, user = make_portal_patient(owner)
    session = make_signed_session(patient, date=timezone.localdate() - dt.timedelta(days=5))
    return owner, patient, user, session


def resources_of(patient):
    return list(record_resources(next(load_records([patient]))))


def by_type(resources, kind):
    return [r for r in resources if r["resourceType"] == kind]


def test_diary_days_and_answers_validate_and_every_reference_resolves(world):
    _owner, patient, user, session = world
    write_days(user, session, 2)
    answer = answer_before(patient, session, pain=6)
    resources = resources_of(patient)
    for resource in resources:
        validate(resource)
    keys = [f"{r['resourceType']}/{r['id']}" for r in resources]
    assert len(keys) == len(set(keys))
    assert {ref for r in resources for ref in references(r)} - set(keys) == set()
    counted = Counter(r["resourceType"] for r in resources)
    # The session's pain before and after; diary: pain, hours and quality of sleep on
    # two days, the MME on the first; the NRS score of the answers before session 2.
    assert (session.pain_before, session.pain_after) != (None, None)
    charted = (session.pain_before is not None) + (session.pain_after is not None)
    assert counted["Observation"] == charted + 2 * 3 + 1 + 1
    assert counted["MedicationStatement"] == 2
    assert counted["QuestionnaireResponse"] == 1
    # The bruise is the session's AdverseEvent, once: the diary does not repeat it.
    assert counted["AdverseEvent"] == 1
    response = by_type(resources, "QuestionnaireResponse")[0]
    patient_ref = {"reference": f"Patient/{patient.public_id}"}
    assert response["author"] == response["source"] == patient_ref
    episode_ref = {"reference": f"EpisodeOfCare/{session.plan.episode.public_id}"}
    assert response["extension"] == [
        {"url": codes.EPISODE_OF_CARE_EXTENSION, "valueReference": episode_ref}
    ]
    pain = next(o for o in by_type(resources, "Observation") if "derivedFrom" in o)
    assert pain["code"]["coding"][0]["code"] == "72514-3"
    assert pain["performer"] == [patient_ref]
    assert pain["effectiveDateTime"] == timezone.localdate(answer.appointment.start).isoformat()
    assert pain["valueQuantity"]["value"] == 6


def test_a_diary_day_is_reported_by_the_patient_and_coded_only_where_verified(world):
    _owner, patient, user, session = world
    write_days(user, session, 1)
    resources = resources_of(patient)
    patient_ref = {"reference": f"Patient/{patient.public_id}"}
    day = session.date.isoformat()
    mine = [o for o in by_type(resources, "Observation") if o["performer"] == [patient_ref]]
    assert {o["effectiveDateTime"] for o in mine} == {day}
    assert all(o["subject"] == patient_ref for o in mine)
    assert all(o["category"][0]["coding"][0]["code"] == "survey" for o in mine)
    coded = {(c["system"], c["code"]): o for o in mine for c in o["code"]["coding"]}
    assert coded[(codes.LOINC, "72514-3")]["valueInteger"] == 4
    assert coded[(codes.DIARY, "sleep-hours")]["valueQuantity"]["value"] == 6.5
    assert coded[(codes.DIARY, "sleep-hours")]["valueQuantity"]["code"] == "h"
    assert coded[(codes.DIARY, "sleep-quality")]["valueInteger"] == 6
    assert coded[(codes.DIARY, "mme-per-day")]["valueQuantity"]["code"] == "mg/d"
    # No LOINC or SNOMED CT code but the verified pain rating.
    assert {k for k in coded if k[0] in (codes.LOINC, codes.SNOMED)} == {(codes.LOINC, "72514-3")}
    medicines = {
        m["medicationCodeableConcept"]["coding"][0]["code"]: m
        for m in by_type(resources, "MedicationStatement")
    }
    oxycodone = medicines["oxycodone"]
    assert oxycodone["informationSource"] == patient_ref
    assert oxycodone["effectiveDateTime"] == day
    dosage = oxycodone["dosage"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 10
    assert dosage["doseAndRate"][0]["doseQuantity"]["code"] == "mg"
    assert dosage["timing"]["repeat"]["frequency"] == 2
    assert dosage["text"] == "Oxycodone 10 mg, 2 times that day"
    patch = medicines["fentanyl"]["dosage"][0]
    assert patch["doseAndRate"][0]["doseQuantity"]["code"] == "ug/h"
    assert "timing" not in patch


def test_everything_reads_the_same_number_of_queries_however_many_diary_days(world):
    owner, patient, user, session = world
    client = signed_in(owner)
    address = f"/fhir/r4/Patient/{patient.public_id}/$everything"
    client.get(address)  # warm: the session's first request reads the user and clinic

    def read() -> tuple[int, dict[str, int]]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(address)
        assert response.status_code == 200
        assert_self_contained(response.json())
        kinds = Counter(e["resource"]["resourceType"] for e in response.json()["entry"])
        return len(queries), kinds

    write_days(user, session, 1)
    answer_before(patient, session, pain=5)
    one, kinds_one = read()
    write_days(user, session, 4, start=1)
    five, kinds_five = read()
    assert kinds_five["MedicationStatement"] == kinds_one["MedicationStatement"] == 2
    assert kinds_five["Observation"] == kinds_one["Observation"] + 4 * 3
    assert five == one


def test_the_observation_search_includes_what_the_patient_reported(world):
    owner, patient, user, session = world
    write_days(user, session, 1)
    response = signed_in(owner).get(f"/fhir/r4/Observation?patient={patient.public_id}")
    found = [e["resource"] for e in response.json()["entry"]]
    codes_found = {c["code"] for o in found for c in o["code"]["coding"]}
    assert {"72514-3", "sleep-hours", "sleep-quality", "mme-per-day"} <= codes_found


def test_the_archive_summary_lists_the_diary_and_the_answers_before_sessions(world):
    _owner, patient, user, session = world
    write_days(user, session, 1)
    answer_before(patient, session, pain=6)
    html = summary_html(next(load_records([patient])), [])
    assert "The patient&#x27;s diary" in html or "The patient's diary" in html
    assert "Oxycodone 10 mg, 2 times that day; Fentanyl 12 mcg an hour (patch)" in html
    assert f"<td>{session.date:%-d %b %Y}</td><td>4</td><td>6.5</td><td>6</td>" in html
    assert "Before session 2 (patient&#x27;s portal)" in html
    assert "No diary days." not in html
