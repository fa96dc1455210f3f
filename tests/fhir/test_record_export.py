"""A patient's full record in one archive, from the chart: the FHIR bundle, a summary to
read and every stored document; audited; practitioners with access only; a background
job when the record is large."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.test import Client
from pypdf import PdfReader

from acucare.audit.models import AuditEvent
from acucare.documents import storage
from acucare.fhir.jobs import record_export as record_export_job
from acucare.jobs.models import JobRun, RunStatus
from tests.factories import make_practitioner, make_reception, share, signed_in
from tests.fhir.factories import full_record, references, signed_course, validate

URL = "/fhir/record-export/patients/{}/"


def archive(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def exported(client, patient) -> zipfile.ZipFile:
    """Export from the chart, run the queued job as a worker would, download it."""
    response = client.post(URL.format(patient.public_id))
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.public_id}/"
    run = JobRun.objects.get(key__startswith=f"record-export:{patient.public_id}:")
    record_export_job.call(str(run.public_id))
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    download = client.get(f"/fhir/record-export/{run.public_id}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="record-')
    return archive(download)


@pytest.mark.django_db
def test_the_chart_offers_the_export_and_the_archive_holds_the_whole_record():
    world = full_record()
    patient = world.episode.patient
    client = signed_in(world.practitioner)
    chart = client.get(f"/patients/{patient.public_id}/")
    assert b"Export the full record" in chart.content
    with exported(client, patient) as zipped:
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
    events = AuditEvent.objects.filter(action="export", object_type="patient_record")
    assert [e.patient_id for e in events] == [patient.public_id] * 2  # made, downloaded
    assert events.order_by("id")[0].detail["documents"] == 0


@pytest.mark.django_db
def test_every_stored_pdf_is_in_the_archive_as_signed(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world, first, second, report = signed_course()
    patient = world.episode.patient
    with exported(signed_in(world.practitioner), patient) as zipped:
        pdfs = {n: zipped.read(n) for n in zipped.namelist() if n.startswith("documents/")}
        summary = zipped.read("summary.html").decode()
        bundle = json.loads(zipped.read("record.fhir.json"))
    assert len(pdfs) == 3
    by_hash = {hashlib.sha256(data).hexdigest(): name for name, data in pdfs.items()}
    assert set(by_hash) == {first.sha256, second.sha256, report.sha256}
    for name, data in pdfs.items():
        reader = PdfReader(io.BytesIO(data))
        text = " ".join(page.extract_text() for page in reader.pages)
        assert patient.family_name in text, name
    metadata = PdfReader(io.BytesIO(pdfs[by_hash[second.sha256]])).metadata
    assert metadata is not None
    assert str(metadata.title).startswith("Discharge summary")
    assert f'href="{by_hash[second.sha256]}"' in summary
    assert "(replaced by a later version)" in summary
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("DocumentReference") == 3
    exports = AuditEvent.objects.filter(action="export", object_type="patient_record")
    made = exports.order_by("id").first()
    assert made is not None
    assert made.detail["documents"] == 3


@pytest.mark.django_db
def test_a_damaged_pdf_is_listed_but_not_put_in_the_archive(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world, _, _, report = signed_course()
    path = storage.path_for(report.sha256)
    path.chmod(0o640)
    path.write_bytes(b"%PDF-1.7 changed")
    with exported(signed_in(world.practitioner), world.episode.patient) as zipped:
        names = [n for n in zipped.namelist() if n.startswith("documents/")]
        summary = zipped.read("summary.html").decode()
    assert len(names) == 2
    assert not any(name.startswith("documents/progress-report-for-the-patient") for name in names)
    assert "Not included: the stored file is missing or does not match" in summary


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
def test_the_archive_is_made_by_the_worker_and_downloaded_from_the_chart(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
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


@pytest.mark.django_db
def test_the_chart_reads_only_the_columns_it_lists_of_the_archives():
    """The chart's list of archives shows each one's date, state, progress and link: the
    job's parameters, result and error are not read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_patient

    doc = make_practitioner()
    patient = make_patient(doc)
    JobRun.objects.create(
        key=f"record-export:{patient.public_id}:202612060800",
        task_path="acucare.fhir.jobs.record_export",
        params={"patient": str(patient.public_id)},
        status=RunStatus.RUNNING,
        progress_done=2,
        progress_total=5,
    )
    with CaptureQueriesContext(connection) as read:
        chart = signed_in(doc).get(f"/patients/{patient.public_id}/")
    assert "being prepared (2 of 5 steps)" in chart.content.decode()
    (sql,) = [q["sql"] for q in read.captured_queries if 'FROM "jobs_jobrun"' in q["sql"]]
    for column in ("params", "result", "error", "task_path", "progress_message"):
        assert f'"jobs_jobrun"."{column}"' not in sql
