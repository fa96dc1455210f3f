"""Where signed PDFs live: under MEDIA_ROOT (ACUCARE_DOCUMENTS_DIR), in
`signed/<first two hex digits>/<sha256>.pdf`, named by their own SHA-256.

A file is written once (to a temporary name, then renamed into place) and never
rewritten; the same bytes signed twice share one file. Reading checks the bytes against
the hash the document's row recorded, so a changed or damaged file is refused rather
than handed out. `manage.py backup` archives everything under MEDIA_ROOT, so the files
travel with the database (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from django.conf import settings

FOLDER = "signed"
_HASH = re.compile(r"[0-9a-f]{64}")


class StoredFileError(Exception):
    """A stored document's file is missing or no longer matches its recorded hash."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def path_for(sha256: str) -> Path:
    if not _HASH.fullmatch(sha256):
        raise ValueError("not a SHA-256 in hexadecimal")
    return Path(settings.MEDIA_ROOT) / FOLDER / sha256[:2] / f"{sha256}.pdf"


def store(data: bytes) -> str:
    """Write `data` once under its SHA-256 and return the hash."""
    sha256 = digest(data)
    target = path_for(sha256)
    if target.exists() and digest(target.read_bytes()) == sha256:
        return sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o440)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return sha256


def read(sha256: str) -> bytes:
    """The stored bytes, checked against `sha256`."""
    target = path_for(sha256)
    try:
        data = target.read_bytes()
    except FileNotFoundError as exc:
        raise StoredFileError("the document's file is missing from the document store") from exc
    if digest(data) != sha256:
        raise StoredFileError("the document's file does not match the hash recorded at signing")
    return data
