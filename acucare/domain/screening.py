"""Safety screening: an intake against the safety rules of the knowledge base.

Every acting rule whose trigger holds gives one finding. The decision is the most severe
finding's consequence: urgent -> ``urgent_referral``; refer -> ``refer_before_treatment``;
block or warn -> ``proceed_with_precautions``; notes only, or nothing -> ``proceed``.
Rules only ever ask for the presence of a risk, so more risk never lowers the decision
and never unblocks anything. What the findings block is gathered into the document's
``blocked_*`` lists, which the planner reads to place nothing blocked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from acucare.domain.intake import Intake
from acucare.domain.referral_outcome import ReferralOutcome
from acucare.kb.records.medications import classify_medication
from acucare.kb.records.safety_rules import (
    EMPTY_POINTS,
    LEVELS,
    Clause,
    PointSet,
    SafetyIndex,
    SafetyRule,
    points_on_sites,
)
from acucare.kb.registry import Registry
from acucare.kb.vocabulary import MODALITIES

SCREENING_FORMAT = "acucare.screening/1"

DECISIONS: dict[str, str] = {
    "urgent": "urgent_referral",
    "refer": "refer_before_treatment",
    "block": "proceed_with_precautions",
    "warn": "proceed_with_precautions",
    "note": "proceed",
}
# Least to most severe.
DECISION_ORDER: tuple[str, ...] = (
    "proceed",
    "proceed_with_precautions",
    "refer_before_treatment",
    "urgent_referral",
)
REFERRAL_ORDER: tuple[str, ...] = ("none", "routine", "same_day", "emergency")
_LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}


def safety_index(registry: Registry) -> SafetyIndex:
    index: SafetyIndex = registry.index("safety")
    return index


# --- What is blocked ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Restriction:
    """A technique or modality restricted everywhere (no sites) or on some sites."""

    name: str  # the technique or modality
    sites: frozenset[str]  # empty: everywhere
    points: PointSet  # the points on those sites


@dataclass(frozen=True, slots=True)
class Blocked:
    """What one finding, or a whole screening, blocks."""

    modalities: frozenset[str] = frozenset()
    points: frozenset[str] = frozenset()  # on every side
    point_sides: frozenset[tuple[str, str]] = frozenset()  # (code, "left" | "right")
    sites: frozenset[str] = frozenset()
    limbs: frozenset[str] = frozenset()
    techniques: tuple[Restriction, ...] = ()
    modality_sites: tuple[Restriction, ...] = ()
    # Electroacupuncture pairs ((code, side), (code, side)), in session checks only.
    pairs: frozenset[tuple[tuple[str, str], tuple[str, str]]] = frozenset()

    @property
    def is_empty(self) -> bool:
        return self == EMPTY_BLOCKED

    def __or__(self, other: Blocked) -> Blocked:
        return Blocked(
            self.modalities | other.modalities,
            self.points | other.points,
            self.point_sides | other.point_sides,
            self.sites | other.sites,
            self.limbs | other.limbs,
            _merge(self.techniques, other.techniques),
            _merge(self.modality_sites, other.modality_sites),
            self.pairs | other.pairs,
        )

    # Questions the planner and the session check ask.

    def blocks_modality(self, modality: str) -> bool:
        return modality in self.modalities

    def blocks_point(self, code: str, side: str) -> bool:
        """Whether a point is blocked on a side (``bilateral``: on either side)."""
        if code in self.points:
            return True
        return any((code, s) in self.point_sides for s in _sides(side))

    def blocks_point_for(self, modality: str, code: str, side: str) -> bool:
        """Whether a modality may not be used at this point (modality-site blocks)."""
        return any(
            r.name == modality and _in_points(r.points, code, side) for r in self.modality_sites
        )

    def blocks_technique(self, technique: str, code: str | None = None, side: str = "") -> bool:
        """Whether a technique is blocked everywhere, or (given a point) at that point."""
        for restriction in self.techniques:
            if restriction.name != technique:
                continue
            if not restriction.sites:
                return True
            if code is not None and _in_points(restriction.points, code, side):
                return True
        return False

    def as_document(self, index: SafetyIndex) -> dict[str, Any]:
        return {
            "modalities": sorted(self.modalities),
            "points": _sorted_points(self.points, index),
            "sites": _sorted_sites(self.sites, index),
            "limbs": sorted(self.limbs),
            "point_sides": _point_sides_document(self.point_sides, index),
            "techniques": [_restriction_document(r, index, "technique") for r in self.techniques],
            "modality_sites": [
                _restriction_document(r, index, "modality") for r in self.modality_sites
            ],
            "pairs": [
                [{"code": code, "side": side} for code, side in pair] for pair in sorted(self.pairs)
            ],
        }


EMPTY_BLOCKED = Blocked()


def _sides(side: str) -> tuple[str, ...]:
    return ("left", "right") if side in ("bilateral", "midline") else (side,)


def _in_points(points: PointSet, code: str, side: str) -> bool:
    if code in points.points:
        return True
    return any((code, s) in points.point_sides for s in _sides(side))


def _merge(
    first: tuple[Restriction, ...], second: tuple[Restriction, ...]
) -> tuple[Restriction, ...]:
    if not second:
        return first
    if not first:
        return second
    merged: dict[str, Restriction] = {}
    for restriction in (*first, *second):
        seen = merged.get(restriction.name)
        if seen is None:
            merged[restriction.name] = restriction
        elif not seen.sites or not restriction.sites:  # everywhere wins
            merged[restriction.name] = Restriction(restriction.name, frozenset(), EMPTY_POINTS)
        else:
            merged[restriction.name] = Restriction(
                restriction.name,
                seen.sites | restriction.sites,
                seen.points | restriction.points,
            )
    return tuple(sorted(merged.values(), key=lambda r: r.name))


def _order(code: str, index: SafetyIndex) -> tuple[int, str]:
    place = index.points.get(code)
    return (place.order if place is not None else len(index.points), code)


def _sorted_points(points: Iterable[str], index: SafetyIndex) -> list[str]:
    return sorted(points, key=lambda code: _order(code, index))


def _sorted_sites(sites: Iterable[str], index: SafetyIndex) -> list[str]:
    position = index.site_order
    return sorted(sites, key=lambda site: (position.get(site, len(position)), site))


def _point_sides_document(
    point_sides: Iterable[tuple[str, str]], index: SafetyIndex
) -> list[dict[str, str]]:
    ordered = sorted(point_sides, key=lambda item: (_order(item[0], index), item[1]))
    return [{"code": code, "side": side} for code, side in ordered]


def _restriction_document(r: Restriction, index: SafetyIndex, key: str) -> dict[str, object]:
    return {
        key: r.name,
        "sites": _sorted_sites(r.sites, index),
        "points": _sorted_points(r.points.points, index),
        "point_sides": _point_sides_document(r.points.point_sides, index),
    }


# --- Findings and the screening -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    version: int
    level: str
    message: str
    action: str
    citations: tuple[str, ...]
    blocks: Blocked = EMPTY_BLOCKED
    referral: str = "none"
    caution_sites: tuple[str, ...] = ()
    # For a session check: the point, pair or modality of the session the finding is about.
    subject: Mapping[str, Any] | None = None
    # A referral the finding asked for, as a doctor answered it (acucare.domain.referrals).
    referral_outcome: ReferralOutcome | None = None

    @property
    def ref(self) -> str:
        return f"{self.rule}@{self.version}"

    def as_document(self, index: SafetyIndex) -> dict[str, object]:
        document: dict[str, object] = {
            "rule": self.rule,
            "version": self.version,
            "level": self.level,
            "message": self.message,
            "action": self.action,
            "citations": list(self.citations),
            "blocks": self.blocks.as_document(index),
            "referral": self.referral,
        }
        if self.caution_sites:
            document["caution_sites"] = _sorted_sites(self.caution_sites, index)
        if self.subject is not None:
            document["subject"] = dict(self.subject)
        if self.referral_outcome is not None:
            document["referral_outcome"] = self.referral_outcome.as_document()
        return document


@dataclass(frozen=True)
class Screening:
    """The outcome of screening one intake; `as_document()` is the spec's document."""

    decision: str
    findings: tuple[Finding, ...]
    blocked: Blocked
    caution_sites: tuple[str, ...]
    referral: str
    kb_version: str
    index: SafetyIndex = field(repr=False, compare=False)
    # Rules applied after screening (the referral clearance), listed after the findings'.
    later_rules: tuple[str, ...] = ()

    @property
    def rules_applied(self) -> tuple[str, ...]:
        return (*(finding.ref for finding in self.findings), *self.later_rules)

    @property
    def treatment_can_start(self) -> bool:
        """False when the patient is referred first, or every modality is blocked (no
        consent, no capacity, or blocks that together leave nothing)."""
        if self.decision in ("refer_before_treatment", "urgent_referral"):
            return False
        return not set(MODALITIES) <= self.blocked.modalities

    def allows_point(self, code: str, side: str, modality: str) -> bool:
        """Whether a point may be used on a side with a modality (for the planner)."""
        blocked = self.blocked
        return not (
            blocked.blocks_modality(modality)
            or blocked.blocks_point(code, side)
            or blocked.blocks_point_for(modality, code, side)
        )

    def as_document(self) -> dict[str, Any]:
        index = self.index
        blocked = self.blocked.as_document(index)
        return {
            "format": SCREENING_FORMAT,
            "decision": self.decision,
            "findings": [finding.as_document(index) for finding in self.findings],
            "blocked_modalities": blocked["modalities"],
            "blocked_points": blocked["points"],
            "blocked_sites": blocked["sites"],
            "blocked_limbs": blocked["limbs"],
            "blocked_point_sides": blocked["point_sides"],
            "blocked_techniques": blocked["techniques"],
            "blocked_modality_sites": blocked["modality_sites"],
            "caution_sites": _sorted_sites(self.caution_sites, index),
            "referral": self.referral,
            "treatment_can_start": self.treatment_can_start,
            "rules_applied": list(self.rules_applied),
            "kb_version": self.kb_version,
        }


# --- The facts a rule can ask about -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules read from an intake, as sets."""

    history: frozenset[str]
    red_flags: frozenset[str]
    medication_classes: Mapping[str, tuple[str, ...]]  # class id -> entries naming it
    unrecognised_medications: tuple[str, ...]
    pregnant: bool
    pregnancy_weeks: int | None
    age: int
    questionnaire_flags: Mapping[tuple[str, str], str]  # (instrument, flag) -> message
    limbs_at_risk: tuple[str, ...]
    skin_lesion_sites: tuple[str, ...]
    consent_given_by: str | None
    pregnancy_unknown: bool = False  # pregnancy neither recorded nor excluded
    puerperium: bool = False
    sex: str = "unknown"
    pain_sites: frozenset[str] = frozenset()
    # (condition group, duration in weeks or None), one per intake condition
    conditions: tuple[tuple[str, int | None], ...] = ()


WEEKS_PER_YEAR = 52.1775  # 365.2425 days / 7


def facts_of(intake: Intake, registry: Registry) -> Facts:
    classes: dict[str, list[str]] = {}
    unrecognised: list[str] = []
    for entry in intake.medications:
        found = classify_medication(registry, entry)
        if not found:
            unrecognised.append(entry)
        for class_id in found:
            classes.setdefault(class_id, []).append(entry)
    flags = {
        (instrument, flag.code): flag.message
        for instrument, result in intake.scores.items()
        for flag in result.flags
    }
    return Facts(
        history=frozenset(intake.history),
        red_flags=frozenset(intake.red_flags),
        medication_classes={k: tuple(v) for k, v in classes.items()},
        unrecognised_medications=tuple(unrecognised),
        pregnant=intake.pregnancy.pregnant is True,
        pregnancy_weeks=intake.pregnancy.weeks,
        age=intake.patient.age,
        questionnaire_flags=flags,
        limbs_at_risk=intake.limbs_at_risk,
        skin_lesion_sites=intake.skin_lesion_sites,
        consent_given_by=intake.consent.given_by,
        pregnancy_unknown=intake.pregnancy.pregnant is None,
        puerperium=intake.pregnancy.puerperium,
        sex=intake.patient.sex,
        pain_sites=frozenset(intake.pain_sites),
        conditions=tuple((c.group, c.duration_weeks) for c in intake.conditions),
    )


def onset_age(age: int, duration_weeks: int | None) -> float | None:
    """The age at which a condition began, or None when its duration is not known."""
    if duration_weeks is None:
        return None
    return age - duration_weeks / WEEKS_PER_YEAR


def could_have_begun_at(age: int, duration_weeks: int, minimum: int) -> bool:
    """Whether a condition could have begun at ``minimum`` years or later.

    The intake's age is in completed years, so the patient may be up to a year older than it
    says: a 52-year-old with a headache of 105 weeks may have been 50 when it began. Fail
    closed: the latest possible onset decides.
    """
    return age + 1 - duration_weeks / WEEKS_PER_YEAR > minimum


def _matching_conditions(clause: Clause, facts: Facts) -> list[tuple[str, int | None]]:
    """The intake conditions that meet the clause's condition criteria."""
    found = []
    for group, weeks in facts.conditions:
        if clause.condition_groups and group not in clause.condition_groups:
            continue
        minimum = clause.condition_onset_age_min
        if (
            minimum is not None
            and weeks is not None
            and not could_have_begun_at(facts.age, weeks, minimum)
        ):
            continue
        limit = clause.condition_duration_weeks_max
        if limit is not None and weeks is not None and weeks > limit:
            continue
        found.append((group, weeks))
    return found


def _has_condition_criteria(clause: Clause) -> bool:
    return bool(
        clause.condition_groups
        or clause.condition_onset_age_min is not None
        or clause.condition_duration_weeks_max is not None
    )


def clause_holds(clause: Clause, facts: Facts) -> bool:
    """Whether the patient criteria of a clause hold (session criteria are checked apart)."""
    return (
        _answers_hold(clause, facts)
        and _pregnancy_holds(clause, facts)
        and _person_holds(clause, facts)
        and _medicines_hold(clause, facts)
    )


def _answers_hold(clause: Clause, facts: Facts) -> bool:
    """History, red flags, pain sites, conditions, questionnaire flags, limbs and skin."""
    if clause.history and not facts.history.issuperset(clause.history):
        return False
    if clause.red_flags and not facts.red_flags.issuperset(clause.red_flags):
        return False
    if clause.pain_sites_any and not facts.pain_sites.intersection(clause.pain_sites_any):
        return False
    if _has_condition_criteria(clause) and not _matching_conditions(clause, facts):
        return False
    if clause.questionnaire_flags and not all(
        (q.instrument, q.flag) in facts.questionnaire_flags for q in clause.questionnaire_flags
    ):
        return False
    if clause.any_limb_at_risk and not facts.limbs_at_risk:
        return False
    return not (clause.any_skin_lesion and not facts.skin_lesion_sites)


def _pregnancy_holds(clause: Clause, facts: Facts) -> bool:
    if clause.pregnant and not facts.pregnant:
        return False
    if clause.pregnancy_unknown and not facts.pregnancy_unknown:
        return False
    if clause.puerperium and not facts.puerperium:
        return False
    weeks = facts.pregnancy_weeks
    if weeks is None:  # unknown weeks match any range: fail closed
        return True
    if clause.pregnancy_weeks_min is not None and weeks < clause.pregnancy_weeks_min:
        return False
    return not (clause.pregnancy_weeks_max is not None and weeks > clause.pregnancy_weeks_max)


def _person_holds(clause: Clause, facts: Facts) -> bool:
    """Sex, age and who gave consent."""
    if clause.sexes and facts.sex not in clause.sexes:
        return False
    if clause.age_min is not None and facts.age < clause.age_min:
        return False
    if clause.age_max is not None and facts.age > clause.age_max:
        return False
    return not (clause.consent_not_from and facts.consent_given_by in clause.consent_not_from)


def _medicines_hold(clause: Clause, facts: Facts) -> bool:
    if clause.medication_classes and not all(
        c in facts.medication_classes for c in clause.medication_classes
    ):
        return False
    if clause.unrecognised_medication and not facts.unrecognised_medications:
        return False
    return not (
        clause.medicines_in_classes is not None
        and len(_entries_in(clause.medicines_in_classes.classes, facts))
        < clause.medicines_in_classes.at_least
    )


def _entries_in(classes: Iterable[str], facts: Facts) -> tuple[str, ...]:
    """The intake's medication entries that fall in any of these classes, each once."""
    entries = (entry for c in classes for entry in facts.medication_classes.get(c, ()))
    return tuple(dict.fromkeys(entries))


def rule_blocks(rule: SafetyRule, facts: Facts, index: SafetyIndex) -> Blocked:
    """What a firing patient rule blocks, its intake-dependent parts included."""
    spec = rule.blocks
    if spec.is_empty:
        return EMPTY_BLOCKED
    points = index.rule_points.get(rule.id, EMPTY_POINTS)
    limbs: set[str] = set(spec.limbs)
    sites: set[str] = set(spec.sites)
    if spec.intake_limbs_at_risk:
        limbs.update(facts.limbs_at_risk)
        for limb in facts.limbs_at_risk:
            points = points | index.limb_points.get(limb, EMPTY_POINTS)
    if spec.intake_skin_lesion_sites:
        sites.update(facts.skin_lesion_sites)
        points = points | points_on_sites(facts.skin_lesion_sites, index.site_points)
    return Blocked(
        modalities=frozenset(spec.modalities),
        points=points.points,
        point_sides=points.point_sides,
        sites=frozenset(sites),
        limbs=frozenset(limbs),
        techniques=_restrictions(((t.technique, t.sites) for t in spec.techniques), index),
        modality_sites=_restrictions(((m.modality, m.sites) for m in spec.modality_sites), index),
    )


def _restrictions(
    items: Iterable[tuple[str, tuple[str, ...]]], index: SafetyIndex
) -> tuple[Restriction, ...]:
    merged: tuple[Restriction, ...] = ()
    for name, sites in items:
        restriction = Restriction(name, frozenset(sites), points_on_sites(sites, index.site_points))
        merged = _merge(merged, (restriction,))
    return merged


def _detail(rule: SafetyRule, facts: Facts) -> str:
    """What in the intake made the rule fire, where the message alone does not say."""
    parts: list[str] = []
    for clause in rule.trigger:
        if clause_holds(clause, facts):
            parts.extend(_clause_detail(clause, facts))
    return "; ".join(dict.fromkeys(parts))


def _clause_detail(clause: Clause, facts: Facts) -> list[str]:
    parts: list[str] = []
    for class_id in clause.medication_classes:
        parts.extend(facts.medication_classes.get(class_id, ()))
    if clause.medicines_in_classes is not None:
        parts.extend(_entries_in(clause.medicines_in_classes.classes, facts))
    if clause.unrecognised_medication:
        parts.extend(facts.unrecognised_medications)
    if clause.any_limb_at_risk:
        parts.extend(limb.replace("_", " ") for limb in facts.limbs_at_risk)
    if clause.any_skin_lesion:
        parts.extend(site.replace("_", " ") for site in facts.skin_lesion_sites)
    for flag in clause.questionnaire_flags:
        message = facts.questionnaire_flags.get((flag.instrument, flag.flag))
        if message:
            parts.append(message)
    return parts + _patient_detail(clause, facts)


def _patient_detail(clause: Clause, facts: Facts) -> list[str]:
    """Pregnancy, pain-site and onset details of the clauses that infer a red flag."""
    parts: list[str] = []
    if clause.pregnancy_unknown:
        parts.append("pregnancy status not recorded")
    if clause.puerperium:
        parts.append("recent birth")
    parts.extend(
        site.replace("_", " ") for site in clause.pain_sites_any if site in facts.pain_sites
    )
    if clause.condition_onset_age_min is not None or clause.condition_duration_weeks_max:
        parts.extend(_onset_detail(facts, clause))
    return parts


def _onset_detail(facts: Facts, clause: Clause) -> list[str]:
    parts = []
    for group, weeks in _matching_conditions(clause, facts):
        name = group.replace("_", " ")
        if weeks is None:
            parts.append(f"{name}: when it began is not recorded, age {facts.age}")
        else:
            # Age is in completed years: the onset lies within a year after age - duration.
            began = round((onset_age(facts.age, weeks) or 0) + 0.5)
            parts.append(f"{name} began {weeks} weeks ago, at about age {began}")
    return parts


def finding_for(rule: SafetyRule, facts: Facts, index: SafetyIndex) -> Finding:
    detail = _detail(rule, facts)
    message = f"{rule.message} ({detail})" if detail else rule.message
    return Finding(
        rule=rule.id,
        version=rule.version,
        level=rule.level,
        message=message,
        action=rule.action,
        citations=tuple(dict.fromkeys(ref.id for ref in rule.citations)),
        blocks=rule_blocks(rule, facts, index),
        referral=rule.referral,
        caution_sites=rule.caution_sites,
    )


def decide(levels: Iterable[str]) -> str:
    """The decision for a set of finding levels: the most severe one's consequence."""
    worst = min((_LEVEL_RANK[level] for level in levels), default=_LEVEL_RANK["note"])
    return DECISIONS[LEVELS[worst]]


def screen(intake: Intake, registry: Registry) -> Screening:
    """Screen an intake against every acting safety rule."""
    return screen_facts(facts_of(intake, registry), registry)


def screen_facts(facts: Facts, registry: Registry) -> Screening:
    index = safety_index(registry)
    findings = [
        finding_for(rule, facts, index)
        for rule in index.patient_rules
        if any(clause_holds(clause, facts) for clause in rule.trigger)
    ]
    # Within a level, the more urgent referral first: the plan's referral reads the findings
    # in this order, and a routine reason must not lead a same-day referral.
    findings.sort(key=lambda f: (_LEVEL_RANK[f.level], -REFERRAL_ORDER.index(f.referral), f.rule))
    blocked = EMPTY_BLOCKED
    cautions: dict[str, None] = {}
    referral = 0
    for finding in findings:
        if not finding.blocks.is_empty:
            blocked = blocked | finding.blocks
        cautions.update(dict.fromkeys(finding.caution_sites))
        referral = max(referral, REFERRAL_ORDER.index(finding.referral))
    return Screening(
        decision=decide(f.level for f in findings),
        findings=tuple(findings),
        blocked=blocked,
        caution_sites=tuple(cautions),
        referral=REFERRAL_ORDER[referral],
        kb_version=registry.version,
        index=index,
    )
