"""ICD-10-CM codes for episodes: the form check, the search behind the code picker, and
the knowledge base's reading of a code (descriptor and condition group).

The form rule and the code-to-condition mapping are the knowledge base's
(`acucare.kb.records.conditions`); this module only adapts them for the pages and API.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from acucare.domain.errors import InputError
from acucare.domain.text import search_text
from acucare.kb import registry
from acucare.kb.records.base import acts_on
from acucare.kb.records.conditions import ICD10_CM_FORM, Condition, condition_for_icd10


@dataclass(frozen=True)
class ConditionOption:
    """A code the knowledge base lists, with its descriptor and condition group."""

    code: str
    descriptor: str
    condition_id: str
    condition_name: str
    # False when the descriptor's only source is unverified: show it, but say so.
    descriptor_verified: bool


@dataclass(frozen=True)
class CodeReading:
    """What the knowledge base says about one stored code."""

    code: str
    descriptor: str | None
    condition_id: str | None
    condition_name: str | None


def normalise_icd10(text: str, *, field: str = "icd10") -> str:
    """Upper-case, add the dot after the category when it was left out (`m5450` →
    `M54.50`), and check the code's written form."""
    code = text.strip().upper().replace(" ", "")
    if len(code) > 3 and "." not in code:
        code = f"{code[:3]}.{code[3:]}"
    if not ICD10_CM_FORM.match(code):
        raise InputError(
            field,
            f"'{text.strip()}' is not an ICD-10-CM code: expected a letter, a digit, a digit or "
            "letter, then optionally a dot and up to four characters, e.g. M54.50",
        )
    return code


@lru_cache(maxsize=4)
def _catalogue(version: str) -> tuple[ConditionOption, ...]:
    del version  # the cache key: a new knowledge base gives a new catalogue
    options = [
        ConditionOption(
            code=listed.code,
            descriptor=listed.descriptor,
            condition_id=condition.id,
            condition_name=condition.name,
            descriptor_verified=acts_on(listed.citations),
        )
        for condition in registry().of(Condition).values()
        for listed in condition.icd10_codes
    ]
    return tuple(sorted(options, key=lambda o: o.code))


def catalogue() -> tuple[ConditionOption, ...]:
    return _catalogue(registry().version)


def search_conditions(query: str, *, limit: int = 20) -> list[ConditionOption]:
    """Codes whose code starts with the query (dots and case ignored), or whose
    descriptor or condition name contains every word of it."""
    text = search_text(query)
    if not text:
        return []
    key = text.upper().replace(".", "").replace(" ", "")
    words = text.lower().split()
    found = [
        option
        for option in catalogue()
        if option.code.replace(".", "").startswith(key)
        or all(w in f"{option.descriptor} {option.condition_name}".lower() for w in words)
    ]
    return found[:limit]


def read_code(code: str) -> CodeReading:
    listed = next((o for o in catalogue() if o.code == code), None)
    condition = condition_for_icd10(registry(), code)
    return CodeReading(
        code=code,
        descriptor=listed.descriptor if listed else None,
        condition_id=condition.id if condition else None,
        condition_name=condition.name if condition else None,
    )
