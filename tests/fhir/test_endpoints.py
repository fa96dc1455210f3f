"""The read-only FHIR endpoints: Bundles that validate and resolve, audited reads,
OperationOutcome errors."""

from __future__ import annotations

import pytest

from acucare.audit.models import AuditEvent
from tests.factories import make_practitioner, signed_in
from tests.fhir.factories import full_record, references, validate

pytestmark = pytest.mark.django_db


def everything(client, patient):
    response = client.get(f"/fhir/r4/Patient/{patient.public_id}/$everything")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    return response.json()


def assert_self_contained(bundle):
    validate(bundle)
    base = bundle["entry"][0]["fullUrl"].rsplit("/", 2)[0]
    addresses = {e["fullUrl"] for e in bundle["entry"]}
    assert len(addresses) == bundle["total"] == len(bundle["entry"])
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"] == f"{base}/{resource['resourceType']}/{resource['id']}"
        for reference in references(resource):
            assert f"{base}/{reference}" in addresses, reference


def test_everything_is_a_bundle_whose_references_all_resolve_inside_it():
    world = full_record()
    bundle = everything(signed_in(world.practitioner), world.episode.patient)
    assert bundle["type"] == "searchset"
    assert_self_contained(bundle)
    assert bundle["entry"][0]["resource"]["resourceType"] == "Patient"


def test_everything_for_each_demo_patient():
    from acucare.demo.loader import load_demo
    from acucare.patients.models import Patient

    load_demo()
    practitioner_patients = Patient.objects.select_related("primary_practitioner")
    checked = 0
    for patient in practitioner_patients:
        bundle = everything(signed_in(patient.primary_practitioner), patient)
        assert_self_contained(bundle)
        checked += 1
    assert checked >= 5


def test_reads_are_audited_with_what_was_read():
    world = full_record()
    patient = world.episode.patient
    client = signed_in(world.practitioner)
    before = AuditEvent.objects.count()
    bundle = everything(client, patient)
    client.get(f"/fhir/r4/Patient/{patient.public_id}")
    client.get(f"/fhir/r4/Observation?patient=Patient/{patient.public_id}")
    reads = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.patient_id, e.detail["fhir"]) for e in reads] == [
        ("read", patient.public_id, "Patient/$everything"),
        ("read", patient.public_id, "Patient"),
        ("read", patient.public_id, "Observation?patient"),
    ]
    assert reads[0].detail["resources"] == bundle["total"]
    assert reads[0].channel == "api"


def test_observations_of_a_patient():
    world = full_record()
    client = signed_in(world.practitioner)
    response = client.get(f"/fhir/r4/Observation?patient={world.episode.patient.public_id}")
    bundle = response.json()
    validate(bundle)
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {"Observation"}
    assert bundle["total"] == 19


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("", 400, "required"),
        ("?subject=x", 400, "not-supported"),
        ("?patient=x&_format=xml", 400, "not-supported"),
        ("?patient=not-a-uuid", 404, "not-found"),
    ],
)
def test_a_bad_search_is_an_operation_outcome(query, status, code):
    response = signed_in(make_practitioner()).get(f"/fhir/r4/Observation{query}")
    assert response.status_code == status
    outcome = response.json()
    validate(outcome)
    assert outcome["issue"][0]["code"] == code


def test_questionnaires_are_served_for_instruments_whose_wording_ships():
    client = signed_in(make_practitioner())
    response = client.get("/fhir/r4/Questionnaire/gad7")
    assert response.status_code == 200
    questionnaire = validate(response.json())
    assert questionnaire.id == "gad7"
    missing = client.get("/fhir/r4/Questionnaire/peg")  # the clinic must supply PEG's wording
    assert missing.status_code == 404
    assert missing.json()["resourceType"] == "OperationOutcome"


def test_only_reads_are_served():
    client = signed_in(make_practitioner())
    assert client.post("/fhir/r4/Questionnaire/gad7").status_code == 405


def test_the_capability_statement_lists_what_is_served():
    statement = validate(signed_in(make_practitioner()).get("/fhir/r4/metadata").json())
    assert statement.fhirVersion == "4.3.0"
    served = {r.type: r for r in statement.rest[0].resource}
    assert set(served) == {"Patient", "Observation", "Questionnaire"}
    assert served["Patient"].operation[0].name == "everything"
