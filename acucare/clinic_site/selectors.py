"""Read-only summaries of the knowledge base for the site pages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from acucare.kb import registry
from acucare.kb.records.acupoints import Acupoint


@dataclass(frozen=True)
class KnowledgeSummary:
    version: str
    collections: list[tuple[str, int]]
    points_by_family: list[tuple[str, int]]


def knowledge_summary() -> KnowledgeSummary:
    reg = registry()
    families = Counter(p.meridian for p in reg.of(Acupoint).values())
    return KnowledgeSummary(
        version=reg.version,
        collections=[
            (name.replace("_", " "), len(records)) for name, records in reg.collections.items()
        ],
        points_by_family=sorted(families.items()),
    )
