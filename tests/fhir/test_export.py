"""`manage.py fhir_export DIR`: Bulk Data NDJSON, one file per type, one resource a line,
each valid; streamed in batches; also a background job with progress."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from acucare.audit.models import AuditEvent
from acucare.fhir.export import export_ndjson
from acucare.fhir.jobs import enqueue_fhir_export
from acucare.jobs.models import RunStatus
from tests.factories import make_patient
from tests.fhir.factories import full_record, references, validate


def read(folder: Path) -> dict[str, list[dict[str, Any]]]:
    return {
        path.stem: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for path in sorted(folder.glob("*.ndjson"))
    }


@pytest.mark.django_db
def test_every_line_is_one_valid_resource_of_its_files_type(tmp_path, capsys):
    world = full_record()
    make_patient(world.practitioner)  # a second patient, with no episode
    call_command("fhir_export", str(tmp_path))
    files = read(tmp_path)
    assert sorted(files) == [
        "AdverseEvent",
        "CarePlan",
        "Condition",
        "Encounter",
        "EpisodeOfCare",
        "Observation",
        "Patient",
        "Practitioner",
        "Procedure",
        "QuestionnaireResponse",
    ]
    ids = set()
    for kind, resources in files.items():
        for resource in resources:
            assert resource["resourceType"] == kind
            validate(resource)
            ids.add(f"{kind}/{resource['id']}")
    assert len(files["Patient"]) == 2
    assert len(files["Practitioner"]) == 1  # once, however many records name them
    assert {r for rs in files.values() for res in rs for r in references(res)} <= ids
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {o["type"]: o["count"] for o in manifest["output"]} == {
        k: len(v) for k, v in files.items()
    }
    assert not list(tmp_path.glob("*.part"))
    out = capsys.readouterr().out
    assert "2 patients" in out
    event = AuditEvent.objects.filter(action="export", object_type="fhir_export").get()
    assert event.detail == {"patients": 2, "resources": len(ids)}


@pytest.mark.django_db
def test_one_patient_and_an_unknown_one(tmp_path):
    world = full_record()
    other = make_patient(world.practitioner)
    call_command("fhir_export", str(tmp_path), "--patient", str(other.public_id))
    files = read(tmp_path)
    # The earlier files of types this export has none of are gone: one export per folder.
    assert sorted(files) == ["Patient", "Practitioner"]
    assert files["Patient"][0]["id"] == str(other.public_id)
    with pytest.raises(CommandError, match="--patient"):
        call_command("fhir_export", str(tmp_path), "--patient", "not-a-uuid")
    with pytest.raises(CommandError, match="--patient"):
        call_command(
            "fhir_export", str(tmp_path), "--patient", "00000000-0000-0000-0000-000000000000"
        )


@pytest.mark.django_db
def test_the_export_reads_in_batches_and_reports_progress(tmp_path, django_assert_max_num_queries):
    world = full_record()
    for _ in range(4):
        make_patient(world.practitioner)
    seen = []
    # The count; per batch of two patients at most ten reads (patients, episodes,
    # conditions, plans, sessions, events, measurements, before-session answers, diary
    # days, documents), whatever the record's size; the empty read that ends it; the
    # audit row. A read per session would exceed it.
    with django_assert_max_num_queries(1 + 3 * 10 + 1 + 4):
        summary = export_ndjson(
            tmp_path, batch_size=2, progress=lambda done, total: seen.append((done, total))
        )
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert summary.patients == 5


@pytest.mark.django_db(transaction=True)
def test_the_export_runs_as_a_background_job_with_progress(tmp_path):
    world = full_record()
    run = enqueue_fhir_export(directory=tmp_path, patient_id=world.episode.patient.public_id)
    assert (
        enqueue_fhir_export(directory=tmp_path, patient_id=world.episode.patient.public_id) == run
    )
    call_command("worker", burst=True)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.result is not None
    assert run.result["patients"] == 1
    assert (run.progress_done, run.progress_total) == (1, 1)
    assert (tmp_path / "Procedure.ndjson").is_file()
