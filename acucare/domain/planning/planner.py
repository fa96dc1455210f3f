"""The planner: intake + screening -> `Plan`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from acucare.domain.intake import Intake
from acucare.domain.planning.acupuncture import build_acupuncture
from acucare.domain.planning.blocks import Blocks
from acucare.domain.planning.condition import describe_condition
from acucare.domain.planning.document import Documented, Plan, all_citations
from acucare.domain.planning.layers import LayerContext, components
from acucare.domain.planning.outcome import expected_outcome
from acucare.domain.planning.planned_session import check_planned_session
from acucare.domain.planning.referral import REFERRAL_DECISIONS, build_referral
from acucare.domain.planning.reviews import build_reviews, primary_measure
from acucare.kb.records.care_layers import CareLayer
from acucare.kb.records.conditions import condition_for_icd10
from acucare.kb.records.instruments import Instrument
from acucare.kb.records.protocols import Protocol
from acucare.kb.registry import Registry


def plan(intake: Documented, screening: Documented, registry: Registry) -> Plan:
    """Build the care plan for one patient. Pure: the same inputs give the same plan."""
    from acucare.domain.scoring import score

    intake_doc = intake.as_document()
    screening_doc = dict(screening.as_document())
    primary = intake_doc["conditions"][0]
    icd10 = str(primary["icd10"])
    duration = primary.get("duration_weeks")
    condition = condition_for_icd10(registry, icd10)
    condition_block, chronic = describe_condition(icd10, condition, duration)
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
        referral_block = build_referral(screening_doc)
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
        acupuncture, protocol, plan_rules, plan_notes = build_acupuncture(
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
    citations = all_citations(
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
