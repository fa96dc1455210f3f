"""Ear points: the fallback when body needling is ruled out, and the alternative when body
points are lost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from acucare.domain.planning.blocks import Blocks
from acucare.domain.planning.parts import EarAlternative
from acucare.domain.planning.points import (
    BOTH,
    PlannedPoint,
)
from acucare.domain.planning.terms import AURICULAR, point_name
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.auricular import AuricularMap
from acucare.kb.registry import Registry


def auricular_points(
    registry: Registry, regions: Sequence[str], blocks: Blocks, points: Mapping[str, Acupoint]
) -> tuple[list[PlannedPoint], list[str], list[str]]:
    """Ear points for the painful regions, on the ears that are not blocked."""
    maps = registry.of(AuricularMap)
    chosen: list[AuricularMap] = [m for m in maps.values() if not m.regions]
    for region in regions:
        chosen.extend(m for m in maps.values() if region in m.regions and m not in chosen)
    ears = tuple(
        s
        for s in BOTH
        if blocks.point_side("EAR-SHENMEN", s, f"{s}_ear", "none", AURICULAR) is None
    )
    planned: list[PlannedPoint] = []
    if not ears:
        return planned, [], []
    for record in sorted(chosen, key=lambda m: (bool(m.regions), m.id)):
        for code in record.points:
            sides = tuple(
                s for s in ears if blocks.point_side(code, s, f"{s}_ear", "none", AURICULAR) is None
            )
            if not sides or code not in points:
                continue
            planned.append(
                PlannedPoint(
                    code=code,
                    sides=sides,
                    role="auricular",
                    why=(
                        f"Ear point {point_name(points, code)}: {record.rationale}. Not verified: "
                        f"{record.unverified_note}."
                        if record.status == "unverified"
                        else f"Ear point {point_name(points, code)}: {record.rationale}."
                    ),
                    citations=("asher2010",),
                    region="ear",
                    origin="substitute",
                )
            )
    return planned, [m.ref for m in chosen], ["asher2010"]


def auricular_option(
    registry: Registry,
    regions: Sequence[str],
    blocks: Blocks,
    points: Mapping[str, Acupoint],
    why: str,
) -> tuple[EarAlternative | None, list[str]]:
    if blocks.modality(AURICULAR) is not None:
        return None, []
    ear_points, refs, cited = auricular_points(registry, regions, blocks, points)
    if not ear_points:
        return None, []
    option = EarAlternative(
        modality=AURICULAR,
        why=why
        + (
            " Auricular acupuncture reduced pain in a meta-analysis of randomised trials,"
            " with marked differences between studies."
        ),
        status="unverified",
        notice=(
            "The ear-point correspondences are not yet verified against the WHO and WFAS "
            "auricular standards; check each point on your own ear map before needling."
        ),
        points=tuple(ear_points),
        citations=tuple(cited),
    )
    return option, refs
