"""Exit 0 when the PostgreSQL server in the given URL accepts connections, else 1."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit


def main(url: str) -> int:
    import psycopg

    parts = urlsplit(url)
    try:
        # Django's test runner connects to the maintenance database to create test_<name>.
        with psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname="postgres",
            connect_timeout=5,
        ):
            return 0
    except psycopg.Error:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
