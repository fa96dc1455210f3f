"""Backup and restore: a clinic is backed up, wiped and restored, and every table, row and
stored document comes back; damaged, wrongly keyed or misdirected restores write nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from acucare.jobs.models import RunStatus
from acucare.operations.backup import (
    MAGIC,
    BackupError,
    create_backup,
    generate_key,
    parse_key,
    restore_backup,
    table_names,
)
from acucare.operations.jobs import archive_name, enqueue_scheduled_backup, prune_backups
from tests.clinic_fixtures import fast_password_hashing

__all__ = ["fast_password_hashing"]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def schema_back_afterwards(transactional_db: None) -> Iterator[None]:
    """A test that wipes the database and does not restore it leaves the schema for the
    next one (the test database is shared by the session)."""
    yield
    if "django_migrations" not in table_names():
        call_command("migrate", verbosity=0, interactive=False)


@pytest.fixture
def documents(tmp_path: Path, settings: Any) -> Path:
    folder = tmp_path / "documents"
    (folder / "exports").mkdir(parents=True)
    (folder / "exports" / "report.csv").write_text("month,sessions\n2026-11,42\n")
    (folder / "letter.pdf").write_bytes(bytes(range(256)) * 50)
    settings.MEDIA_ROOT = folder
    return folder


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, as text, in a stable order."""
    quote = connection.ops.quote_name
    tables: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in table_names():
            cursor.execute(f"SELECT * FROM {quote(table)}")
            tables[table] = sorted(repr(row) for row in cursor.fetchall())
    return tables


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def wipe_database() -> None:
    """Leave the database with no tables at all, as a new one would be."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in table_names():
                cursor.execute(f'DROP TABLE "{table}"')
            cursor.execute("PRAGMA foreign_keys = ON")
    assert table_names() == []


def make_clinic() -> None:
    """The demo clinic: staff, twenty patients at every stage, their audit trail."""
    call_command("load_demo", stdout=io.StringIO())


def make_small_clinic() -> None:
    from tests.factories import make_episode, make_patient, make_practitioner

    practitioner = make_practitioner()
    for _ in range(3):
        make_episode(make_patient(practitioner))


@pytest.mark.parametrize("encrypted", [True, False], ids=["encrypted", "plain"])
def test_a_clinic_backed_up_wiped_and_restored_is_the_same_clinic(
    tmp_path: Path, documents: Path, encrypted: bool
) -> None:
    make_clinic()
    before = snapshot()
    assert sum(map(len, before.values())) > 100
    saved_files = files(documents)
    key = parse_key(generate_key()) if encrypted else None
    archive = tmp_path / "clinic.backup"

    summary = create_backup(archive, key=key)
    assert summary.encrypted is encrypted
    assert summary.documents == 2
    assert (archive.stat().st_mode & 0o777) == 0o600
    assert archive.read_bytes().startswith(MAGIC) is encrypted

    wipe_database()
    for path in list(documents.rglob("*"))[::-1]:
        path.unlink() if path.is_file() else path.rmdir()

    counts = restore_backup(archive, key=key)
    assert counts == {table: len(rows) for table, rows in before.items()}
    assert snapshot() == before
    assert files(documents) == saved_files
    # The restored clinic works: its audit trail still verifies where it is chained.
    from django.core.management import get_commands

    if "audit_verify" in get_commands():
        call_command("audit_verify", stdout=io.StringIO())


def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(
    tmp_path: Path, documents: Path
) -> None:
    make_small_clinic()
    archive = tmp_path / "clinic.backup"
    create_backup(archive)
    before = snapshot()
    with pytest.raises(BackupError, match="the database is not empty"):
        restore_backup(archive)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("wrong key", "wrong key, or the file was changed"),
        ("flipped byte", "wrong key, or the file was changed"),
        ("cut short", "cut short"),
        ("no key", "this backup is encrypted"),
    ],
)
def test_a_damaged_or_wrongly_keyed_archive_is_refused_before_anything_is_written(
    tmp_path: Path, documents: Path, damage: str, message: str
) -> None:
    make_small_clinic()
    key = parse_key(generate_key())
    archive = tmp_path / "clinic.backup"
    create_backup(archive, key=key)
    data = bytearray(archive.read_bytes())
    use_key: bytes | None = key
    if damage == "wrong key":
        use_key = parse_key(generate_key())
    elif damage == "flipped byte":
        data[len(data) // 2] ^= 0x01
    elif damage == "cut short":
        data = data[: len(data) - 100]
    else:
        use_key = None
    archive.write_bytes(bytes(data))
    wipe_database()
    with pytest.raises(BackupError, match=message):
        restore_backup(archive, key=use_key)
    assert table_names() == []


def test_an_archive_of_another_engine_or_not_an_archive_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a tar file at all")
    with pytest.raises(BackupError, match="cannot be read"):
        restore_backup(junk)
    with pytest.raises(BackupError, match="no such file"):
        restore_backup(tmp_path / "missing.backup")


def test_keys_are_checked() -> None:
    with pytest.raises(BackupError, match="32 bytes in URL-safe base64"):
        parse_key("short")
    assert len(parse_key(generate_key())) == 32


def test_the_commands_back_up_and_restore_with_a_key_file(tmp_path: Path, documents: Path) -> None:
    make_small_clinic()
    before = snapshot()
    out = io.StringIO()
    call_command("backup", "--generate-key", stdout=out)
    key_file = tmp_path / "backup.key"
    key_file.write_text(out.getvalue())
    archive = tmp_path / "by-command.backup"
    out = io.StringIO()
    call_command("backup", str(archive), "--key-file", str(key_file), stdout=out)
    assert "encrypted" in out.getvalue()
    assert "not encrypted" not in out.getvalue()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), "--key-file", str(key_file))
    wipe_database()
    with pytest.raises(CommandError, match="this backup is encrypted"):
        call_command("restore", str(archive))
    out = io.StringIO()
    call_command("restore", str(archive), "--key-file", str(key_file), stdout=out)
    assert "every table's row count matches" in out.getvalue()
    assert snapshot() == before


def test_the_scheduled_backup_runs_as_a_job_with_progress_and_keeps_the_newest(
    tmp_path: Path, documents: Path, settings: Any
) -> None:
    import datetime as dt

    settings.ACUCARE_BACKUP_DIR = tmp_path / "backups"
    settings.ACUCARE_BACKUP_KEEP = 3
    settings.ACUCARE_BACKUP_KEY = generate_key()
    settings.ACUCARE_BACKUP_DIR.mkdir()
    for days in range(1, 6):
        old = dt.datetime(2026, 1, days, tzinfo=dt.UTC)
        (settings.ACUCARE_BACKUP_DIR / archive_name(old)).write_text("old")
    (settings.ACUCARE_BACKUP_DIR / "someone-elses-file.txt").write_text("keep me")
    make_small_clinic()

    run = enqueue_scheduled_backup(dt.datetime(2026, 12, 4, 2, 30, tzinfo=dt.UTC))
    # Asked again the same day (a timer firing twice): the same run, nothing new queued.
    assert enqueue_scheduled_backup(dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)).pk == run.pk
    call_command("worker", burst=True)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.percent == 100
    assert run.result is not None
    assert run.result["file"] == "acucare-20261204-000000.backup"
    assert run.result["encrypted"] is True
    names = sorted(p.name for p in settings.ACUCARE_BACKUP_DIR.iterdir())
    assert names == [
        "acucare-20260104-000000.backup",
        "acucare-20260105-000000.backup",
        "acucare-20261204-000000.backup",
        "someone-elses-file.txt",
    ]
    out = io.StringIO()
    call_command("jobs", stdout=out)
    assert "scheduled_backup [backup:2026-12-04] Finished" in out.getvalue()


def test_pruning_keeps_the_newest_archives_only(tmp_path: Path) -> None:
    import datetime as dt

    for day in (1, 2, 3):
        (tmp_path / archive_name(dt.datetime(2026, 3, day))).write_text("x")
    removed = prune_backups(tmp_path, keep=1)
    assert [p.name for p in removed] == [
        "acucare-20260302-000000.backup",
        "acucare-20260301-000000.backup",
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["acucare-20260303-000000.backup"]


def test_a_missing_postgresql_client_is_named_with_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from acucare.operations import backup

    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(BackupError, match="`pg_dump` was not found on PATH: install"):
        backup._pg_tool("pg_dump")


def test_the_postgresql_tools_get_the_configured_connection(settings: Any) -> None:
    from acucare.operations import backup

    fake = {"HOST": "db.local", "PORT": "6543", "USER": "clinic", "PASSWORD": "s", "NAME": "a"}
    original = connection.settings_dict
    connection.settings_dict = {**original, **fake}
    try:
        env = backup._pg_env()
    finally:
        connection.settings_dict = original
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGPASSWORD"], env["PGDATABASE"]) == (
        "db.local",
        "6543",
        "clinic",
        "s",
        "a",
    )


def test_the_postgresql_tools_get_the_urls_transport_security(settings: Any) -> None:
    """sslmode=verify-full in ACUCARE_DATABASE_URL must not leave pg_dump on libpq's
    default (prefer, which falls back to an unencrypted connection)."""
    from acucare.operations import backup

    original = connection.settings_dict
    options = {"sslmode": "verify-full", "sslrootcert": "/etc/acucare/db-ca.pem"}
    connection.settings_dict = {**original, "OPTIONS": options}
    try:
        env = backup._pg_env()
    finally:
        connection.settings_dict = original
    assert (env["PGSSLMODE"], env["PGSSLROOTCERT"]) == ("verify-full", "/etc/acucare/db-ca.pem")
