"""Refuse UPDATE (and on PostgreSQL, DELETE) of signed documents in the database itself,
as the audit log does (audit migration 0002): a signed document is superseded by a new
row, never changed. SQLite gets the UPDATE guard only, because Django's test-database
flush empties SQLite tables with DELETE; the model and its queryset refuse both
everywhere."""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER document_no_update BEFORE UPDATE ON documents_document
       BEGIN SELECT RAISE(ABORT, 'signed documents cannot be changed'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS document_no_update"]

POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION document_signed_unchanged() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'signed documents cannot be changed' USING ERRCODE = 'insufficient_privilege';
       END $$""",
    """CREATE TRIGGER document_no_change BEFORE UPDATE OR DELETE ON documents_document
       FOR EACH ROW EXECUTE FUNCTION document_signed_unchanged()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS document_no_change ON documents_document",
    "DROP FUNCTION IF EXISTS document_signed_unchanged()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_signed_documents")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
