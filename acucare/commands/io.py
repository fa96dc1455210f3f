"""Reading input documents for commands: a path, or `-` for standard input."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from acucare.domain.errors import InputError


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
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            field=field,
            message=f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
        ) from exc
