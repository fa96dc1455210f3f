"""scripts/postgres-roles.sql: the role the application runs as in production cannot
TRUNCATE, DELETE, UPDATE the audit log, nor drop or disable its trigger (issue 14)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection, connections
from psycopg.conninfo import make_conninfo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "postgres-roles.sql"


def _conninfo(role: str | None = None) -> dict[str, str]:
    s = connection.settings_dict
    info = {"dbname": s["NAME"], "host": s["HOST"] or "127.0.0.1", "port": s["PORT"] or "5432"}
    info["user"] = role or s["USER"] or "postgres"
    if s["PASSWORD"] and role is None:
        info["password"] = s["PASSWORD"]
    return info


@pytest.fixture
def roles() -> Iterator[tuple[str, str]]:
    if connection.vendor != "postgresql":
        pytest.skip("the production roles are PostgreSQL roles")
    suffix = uuid.uuid4().hex[:8]
    owner, app = f"acucare_owner_{suffix}", f"acucare_app_{suffix}"
    admin = _conninfo()
    connections.close_all()
    env = {**os.environ, "PGPASSWORD": admin.get("password", "")}
    completed = subprocess.run(
        [
            "psql",
            "-X",
            "-q",
            "-h",
            admin["host"],
            "-p",
            admin["port"],
            "-U",
            admin["user"],
            "-d",
            admin["dbname"],
            "-v",
            f"owner_role={owner}",
            "-v",
            f"app_role={app}",
            "-f",
            str(SCRIPT),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    try:
        yield owner, app
    finally:
        with psycopg.connect(make_conninfo(**admin), autocommit=True) as conn:
            me = admin["user"]
            conn.execute(f'REASSIGN OWNED BY "{owner}" TO "{me}"')
            conn.execute(f'DROP OWNED BY "{owner}"')
            conn.execute(f'DROP OWNED BY "{app}"')
            conn.execute(f'DROP ROLE "{owner}"')
            conn.execute(f'DROP ROLE "{app}"')


REFUSED = (
    "TRUNCATE audit_auditevent",
    "TRUNCATE audit_auditevent CASCADE",
    "DELETE FROM audit_auditevent",
    "UPDATE audit_auditevent SET action = 'read'",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_change",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_event_no_change ON audit_auditevent",
    "DROP TABLE audit_auditevent CASCADE",
    "DROP FUNCTION audit_event_append_only() CASCADE",
    "DELETE FROM audit_auditverification",
    "TRUNCATE audit_auditchainhead",
    "CREATE TABLE sneaky (id int)",
)


def test_the_app_role_cannot_empty_or_unguard_the_audit_log_but_still_works(roles):
    """One set-up (the script takes seconds), every statement tried on its own."""
    _owner, app = roles
    allowed = []
    with psycopg.connect(make_conninfo(**_conninfo(app)), autocommit=True) as conn:
        for statement in REFUSED:
            try:
                conn.execute(statement)
            except psycopg.errors.InsufficientPrivilege:
                continue
            allowed.append(statement)
        conn.execute("SELECT count(*) FROM audit_auditevent").fetchone()
        conn.execute("SELECT count(*) FROM patients_patient").fetchone()
        conn.execute("UPDATE audit_auditchainhead SET seq = seq")
        conn.execute("DELETE FROM django_session")
    assert allowed == []
