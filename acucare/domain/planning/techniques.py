"""Needling techniques the screening limits, everywhere or at some of the planned points."""

from __future__ import annotations

from dataclasses import replace

from acucare.domain.planning.blocks import Blocks
from acucare.domain.planning.parts import TechniqueLimit
from acucare.domain.planning.points import (
    PlannedPoint,
    PointPicker,
    Selection,
)
from acucare.domain.planning.terms import ELECTRO

TECHNIQUE_WORDS = {
    "deep_needling": "no deep needling",
    "intra_articular_needling": "no needling into a joint",
    "strong_electroacupuncture": "mild electrical stimulation only",
}


def caution_site_limits(selection: Selection, picker: PointPicker) -> None:
    """Mark each planned point that lies on a caution site (diabetes: lower legs, feet)."""
    marked: list[PlannedPoint] = []
    for point in selection.points:
        reason = picker.cautioned(point.code, point.sides)
        if reason is not None:
            point = replace(point, limits=(*point.limits, f"caution site: {reason.text()}"))
        marked.append(point)
    selection.points = marked


def technique_limits(
    selection: Selection, blocks: Blocks, picker: PointPicker, modality: str
) -> list[TechniqueLimit]:
    """Techniques the screening rules out, everywhere or at some of the planned points."""
    limits: list[TechniqueLimit] = []
    seen: set[tuple[str, str]] = set()
    for restriction in blocks.techniques:
        key = (restriction.name, restriction.reason.rule)
        if key in seen:
            continue
        seen.add(key)
        if restriction.name == "strong_electroacupuncture" and modality != ELECTRO:
            continue
        words = TECHNIQUE_WORDS.get(restriction.name, f"no {restriction.name.replace('_', ' ')}")
        if restriction.everywhere:
            where: list[str] = []
        else:
            where = [
                p.code
                for p in selection.points
                if any(
                    restriction.applies(p.code, side, picker.site(p.region, side))
                    for side in p.sides
                )
            ]
            if not where:
                continue
        marked: list[PlannedPoint] = []
        for point in selection.points:
            if not where or point.code in where:
                point = replace(
                    point, limits=(*point.limits, f"{words} ({restriction.reason.text()})")
                )
            marked.append(point)
        selection.points = marked
        limits.append(
            TechniqueLimit(
                technique=restriction.name,
                limit=words,
                points=tuple(where) or None,
                why=restriction.reason.text() + ".",
                citations=restriction.reason.citations,
            )
        )
    return limits
