"""The audit log's hash chain: `audit_verify` proves it unbroken, or names the first
event that was altered, removed or inserted (issue 14)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.test import Client

from acucare.audit.chain import GENESIS
from acucare.audit.models import AuditEvent, AuditVerification
from acucare.audit.services import audit_record, audit_verify_run
from tests.factories import actor, make_admin, make_patient, make_practitioner, signed_in

pytestmark = pytest.mark.django_db


@contextmanager
def tampering() -> Iterator[None]:
    """What an attacker with the database owner's rights could do: lift the guards.
    The test's transaction restores them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_change")
    yield


def _events(n: int) -> list[AuditEvent]:
    who = actor(make_practitioner())
    return [
        audit_record(actor=who, action="read", object_type="patient", detail={"n": i, "x": 1.0})
        for i in range(n)
    ]


def _verify() -> str:
    try:
        call_command("audit_verify", "--no-record", stdout=(out := _Buffer()))
    except CommandError as error:
        return f"BROKEN {error}"
    return out.text


class _Buffer:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_each_event_carries_the_hash_of_the_one_before():
    events = [AuditEvent.objects.get(pk=e.pk) for e in _events(3)]
    first = events[0].seq
    assert first is not None
    assert [e.seq for e in events] == [first, first + 1, first + 2]
    assert events[1].prev_hash == events[0].row_hash
    assert events[2].prev_hash == events[1].row_hash
    assert all(len(e.row_hash) == 64 and e.row_hash != GENESIS for e in events)


def test_an_untouched_log_verifies():
    _events(5)
    assert _verify().startswith("Audit chain OK")


def test_an_altered_row_is_named():
    events = _events(5)
    with tampering(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_username = 'someone_else' WHERE id = %s",
            [events[2].pk],
        )
    report = _verify()
    assert report.startswith("BROKEN")
    assert f"Event {events[2].seq} was altered" in report
    assert str(events[2].public_id) in report


def test_a_removed_row_is_named():
    events = _events(5)
    with tampering(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    report = _verify()
    assert f"event {events[1].seq} was removed" in report


def test_removing_the_newest_rows_is_noticed():
    events = _events(4)
    with tampering(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id >= %s", [events[2].pk])
    report = _verify()
    assert "BROKEN" in report
    assert "the newest 2 event(s) were removed" in report


def test_an_inserted_row_is_named():
    _events(2)
    forged = uuid.uuid4()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (public_id, at, actor_username, action, object_type,"
            " user_agent, channel, detail, prev_hash, row_hash)"
            " VALUES (%s, CURRENT_TIMESTAMP, 'x', 'read', 'patient', '', 'web', '{}', '', '')",
            [forged.hex if connection.vendor == "sqlite" else str(forged)],
        )
    report = _verify()
    assert "BROKEN" in report
    assert "inserted outside the application" in report


def test_a_rewritten_chain_is_caught_by_the_last_verification():
    events = _events(3)
    assert audit_verify_run().ok
    # Rebuild the whole chain from scratch after changing a row: internally consistent,
    # but event 3 no longer has the hash the last verification saw.
    from acucare.audit.chain import event_hash

    with tampering(), connection.cursor() as cursor:
        prev = GENESIS
        for event in AuditEvent.objects.order_by("seq"):
            if event.pk == events[0].pk:
                event.actor_username = "forger"
            event.prev_hash = prev
            event.row_hash = event_hash(prev, event)
            cursor.execute(
                "UPDATE audit_auditevent SET actor_username=%s, prev_hash=%s, row_hash=%s"
                " WHERE id=%s",
                [event.actor_username, event.prev_hash, event.row_hash, event.pk],
            )
            prev = event.row_hash
    result = audit_verify_run()
    assert not result.ok
    assert "rewritten" in result.message


def test_sqlite_refuses_a_raw_delete(settings):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's guard is tested in test_append_only")
    event = _events(1)[0]
    settings.ACUCARE_AUDIT_ALLOW_PURGE = False
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_admin_sees_the_last_verification():
    _events(2)
    audit_verify_run()
    page = signed_in(make_admin()).get("/admin/audit/").content.decode()
    assert "Integrity check" in page
    assert "unbroken" in page
    assert AuditVerification.objects.count() == 1


# The queue hears of a run when its transaction commits, so these tests commit.
@pytest.mark.django_db(transaction=True)
def test_the_daily_job_is_queued_once_a_day_and_the_worker_verifies_and_records():
    import datetime as dt
    import io

    from acucare.audit.tasks import enqueue_daily_audit_verify
    from acucare.jobs.models import JobRun, RunStatus

    _events(2)
    out = io.StringIO()
    call_command("audit_verify", "--enqueue", stdout=out)
    assert "daily audit verification audit-verify:" in out.getvalue()
    # The timer firing again the same day queues nothing new.
    call_command("audit_verify", "--enqueue", stdout=io.StringIO())
    assert JobRun.objects.count() == 1
    assert AuditVerification.objects.count() == 0
    call_command("worker", burst=True)
    run = JobRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.result is not None
    assert run.result["ok"] is True
    assert AuditVerification.objects.get().ok
    # Another day is another run.
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert enqueue_daily_audit_verify(tomorrow).pk != run.pk


@pytest.mark.django_db(transaction=True)
def test_the_daily_job_records_a_broken_chain_without_retrying():
    from acucare.audit.tasks import enqueue_daily_audit_verify
    from acucare.jobs.models import RunStatus

    events = _events(4)
    with tampering(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    run = enqueue_daily_audit_verify()
    call_command("worker", burst=True)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.attempts == 1
    assert run.result is not None
    assert run.result["ok"] is False
    assert f"event {events[1].seq} was removed" in str(run.result["message"])
    assert not AuditVerification.objects.get().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_requests_never_fork_the_chain():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race needs PostgreSQL")
    doc = make_practitioner()
    patient = make_patient(doc)
    clients = [signed_in(doc) for _ in range(8)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def read(client: Client) -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(3):
                statuses.append(client.get(f"/patients/{patient.public_id}/").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=read, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 24
    result = audit_verify_run(record=False)
    assert result.ok, result.message
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    _wait_for_other_sessions()


def _wait_for_other_sessions() -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if int(cursor.fetchone()[0]) == 0:
                return
        time.sleep(0.05)
