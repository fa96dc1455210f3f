"""Medication classes: which medicines the safety screening recognises, and as what.

A class lists its medicines by international non-proprietary name, with common brand
names and other spellings. Safety rules trigger on class ids (``vitamin_k_antagonist``),
never on a medicine's name. Classes without a rule (NSAIDs, simple analgesics …) are here
so that a recognised medicine is not reported as "not checked against the knowledge base".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from acucare.kb.constraints import MinLen
from acucare.kb.records.base import STRICT, CitationRef, CollectionSpec, NonEmptyStr, Problem

if TYPE_CHECKING:
    from acucare.kb.registry import Registry


@dataclass(frozen=True)
class Medicine:
    __pydantic_config__ = STRICT

    name: NonEmptyStr  # international non-proprietary name, e.g. "warfarin"
    brands: tuple[NonEmptyStr, ...] = ()  # e.g. "Coumadin", "Marevan"
    aliases: tuple[NonEmptyStr, ...] = ()  # other spellings, e.g. "acetaminophen", "cyclosporine"


@dataclass(frozen=True)
class MedicationClass:
    __pydantic_config__ = STRICT

    id: NonEmptyStr  # e.g. "vitamin_k_antagonist"
    name: NonEmptyStr  # e.g. "Vitamin K antagonists (warfarin and similar)"
    description: NonEmptyStr
    members: Annotated[tuple[Medicine, ...], MinLen(1)]
    citations: Annotated[tuple[CitationRef, ...], MinLen(1)]


COLLECTION = CollectionSpec("medications", MedicationClass, "id")

# Longest medicine name, in words, that the matcher looks for inside a free-text entry.
_MAX_NAME_WORDS = 4


def normalise_medicine(text: str) -> str:
    """Lower case, words separated by single spaces: "Co-Codamol 30/500" -> "co codamol 30 500"."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _names(medicine: Medicine) -> Iterator[str]:
    yield medicine.name
    yield from medicine.brands
    yield from medicine.aliases


def build_indexes(registry: Registry) -> dict[str, dict[str, str]]:
    """Normalised medicine name, brand or alias -> class id."""
    index: dict[str, str] = {}
    for class_id, medication_class in registry.of(MedicationClass).items():
        for medicine in medication_class.members:
            for name in _names(medicine):
                index.setdefault(normalise_medicine(name), class_id)
    return {"medication_names": index}


def classify_medication(registry: Registry, text: str) -> tuple[str, ...]:
    """The class ids of the medicines named in a free-text entry, in order of appearance.

    The entry may carry a dose or a second medicine ("warfarin 5 mg", "aspirin and
    clopidogrel"): every run of up to four words is looked up, longest first, so that
    "mefenamic acid" wins over a shorter name inside it.
    """
    index: Mapping[str, str] = registry.index("medication_names")
    words = normalise_medicine(text).split()
    found: list[str] = []
    position = 0
    while position < len(words):
        for length in range(min(_MAX_NAME_WORDS, len(words) - position), 0, -1):
            class_id = index.get(" ".join(words[position : position + length]))
            if class_id is not None:
                if class_id not in found:
                    found.append(class_id)
                position += length
                break
        else:
            position += 1
    return tuple(found)


def check(registry: Registry) -> Iterator[Problem]:
    """A name, brand or alias belongs to one class only."""
    seen: dict[str, str] = {}
    for class_id, medication_class in registry.of(MedicationClass).items():
        where = f"{registry.source_of('medications', class_id)}: {class_id}"
        for medicine in medication_class.members:
            for name in _names(medicine):
                key = normalise_medicine(name)
                if not key:
                    yield Problem(where, f"medicine name '{name}' has no letters or digits")
                    continue
                owner = seen.setdefault(key, class_id)
                if owner != class_id:
                    yield Problem(where, f"'{name}' is also listed in class '{owner}'")
