"""Signed PDFs as FHIR DocumentReference resources: in the record's mapping, in
`$everything` and in the bulk export; each valid (R4B), pointing at its file (type,
size, SHA-1, download address), its signer and episode, and at the version it replaces."""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command

from acucare.documents import storage
from acucare.fhir.mapping import record_resources
from acucare.fhir.selectors import load_records
from tests.factories import signed_in
from tests.fhir.factories import references, signed_course, validate
from tests.fhir.test_endpoints import assert_self_contained, everything

pytestmark = pytest.mark.django_db


def document_references(resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in resources if r["resourceType"] == "DocumentReference"}


def test_each_signed_pdf_is_a_valid_document_reference_to_its_file():
    world, first, second, report = signed_course()
    resources = list(record_resources(next(load_records([world.episode.patient]))))
    for resource in resources:
        validate(resource)
    keys = {f"{r['resourceType']}/{r['id']}" for r in resources}
    assert {ref for r in resources for ref in references(r)} <= keys
    found = document_references(resources)
    assert set(found) == {str(first.public_id), str(second.public_id), str(report.public_id)}
    latest = found[str(second.public_id)]
    data = storage.read(second.sha256)
    attachment = latest["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert attachment["size"] == len(data) == second.size_bytes
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(data).digest()).decode()
    assert attachment["url"] == f"/documents/{second.public_id}/download/"
    assert attachment["title"] == second.title
    assert attachment["creation"] == second.signed_at.isoformat(timespec="seconds")
    assert latest["status"] == "current"
    assert latest["type"]["coding"][0]["code"] == "discharge_summary"
    assert latest["type"]["text"] == "Discharge summary"
    signer = f"Practitioner/{world.practitioner.public_id}"
    assert latest["author"] == [{"reference": signer}]
    assert latest["authenticator"] == {"reference": signer}
    assert latest["subject"] == {"reference": f"Patient/{world.episode.patient.public_id}"}
    assert latest["context"]["encounter"] == [
        {"reference": f"EpisodeOfCare/{world.episode.public_id}"}
    ]
    world.episode.refresh_from_db()
    assert latest["context"]["period"]["start"] == world.episode.started_on.isoformat()
    assert latest["relatesTo"] == [
        {"code": "replaces", "target": {"reference": f"DocumentReference/{first.public_id}"}}
    ]
    assert found[str(first.public_id)]["status"] == "superseded"
    assert "relatesTo" not in found[str(first.public_id)]
    assert found[str(report.public_id)]["type"]["coding"][0]["code"] == "patient_report"


def test_everything_lists_the_documents_with_their_download_address_and_it_serves_the_pdf():
    world, _, second, _ = signed_course()
    client = signed_in(world.practitioner)
    bundle = everything(client, world.episode.patient)
    assert_self_contained(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    assert Counter(r["resourceType"] for r in resources)["DocumentReference"] == 3
    url = document_references(resources)[str(second.public_id)]["content"][0]["attachment"]["url"]
    assert url == f"http://testserver/documents/{second.public_id}/download/"
    download = client.get(url.removeprefix("http://testserver"))
    assert download.status_code == 200
    assert download.content == storage.read(second.sha256)


def test_the_bulk_export_writes_the_document_references(tmp_path):
    world, first, second, report = signed_course()
    out = tmp_path / "export"
    call_command("fhir_export", str(out))
    lines = (out / "DocumentReference.ndjson").read_text(encoding="utf-8").splitlines()
    written = [json.loads(line) for line in lines]
    for resource in written:
        validate(resource)
    assert {r["id"] for r in written} == {
        str(first.public_id),
        str(second.public_id),
        str(report.public_id),
    }
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"type": "DocumentReference", "url": "DocumentReference.ndjson", "count": 3} in (
        manifest["output"]
    )
    practitioners = (out / "Practitioner.ndjson").read_text(encoding="utf-8").splitlines()
    assert [json.loads(p)["id"] for p in practitioners] == [str(world.practitioner.public_id)]


def test_a_damaged_file_is_referenced_without_a_hash(caplog):
    world, _, _, report = signed_course()
    path = storage.path_for(report.sha256)
    path.chmod(0o640)
    path.write_bytes(b"%PDF-1.7 changed")
    resources = list(record_resources(next(load_records([world.episode.patient]))))
    found = document_references(resources)
    damaged = found.pop(str(report.public_id))
    validate(damaged)
    assert "hash" not in damaged["content"][0]["attachment"]
    assert damaged["content"][0]["attachment"]["size"] == report.size_bytes
    assert all("hash" in r["content"][0]["attachment"] for r in found.values())
    assert "does not match" in caplog.text
    assert world.episode.patient.family_name not in caplog.text


def test_documents_cost_two_queries_for_a_whole_batch(django_assert_num_queries):
    world, *_ = signed_course()
    other, *_ = signed_course()
    patients = [world.episode.patient, other.episode.patient]
    # six for the record's rows, two for the portal's, one for the documents, one for
    # their signers
    with django_assert_num_queries(10):
        records = list(load_records(patients))
    assert [len(r.documents) for r in records] == [3, 3]
