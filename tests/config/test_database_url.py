"""ACUCARE_DATABASE_URL selects SQLite or PostgreSQL."""

from __future__ import annotations

import pytest

from config.database import database_from_url


def test_relative_sqlite_path_is_under_the_project() -> None:
    db = database_from_url("sqlite:///var/demo.sqlite3", "/srv/acucare")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
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
