"""Consistent, compressed, optionally encrypted backups of the database and the stored
documents, and their restore into an empty database.

An archive is a gzip-compressed tar holding:

* `manifest.json` — format `acucare.backup/1`, when, which database engine, the row
  count of every table, and the SHA-256 of every other member;
* `database.sqlite3` — a copy taken with SQLite's online backup API (a consistent
  snapshot while the clinic keeps working), or `database.pgdump` — `pg_dump
  --format=custom` (one transaction, so also a consistent snapshot);
* `documents/…` — the files under MEDIA_ROOT (ACUCARE_DOCUMENTS_DIR).

With a key the whole archive is encrypted with AES-256-GCM in 1 MiB chunks (see
`encrypt_stream`): any change, reordering or truncation fails the restore before
anything is written. The key is 32 random bytes, URL-safe base64 (`manage.py backup
--generate-key`), kept apart from the backups.

Restore checks the archive completely (decrypts, verifies every checksum) into a
temporary folder before it touches the database, refuses a database that has tables,
and afterwards compares every table's row count with the manifest.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connection, transaction

FORMAT = "acucare.backup/1"
MAGIC = b"ACUCARE-BACKUP-AESGCM-1\n"
CHUNK = 1024 * 1024
Progress = Callable[[int, int, str], None]


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    engine: str
    tables: int
    rows: int
    documents: int
    encrypted: bool
    size_bytes: int


def generate_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def parse_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupError(
            "the backup key must be 32 bytes in URL-safe base64 "
            "(make one with `manage.py backup --generate-key`)"
        )
    return key


def _no_progress(done: int, total: int, message: str) -> None:
    return None


# ---------------------------------------------------------------------------------------
# Encryption: AES-256-GCM per 1 MiB chunk; the chunk's index and whether it is the last
# are authenticated with it, so chunks cannot be reordered, dropped or cut off.


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _aad(index: int, last: bool) -> bytes:
    return MAGIC + struct.pack(">I?", index, last)


def encrypt_stream(source: BinaryIO, target: BinaryIO, key: bytes) -> None:
    cipher = AESGCM(key)
    prefix = secrets.token_bytes(8)
    target.write(MAGIC + prefix)
    index = 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        last = not following
        sealed = cipher.encrypt(_nonce(prefix, index), chunk, _aad(index, last))
        target.write(struct.pack(">I", len(sealed)) + sealed)
        if last:
            return
        index += 1
        chunk = following


def decrypt_stream(source: BinaryIO, target: BinaryIO, key: bytes) -> None:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("this file is not an encrypted acucare backup")
    prefix = source.read(8)
    cipher = AESGCM(key)
    index = 0
    while True:
        header = source.read(4)
        if len(header) != 4:
            raise BackupError("the encrypted backup is cut short (no final chunk)")
        (size,) = struct.unpack(">I", header)
        sealed = source.read(size)
        if len(sealed) != size:
            raise BackupError("the encrypted backup is cut short")
        for last in (False, True):
            try:
                plain = cipher.decrypt(_nonce(prefix, index), sealed, _aad(index, last))
            except InvalidTag:
                continue
            target.write(plain)
            if last:
                if source.read(1):
                    raise BackupError("the encrypted backup has data after its final chunk")
                return
            break
        else:
            raise BackupError(
                "the backup cannot be decrypted: a wrong key, or the file was changed"
            )
        index += 1


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


# ---------------------------------------------------------------------------------------
# Database snapshots


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def table_names() -> list[str]:
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def row_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in table_names():
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - introspected names
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    options = db.get("OPTIONS") or {}
    wanted = {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME"),
        # The URL's transport security (config/database.py) holds for pg_dump too.
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
    }
    env = {**os.environ}
    for variable, value in wanted.items():
        if value:
            env[variable] = str(value)
        else:
            env.pop(variable, None)
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"`{name}` was not found on PATH: install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) matching the server's version"
        )
    return found


def _snapshot_database(folder: Path) -> tuple[Path, dict[str, int]]:
    """A consistent copy of the database and the row counts of that same copy."""
    engine = _engine()
    connection.ensure_connection()
    if engine == "sqlite":
        target = folder / "database.sqlite3"
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        return target, _sqlite_counts(target)
    target = folder / "database.pgdump"
    # pg_dump reads the snapshot this transaction exports, so the counts in the manifest
    # are those of exactly the rows in the dump, whatever the clinic writes meanwhile.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = str(cursor.fetchone()[0])
        counts = row_counts()
        completed = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [
                _pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                "--file",
                str(target),
            ],
            env=_pg_env(),
            capture_output=True,
            text=True,
            check=False,
        )
    if completed.returncode != 0:
        raise BackupError(f"pg_dump failed: {completed.stderr.strip()[-500:]}")
    return target, counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _documents() -> Iterator[tuple[Path, str]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, path.relative_to(root).as_posix()


# ---------------------------------------------------------------------------------------
# Backup


def create_backup(
    path: Path, *, key: bytes | None = None, progress: Progress = _no_progress
) -> BackupSummary:
    """Write an archive of the database and documents to `path` (atomically: a partial
    file never takes the final name)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    documents = list(_documents())
    total = 3 + len(documents)
    with tempfile.TemporaryDirectory(prefix="acucare-backup-") as scratch:
        folder = Path(scratch)
        progress(0, total, "Copying the database")
        database, counts = _snapshot_database(folder)
        progress(1, total, "Recording the manifest")
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "engine": _engine(),
            "tables": counts,
            "members": {database.name: _sha256(database)},
            "documents": {},
        }
        for relative, (source, name) in enumerate(documents, start=1):
            manifest["documents"][name] = _sha256(source)
            progress(1 + relative, total, "Listing stored documents")
        archive = folder / "archive.tar.gz"
        with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(database, arcname=database.name)
            for source, name in documents:
                tar.add(source, arcname=f"documents/{name}", recursive=False)
        progress(total - 1, total, "Writing the archive")
        partial = path.with_name(f".{path.name}.partial")
        try:
            with archive.open("rb") as plain, partial.open("wb") as out:
                if key is None:
                    shutil.copyfileobj(plain, out, CHUNK)
                else:
                    encrypt_stream(plain, out, key)
                out.flush()
                os.fsync(out.fileno())
            partial.chmod(0o600)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    progress(total, total, "Backup written")
    return BackupSummary(
        path=path,
        engine=manifest["engine"],
        tables=len(counts),
        rows=sum(counts.values()),
        documents=len(documents),
        encrypted=key is not None,
        size_bytes=path.stat().st_size,
    )


def _sqlite_counts(database: Path) -> dict[str, int]:
    copy = sqlite3.connect(database)
    try:
        names = [
            row[0]
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name != 'sqlite_sequence'"
            )
        ]
        return {
            name: int(copy.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0])  # noqa: S608
            for name in sorted(names)
        }
    finally:
        copy.close()


# ---------------------------------------------------------------------------------------
# Restore


@dataclass(frozen=True)
class Unpacked:
    folder: Path
    manifest: dict[str, Any]


def unpack(path: Path, folder: Path, *, key: bytes | None) -> Unpacked:
    """Decrypt if needed, extract and verify every member against the manifest."""
    archive = _plain_archive(Path(path), folder, key)
    extracted = folder / "extracted"
    extracted.mkdir()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(extracted, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"the archive cannot be read ({type(error).__name__})") from None
    manifest_path = extracted / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError("the archive has no manifest.json: not an acucare backup")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}; expected {FORMAT}")
    _verify_members(extracted, manifest)
    return Unpacked(extracted, manifest)


def _plain_archive(path: Path, folder: Path, key: bytes | None) -> Path:
    """The archive's gzip tar in `folder`, decrypted when it is encrypted."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    archive = folder / "archive.tar.gz"
    if not is_encrypted(path):
        shutil.copyfile(path, archive)
        return archive
    if key is None:
        raise BackupError(
            "this backup is encrypted: give its key (ACUCARE_BACKUP_KEY or --key-file)"
        )
    with path.open("rb") as source, archive.open("wb") as target:
        decrypt_stream(source, target, key)
    return archive


def _verify_members(extracted: Path, manifest: dict[str, Any]) -> None:
    for name in manifest["documents"]:
        parts = Path(name).parts
        if Path(name).is_absolute() or ".." in parts or not parts:
            raise BackupError(f"the archive names a document outside its folder: {name!r}")
    expected = dict(manifest["members"])
    expected.update({f"documents/{n}": digest for n, digest in manifest["documents"].items()})
    for name, digest in expected.items():
        member = extracted / name
        if not member.is_file() or _sha256(member) != digest:
            raise BackupError(f"the archive member {name} is missing or damaged")


def restore_backup(
    path: Path, *, key: bytes | None = None, progress: Progress = _no_progress
) -> dict[str, int]:
    """Restore an archive into the configured, empty database; return the table counts."""
    engine = _engine()
    with tempfile.TemporaryDirectory(prefix="acucare-restore-") as scratch:
        progress(0, 4, "Checking the archive")
        unpacked = unpack(path, Path(scratch), key=key)
        manifest = unpacked.manifest
        if manifest["engine"] != engine:
            raise BackupError(
                f"the backup is of a {manifest['engine']} database; the configured database "
                f"is {engine}. Restore into the same kind of database."
            )
        existing = table_names()
        if existing:
            raise BackupError(
                f"the database is not empty ({len(existing)} tables): restore goes into an "
                "empty database (create a new one, or drop this one's tables first)"
            )
        _check_documents_free(unpacked)
        progress(1, 4, "Restoring the database")
        if engine == "sqlite":
            _restore_sqlite(unpacked.folder / "database.sqlite3")
        else:
            _restore_postgres(unpacked.folder / "database.pgdump")
        progress(2, 4, "Restoring stored documents")
        _restore_documents(unpacked)
        progress(3, 4, "Comparing table counts")
        counts = row_counts()
        if counts != manifest["tables"]:
            different = sorted(
                name
                for name in set(counts) | set(manifest["tables"])
                if counts.get(name) != manifest["tables"].get(name)
            )
            raise BackupError(f"restored tables differ from the backup: {', '.join(different)}")
        progress(4, 4, "Restore complete")
        return counts


def _restore_sqlite(source_path: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(source_path)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_postgres(dump: Path) -> None:
    connection.close()
    completed = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [
            _pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            str(connection.settings_dict["NAME"]),
            str(dump),
        ],
        env=_pg_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise BackupError(f"pg_restore failed: {completed.stderr.strip()[-500:]}")


def _check_documents_free(unpacked: Unpacked) -> None:
    root = Path(settings.MEDIA_ROOT)
    for name, digest in unpacked.manifest["documents"].items():
        target = root / name
        if target.exists() and _sha256(target) != digest:
            raise BackupError(
                f"stored document {name} already exists with other content; "
                "restore into an empty documents folder"
            )


def _restore_documents(unpacked: Unpacked) -> None:
    root = Path(settings.MEDIA_ROOT)
    for name in unpacked.manifest["documents"]:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(unpacked.folder / "documents" / name, target)
