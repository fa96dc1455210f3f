"""Reading input documents for commands: a path, or `-` for standard input."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from acucare.domain.errors import InputError


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON allows a key twice and keeps the last; a clinical document must not."""
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKeyError(key)
        document[key] = value
    return document


def read_json_document(source: str, field: str = "document") -> Any:
    """Parse a JSON document from a path or `-`; malformed JSON is an input error (exit 2)."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(field=field, message=f"file not found: {source}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(field=field, message="the document is not UTF-8 text") from exc
    except OSError as exc:
        raise InputError(field=field, message=f"cannot read {source}: {exc.strerror}") from exc
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except _DuplicateKeyError as exc:
        raise InputError(
            field=field, message=f"the key '{exc.key}' appears more than once in one object"
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            field=field,
            message=f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
        ) from exc
