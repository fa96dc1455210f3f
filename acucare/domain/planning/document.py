"""The plan as a value (`Plan`) and as the spec's document (``acucare.plan/1``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from typing import Protocol as TypingProtocol

from acucare.domain.planning.layers import Component
from acucare.domain.screening import Screening

FORMAT = "acucare.plan/1"
PLANNER = "planning@1"


class Documented(TypingProtocol):
    """An intake: anything that gives its normalised JSON document."""

    def as_document(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Plan:
    """A plan; `as_document()` is the spec's plan document (``acucare.plan/1``)."""

    status: str
    screening: Screening
    condition: Mapping[str, Any]
    acupuncture: Mapping[str, Any] | None
    components: tuple[Component, ...]
    reviews: tuple[Mapping[str, Any], ...]
    expected_outcome: Mapping[str, Any]
    kb_version: str
    rules: tuple[str, ...]
    scores: tuple[Mapping[str, Any], ...] = ()
    referral: Mapping[str, Any] | None = None
    # Why treatment cannot start (status treatment_cannot_start), acucare's addition.
    cannot_start: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()
    citations: tuple[str, ...] = field(default=())

    def as_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "format": FORMAT,
            "status": self.status,
            "screening": self.screening.as_document(),
            "condition": self.condition,
            "acupuncture": self.acupuncture,
            "components": [c.as_document() for c in self.components],
            "reviews": list(self.reviews),
            "expected_outcome": self.expected_outcome,
            "citations": list(self.citations),
        }
        if self.referral is not None:
            document["referral"] = self.referral
        if self.cannot_start is not None:
            document["cannot_start"] = self.cannot_start
        document["notes"] = list(self.notes)
        document["scores"] = list(self.scores)
        document["kb_version"] = self.kb_version
        document["produced_by"] = {"planner": PLANNER, "rules": list(self.rules)}
        return document


def all_citations(*parts: Any) -> tuple[str, ...]:
    """Every citation id cited anywhere in the plan, sorted."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if key == "citations" and isinstance(item, list | tuple):
                    found.update(str(c) for c in item)
                else:
                    walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, Component):
            found.update(value.citations)

    for part in parts:
        walk(part)
    return tuple(sorted(found))
