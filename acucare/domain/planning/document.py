"""The plan as a value (`Plan`) and as the spec's document (``acucare.plan/1``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from acucare.domain.planning.layers import Component
from acucare.domain.planning.parts import (
    CannotStart,
    ConditionBlock,
    ExpectedOutcome,
    Prescription,
    Referral,
    Review,
)
from acucare.domain.scoring import ScoreResult
from acucare.domain.screening import Screening

FORMAT = "acucare.plan/1"
PLANNER = "planning@1"


@dataclass(frozen=True)
class Plan:
    """A plan; `as_document()` is the spec's plan document (``acucare.plan/1``), written
    only at the edges (the command line, the Django services, the benches)."""

    status: str
    screening: Screening
    condition: ConditionBlock
    acupuncture: Prescription | None
    components: tuple[Component, ...]
    reviews: tuple[Review, ...]
    expected_outcome: ExpectedOutcome
    kb_version: str
    rules: tuple[str, ...]
    scores: tuple[ScoreResult, ...] = ()
    referral: Referral | None = None
    # Why treatment cannot start (status treatment_cannot_start), acucare's addition.
    cannot_start: CannotStart | None = None
    notes: tuple[str, ...] = ()

    def as_document(self) -> dict[str, Any]:
        condition = self.condition.as_document()
        acupuncture = None if self.acupuncture is None else self.acupuncture.as_document()
        components = [c.as_document() for c in self.components]
        reviews = [r.as_document() for r in self.reviews]
        outcome = self.expected_outcome.as_document()
        referral = None if self.referral is None else self.referral.as_document()
        cannot_start = None if self.cannot_start is None else self.cannot_start.as_document()
        screening = self.screening.as_document()
        document: dict[str, Any] = {
            "format": FORMAT,
            "status": self.status,
            "screening": screening,
            "condition": condition,
            "acupuncture": acupuncture,
            "components": components,
            "reviews": reviews,
            "expected_outcome": outcome,
            "citations": all_citations(
                condition,
                acupuncture,
                components,
                reviews,
                outcome,
                referral,
                cannot_start,
                screening,
            ),
        }
        if referral is not None:
            document["referral"] = referral
        if cannot_start is not None:
            document["cannot_start"] = cannot_start
        document["notes"] = list(self.notes)
        document["scores"] = [
            {
                "instrument": s.instrument,
                "version": s.version,
                "total": s.total,
                "band": s.band,
                "subscales": dict(sorted(s.subscales.items())),
            }
            for s in self.scores
        ]
        document["kb_version"] = self.kb_version
        document["produced_by"] = {"planner": PLANNER, "rules": list(self.rules)}
        return document


def all_citations(*parts: object) -> list[str]:
    """Every citation id cited anywhere in these parts of the document, sorted."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if key == "citations" and isinstance(item, list | tuple):
                    found.update(str(c) for c in item)
                else:
                    walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    for part in parts:
        walk(part)
    return sorted(found)
