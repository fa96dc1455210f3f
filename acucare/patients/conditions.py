"""ICD-10-CM codes for episodes: the form check and the search behind the code picker.

The code's *form* is checked here. Whether the knowledge base knows a condition for the
code, and its name for the search, comes from the `conditions` collection
(`acucare.kb.records.conditions`) when the installed knowledge base has one; that lookup
is confined to `_catalogue()` so the rest of the app does not care which is the case.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any

from acucare.domain.errors import InputError
from acucare.kb import registry

# ICD-10-CM: a letter (U is reserved for special purposes), two characters, then
# optionally a dot and up to four more characters. E.g. M54.50, G44.209, M17.11.
ICD10_CM_FORM = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$")


@dataclass(frozen=True)
class ConditionOption:
    code: str
    name: str
    condition_id: str | None = None


def normalise_icd10(text: str, *, field: str = "icd10") -> str:
    """Upper-case, add the dot after the category if missing, and check the form."""
    code = text.strip().upper().replace(" ", "")
    if len(code) > 3 and "." not in code:
        code = f"{code[:3]}.{code[3:]}"
    if not ICD10_CM_FORM.match(code):
        raise InputError(
            field,
            f"'{text.strip()}' is not an ICD-10-CM code: expected a letter, two characters, "
            "then optionally a dot and up to four characters, e.g. M54.50",
            None,
        )
    return code


def _catalogue() -> list[ConditionOption]:
    """Codes and names the knowledge base offers, or none if it has no conditions yet."""
    try:
        module: Any = importlib.import_module("acucare.kb.records.conditions")
    except ModuleNotFoundError:
        return []
    reg = registry()
    options: list[ConditionOption] = []
    for condition in reg.of(module.Condition).values():
        for code in getattr(condition, "icd10", ()):
            options.append(
                ConditionOption(code=str(code), name=condition.name, condition_id=condition.id)
            )
    return sorted(options, key=lambda o: o.code)


def search_conditions(query: str, *, limit: int = 20) -> list[ConditionOption]:
    """Match by code prefix (`m54`, `M54.5`) or by words of the name (`low back`)."""
    text = query.strip()
    if not text:
        return []
    upper = text.upper().replace(" ", "")
    words = text.lower().split()
    found = [
        option
        for option in _catalogue()
        if option.code.upper().startswith(upper) or all(w in option.name.lower() for w in words)
    ]
    return found[:limit]


def condition_name(code: str) -> str | None:
    for option in _catalogue():
        if option.code == code:
            return option.name
    return None
