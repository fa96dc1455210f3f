"""Turn ACUCARE_DATABASE_URL into Django's DATABASES entry (SQLite or PostgreSQL)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

# psycopg prepares a statement on the server once a connection has run it this many
# times (psycopg's own default); PostgreSQL then skips parsing and, once its generic plan
# is as good as a custom one, planning. bench/profile_pages.py --postgres: the chart's
# database CPU fell from 3.5 to 1.8 ms per page and the session save's from 3.2 to 1.7 ms.
PREPARE_THRESHOLD = 5
_SWITCH = {"on": True, "off": False}
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# The parameters a PostgreSQL URL may carry; the last two are libpq's, passed on as given.
POSTGRES_PARAMETERS = ("prepared_statements", "sslmode", "sslrootcert")


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
    `postgres://user:password@host:port/name[?prepared_statements=off&sslmode=…]`."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        if parts.query:
            raise ValueError(
                f"ACUCARE_DATABASE_URL: a SQLite URL takes no parameters, not '?{parts.query}'"
            )
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
            "OPTIONS": _postgres_options(parts.query),
        }
    raise ValueError(f"ACUCARE_DATABASE_URL: unsupported scheme '{parts.scheme}'")


def _postgres_options(query: str) -> dict[str, Any]:
    """The connection's options from the URL's query string, each checked:

    - `prepared_statements=off` is for a connection pooler that cannot keep them
      (PgBouncer in transaction mode before 1.21, or without max_prepared_statements):
      parameters are then bound in the client and nothing is prepared, Django's default;
    - `sslmode` and `sslrootcert` are libpq's, passed on (`sslmode=verify-full` with the
      server's CA for a database across a network).
    An unknown parameter is refused rather than ignored: a misspelt sslmode would
    otherwise connect without encryption."""
    given = {name: values[-1] for name, values in parse_qs(query, keep_blank_values=True).items()}
    unknown = sorted(set(given) - set(POSTGRES_PARAMETERS))
    if unknown:
        raise ValueError(
            f"ACUCARE_DATABASE_URL: unknown parameter '{unknown[0]}' "
            f"(allowed: {', '.join(POSTGRES_PARAMETERS)})"
        )
    options: dict[str, Any] = {}
    prepared = given.get("prepared_statements", "on")
    if prepared not in _SWITCH:
        raise ValueError(
            f"ACUCARE_DATABASE_URL: prepared_statements must be on or off, not '{prepared}'"
        )
    if _SWITCH[prepared]:
        # Server-side binding: psycopg can only prepare statements whose parameters the
        # server binds.
        options.update(server_side_binding=True, prepare_threshold=PREPARE_THRESHOLD)
    if "sslmode" in given:
        if given["sslmode"] not in SSL_MODES:
            raise ValueError(
                f"ACUCARE_DATABASE_URL: sslmode must be one of {', '.join(SSL_MODES)}, "
                f"not '{given['sslmode']}'"
            )
        options["sslmode"] = given["sslmode"]
    if "sslrootcert" in given:
        if not given["sslrootcert"]:
            raise ValueError("ACUCARE_DATABASE_URL: sslrootcert needs the CA file's path")
        options["sslrootcert"] = given["sslrootcert"]
    return options
