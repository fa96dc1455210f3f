"""Measurement sets: what to measure, and when, over a course of care for one condition.

One record per condition group (``id`` is the group id), plus ``default`` for any other.
Each domain (pain, function, sleep, mood, global change, medication use) names the
instruments that measure it and the timepoint kinds at which it is due, with why and
citations. A domain may name no instrument when none the project can license exists
(sleep; knee function): the schedule then says so instead of inventing one. The
follow-ups after discharge are days, e.g. 90 and 365.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from acucare.kb.constraints import Ge, MinLen
from acucare.kb.records.base import (
    STRICT,
    CitationRef,
    CollectionSpec,
    NonEmptyStr,
    Problem,
    acts_on,
)
from acucare.kb.records.conditions import Condition
from acucare.kb.records.instruments import Instrument

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

Domain = Literal["pain", "function", "sleep", "mood", "global_change", "medication"]
Kind = Literal["baseline", "session", "review", "discharge", "followup"]
DEFAULT = "default"


@dataclass(frozen=True)
class MeasuredDomain:
    __pydantic_config__ = STRICT

    domain: Domain
    instruments: tuple[NonEmptyStr, ...]  # instrument ids; empty when none is licensed
    at: Annotated[tuple[Kind, ...], MinLen(1)]
    why: NonEmptyStr
    citations: Annotated[tuple[CitationRef, ...], MinLen(1)]


@dataclass(frozen=True)
class MeasurementSet:
    __pydantic_config__ = STRICT

    id: NonEmptyStr  # a condition group id, or "default"
    version: Annotated[int, Ge(1)]
    domains: Annotated[tuple[MeasuredDomain, ...], MinLen(1)]
    followup_days: tuple[Annotated[int, Ge(1)], ...]
    followup_why: NonEmptyStr
    followup_citations: Annotated[tuple[CitationRef, ...], MinLen(1)]

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


COLLECTION = CollectionSpec("measurement_sets", MeasurementSet, "id")


def check(registry: Registry) -> Iterator[Problem]:
    sets = registry.of(MeasurementSet)
    if DEFAULT not in sets:
        yield Problem("knowledge/measurement_sets", "a 'default' measurement set is needed")
    for key, record in sets.items():
        where = f"{registry.source_of('measurement_sets', key)}: {key}"
        for message in _problems(registry, key, record):
            yield Problem(where, message)


def _problems(registry: Registry, key: str, record: MeasurementSet) -> Iterator[str]:
    if key != DEFAULT and key not in registry.of(Condition):
        yield f"'{key}' is not a condition group (or 'default')"
    pairs = [(d.domain, kind) for d in record.domains for kind in d.at]
    if len(set(pairs)) != len(pairs):
        yield "a domain is due once at each kind of timepoint"
    if "pain" not in {d.domain for d in record.domains}:
        yield "the pain domain is required"
    instruments = registry.of(Instrument)
    for domain in record.domains:
        for instrument in domain.instruments:
            if instrument not in instruments:
                yield f"{domain.domain}: unknown instrument '{instrument}'"
        if not acts_on(domain.citations):
            yield f"{domain.domain}: needs a verified or secondary source"
    if list(record.followup_days) != sorted(set(record.followup_days)):
        yield "followup_days rise and are listed once"
    if not acts_on(record.followup_citations):
        yield "followup_citations: needs a verified or secondary source"


def measurement_set(registry: Registry, condition_group: str) -> MeasurementSet:
    sets = registry.of(MeasurementSet)
    return sets.get(condition_group) or sets[DEFAULT]
