"""The clinic record as FHIR R4: every resource valid against the R4B models, coded from
public code systems, and referring only to resources of the same record."""

from __future__ import annotations

from collections import Counter

import pytest

from acucare.domain.fhir import codes
from acucare.fhir.mapping import needling_summary, record_resources
from acucare.fhir.selectors import load_records
from acucare.kb import registry
from acucare.kb.records.citations import Citation
from tests.fhir.factories import full_record, references, validate
from tests.treatment.factories import make_session

pytestmark = pytest.mark.django_db


def resources_of(world):
    return list(record_resources(next(load_records([world.episode.patient]))))


def test_every_resource_validates_and_every_reference_resolves():
    resources = resources_of(full_record())
    for resource in resources:
        validate(resource)
    keys = [f"{r['resourceType']}/{r['id']}" for r in resources]
    assert len(keys) == len(set(keys)), "each resource once"
    unresolved = {ref for r in resources for ref in references(r)} - set(keys)
    assert unresolved == set()
    assert Counter(r["resourceType"] for r in resources) == {
        "Patient": 1,
        "Practitioner": 1,
        "EpisodeOfCare": 1,
        "Condition": 1,
        "CarePlan": 1,
        "Encounter": 7,
        "Procedure": 7,
        # 14 session pain ratings; PEG and NRS at baseline; PEG, PHQ-9 and PGIC at review
        "Observation": 19,
        "QuestionnaireResponse": 4,
        "AdverseEvent": 1,
    }


def test_the_record_is_read_in_a_fixed_number_of_queries(django_assert_num_queries):
    world = full_record()
    patient = world.episode.patient
    # six for the record's rows, two for the portal's (before-session answers, diary
    # days), one for its documents (none: no query for signers)
    with django_assert_num_queries(9):
        resources = list(record_resources(next(load_records([patient]))))
    assert len(resources) == 43


def by_type(resources, kind):
    return [r for r in resources if r["resourceType"] == kind]


def test_codes_come_from_public_code_systems():
    resources = resources_of(full_record())
    condition = by_type(resources, "Condition")[0]
    assert condition["code"]["coding"][0]["system"] == codes.ICD10CM
    assert condition["code"]["coding"][0]["code"] == "M54.50"
    procedure = by_type(resources, "Procedure")[0]
    assert procedure["code"]["coding"] == [
        {"system": "http://snomed.info/sct", "code": "44868003", "display": "Acupuncture"}
    ]
    loinc = {
        c["code"]
        for o in by_type(resources, "Observation")
        for c in o["code"]["coding"]
        if c["system"] == codes.LOINC
    }
    assert loinc == {"72514-3", "44261-6"}  # pain NRS and PHQ-9; PEG has no verified code
    peg = next(
        o for o in by_type(resources, "Observation") if o["code"]["coding"][0]["code"] == "peg"
    )
    assert peg["valueQuantity"]["value"] == 7.0  # the baseline: mean of 7, 6, 8


def test_the_snomed_code_cites_a_source_in_the_bibliography():
    assert codes.ACUPUNCTURE.citation in registry().of(Citation)


def test_the_needling_extension_carries_points_needle_and_electro_pairs():
    resources = resources_of(full_record())
    electro = by_type(resources, "Procedure")[-1]
    extension = electro["extension"][0]
    assert extension["url"] == codes.NEEDLING_EXTENSION
    parts = [e["url"] for e in extension["extension"]]
    assert parts.count("point") == 2
    assert "needle" in parts
    assert "electroPair" in parts
    pair = next(e for e in extension["extension"] if e["url"] == "electroPair")
    assert {"url": "frequencyHz", "valueDecimal": 2.0} in pair["extension"]
    assert [s["coding"][0]["code"] for s in electro["bodySite"]] == ["BL23", "BL25"]
    note = electro["note"][0]["text"]
    assert "Electrical stimulation BL23 left to BL25 left: 2 Hz" in note


def test_the_summary_reads_as_words():
    world = full_record()
    text = needling_summary(world.sessions[0])
    assert text.startswith("Manual acupuncture. Points: BL23 (both sides), GV3 (midline).")
    assert "Needles 0.25 × 40 mm, stainless steel." in text
    assert "retained 20 minutes" in text


def test_questionnaire_responses_point_at_the_questionnaire_and_the_score_at_its_answers():
    resources = resources_of(full_record())
    responses = {r["id"]: r for r in by_type(resources, "QuestionnaireResponse")}
    phq9 = next(r for r in responses.values() if "/phq9|" in r["questionnaire"])
    assert phq9["questionnaire"] == f"{codes.QUESTIONNAIRE_BASE}/phq9|1"
    assert [i["linkId"] for i in phq9["item"]] == [str(n) for n in range(1, 10)]
    scored = [o for o in by_type(resources, "Observation") if "derivedFrom" in o]
    assert {o["derivedFrom"][0]["reference"].split("/")[1] for o in scored} == set(responses)


def test_the_adverse_event_names_the_session_that_caused_it():
    resources = resources_of(full_record())
    event = by_type(resources, "AdverseEvent")[0]
    seventh = by_type(resources, "Procedure")[-1]  # the factory's session charts a bruise
    assert event["suspectEntity"][0]["instance"]["reference"] == f"Procedure/{seventh['id']}"
    assert event["seriousness"]["coding"][0]["code"] == "non-serious"
    assert event["event"]["text"] == "Bruising (haematoma)"


def test_ids_are_stable_from_one_read_to_the_next():
    world = full_record()
    first = [r["id"] for r in resources_of(world)]
    assert [r["id"] for r in resources_of(world)] == first


def test_a_jiaji_level_and_a_cupping_kind_are_exported():
    """Issue 9: EX-B2 at T4 and at L4 are different needles; dry and wet cupping differ."""
    world = full_record()
    make_session(
        world.plan,
        points=[{"code": "EX-B2", "side": "left", "level": "L4"}],
        needles_in=1,
        needles_out=1,
        co_interventions=[{"kind": "cupping", "detail": "", "cupping_kind": "dry"}],
    )
    procedure = by_type(resources_of(world), "Procedure")[-1]
    point = next(e for e in procedure["extension"][0]["extension"] if e["url"] == "point")
    assert {"url": "level", "valueCode": "L4"} in point["extension"]
    assert procedure["usedCode"] == [{"text": "dry cupping"}]
    validate(procedure)
