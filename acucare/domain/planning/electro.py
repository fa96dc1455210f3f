"""Electrode pairs for electroacupuncture."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from acucare.domain.planning.parts import ElectroPair
from acucare.domain.planning.points import (
    BOTH,
    PlannedPoint,
)
from acucare.domain.planning.terms import point_name
from acucare.kb.records.acupoints import Acupoint


def electro_pairs(
    planned: Sequence[PlannedPoint], points: Mapping[str, Acupoint]
) -> tuple[list[ElectroPair], str]:
    """Electrode pairs: two needles on the same side of the same limb, in point order."""
    groups: dict[tuple[str, str], list[str]] = {}
    for point in planned:
        limb = points[point.code].limb
        if not point.electro or limb == "none":
            continue
        for side in point.sides:
            if side in BOTH:
                groups.setdefault((limb, side), []).append(point.code)
    pairs: list[ElectroPair] = []
    paired: set[str] = set()
    for (_, side), codes in sorted(groups.items()):
        for first, second in zip(codes[::2], codes[1::2], strict=False):
            pairs.append(((first, side), (second, side)))
            paired.update((first, second))
    alone = [p.code for p in planned if p.code not in paired]
    why = (
        "The trial report does not say how the electrodes were paired. Each pair joins two "
        "needles on the same side of the same limb, so that no current crosses the chest, the "
        "spine or the midline."
    )
    if alone:
        why += (
            f" {', '.join(point_name(points, c) for c in alone)} "
            f"{'has' if len(alone) == 1 else 'have'} no partner on the same limb and side, and "
            "get manual stimulation."
        )
    return pairs, why
