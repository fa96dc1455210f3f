"""Chain the events recorded before the hash chain existed, in the order they were
written; let the chain head follow each insert (a trigger); guard DELETE on SQLite too.

SQLite's DELETE guard asks `acucare_audit_purge_allowed()`, a function the application
registers on each connection (acucare.audit.apps): it answers no unless the test suite
is emptying the database between tests. Any other client (the sqlite3 shell, a script)
does not have the function, so its DELETE fails too.
"""

from django.db import migrations

from acucare.audit.chain import GENESIS, event_hash

SQLITE_NO_UPDATE = """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"""
SQLITE_NO_DELETE = """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
       WHEN NOT acucare_audit_purge_allowed()
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"""


SQLITE_HEAD_FOLLOWS = """CREATE TRIGGER audit_chain_head_follows AFTER INSERT ON audit_auditevent
       WHEN NEW.seq IS NOT NULL
       BEGIN UPDATE audit_auditchainhead SET seq = NEW.seq, row_hash = NEW.row_hash
             WHERE id = 1; END"""
POSTGRES_HEAD_FOLLOWS = [
    """CREATE OR REPLACE FUNCTION audit_chain_head_follows() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE audit_auditchainhead SET seq = NEW.seq, row_hash = NEW.row_hash WHERE id = 1;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER audit_chain_head_follows AFTER INSERT ON audit_auditevent
       FOR EACH ROW WHEN (NEW.seq IS NOT NULL) EXECUTE FUNCTION audit_chain_head_follows()""",
]


def chain_existing(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
    elif vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_change")
    prev = GENESIS
    seq = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        seq += 1
        event.seq = seq
        event.prev_hash = prev
        event.row_hash = event_hash(prev, event)
        AuditEvent.objects.filter(pk=event.pk).update(
            seq=event.seq, prev_hash=event.prev_hash, row_hash=event.row_hash
        )
        prev = event.row_hash
    AuditChainHead.objects.update_or_create(pk=1, defaults={"seq": seq, "row_hash": prev})
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_NO_UPDATE)
        schema_editor.execute(SQLITE_NO_DELETE)
        schema_editor.execute(SQLITE_HEAD_FOLLOWS)
    elif vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_change")
        for statement in POSTGRES_HEAD_FOLLOWS:
            schema_editor.execute(statement)


def unguard_deletes(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_chain_head_follows")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_chain_head_follows ON audit_auditevent")
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_chain_head_follows()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_hash_chain")]

    operations = [migrations.RunPython(chain_existing, unguard_deletes)]
