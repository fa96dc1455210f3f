"""Opioid conversion factors to oral morphine milligram equivalents (MME) per day.

One record per opioid of the CDC 2022 table (Dowell 2022): the medicine (a member of the
``opioid`` medication class, so brands and other spellings resolve to it), its factor
and the unit the factor applies to. Multiply the daily dose by the factor; fentanyl
patches are converted from micrograms per hour. A medicine without a record here
(buprenorphine, for one, which the CDC table leaves out) is reported as not converted,
never guessed. The figure is a medication outcome, not a dosing tool: the CDC warns that
MME must not be used to convert one opioid to another.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from acucare.kb.constraints import Gt, MinLen
from acucare.kb.records.base import (
    STRICT,
    CitationRef,
    CollectionSpec,
    NonEmptyStr,
    Problem,
    acts_on,
)
from acucare.kb.records.medications import MedicationClass, normalise_medicine

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

DoseUnit = Literal["mg_per_day", "mcg_per_hour"]
OPIOID_CLASS = "opioid"
INDEX = "opioid_conversions"


@dataclass(frozen=True)
class OpioidConversion:
    __pydantic_config__ = STRICT

    id: NonEmptyStr  # the medicine's international non-proprietary name, e.g. "oxycodone"
    factor: Annotated[float, Gt(0)]  # MME per unit of `unit`
    unit: DoseUnit  # what the factor multiplies: the daily dose in mg, or a patch in mcg/h
    citations: Annotated[tuple[CitationRef, ...], MinLen(1)]
    note: str = ""


@dataclass(frozen=True)
class CompiledConversion:
    medicine: str
    factor: float
    unit: DoseUnit
    citations: tuple[str, ...]


COLLECTION = CollectionSpec("opioid_conversions", OpioidConversion, "id")


def _opioid_members(registry: Registry) -> Mapping[str, tuple[str, ...]]:
    """Medicine name -> its name, brands and aliases, for the opioid class."""
    opioids = registry.of(MedicationClass).get(OPIOID_CLASS)
    if opioids is None:
        return {}
    return {m.name: (m.name, *m.brands, *m.aliases) for m in opioids.members}


def build_indexes(registry: Registry) -> dict[str, dict[str, CompiledConversion]]:
    """Normalised name, brand or alias -> the acting conversion of that medicine."""
    members = _opioid_members(registry)
    index: dict[str, CompiledConversion] = {}
    for key, record in sorted(registry.of(OpioidConversion).items()):
        if key not in members or not acts_on(record.citations):
            continue  # reported by check(), or stored but inert
        compiled = CompiledConversion(
            key,
            record.factor,
            record.unit,
            tuple(ref.id for ref in record.citations if ref.evidence != "unverified"),
        )
        for name in members[key]:
            index.setdefault(normalise_medicine(name), compiled)
    return {INDEX: index}


def check(registry: Registry) -> Iterator[Problem]:
    members = _opioid_members(registry)
    for key, record in registry.of(OpioidConversion).items():
        where = f"{registry.source_of('opioid_conversions', key)}: {key}"
        if key not in members:
            yield Problem(
                where,
                f"'{key}' is not a medicine of the '{OPIOID_CLASS}' medication class "
                f"(one of: {', '.join(sorted(members))})",
            )
        if not acts_on(record.citations):
            yield Problem(where, "a conversion factor needs a verified or secondary source")


def conversion_for(registry: Registry, name: str) -> CompiledConversion | None:
    """The conversion for a medicine named exactly (name, brand or alias), or None."""
    index: Mapping[str, CompiledConversion] = registry.index(INDEX)
    return index.get(normalise_medicine(name))
