"""The acupuncture prescription: protocol, modality, points, pairs and limits for one patient."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from acucare.domain.planning.auricular import auricular_option, auricular_points
from acucare.domain.planning.blocks import Blocks
from acucare.domain.planning.electro import electro_pairs
from acucare.domain.planning.points import (
    PlannedPoint,
    PointPicker,
    Substitution,
    pain_sites,
)
from acucare.domain.planning.prescription import acupuncture_document
from acucare.domain.planning.protocol_choice import NEEDLE_SPARING_FLAGS, choice_why, protocol_order
from acucare.domain.planning.reviews import guideline_courses
from acucare.domain.planning.techniques import technique_limits
from acucare.domain.planning.terms import AURICULAR, ELECTRO, MANUAL
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.body_sites import BodyRegion
from acucare.kb.records.conditions import Condition
from acucare.kb.records.protocols import Protocol
from acucare.kb.registry import Registry


def build_acupuncture(
    registry: Registry,
    intake: Mapping[str, Any],
    condition: Condition | None,
    blocks: Blocks,
    history: Sequence[str],
    style: str | None,
) -> tuple[dict[str, Any] | None, Protocol | None, list[str], list[str]]:
    points = registry.of(Acupoint)
    regions = registry.of(BodyRegion)
    notes: list[str] = []
    if condition is None:
        return (
            None,
            None,
            [],
            [
                "No acupuncture protocol: the diagnosis is not in a condition group of the "
                "knowledge base. The practitioner prescribes points individually."
            ],
        )
    ids = registry.index("protocols_by_condition").get(condition.id, ())
    candidates = [registry.of(Protocol)[pid] for pid in ids]
    if not candidates:
        return (
            None,
            None,
            [],
            [
                f"No trial protocol for {condition.name.lower()} is in the knowledge base; the "
                "practitioner prescribes points individually, within the guideline course limits "
                "shown in the expected outcome."
            ],
        )
    sparing = any(flag in history for flag in NEEDLE_SPARING_FLAGS)
    ordered = protocol_order(candidates, style, blocks, sparing)
    protocol = ordered[0]
    why, style_notes = choice_why(protocol, condition, style, ordered, sparing)
    notes.extend(style_notes)
    rules = [protocol.ref]
    substitutions: list[Substitution] = []
    # Modality: the trial's, unless the screening or the patient rules it out.
    wanted = ELECTRO if protocol.stimulation.method == "electro" else MANUAL
    modality = wanted
    needling = blocks.modality(MANUAL)
    if wanted == ELECTRO and (reason := blocks.modality(ELECTRO)) is not None and needling is None:
        modality = MANUAL
        substitutions.append(
            Substitution(
                "modality",
                {"modality": ELECTRO},
                {"modality": MANUAL},
                f"The trial used electrical stimulation, but it is ruled out ({reason.text()});"
                " the same points are needled with manual stimulation to de qi instead.",
                reason.citations,
            )
        )
    picker = PointPicker(
        protocol,
        points=points,
        regions=regions,
        blocks=blocks,
        pain=pain_sites(intake.get("pain_sites") or (), registry.index("body_site_index")),
        needle_sparing=sparing,
    )
    selection = picker.run()
    substitutions.extend(selection.substitutions)
    untreated = _untreated_sites(protocol, intake.get("pain_sites") or (), registry, points)
    if untreated:
        shown = ", ".join(f"the {site}" for site in untreated)
        notes.append(
            f"The pain drawing also marks {shown}, which this protocol does not treat: "
            "assess separately."
        )
    alternatives: list[dict[str, Any]] = []
    # When no body point can be needled, ear points (if allowed) carry the course.
    ear_fallback: tuple[str, str, tuple[str, ...]] | None = None
    if needling is None and not selection.points:
        ear_fallback = (
            "every point of this protocol is ruled out for this patient (see the screening), and",
            "No body point of this protocol can be needled for this patient;",
            tuple(dict.fromkeys(c for sub in selection.substitutions for c in sub.citations)),
        )
    elif needling is not None:
        ear_fallback = (
            f"body needling is ruled out ({needling.text()}) and",
            f"Body needling is ruled out ({needling.text()});",
            tuple(needling.citations),
        )
    if ear_fallback is not None:
        why_nothing, why_ear, reason_citations = ear_fallback
        ear_points, refs, cited = auricular_points(registry, selection.regions, blocks, points)
        if blocks.modality(AURICULAR) is not None or not ear_points:
            notes.append(
                f"No acupuncture can be planned: {why_nothing} ear acupuncture is ruled out too "
                "or has no usable ear."
            )
            return None, protocol, rules, notes
        modality = AURICULAR
        rules.extend(refs)
        substitutions.append(
            Substitution(
                "modality",
                {"modality": wanted},
                {"modality": AURICULAR},
                f"{why_ear} ear points carry the course on the trial's schedule. This is not "
                "what the trial tested.",
                (*reason_citations, *cited),
            )
        )
        selection.points = ear_points
        selection.ashi_count = (0, 0)
        selection.ashi_note = ""
    elif selection.lost_regions or selection.lost_limbs:
        limbs = (limb.replace("_", " ") for limb in selection.lost_limbs)
        lost = [*selection.lost_regions, *limbs]
        option, refs = auricular_option(
            registry,
            selection.regions,
            blocks,
            points,
            f"Body points were lost ({', '.join(lost)}); ear acupuncture reaches the painful "
            "region without needling it or the limb at risk.",
        )
        if option is not None:
            alternatives.append(option)
            rules.extend(refs)
    electro_off: list[str] = []
    pairs: list[list[dict[str, str]]] = []
    pairs_why = ""
    if modality == ELECTRO:
        marked: list[PlannedPoint] = []
        for point in selection.points:
            allowed = not any(
                blocks.modality_at(ELECTRO, point.code, side, picker.site(point.region, side))
                for side in point.sides
            )
            if not allowed:
                electro_off.append(point.code)
            marked.append(replace(point, electro=allowed))
        selection.points = marked
        pairs, pairs_why = electro_pairs(selection.points, points)
        in_pairs = {electrode["code"] for pair in pairs for electrode in pair}
        selection.points = [
            replace(p, electro=p.electro and p.code in in_pairs) for p in selection.points
        ]
    limits = technique_limits(selection, blocks, picker, modality)
    acupuncture = acupuncture_document(
        protocol,
        selection,
        modality,
        why,
        substitutions,
        alternatives,
        sparing,
        points,
        electro_off,
    )
    if limits:
        acupuncture["technique_limits"] = limits
    acupuncture["guideline_courses"] = guideline_courses(protocol, condition)
    if modality == ELECTRO:
        acupuncture["electro_pairs"] = pairs
        acupuncture["electro_pairs_why"] = pairs_why
    return acupuncture, protocol, rules, notes


def _untreated_sites(
    protocol: Protocol, sites: Sequence[str], registry: Registry, points: Mapping[str, Acupoint]
) -> list[str]:
    """Painful sites outside every region the protocol treats (its default and pool regions,
    and where its local fixed points lie)."""
    served = set(protocol.default_regions)
    for pool in protocol.pools:
        served.update(pool.regions)
    served.update(points[p.code].region for p in protocol.fixed_points if p.role == "local")
    index: Mapping[str, tuple[str, str]] = registry.index("body_site_index")
    return [
        site.replace("_", " ") for site in sites if site in index and index[site][0] not in served
    ]
