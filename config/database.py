"""Turn ACUCARE_DATABASE_URL into Django's DATABASES entry (SQLite or PostgreSQL)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit


def private_file(path: str) -> None:
    """Create the SQLite database file readable by its owner only (0600) before SQLite
    would create it world-readable (issue 14); SQLite gives its -wal and -shm files the
    same mode. An existing file is left as it is."""
    file = Path(path)
    if file.exists() or not file.parent.is_dir():
        return
    with contextlib.suppress(FileExistsError):
        os.close(os.open(file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def database_from_url(url: str, base_dir: str) -> dict[str, Any]:
    """`sqlite:///relative/path`, `sqlite:////abs/path`, `sqlite:///:memory:`, or
    `postgres://user:password@host:port/name`."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if path != ":memory:" and not path.startswith("/"):
            path = f"{base_dir}/{path}"
        if path != ":memory:":
            private_file(path)
        return {
            # Django's SQLite backend, with write transactions queued (config/sqlite_queue).
            # In memory there is one connection and nothing to queue; Django's own engine
            # there also keeps pytest-django's parallel test databases in memory.
            "ENGINE": "django.db.backends.sqlite3" if path == ":memory:" else "config.sqlite_queue",
            "NAME": path,
            # WAL lets the chart page read while a session is being saved.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL;",
                "transaction_mode": "IMMEDIATE",
                # Seconds a writer waits for another's transaction before "database is
                # locked". Python's default of 5 s was exceeded (HTTP 500 on session saves)
                # by bench/web.py's 8 concurrent writers on a busy 2-core machine.
                "timeout": 20,
            },
            # A connection kept for the worker's next requests, as for PostgreSQL below:
            # opening one (and its journal-mode pragma) and closing it (the checkpoint of
            # the last connection) was a fifth of the bare view's CPU (bench/profile_pages.py).
            "CONN_MAX_AGE": 0 if path == ":memory:" else 60,
        }
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "acucare",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
        }
    raise ValueError(f"ACUCARE_DATABASE_URL: unsupported scheme '{parts.scheme}'")
