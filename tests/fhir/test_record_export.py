"""A patient's full record in one archive, from the chart: the FHIR bundle, a summary to
read and every stored document; audited; practitioners with access only; a background
job when the record is large."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.test import Client

from acucare.audit.models import AuditEvent
from acucare.fhir import record_export
from acucare.jobs.models import RunStatus
from tests.factories import make_practitioner, make_reception, share, signed_in
from tests.fhir.factories import full_record, references, validate

URL = "/fhir/record-export/patients/{}/"


def archive(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.mark.django_db
def test_the_chart_offers_the_export_and_the_archive_holds_the_whole_record():
    world = full_record()
    patient = world.episode.patient
    client = signed_in(world.practitioner)
    chart = client.get(f"/patients/{patient.public_id}/")
    assert b"Export the full record" in chart.content
    response = client.post(URL.format(patient.public_id))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="record-')
    with zipfile.ZipFile(io.BytesIO(response.content)) as zipped:
        assert sorted(zipped.namelist()) == ["README.txt", "record.fhir.json", "summary.html"]
        bundle = json.loads(zipped.read("record.fhir.json"))
        summary = zipped.read("summary.html").decode()
    validate(bundle)
    addresses = {e["fullUrl"] for e in bundle["entry"]}
    base = bundle["entry"][0]["fullUrl"].rsplit("/", 2)[0]
    for entry in bundle["entry"]:
        for reference in references(entry["resource"]):
            assert f"{base}/{reference}" in addresses
    assert f"Record of {patient.full_name}" in summary
    assert "Manual acupuncture. Points: BL23 (both sides), GV3 (midline)." in summary
    assert "Bruising (haematoma) (minor)" in summary
    assert "PHQ-9" in summary
    event = AuditEvent.objects.get(action="export", object_type="patient_record")
    assert event.patient_id == patient.public_id
    assert event.detail["background"] is False


@pytest.mark.django_db
def test_stored_documents_are_put_in_the_archive(monkeypatch):
    world = full_record()
    monkeypatch.setattr(
        record_export, "_FILE_SOURCES", [lambda patient: [("letter.pdf", b"%PDF-1.7 test")]]
    )
    response = signed_in(world.practitioner).post(URL.format(world.episode.patient.public_id))
    with zipfile.ZipFile(io.BytesIO(response.content)) as zipped:
        assert zipped.read("documents/letter.pdf") == b"%PDF-1.7 test"
        assert "letter.pdf" in zipped.read("summary.html").decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("reception", 403), ("stranger", 404)])
def test_only_practitioners_with_access_may_export(who, status):
    world = full_record()
    user = make_reception() if who == "reception" else make_practitioner()
    response = signed_in(user).post(URL.format(world.episode.patient.public_id))
    assert response.status_code == status
    assert not AuditEvent.objects.filter(action="export").exists()
    assert Client().post(URL.format(world.episode.patient.public_id)).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_a_large_record_is_made_in_the_background_and_downloaded_from_the_chart(
    monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(record_export, "INLINE_LIMIT", 3)
    world = full_record()
    patient = world.episode.patient
    colleague = make_practitioner()
    share(patient, colleague)
    client = signed_in(world.practitioner)
    response = client.post(URL.format(patient.public_id))
    assert response.status_code == 302
    chart = client.get(response["Location"])
    assert b"being prepared" in chart.content
    call_command("worker", burst=True)
    runs = list(chart.context["record_export"].runs)
    assert len(runs) == 1
    runs[0].refresh_from_db()
    assert runs[0].status == RunStatus.SUCCEEDED, runs[0].error
    chart = client.get(f"/patients/{patient.public_id}/")
    assert b"Download the archive" in chart.content
    download = f"/fhir/record-export/{runs[0].public_id}/"
    with archive(signed_in(colleague).get(download)) as zipped:
        assert "summary.html" in zipped.namelist()
    assert signed_in(make_practitioner()).get(download).status_code == 404
    assert signed_in(make_reception()).get(download).status_code == 403
    exports = AuditEvent.objects.filter(action="export", object_type="patient_record")
    assert [e.detail.get("downloaded", False) for e in exports.order_by("id")] == [False, True]
