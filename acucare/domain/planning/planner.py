"""The planner: intake + screening -> `Plan`."""

from __future__ import annotations

from dataclasses import dataclass, field

from acucare.domain.intake import Intake
from acucare.domain.planning.acupuncture import build_acupuncture
from acucare.domain.planning.blocks import Blocks
from acucare.domain.planning.cannot_start import (
    STATUS as CANNOT_START,
)
from acucare.domain.planning.cannot_start import (
    cannot_start_block,
    every_modality_ruled_out,
)
from acucare.domain.planning.condition import describe_condition
from acucare.domain.planning.document import Plan
from acucare.domain.planning.layers import LayerContext, components
from acucare.domain.planning.outcome import expected_outcome
from acucare.domain.planning.parts import (
    CannotStart,
    ExpectedOutcome,
    Prescription,
    Referral,
    Review,
)
from acucare.domain.planning.planned_session import check_planned_session
from acucare.domain.planning.referral import REFERRAL_DECISIONS, build_referral
from acucare.domain.planning.reviews import build_reviews, primary_measure
from acucare.domain.screening import Screening
from acucare.kb.records.care_layers import CareLayer
from acucare.kb.records.conditions import Condition, condition_for_icd10
from acucare.kb.records.instruments import Instrument
from acucare.kb.records.protocols import Protocol
from acucare.kb.records.review_rules import ordered_rules
from acucare.kb.registry import Registry


def plan(intake: Intake, screening: Screening, registry: Registry) -> Plan:
    """Build the care plan for one patient. Pure: the same inputs give the same plan."""
    from acucare.domain.scoring import score

    primary = intake.primary_condition
    condition = condition_for_icd10(registry, primary.icd10)
    condition_block, chronic = describe_condition(primary.icd10, condition, primary.duration_weeks)
    answers = intake.questionnaires
    scores = {
        instrument: intake.scores[instrument]
        if instrument in intake.scores
        else score(registry, instrument, given, field=f"questionnaires.{instrument}")
        for instrument, given in sorted(answers.items())
    }
    declined = intake.preferences.declined_modalities
    blocks = Blocks.from_screening(screening, declined)
    referral = screening.decision in REFERRAL_DECISIONS
    context = LayerContext(
        scores=scores,
        answers=answers,
        group=condition.id if condition is not None else None,
        chronic=chronic,
        other_icd10=tuple(c.icd10 for c in intake.conditions[1:]),
        findings=screening.findings,
        history=intake.history,
    )
    treated = _Treatment()
    referral_block: Referral | None = None
    if referral:
        referral_block = build_referral(screening)
        treated.outcome = _not_assessed(
            "the safety screening asks for a medical assessment before acupuncture is considered"
        )
    elif every_modality_ruled_out(screening, declined):
        treated.cannot_start = cannot_start_block(screening, declined)
        treated.outcome = _not_assessed("treatment cannot start (see cannot_start)")
    else:
        treated = _treat(registry, intake, condition, blocks, chronic, screening)
    acupuncture, reviews = treated.acupuncture, treated.reviews
    cannot_start, outcome, notes = treated.cannot_start, treated.outcome, treated.notes
    layers = list(registry.of(CareLayer).values())
    parts = components(layers, context, referral=referral or cannot_start is not None)
    rules: list[str] = [condition.ref] if condition is not None else []
    for part in parts:
        rules.extend(part.layers)
    rules.extend(treated.rules)
    status = "referral_required" if referral else CANNOT_START if cannot_start else "plan"
    return Plan(
        status=status,
        screening=screening,
        condition=condition_block,
        acupuncture=acupuncture,
        components=tuple(parts),
        reviews=tuple(reviews),
        expected_outcome=outcome,
        kb_version=registry.version,
        rules=tuple(dict.fromkeys(rules)),
        scores=tuple(scores.values()),
        referral=referral_block,
        cannot_start=cannot_start,
        notes=tuple(notes),
    )


def _not_assessed(because: str) -> ExpectedOutcome:
    return ExpectedOutcome(f"Not assessed: {because}.", (), (), ())


@dataclass
class _Treatment:
    """What the acupuncture branch of a plan produced."""

    acupuncture: Prescription | None = None
    protocol: Protocol | None = None
    reviews: list[Review] = field(default_factory=list)
    outcome: ExpectedOutcome = field(default_factory=lambda: ExpectedOutcome("", (), (), ()))
    cannot_start: CannotStart | None = None
    rules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _treat(
    registry: Registry,
    intake: Intake,
    condition: Condition | None,
    blocks: Blocks,
    chronic: bool | None,
    screening: Screening,
) -> _Treatment:
    """The acupuncture, reviews and expected outcome of a patient who may be treated."""
    duration = intake.primary_condition.duration_weeks
    acupuncture, protocol, rules, notes = build_acupuncture(registry, intake, condition, blocks)
    treated = _Treatment(acupuncture, protocol, rules=list(rules), notes=list(notes))
    if protocol is not None and chronic is False:
        treated.notes.append(
            "The protocol comes from trials in people with chronic pain; this pain has "
            f"lasted {duration:g} weeks and is not yet chronic."
        )
    treated.outcome = expected_outcome(condition, protocol)
    if protocol is not None and acupuncture is None:
        # The protocol exists, but every point and every ear point is ruled out.
        treated.cannot_start = cannot_start_block(
            screening,
            intake.preferences.declined_modalities,
            nothing_plannable=(
                f"no point of the {protocol.name} protocol, and no ear point, can be used "
                "for this patient (see the screening)"
            ),
        )
        treated.outcome = _not_assessed("treatment cannot start (see cannot_start)")
        return treated
    if protocol is not None:
        protocols = registry.of(Protocol)
        alternatives = [  # by name: the review text is read by people, not by code
            protocols[pid].name
            for pid in registry.index("protocols_by_condition").get(protocol.conditions[0], ())
            if pid != protocol.id
        ]
        treated.reviews = build_reviews(
            protocol,
            condition,
            primary_measure(intake.questionnaires),
            registry.of(Instrument),
            ordered_rules(registry),
            alternative=alternatives[0] if alternatives else None,
            chronic=chronic,
            pregnant=bool(intake.pregnancy.pregnant),
        )
    if acupuncture is not None:
        treated.acupuncture = check_planned_session(intake, acupuncture, registry)
        if treated.acupuncture.session_check is not None:
            treated.rules.extend(f.ref for f in treated.acupuncture.session_check.findings)
    return treated
