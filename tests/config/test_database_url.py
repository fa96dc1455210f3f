"""ACUCARE_DATABASE_URL selects SQLite or PostgreSQL."""

from __future__ import annotations

import re

import pytest

from config.database import database_from_url


def test_relative_sqlite_path_is_under_the_project() -> None:
    db = database_from_url("sqlite:///var/demo.sqlite3", "/srv/acucare")
    assert db["ENGINE"] == "config.sqlite_queue"
    assert db["NAME"] == "/srv/acucare/var/demo.sqlite3"


def test_absolute_and_memory_sqlite() -> None:
    assert database_from_url("sqlite:////tmp/a.db", "/x")["NAME"] == "/tmp/a.db"
    assert database_from_url("sqlite:///:memory:", "/x")["NAME"] == ":memory:"


def test_sqlite_writers_queue_instead_of_failing_fast() -> None:
    """Writes take the lock at BEGIN (IMMEDIATE) and wait up to 20 s for it, so a burst
    of saves queues rather than answering "database is locked" after Python's 5 s."""
    options = database_from_url("sqlite:////tmp/a.db", "/x")["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 20


def test_a_sqlite_file_connection_is_kept_between_requests() -> None:
    """Like PostgreSQL's: a connection opened (and closed) per request cost the bare view
    a fifth of its CPU. An in-memory database is one connection's own, so not kept."""
    assert database_from_url("sqlite:////tmp/a.db", "/x")["CONN_MAX_AGE"] == 60
    assert database_from_url("sqlite:///:memory:", "/x")["CONN_MAX_AGE"] == 0


def test_postgres_url_with_credentials() -> None:
    db = database_from_url("postgres://clinic:s%40cret@db.local:6543/acucare", "/x")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "clinic",
        "s@cret",
        "db.local",
        "6543",
        "acucare",
    )


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported scheme 'mysql'"):
        database_from_url("mysql://root@localhost/acucare", "/x")


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path) -> None:
    """Issue 14: the database file was created 0644, readable by every local user."""
    import sqlite3
    import stat

    path = tmp_path / "clinic.sqlite3"
    database_from_url(f"sqlite:///{path}", "/x")
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1)")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for extra in tmp_path.glob("clinic.sqlite3-*"):
        assert stat.S_IMODE(extra.stat().st_mode) == 0o600, extra.name


def test_postgres_prepares_statements_the_server_binds() -> None:
    options = database_from_url("postgres://clinic@db.local/acucare", "/x")["OPTIONS"]
    assert options == {"server_side_binding": True, "prepare_threshold": 5}


def test_prepared_statements_can_be_turned_off_for_a_pooler() -> None:
    db = database_from_url("postgres://clinic@db.local/acucare?prepared_statements=off", "/x")
    assert db["OPTIONS"] == {}
    assert db["NAME"] == "acucare"


def test_sslmode_and_root_certificate_are_passed_to_libpq() -> None:
    url = "postgres://clinic@db.local/acucare?sslmode=verify-full&sslrootcert=/etc/ca.pem"
    options = database_from_url(url, "/x")["OPTIONS"]
    assert options["sslmode"] == "verify-full"
    assert options["sslrootcert"] == "/etc/ca.pem"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sslmod=require", "unknown parameter 'sslmod' (allowed: prepared_statements, sslmode"),
        ("prepared_statements=no", "prepared_statements must be on or off, not 'no'"),
        ("sslmode=required", "sslmode must be one of disable, allow, prefer, require"),
        ("sslmode=verify-full&sslrootcert=", "sslrootcert needs the CA file's path"),
    ],
)
def test_a_bad_postgres_parameter_is_refused_by_name(query, message) -> None:
    """A misspelt sslmode silently ignored would connect without encryption."""
    with pytest.raises(ValueError, match=re.escape(message)):
        database_from_url(f"postgres://clinic@db.local/acucare?{query}", "/x")


def test_a_sqlite_url_with_parameters_is_refused() -> None:
    """Nothing reads them: `?mode=ro` would otherwise open the clinic read-write."""
    with pytest.raises(ValueError, match=re.escape("takes no parameters, not '?mode=ro'")):
        database_from_url("sqlite:////srv/clinic.sqlite3?mode=ro", "/x")
