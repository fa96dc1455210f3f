"""Refuse UPDATE (and on PostgreSQL, DELETE) of audit rows in the database itself, so
that not even a raw SQL statement from the application changes the log.

SQLite gets an UPDATE guard only: Django's test-database flush empties SQLite tables
with DELETE, which a DELETE trigger would abort. On PostgreSQL the flush uses TRUNCATE,
which row-level triggers do not see, so DELETE is guarded there too. The model and its
queryset refuse both on every database.
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_event_no_update"]

POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
       END $$""",
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_append_only_audit_events")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
