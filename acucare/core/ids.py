"""Public ids from URLs, forms and API bodies."""

from __future__ import annotations

import uuid

from django.http import Http404


def parse_public_id(value: uuid.UUID | str, what: str) -> uuid.UUID:
    """The record's public id, or Http404 ("No such <what>."): a malformed id names no
    record, so it is answered as one that does not exist, never as a server error."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Http404(f"No such {what}.") from exc
