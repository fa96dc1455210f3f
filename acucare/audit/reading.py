"""An audit event's `detail` in words for the log page: field labels, and a change as
"old → new", never Python data. The CSV export keeps the detail in full, as stored.

The services store a few shapes (the examples run in tests/audit/test_reading.py):
- a change with pairs: ``{"change": "sign", "needles_out": [4, 5]}`` → "Sign; needles out: 4 → 5";
- before and after: ``{"before": "booked", "after": "cancelled"}`` → "Booked → cancelled", and
  with mappings, one "label: old → new" per value that changed;
- names of changed fields: ``{"fields": ["phone", "given_name"]}`` → "Changed: phone, given name";
- anything else: "label: value", lists joined (or counted when long), ids shortened.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from acucare.core.words import LABELS, is_identifier, words

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_LONG_LIST = 3

# Keys whose plain rendering would mislead or say nothing.
KEY_LABELS = {
    "q": "search",
    "kb_version": "knowledge base version",
    "icd10": "ICD-10 code",
    "approval_withdrawn": "approval withdrawn",
    "needle_mismatch_explained": "needle count difference explained",
}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def label(key: str) -> str:
    return KEY_LABELS.get(key) or key.replace("_", " ").strip()


def _text(value: str) -> str:
    if _UUID.match(value):
        return value[:8] + "…"
    if value in LABELS:
        return LABELS[value]
    if is_identifier(value):
        return words(value).lower()
    return value


def value_text(value: Any) -> str:
    """One stored value in words."""
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{label(str(k))} {value_text(v)}" for k, v in sorted(value.items()))
    if isinstance(value, list | tuple):
        if len(value) > _LONG_LIST:
            return f"{len(value)} items"
        return ", ".join(value_text(v) for v in value) or "none"
    return str(value)


def _before_after(before: Any, after: Any) -> list[str]:
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        keys = sorted(set(before) | set(after))
        return [
            f"{label(str(k))}: {value_text(before.get(k))} → {value_text(after.get(k))}"
            for k in keys
            if before.get(k) != after.get(k)
        ] or ["no change"]
    return [_capital(f"{value_text(before)} → {value_text(after)}")]


def readable_detail(detail: Mapping[str, Any]) -> list[str]:
    """The phrases that describe one event's detail, in a stable order."""
    phrases: list[str] = []
    rest = dict(detail)
    change = rest.pop("change", None)
    if change is not None:
        phrases.append(_capital(value_text(change)))
    if "before" in rest and "after" in rest:
        phrases += _before_after(rest.pop("before"), rest.pop("after"))
    if isinstance(rest.get("fields"), list):
        fields = rest.pop("fields")
        phrases.append("Changed: " + (", ".join(label(str(f)) for f in fields) or "nothing"))
    for key, value in sorted(rest.items()):
        if change is not None and isinstance(value, list) and len(value) == 2:
            phrases.append(f"{label(key)}: {value_text(value[0])} → {value_text(value[1])}")
        else:
            phrases.append(f"{label(key)}: {value_text(value)}")
    return phrases


def detail_text(detail: Mapping[str, Any], limit: int = 240) -> str:
    text = "; ".join(readable_detail(detail))
    return text if len(text) <= limit else text[: limit - 1] + "…"
