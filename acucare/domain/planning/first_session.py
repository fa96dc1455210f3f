"""The gentler first session: fewer pool points, and care with points that lower blood pressure."""

from __future__ import annotations

from collections.abc import Mapping

from acucare.domain.planning.parts import FirstSession
from acucare.domain.planning.points import (
    PlannedPoint,
    Selection,
)
from acucare.domain.planning.terms import point_name
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.protocols import Protocol

FIRST_SESSION_SOURCE = "who1999"
# WHO 1999: take particular care, at a first treatment, with points that may cause hypotension.
HYPOTENSION_POINTS = ("LR3",)


def first_session(
    selection: Selection, protocol: Protocol, sparing: bool, points: Mapping[str, Acupoint]
) -> FirstSession:
    keep: list[PlannedPoint] = []
    pools: dict[str, int] = {}
    minimum: dict[str, int] = {pool.role: pool.min_points for pool in protocol.pools}
    for point in selection.points:
        if point.origin == "pool":
            if pools.get(point.role, 0) >= max(1, minimum.get(point.role, 0)):
                continue
            pools[point.role] = pools.get(point.role, 0) + 1
        keep.append(point)
    left_out: list[str] = []
    if sparing:
        left_out = [p.code for p in keep if p.code in HYPOTENSION_POINTS]
        keep = [p for p in keep if p.code not in HYPOTENSION_POINTS]
    needles = sum(p.needles for p in keep) + selection.ashi_count[0]
    why = (
        "A gentle first session: lying down, gentle manipulation, the needling sensations "
        "explained beforehand, complexion and pulse watched."
    )
    if needles < selection.needles:
        why += (
            f" Start with {needles} needles rather than the full {selection.needles}, to see "
            "how the patient responds; give the full prescription from the second session."
        )
    if left_out:
        why += (
            f" {', '.join(point_name(points, c) for c in left_out)} is left out of the first "
            "session: it may lower blood pressure, and this patient is needle-phobic or "
            "has fainted before."
        )
    elif any(p.code in HYPOTENSION_POINTS for p in keep):
        why += " Take particular care with Taichong (LR3), which may lower blood pressure."
    return FirstSession(
        points=tuple((p.code, p.side) for p in keep),
        needles=needles,
        why=why,
        citations=(FIRST_SESSION_SOURCE,),
    )
