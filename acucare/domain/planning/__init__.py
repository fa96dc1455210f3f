"""Explainable care plans: intake + screening -> the spec's plan document.

`plan(intake, screening, registry)` is pure and deterministic: the same intake and
knowledge base give a byte-identical document. Every element says why (``why``) and where
it comes from (``citations``, resolving in the knowledge base's bibliography); the plan
records ``kb_version`` and the ``id@version`` of every protocol and layer that produced it.

How a plan is built (docs/planning.md has the clinician's version):

1. The condition group comes from the primary ICD-10-CM code, ``chronic`` from the duration.
2. A screening that refers the patient gives ``status: referral_required``: no
   acupuncture, only the referral, the letter to the doctor and the mood/anxiety layers.
3. Otherwise a protocol is chosen for the condition (verified before unverified, the
   patient's style where one exists, fewest needles first for needle phobia), its points
   fitted to the pain drawing and to everything the screening blocks
   (`acucare.domain.planning.points`), its dose taken from the trial.
4. Layers of care are switched on by measured needs (`acucare.domain.planning.layers`),
   reviews set from the condition's thresholds and the payer's limits, and the expected
   outcome read from the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from typing import Protocol as TypingProtocol

from acucare.domain.intake import Intake
from acucare.domain.planning.blocks import Blocks, plain
from acucare.domain.planning.layers import Component, LayerContext, components
from acucare.domain.planning.outcome import expected_outcome
from acucare.domain.planning.points import (
    BOTH,
    PlannedPoint,
    PointPicker,
    Selection,
    Substitution,
    pain_sites,
)
from acucare.domain.planning.reviews import build_reviews, guideline_courses, primary_measure
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.auricular import AuricularMap
from acucare.kb.records.body_sites import BodyRegion
from acucare.kb.records.care_layers import CareLayer
from acucare.kb.records.conditions import Condition, condition_for_icd10
from acucare.kb.records.instruments import Instrument
from acucare.kb.records.protocols import Protocol
from acucare.kb.registry import Registry

FORMAT = "acucare.plan/1"
PLANNER = "planning@1"
REFERRAL_DECISIONS = ("refer_before_treatment", "urgent_referral")
MANUAL = "manual_acupuncture"
ELECTRO = "electroacupuncture"
AURICULAR = "auricular_acupuncture"
# Pain counts as chronic after 12 weeks when the diagnosis has no condition record.
CHRONIC_WEEKS = 12
CHRONIC_SOURCE = "nice_ng193"
FIRST_SESSION_SOURCE = "who1999"
# WHO 1999: take particular care, at a first treatment, with points that may cause hypotension.
HYPOTENSION_POINTS = ("LR3",)
NEEDLE_SPARING_FLAGS = ("needle_phobia", "fainting_history")
STYLE_NAMES = {"tcm": "traditional Chinese", "western": "Western medical"}


class Documented(TypingProtocol):
    """An intake or screening: anything that gives its normalised JSON document."""

    def as_document(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Plan:
    """A plan; `as_document()` is the spec's plan document (``acucare.plan/1``)."""

    status: str
    screening: Mapping[str, Any]
    condition: Mapping[str, Any]
    acupuncture: Mapping[str, Any] | None
    components: tuple[Component, ...]
    reviews: tuple[Mapping[str, Any], ...]
    expected_outcome: Mapping[str, Any]
    kb_version: str
    rules: tuple[str, ...]
    scores: tuple[Mapping[str, Any], ...] = ()
    referral: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()
    citations: tuple[str, ...] = field(default=())

    def as_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "format": FORMAT,
            "status": self.status,
            "screening": self.screening,
            "condition": self.condition,
            "acupuncture": self.acupuncture,
            "components": [c.as_document() for c in self.components],
            "reviews": list(self.reviews),
            "expected_outcome": self.expected_outcome,
            "citations": list(self.citations),
        }
        if self.referral is not None:
            document["referral"] = self.referral
        document["notes"] = list(self.notes)
        document["scores"] = list(self.scores)
        document["kb_version"] = self.kb_version
        document["produced_by"] = {"planner": PLANNER, "rules": list(self.rules)}
        return document


# -- helpers ---------------------------------------------------------------------------------


def _number(value: float) -> int | float:
    """Whole numbers print as integers (12, not 12.0): the document reads as the trial does."""
    return int(value) if float(value).is_integer() else value


def _name(points: Mapping[str, Acupoint], code: str) -> str:
    point = points[code]
    return f"{point.pinyin} ({code})"


def _condition_block(
    icd10: str, condition: Condition | None, duration: float | None
) -> tuple[dict[str, Any], bool | None]:
    weeks = condition.chronic_after_weeks if condition is not None else CHRONIC_WEEKS
    chronic = None if duration is None else duration >= weeks
    if condition is None:
        why = (
            f"{icd10} belongs to no condition group in the knowledge base, so no trial protocol "
            "or condition-specific evidence applies."
        )
        cited = [CHRONIC_SOURCE]
    else:
        why = f"{icd10} is in the group '{condition.name}'."
        cited = [r.id for r in condition.chronic_definition.citations if r.evidence != "unverified"]
    if duration is None:
        why += " The duration was not given, so whether the pain is chronic is not known."
    else:
        why += (
            f" Pain for {duration:g} weeks is {'chronic' if chronic else 'not yet chronic'} "
            f"(chronic from {weeks} weeks)."
        )
    block: dict[str, Any] = {
        "icd10": icd10,
        "group": condition.id if condition is not None else None,
        "name": condition.name if condition is not None else None,
        "chronic": chronic,
        "duration_weeks": duration,
        "why": why,
        "citations": cited,
    }
    if condition is not None:
        block["condition"] = condition.ref
    return block, chronic


def _protocol_order(
    candidates: Sequence[Protocol], style: str | None, blocks: Blocks, sparing: bool
) -> list[Protocol]:
    def key(p: Protocol) -> tuple[Any, ...]:
        method = ELECTRO if p.stimulation.method == "electro" else MANUAL
        return (
            p.status != "active",
            style is not None and p.style != style,
            blocks.modality(method) is not None,
            p.needles.min if sparing else 0,
            p.rank,
            p.id,
        )

    return sorted(candidates, key=key)


def _choice_why(
    protocol: Protocol,
    condition: Condition,
    style: str | None,
    ordered: Sequence[Protocol],
    sparing: bool,
) -> tuple[str, list[str]]:
    parts = [f"{protocol.name}: {protocol.summary}"]
    notes: list[str] = []
    if style is not None and protocol.style != style:
        notes.append(
            f"The patient prefers {STYLE_NAMES.get(style, style)} acupuncture, but no protocol"
            f" of that style is available for {condition.name.lower()}; this plan uses a"
            f" {STYLE_NAMES.get(protocol.style, protocol.style)} one."
        )
    elif style is not None:
        parts.append("It matches the patient's preferred style.")
    if sparing and len(ordered) > 1:
        parts.append("Chosen for needing the fewest needles, because of needle phobia or fainting.")
    return " ".join(parts), notes


def _auricular(
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
                        f"Ear point {_name(points, code)}: {record.rationale}. Not verified: "
                        f"{record.unverified_note}."
                        if record.status == "unverified"
                        else f"Ear point {_name(points, code)}: {record.rationale}."
                    ),
                    citations=("asher2010",),
                    region="ear",
                    origin="substitute",
                )
            )
    return planned, [m.ref for m in chosen], ["asher2010"]


def _auricular_option(
    registry: Registry,
    regions: Sequence[str],
    blocks: Blocks,
    points: Mapping[str, Acupoint],
    why: str,
) -> tuple[dict[str, Any] | None, list[str]]:
    if blocks.modality(AURICULAR) is not None:
        return None, []
    ear_points, refs, cited = _auricular(registry, regions, blocks, points)
    if not ear_points:
        return None, []
    option = {
        "modality": AURICULAR,
        "why": why
        + (
            " Auricular acupuncture reduced pain in a meta-analysis of randomised trials,"
            " with marked differences between studies."
        ),
        "status": "unverified",
        "notice": (
            "The ear-point correspondences are not yet verified against the WHO and WFAS "
            "auricular standards; check each point on your own ear map before needling."
        ),
        "points": [p.as_document() for p in ear_points],
        "citations": cited,
    }
    return option, refs


def _first_session(
    selection: Selection, protocol: Protocol, sparing: bool, points: Mapping[str, Acupoint]
) -> dict[str, Any]:
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
            f" {', '.join(_name(points, c) for c in left_out)} is left out of the first "
            "session: it may lower blood pressure, and this patient is needle-phobic or "
            "has fainted before."
        )
    elif any(p.code in HYPOTENSION_POINTS for p in keep):
        why += " Take particular care with Taichong (LR3), which may lower blood pressure."
    return {
        "points": [{"code": p.code, "side": p.side} for p in keep],
        "needles": needles,
        "why": why,
        "citations": [FIRST_SESSION_SOURCE],
    }


# -- the planner -------------------------------------------------------------------------------


def plan(intake: Documented, screening: Documented, registry: Registry) -> Plan:
    """Build the care plan for one patient. Pure: the same inputs give the same plan."""
    from acucare.domain.scoring import score

    intake_doc = intake.as_document()
    screening_doc = dict(screening.as_document())
    primary = intake_doc["conditions"][0]
    icd10 = str(primary["icd10"])
    duration = primary.get("duration_weeks")
    condition = condition_for_icd10(registry, icd10)
    condition_block, chronic = _condition_block(icd10, condition, duration)
    answers: Mapping[str, Mapping[str, Any]] = intake_doc.get("questionnaires") or {}
    scored: Mapping[str, Any] = getattr(intake, "scores", None) or {}
    scores = {
        instrument: scored[instrument]
        if instrument in scored
        else score(registry, instrument, given, field=f"questionnaires.{instrument}")
        for instrument, given in sorted(answers.items())
    }
    history = tuple(intake_doc.get("history") or ())
    preferences = intake_doc.get("preferences") or {}
    blocks = Blocks.from_screening(
        screening_doc, tuple(preferences.get("declined_modalities") or ())
    )
    referral = screening_doc.get("decision") in REFERRAL_DECISIONS
    context = LayerContext(
        scores=scores,
        answers=answers,
        group=condition.id if condition is not None else None,
        chronic=chronic,
        other_icd10=tuple(str(c["icd10"]) for c in intake_doc["conditions"][1:]),
        findings=tuple(screening_doc.get("findings") or ()),
        history=history,
    )
    layers = list(registry.of(CareLayer).values())
    parts = components(layers, context, referral=referral)
    rules: list[str] = [condition.ref] if condition is not None else []
    for part in parts:
        rules.extend(part.layers)
    notes: list[str] = []
    acupuncture: dict[str, Any] | None = None
    reviews: list[dict[str, Any]] = []
    referral_block: dict[str, Any] | None = None
    protocol: Protocol | None = None
    if referral:
        referral_block = _referral(screening_doc)
        outcome: dict[str, Any] = {
            "summary": (
                "Not assessed: the safety screening asks for a medical assessment before "
                "acupuncture is considered."
            ),
            "statements": [],
            "guidelines": [],
            "citations": [],
        }
    else:
        acupuncture, protocol, plan_rules, plan_notes = _acupuncture(
            registry, intake_doc, condition, blocks, history, preferences.get("style")
        )
        if protocol is not None and chronic is False:
            plan_notes.append(
                "The protocol comes from trials in people with chronic pain; this pain has "
                f"lasted {duration:g} weeks and is not yet chronic."
            )
        rules.extend(plan_rules)
        notes.extend(plan_notes)
        if protocol is not None:
            alternatives = [
                pid
                for pid in registry.index("protocols_by_condition").get(protocol.conditions[0], ())
                if pid != protocol.id
            ]
            reviews = build_reviews(
                protocol,
                condition,
                primary_measure(answers),
                registry.of(Instrument),
                alternative=alternatives[0] if alternatives else None,
                chronic=chronic,
                pregnant=bool((intake_doc.get("pregnancy") or {}).get("pregnant")),
            )
        outcome = expected_outcome(condition, protocol)
        if acupuncture is not None and isinstance(intake, Intake):
            acupuncture["session_check"] = check_planned_session(intake, acupuncture, registry)
            rules.extend(acupuncture["session_check"]["rules_applied"])
    citations = _all_citations(
        condition_block, acupuncture, parts, reviews, outcome, referral_block, screening_doc
    )
    return Plan(
        status="referral_required" if referral else "plan",
        screening=screening_doc,
        condition=condition_block,
        acupuncture=acupuncture,
        components=tuple(parts),
        reviews=tuple(reviews),
        expected_outcome=outcome,
        kb_version=registry.version,
        rules=tuple(dict.fromkeys(rules)),
        scores=tuple(
            {
                "instrument": s.instrument,
                "version": s.version,
                "total": s.total,
                "band": s.band,
                "subscales": dict(sorted(s.subscales.items())),
            }
            for s in scores.values()
        ),
        referral=referral_block,
        notes=tuple(notes),
        citations=citations,
    )


class PlanningError(RuntimeError):
    """The planner produced something the session check refuses: a bug, never printed."""


def check_planned_session(
    intake: Intake, acupuncture: dict[str, Any], registry: Registry
) -> dict[str, Any]:
    """Check the planned session as `acucare check-session` would, and attach its cautions.

    A plan the session check refuses is never returned: that would be a planner bug, and
    failing closed is the only safe answer.
    """
    from acucare.domain.session_check import check_session

    limited = {
        (limit["technique"]): limit["points"] for limit in acupuncture.get("technique_limits", ())
    }
    deep_limited = limited.get("deep_needling")
    session_points = []
    for point in acupuncture["points"]:
        entry = {"code": point["code"], "side": point["side"]}
        if deep_limited == "all" or (
            isinstance(deep_limited, list) and point["code"] in deep_limited
        ):
            entry["depth"] = "superficial"
        session_points.append(entry)
    session: dict[str, Any] = {
        "modality": acupuncture["modality"],
        "points": session_points,
        "electro_pairs": acupuncture.get("electro_pairs", []),
    }
    if session["electro_pairs"] and "strong_electroacupuncture" in limited:
        session["electro_intensity"] = "mild"
    result = check_session(intake, session, registry).as_document()
    if not result["allowed"]:
        refused = [f["message"] for f in result["findings"] if f.get("scope") == "session"]
        raise PlanningError("the planned session fails the session check: " + "; ".join(refused))
    findings = [f for f in result["findings"] if f.get("scope") == "session"]
    by_code: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        subject = finding.get("subject") or {}
        point = subject.get("point") if isinstance(subject, Mapping) else None
        if isinstance(point, Mapping):
            entries = by_code.setdefault(str(point.get("code")), [])
            if all(e["rule"] != finding["rule"] or e["side"] != point.get("side") for e in entries):
                entries.append(
                    {
                        "rule": finding["rule"],
                        "level": finding["level"],
                        "side": point.get("side"),
                        "message": finding["message"],
                        "action": finding["action"],
                        "citations": list(finding["citations"]),
                    }
                )
    for point in acupuncture["points"]:
        if point["code"] in by_code:
            point["cautions"] = by_code[point["code"]]
    return {
        "allowed": result["allowed"],
        "why": (
            "The proposed session was checked against the patient's screening and the points'"
            " cautions, as `acucare check-session` does; cautions are listed at each point."
        ),
        "findings": findings,
        "rules_applied": [f"{f['rule']}@{f['version']}" for f in findings],
    }


def _referral(screening: Mapping[str, Any]) -> dict[str, Any]:
    urgent = screening.get("decision") == "urgent_referral"
    findings = [f for f in screening.get("findings") or () if f.get("level") in ("urgent", "refer")]
    reasons = "; ".join(plain(str(f.get("message", ""))) for f in findings)
    return {
        "urgency": "urgent" if urgent else "before_treatment",
        "why": (
            (
                "Urgent medical assessment is needed today"
                if urgent
                else "A medical assessment is needed before any acupuncture"
            )
            + (f": {reasons}." if reasons else ".")
            + " No acupuncture is planned until the referral has been answered; then screen again."
        ),
        "findings": [str(f.get("rule", "")) for f in findings],
        "citations": list(dict.fromkeys(str(c) for f in findings for c in f.get("citations", ()))),
    }


def _acupuncture(
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
    ordered = _protocol_order(candidates, style, blocks, sparing)
    protocol = ordered[0]
    why, style_notes = _choice_why(protocol, condition, style, ordered, sparing)
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
        ear_points, refs, cited = _auricular(registry, selection.regions, blocks, points)
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
        option, refs = _auricular_option(
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
        pairs, pairs_why = _electro_pairs(selection.points, points)
        in_pairs = {electrode["code"] for pair in pairs for electrode in pair}
        selection.points = [
            replace(p, electro=p.electro and p.code in in_pairs) for p in selection.points
        ]
    limits = _technique_limits(selection, blocks, picker, modality)
    acupuncture = _acupuncture_document(
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


def _electro_pairs(
    planned: Sequence[PlannedPoint], points: Mapping[str, Acupoint]
) -> tuple[list[list[dict[str, str]]], str]:
    """Electrode pairs: two needles on the same side of the same limb, in point order."""
    groups: dict[tuple[str, str], list[str]] = {}
    for point in planned:
        limb = points[point.code].limb
        if not point.electro or limb == "none":
            continue
        for side in point.sides:
            if side in BOTH:
                groups.setdefault((limb, side), []).append(point.code)
    pairs: list[list[dict[str, str]]] = []
    paired: set[str] = set()
    for (_, side), codes in sorted(groups.items()):
        for first, second in zip(codes[::2], codes[1::2], strict=False):
            pairs.append([{"code": first, "side": side}, {"code": second, "side": side}])
            paired.update((first, second))
    alone = [p.code for p in planned if p.code not in paired]
    why = (
        "The trial report does not say how the electrodes were paired. Each pair joins two "
        "needles on the same side of the same limb, so that no current crosses the chest, the "
        "spine or the midline."
    )
    if alone:
        why += (
            f" {', '.join(_name(points, c) for c in alone)} "
            f"{'has' if len(alone) == 1 else 'have'} no partner on the same limb and side, and "
            "get manual stimulation."
        )
    return pairs, why


TECHNIQUE_WORDS = {
    "deep_needling": "no deep needling",
    "intra_articular_needling": "no needling into a joint",
    "strong_electroacupuncture": "mild electrical stimulation only",
}


def _technique_limits(
    selection: Selection, blocks: Blocks, picker: PointPicker, modality: str
) -> list[dict[str, Any]]:
    """Techniques the screening rules out, everywhere or at some of the planned points."""
    limits: list[dict[str, Any]] = []
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
            {
                "technique": restriction.name,
                "limit": words,
                "points": where or "all",
                "why": restriction.reason.text() + ".",
                "citations": list(restriction.reason.citations),
            }
        )
    return limits


def _acupuncture_document(
    protocol: Protocol,
    selection: Selection,
    modality: str,
    why: str,
    substitutions: Sequence[Substitution],
    alternatives: Sequence[Mapping[str, Any]],
    sparing: bool,
    points: Mapping[str, Acupoint],
    electro_off: Sequence[str],
) -> dict[str, Any]:
    course = protocol.course
    stimulation = protocol.stimulation
    stim: dict[str, Any] = {
        "method": "electro" if modality == ELECTRO else "manual",
        "description": stimulation.description
        if modality != AURICULAR
        else "ear points needled and retained as for body points",
    }
    if modality == ELECTRO:
        stim["frequency_hz"] = [_number(f) for f in stimulation.frequency_hz]
        if stimulation.current_ma is not None:
            stim["current_ma"] = {
                "min": stimulation.current_ma.min,
                "max": stimulation.current_ma.max,
            }
        if electro_off:
            stim["no_current_at"] = list(electro_off)
    if modality == MANUAL and stimulation.method == "electro":
        stim["description"] = "manual stimulation to de qi (electrical stimulation ruled out)"
    if stimulation.de_qi is not None:
        stim["de_qi"] = stimulation.de_qi
    document: dict[str, Any] = {
        "modality": modality,
        "style": protocol.style,
        "protocol": protocol.ref,
        "protocol_name": protocol.name,
        "protocol_status": protocol.status,
        "why": why,
        "points": [p.as_document() for p in selection.points],
        "ashi_points": None,
        "needles": selection.needles,
        "needle_range": {
            "min": _number(protocol.needles.min),
            "max": None if protocol.needles.max is None else _number(protocol.needles.max),
        },
        "first_session": _first_session(selection, protocol, sparing, points),
        "stimulation": stim,
        "sessions": course.sessions,
        "sessions_per_week": course.sessions_per_week,
        "weeks": _number(course.weeks),
        "schedule": course.schedule,
        "retention_minutes": protocol.retention_minutes,
        "extension": None,
        "substitutions": [s.as_document() for s in substitutions],
        "alternatives": list(alternatives),
        "citations": [r.id for r in protocol.citations if r.evidence != "unverified"],
    }
    if protocol.status == "unverified":
        document["notice"] = (
            "Unverified protocol: " + protocol.unverified_note + " Treat the point list as a "
            "suggestion to check against your own training, not as the trial's prescription."
        )
    if protocol.retention_minutes is None:
        document["retention_note"] = protocol.retention_note
    if selection.ashi_count[1] or (selection.ashi_note and protocol.ashi is not None):
        low, high = selection.ashi_count
        document["ashi_points"] = {
            "min": low,
            "max": high,
            "per_session": True,
            "why": (
                f"Tender points found by palpation: {selection.ashi_note}."
                if high
                else selection.ashi_note
            ),
            "citations": [r.id for r in protocol.citations if r.evidence != "unverified"],
        }
    if course.extension is not None:
        document["extension"] = {
            "extra_sessions": course.extension.extra_sessions,
            "when": course.extension.when,
            "citations": [r.id for r in protocol.citations if r.evidence != "unverified"],
        }
    if selection.assumed_regions:
        document["assumed_regions"] = list(selection.regions)
        assumed = ", ".join(r.replace("_", " ") for r in selection.regions)
        document["why"] += (
            " The pain drawing names no region this protocol treats, so the plan assumes "
            f"the {assumed}: confirm with the patient."
        )
    if sparing and protocol.pools:
        document["why"] += (
            " Needle-sparing: the pools' minimum number of points, because of needle phobia "
            "or a history of fainting."
        )
    low = int(protocol.needles.min)
    if selection.needles < low and modality != AURICULAR:
        document["why"] += (
            f" The protocol asks for at least {low} needles; blocked points leave "
            f"{selection.needles}."
        )
    return document


def _all_citations(*parts: Any) -> tuple[str, ...]:
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


__all__ = ["FORMAT", "Plan", "plan"]
