"""The acupuncture prescription: protocol, modality, points, pairs and limits for one patient."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from acucare.domain.intake import Intake
from acucare.domain.planning.auricular import auricular_option, auricular_points
from acucare.domain.planning.blocks import Blocks
from acucare.domain.planning.electro import electro_pairs
from acucare.domain.planning.parts import EarAlternative, ElectroPair, Paediatric, Prescription
from acucare.domain.planning.points import (
    PlannedPoint,
    PointPicker,
    Selection,
    Substitution,
    pain_sites,
)
from acucare.domain.planning.prescription import prescription
from acucare.domain.planning.protocol_choice import NEEDLE_SPARING_FLAGS, choice_why, protocol_order
from acucare.domain.planning.reviews import guideline_courses
from acucare.domain.planning.techniques import caution_site_limits, technique_limits
from acucare.domain.planning.terms import AURICULAR, ELECTRO, MANUAL, number
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.body_sites import BodyRegion
from acucare.kb.records.conditions import Condition
from acucare.kb.records.protocols import Protocol
from acucare.kb.registry import Registry


def _no_protocol_note(condition: Condition | None, candidates: Sequence[Protocol]) -> str | None:
    """Why no protocol applies (no condition group, or none of its protocols), or None."""
    if condition is None:
        return (
            "No acupuncture protocol: the diagnosis is not in a condition group of the "
            "knowledge base. The practitioner prescribes points individually."
        )
    if not candidates:
        return (
            f"No trial protocol for {condition.name.lower()} is in the knowledge base; the "
            "practitioner prescribes points individually, within the guideline course limits "
            "shown in the expected outcome."
        )
    return None


def _modality(
    protocol: Protocol, blocks: Blocks, child: bool = False
) -> tuple[str, str, list[Substitution]]:
    """The trial's modality, unless the screening or the patient rules it out: (wanted,
    chosen, the substitution that says why they differ). A child gets no electrical
    stimulation at the adult trial's settings."""
    wanted = ELECTRO if protocol.stimulation.method == "electro" else MANUAL
    reason = blocks.modality(ELECTRO)
    if child and wanted == ELECTRO and reason is None and blocks.modality(MANUAL) is None:
        return wanted, MANUAL, [_child_modality()]
    if wanted != ELECTRO or reason is None or blocks.modality(MANUAL) is not None:
        return wanted, wanted, []
    substitution = Substitution(
        "modality",
        {"modality": ELECTRO},
        {"modality": MANUAL},
        f"The trial used electrical stimulation, but it is ruled out ({reason.text()});"
        " the same points are needled with manual stimulation to de qi instead.",
        reason.citations,
    )
    return wanted, MANUAL, [substitution]


def _ear_fallback_reason(
    selection: Selection, blocks: Blocks
) -> tuple[str, str, tuple[str, ...]] | None:
    """When no body point can be needled, why (for the note and for the substitution)."""
    needling = blocks.modality(MANUAL)
    if needling is None and not selection.points:
        return (
            "every point of this protocol is ruled out for this patient (see the screening), and",
            "No body point of this protocol can be needled for this patient;",
            tuple(dict.fromkeys(c for sub in selection.substitutions for c in sub.citations)),
        )
    if needling is not None:
        return (
            f"body needling is ruled out ({needling.text()}) and",
            f"Body needling is ruled out ({needling.text()});",
            tuple(needling.citations),
        )
    return None


def _ear_alternative(
    registry: Registry, selection: Selection, blocks: Blocks, points: Mapping[str, Acupoint]
) -> tuple[list[EarAlternative], list[str]]:
    """Ear acupuncture offered as an alternative when body points were lost."""
    if not (selection.lost_regions or selection.lost_limbs):
        return [], []
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
    return ([option], refs) if option is not None else ([], [])


def _mark_electro(
    selection: Selection, blocks: Blocks, picker: PointPicker, points: Mapping[str, Acupoint]
) -> tuple[list[str], list[ElectroPair], str]:
    """Mark which points get current and pair them: (points without current, pairs, why)."""
    electro_off: list[str] = []
    marked: list[PlannedPoint] = []
    for point in selection.points:
        allowed = not any(
            blocks.modality_at(ELECTRO, point.code, side, picker.site(point.region, side))
            for side in point.sides
        )
        if not allowed:
            electro_off.append(point.code)
        marked.append(replace(point, electro=allowed))
    pairs, pairs_why = electro_pairs(marked, points)
    in_pairs = {code for pair in pairs for code, _ in pair}
    selection.points = [replace(p, electro=p.electro and p.code in in_pairs) for p in marked]
    return electro_off, pairs, pairs_why


def build_acupuncture(
    registry: Registry, intake: Intake, condition: Condition | None, blocks: Blocks
) -> tuple[Prescription | None, Protocol | None, list[str], list[str]]:
    points = registry.of(Acupoint)
    ids = registry.index("protocols_by_condition").get(condition.id, ()) if condition else ()
    candidates = [registry.of(Protocol)[pid] for pid in ids]
    missing = _no_protocol_note(condition, candidates)
    if missing is not None or condition is None:
        return None, None, [], [missing or ""]
    style = intake.preferences.style
    sparing = any(flag in intake.history for flag in NEEDLE_SPARING_FLAGS)
    # The drawing's sites and those a side-specific code adds (issue 9, item 6: with no
    # pain site the side comes from the code), so M17.11 alone needles the right knee.
    sites = intake.pain_sites
    ordered = protocol_order(candidates, style, blocks, sparing)
    protocol = ordered[0]
    why, notes = choice_why(protocol, condition, style, ordered, sparing)
    rules = [protocol.ref]
    wanted, modality, substitutions = _modality(protocol, blocks, is_child(intake))
    picker = PointPicker(
        protocol,
        points=points,
        regions=registry.of(BodyRegion),
        blocks=blocks,
        pain=pain_sites(sites, registry.index("body_site_index")),
        needle_sparing=sparing,
    )
    selection = picker.run()
    substitutions.extend(selection.substitutions)
    notes.extend(_site_notes(protocol, intake, registry, points))
    alternatives: list[EarAlternative] = []
    # When no body point can be needled, ear points (if allowed) carry the course.
    ear_fallback = _ear_fallback_reason(selection, blocks)
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
    else:
        alternatives, refs = _ear_alternative(registry, selection, blocks, points)
        rules.extend(refs)
    electro_off: list[str] = []
    pairs: list[ElectroPair] = []
    pairs_why = ""
    if modality == ELECTRO:
        electro_off, pairs, pairs_why = _mark_electro(selection, blocks, picker, points)
    limits = technique_limits(selection, blocks, picker, modality)
    caution_site_limits(selection, picker)
    acupuncture = replace(
        prescription(
            protocol,
            selection,
            modality,
            why,
            substitutions,
            alternatives,
            sparing,
            points,
            electro_off,
        ),
        technique_limits=tuple(limits),
        guideline_courses=tuple(guideline_courses(protocol, condition)),
        electro_pairs=tuple(pairs) if modality == ELECTRO else None,
        electro_pairs_why=pairs_why,
    )
    return paediatric_dose(acupuncture, protocol, intake), protocol, rules, notes


# Under 16: the trials' courses were given to adults, and paediatric acupuncture is a
# specialist area (the consent rules use the same age).
CHILD_MAX_AGE = 15
PAEDIATRIC_CITATIONS = ("bacc_safe_practice", "nzasa")


def _child_modality() -> Substitution:
    return Substitution(
        "modality",
        {"modality": ELECTRO},
        {"modality": MANUAL},
        "The trial's electrical stimulation is adult dosing; for a patient under 16 the same"
        " points are needled with gentle manual stimulation instead.",
        PAEDIATRIC_CITATIONS,
    )


def is_child(intake: Intake) -> bool:
    return intake.patient.age <= CHILD_MAX_AGE


def drawn_pain_sites(intake: Intake) -> tuple[str, ...]:
    """The sites the patient marked on the pain drawing, without those a side-specific
    diagnosis code adds (the plan's notes name the two differently)."""
    return tuple(s for s in intake.pain_sites if s not in intake.derived_pain_sites)


def paediatric_dose(acupuncture: Prescription, protocol: Protocol, intake: Intake) -> Prescription:
    """For a child, replace the adult trial's course by what the plan does instead (issue 9,
    item 7); an adult's prescription is left as it is."""
    if not is_child(intake):
        return acupuncture
    course = protocol.course
    retention = protocol.retention_minutes
    adult = f"{course.sessions} sessions over {number(course.weeks)} weeks"
    if retention is not None:
        adult += f" of {retention} minutes"
    paediatric = Paediatric(
        why=(
            f"The trial's course ({adult}) was given to adults and is not applied to a patient "
            "under 16. A practitioner trained in paediatric acupuncture sets the number of "
            "sessions and how long needles stay in, starting with few, short sessions and "
            "gentle manual stimulation (no electrical stimulation), and reviews the response "
            "after each of the first sessions. Guardian consent does not replace that training."
        ),
        adult_sessions=course.sessions,
        adult_weeks=number(course.weeks),
        adult_retention_minutes=retention,
        citations=PAEDIATRIC_CITATIONS,
    )
    return replace(
        acupuncture,
        paediatric=paediatric,
        sessions=None,
        sessions_per_week=None,
        schedule="set by a practitioner trained in paediatric acupuncture",
        retention_minutes=None,
        retention_note=(
            "Set by a practitioner trained in paediatric acupuncture; the trial's retention is "
            "adult dosing."
        ),
        extension=None,
    )


def _site_notes(
    protocol: Protocol, intake: Intake, registry: Registry, points: Mapping[str, Acupoint]
) -> list[str]:
    """What the plan says about the pain sites: those the protocol does not treat (from the
    drawing or from a diagnosis code) and a side taken from a code rather than a drawing."""
    notes: list[str] = []
    untreated = _untreated_sites(protocol, drawn_pain_sites(intake), registry, points)
    if untreated:
        shown = ", ".join(f"the {site}" for site in untreated)
        notes.append(
            f"The pain drawing also marks {shown}, which this protocol does not treat: "
            "assess separately."
        )
    from_codes = _untreated_sites(protocol, intake.derived_pain_sites, registry, points)
    if from_codes:
        shown = ", ".join(f"the {site}" for site in from_codes)
        notes.append(
            f"A diagnosis code also names {shown}, which this protocol does not treat: "
            "assess separately."
        )
    treated = [
        site.replace("_", " ")
        for site in intake.derived_pain_sites
        if site.replace("_", " ") not in from_codes
    ]
    if treated:
        shown = ", ".join(f"the {site}" for site in treated)
        notes.append(
            f"The plan treats {shown} because the diagnosis code names that side, not a pain "
            "drawing: confirm the side with the patient."
        )
    return notes


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
