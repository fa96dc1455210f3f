"""The audit log can be appended to and read, never changed or emptied."""

import pytest
from django.db import DatabaseError, connection, transaction

from acucare.audit.models import AppendOnlyError, AuditEvent
from acucare.audit.services import audit_record
from tests.factories import actor, make_practitioner

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> AuditEvent:
    return audit_record(actor=actor(make_practitioner()), action="read", object_type="patient")


def test_an_event_records_who_what_and_from_where(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_username.startswith("practitioner")
    assert (stored.action, stored.object_type, stored.ip_address) == (
        "read",
        "patient",
        "127.0.0.1",
    )
    assert stored.user_agent == "pytest"
    assert stored.at is not None


def test_saving_an_existing_event_is_refused(event):
    event.action = "update"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "read"


def test_deleting_an_event_is_refused(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_bulk_update_is_refused(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="update")


def test_the_database_refuses_a_raw_update(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'update' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "read"


def test_postgresql_also_refuses_a_raw_delete(event):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's DELETE guard is tested in test_chain (migration audit 0005)")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_no_application_code_updates_or_deletes_audit_rows():
    """Grep the apps: no line outside the audit model both names AuditEvent and
    calls update or delete on it."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "acucare"
    offenders = [
        f"{path}:{number}"
        for path in root.rglob("*.py")
        if "migrations" not in path.parts and path != root / "audit" / "models.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "AuditEvent" in line and any(n in line for n in (".update(", ".delete(", "bulk_update("))
    ]
    assert offenders == []


def test_the_log_page_summarises_long_details():
    event = AuditEvent(detail={"patients": ["a", "b", "c", "d"], "query": "smith"})
    assert event.detail_summary == "patients: 4 items; query: smith"
    assert len(AuditEvent(detail={"q": "x" * 400}).detail_summary) == 240
