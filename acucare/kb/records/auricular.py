"""Ear-point correspondences: which auricular points stand for which body region.

Used by the planner only as an alternative when body points cannot be needled (a limb at
risk, a blocked site or modality). The ear-point names in the catalogue are not yet
checked against the WHO 1990 or WFAS 2011 texts, so these records are ``unverified`` and a
plan that proposes them says so in plain words.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from acucare.kb.constraints import Ge, MinLen
from acucare.kb.records.base import (
    STRICT,
    CitationRef,
    CollectionSpec,
    NonEmptyStr,
    Problem,
    RecordStatus,
)

if TYPE_CHECKING:
    from acucare.kb.registry import Registry


@dataclass(frozen=True)
class AuricularMap:
    __pydantic_config__ = STRICT

    id: NonEmptyStr
    version: Annotated[int, Ge(1)]
    status: RecordStatus
    # Body regions this ear area corresponds to; empty = proposed for any region (e.g. Shenmen).
    regions: tuple[NonEmptyStr, ...]
    points: Annotated[tuple[NonEmptyStr, ...], MinLen(1)]
    rationale: NonEmptyStr
    citations: Annotated[tuple[CitationRef, ...], MinLen(1)]
    unverified_note: str = ""

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


COLLECTION = CollectionSpec("auricular", AuricularMap, "id")


def check(registry: Registry) -> Iterator[Problem]:
    from acucare.kb.records.acupoints import Acupoint
    from acucare.kb.records.body_sites import BodyRegion

    points = registry.of(Acupoint)
    regions = registry.of(BodyRegion)
    claimed: dict[str, str] = {}
    for key, record in registry.of(AuricularMap).items():
        where = f"{registry.source_of('auricular', key)}: {key}"
        for code in record.points:
            point = points.get(code)
            if point is None:
                yield Problem(where, f"unknown point code '{code}'")
            elif point.kind != "auricular":
                yield Problem(where, f"{code} is not an ear point")
        for region in record.regions:
            if region not in regions:
                yield Problem(where, f"unknown region '{region}'")
            elif region in claimed:
                yield Problem(where, f"region '{region}' is also mapped by {claimed[region]}")
            else:
                claimed[region] = key
        if record.status == "unverified" and not record.unverified_note:
            yield Problem(where, "an unverified record must say what was not verified")
