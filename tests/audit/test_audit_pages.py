"""The clinic admin's audit log page and CSV export."""

import csv
import io

import pytest

from acucare.audit.models import AuditEvent
from acucare.audit.services import audit_record
from tests.factories import (
    actor,
    make_admin,
    make_patient,
    make_practitioner,
    make_reception,
    signed_in,
)

pytestmark = pytest.mark.django_db


def export(client, query=""):
    response = client.get(f"/admin/audit/export.csv{query}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="acucare-audit-')
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_log_lists_reads_and_writes_and_filters_by_patient():
    doc = make_practitioner()
    one, two = make_patient(doc), make_patient(doc)
    viewer = signed_in(doc)
    viewer.get(f"/patients/{one.public_id}/")
    viewer.get(f"/patients/{two.public_id}/")
    admin = signed_in(make_admin())
    page = admin.get(f"/admin/audit/?patient_id={one.public_id}").content.decode()
    assert "1 event" in page
    assert doc.username in page
    everything = admin.get("/admin/audit/?action=read").content.decode()
    assert "2 events" in everything


def test_csv_export_has_one_row_per_event_and_is_itself_audited():
    doc = make_practitioner()
    patient = make_patient(doc)
    signed_in(doc).get(f"/patients/{patient.public_id}/")
    rows = export(signed_in(make_admin()), f"?patient_id={patient.public_id}")
    assert rows[0] == [
        "at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "patient_id",
        "ip_address",
        "channel",
        "user_agent",
        "detail",
    ]
    assert len(rows) == 2
    assert rows[1][1:4] == [doc.username, "read", "patient"]
    assert rows[1][5] == str(patient.public_id)
    assert AuditEvent.objects.filter(action="export", object_type="audit_log").count() == 1


def test_spreadsheet_formulas_in_cells_are_neutralised():
    doc = make_practitioner()
    audit_record(actor=actor(doc), action="read", object_type="patient", detail={"q": "x"})
    AuditEvent.objects.create(
        actor=None,
        actor_username='=HYPERLINK("http://evil")',
        action="login_failed",
        object_type="user",
    )
    rows = export(signed_in(make_admin()), "?action=login_failed")
    assert rows[1][1].startswith("'=")


@pytest.mark.parametrize("maker", [make_practitioner, make_reception])
def test_only_the_admin_reads_the_log(maker):
    client = signed_in(maker())
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403


def test_probing_another_practitioners_patient_is_audited_on_pages_and_api():
    owner, stranger = make_practitioner(), make_practitioner()
    patient = make_patient(owner)
    client = signed_in(stranger)
    assert client.get(f"/patients/{patient.public_id}/").status_code == 404
    assert client.get(f"/api/v1/patients/{patient.public_id}").status_code == 404
    refused = AuditEvent.objects.filter(action="denied", actor=stranger).order_by("id")
    assert [(e.channel, e.detail["status"], e.object_id) for e in refused] == [
        ("web", 404, patient.public_id),
        ("api", 404, patient.public_id),
    ]
    # The probe left no read event.
    assert not AuditEvent.objects.filter(action="read", patient_id=patient.public_id).exists()


def test_reception_asking_for_clinical_content_is_audited():
    doc, desk = make_practitioner(), make_reception()
    patient = make_patient(doc)
    assert signed_in(desk).get(f"/patients/{patient.public_id}/episodes/new/").status_code == 403
    event = AuditEvent.objects.get(action="denied")
    assert (event.actor, event.detail["status"], event.object_id) == (desk, 403, patient.public_id)


def test_a_refused_write_leaves_the_refusal_but_no_change():
    import json

    owner, stranger = make_practitioner(), make_practitioner()
    patient = make_patient(owner)
    response = signed_in(stranger).post(
        f"/api/v1/patients/{patient.public_id}/episodes",
        data=json.dumps({"complaint": "x", "conditions": [{"icd10": "M54.50"}]}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["denied"]


def test_a_malformed_filter_shows_its_error_and_exports_nothing():
    doc = make_practitioner()
    signed_in(doc).get(f"/patients/{make_patient(doc).public_id}/")
    admin = signed_in(make_admin())
    page = admin.get("/admin/audit/?patient_id=not-a-uuid")
    assert page.status_code == 422
    assert 'id="id_patient_id_error"' in page.content.decode()
    assert "0 events" in page.content.decode()
    export = admin.get("/admin/audit/export.csv?patient_id=not-a-uuid")
    assert export.status_code == 422
    assert not AuditEvent.objects.filter(action="export").exists()


def test_viewing_the_log_is_itself_audited():
    admin = make_admin()
    signed_in(admin).get("/admin/audit/?action=read")
    seen = AuditEvent.objects.get(object_type="audit_log", action="list")
    assert seen.actor_username == admin.username
    assert seen.detail["filters"] == {"action": "read"}
