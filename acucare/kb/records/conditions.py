"""Conditions: the diagnosis groups that screening, planning and the clinic app work with.

A condition groups ICD-10-CM codes through patterns (``M54.50`` exactly, or ``M54.5*`` for
that code and everything below it), says from when pain counts as chronic, summarises what
the trials found for acupuncture, and states each guideline body's and payer's position as
it is: "do not offer" and "no position located" are answers too. Every figure and position
carries its sources; one that cites only unverified sources is stored but never acted upon.

`condition_for_icd10` maps a code to the group of its most specific matching pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol

from acucare.kb.constraints import Ge, Gt, Le
from acucare.kb.records.base import (
    STRICT,
    CitationRef,
    CollectionSpec,
    NonEmptyStr,
    Problem,
    RecordStatus,
    acts_on,
)
from acucare.kb.records.body_sites import BodyRegion
from acucare.kb.vocabulary import RedFlag  # the intake's red-flag vocabulary, stated once

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

# The written form of an ICD-10-CM code: a letter, a digit, a digit or letter (the category,
# e.g. M54 or M1A), then optionally a dot and one to four more characters (M54.50,
# S72.001A). Claims often drop the dot, so "M5450" is accepted too. Upper case only:
# callers normalise with `normalise_icd10` first.
ICD10_CM_FORM = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")

# How a pattern is spelled in the knowledge files: the dotted code itself, or the dotted code
# followed by "*" (that code and all codes below it). A bare category takes "M17.*".
_DOTTED_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$")
_PATTERN_FORM = re.compile(
    r"^(?P<code>[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?P<wild>\*)?$"
    r"|^(?P<category>[A-Z][0-9][0-9A-Z])\.\*$"
)

INDEX = "condition_icd10"

Comparison = Literal[
    "sham",  # sham or placebo acupuncture
    "no_acupuncture",  # usual care, waiting list or no added treatment
    "usual_care",  # acupuncture added to usual care, compared with usual care alone
    "conventional_drugs",  # drug treatment without acupuncture
]
Certainty = Literal["high", "moderate", "low", "very_low", "not_graded"]
Jurisdiction = Literal["UK", "US", "international"]
GuidelineBody = Literal["NICE", "ACP", "ACR", "CMS", "OARSI", "VA/DoD", "SIGN", "AAN/AHS"]
Position = Literal[
    "recommend",
    "consider",
    "conditional",
    "do_not_offer",
    "not_recommended",
    "covered",
    "not_covered",
    "no_position_located",
]
COVERAGE_POSITIONS: frozenset[str] = frozenset({"covered", "not_covered", "no_position_located"})
PAYERS: frozenset[str] = frozenset({"CMS"})

# Condition-specific outcome thresholds only. Thresholds that belong to an instrument (NRS,
# PEG, RMDQ, ODI, PGIC) live with the instrument records and `classify_change`.
ChangeMeasure = Literal[
    "headache_days",  # headache days per month
    "migraine_frequency",  # migraine days or attacks per month
]
ChangeLevel = Literal[
    "clinically_important",
    "trial_responder",  # the responder threshold used by the trials behind the evidence
]


CoverageExclusion = Literal[
    "identifiable_systemic_cause",  # e.g. metastatic, inflammatory or infectious disease
    "associated_with_surgery",
    "associated_with_pregnancy",
]
StopWhen = Literal["not_improving", "regressing"]

Percent = Annotated[float, Ge(0), Le(100)]
Count = Annotated[int, Ge(1)]


@dataclass(frozen=True)
class CitedText:
    """A statement in plain words with its sources, e.g. the definition of chronic."""

    __pydantic_config__ = STRICT

    text: NonEmptyStr
    status: RecordStatus
    citations: tuple[CitationRef, ...]


@dataclass(frozen=True)
class IcdCode:
    """A code the clinic will meet, with its descriptor, for pick lists and checks."""

    __pydantic_config__ = STRICT

    code: NonEmptyStr
    descriptor: NonEmptyStr
    citations: tuple[CitationRef, ...]
    note: str = ""
    # The sided body site a side-specific code names (M17.11 -> right_knee). It acts, and
    # the intake takes the side from it, only when the descriptor's sources are checked.
    site: NonEmptyStr | None = None


@dataclass(frozen=True)
class EffectSize:
    """A pooled standardised effect on pain, in standard-deviation units.

    `estimate` and `ci95` are signed so that a positive value favours acupuncture,
    whatever sign convention the source used (`detail` says when it was flipped).
    """

    __pydantic_config__ = STRICT

    comparison: Comparison
    outcome: NonEmptyStr  # e.g. "pain"
    population: NonEmptyStr  # whose pain the pooled estimate describes
    estimate: float
    ci95: tuple[float, float] | None
    approximate: bool  # the source gives a rounded figure ("close to 0.5 SD")
    trials: Count | None
    patients: Count | None
    timepoint: NonEmptyStr
    certainty: Certainty
    detail: NonEmptyStr
    status: RecordStatus
    citations: tuple[CitationRef, ...]


@dataclass(frozen=True)
class ResponderFigure:
    """How many of 100 people respond with acupuncture and with the comparison."""

    __pydantic_config__ = STRICT

    comparison: Comparison
    definition: NonEmptyStr  # what counted as a response
    acupuncture_per_100: Percent
    control_per_100: Percent
    trials: Count | None
    patients: Count | None
    timepoint: NonEmptyStr
    detail: NonEmptyStr
    status: RecordStatus
    citations: tuple[CitationRef, ...]


@dataclass(frozen=True)
class Persistence:
    """How much of the benefit is left some time after the course ends."""

    __pydantic_config__ = STRICT

    comparison: Comparison
    retained_at_12_months_percent: Percent | None
    decline_sd_per_3_months: float | None
    decline_ci95: tuple[float, float] | None
    trials: Count | None
    patients: Count | None
    detail: NonEmptyStr
    status: RecordStatus
    citations: tuple[CitationRef, ...]


@dataclass(frozen=True)
class EvidenceSummary:
    """What the trials show, headline first in every list."""

    __pydantic_config__ = STRICT

    plain_language: CitedText
    effects: tuple[EffectSize, ...] = ()
    responders: tuple[ResponderFigure, ...] = ()
    persistence: tuple[Persistence, ...] = ()
    findings: tuple[CitedText, ...] = ()  # other sourced statements (dose, safety, caveats)


@dataclass(frozen=True)
class CourseLimit:
    """The size of course a guideline speaks of."""

    __pydantic_config__ = STRICT

    single_course: bool
    max_sessions: Count | None = None
    min_weeks: Count | None = None
    max_weeks: Count | None = None
    max_clinician_hours: Annotated[float, Gt(0)] | None = None


@dataclass(frozen=True)
class GuidelinePosition:
    """One body's position on acupuncture for this condition, stated as the body states it."""

    __pydantic_config__ = STRICT

    body: GuidelineBody
    jurisdiction: Jurisdiction
    guideline: NonEmptyStr  # id and title, e.g. "NG59 Low back pain and sciatica in over 16s"
    year: Annotated[int, Ge(1970)]
    position: Position
    detail: NonEmptyStr  # in plain words, including scope and conditions
    status: RecordStatus
    citations: tuple[CitationRef, ...]
    course: CourseLimit | None = None
    currency_note: str = ""  # e.g. a body's rule on when its guidance lapses


@dataclass(frozen=True)
class CoverageLimits:
    """A payer's visit limits, which the planner turns into review points."""

    __pydantic_config__ = STRICT

    body: GuidelineBody  # the payer, e.g. CMS (Medicare)
    policy: NonEmptyStr  # e.g. "NCD 30.3.3"
    min_duration_weeks: Count
    excluded_when: tuple[CoverageExclusion, ...]
    initial_visits: Count
    initial_window_days: Count
    extension_visits: Annotated[int, Ge(0)]
    extension_requires_improvement: bool
    annual_max_visits: Count
    stop_when: tuple[StopWhen, ...]
    detail: NonEmptyStr
    open_questions: str
    status: RecordStatus
    citations: tuple[CitationRef, ...]


@dataclass(frozen=True)
class MeaningfulChange:
    """A condition-specific change that counts as worthwhile, with its source.

    For example the responder definition of the headache trials (50 % fewer headache
    days). When both `points` and `percent` are given, reaching either one qualifies.
    """

    __pydantic_config__ = STRICT

    measure: ChangeMeasure
    level: ChangeLevel
    detail: NonEmptyStr
    status: RecordStatus
    citations: tuple[CitationRef, ...]
    points: Annotated[float, Gt(0)] | None = None  # improvement in the measure's units
    percent: Annotated[float, Gt(0), Le(100)] | None = None  # improvement from baseline


@dataclass(frozen=True)
class RedFlagScreen:
    """The intake red flags to ask about for this condition before needling."""

    __pydantic_config__ = STRICT

    flags: tuple[RedFlag, ...]
    rationale: NonEmptyStr
    status: RecordStatus
    citations: tuple[CitationRef, ...]


@dataclass(frozen=True)
class Condition:
    __pydantic_config__ = STRICT

    id: NonEmptyStr  # group id, e.g. chronic_low_back_pain
    version: Count  # raise when the clinical content changes
    name: NonEmptyStr
    description: NonEmptyStr  # who belongs in the group, in plain words
    icd10: tuple[NonEmptyStr, ...]  # patterns: "M54.50", "M54.5*", "M17.*"
    icd10_codes: tuple[IcdCode, ...]  # known codes with descriptors and their sources
    chronic_after_weeks: Count
    chronic_definition: CitedText
    typical_regions: tuple[NonEmptyStr, ...]  # body-region ids (knowledge/body_sites)
    evidence: EvidenceSummary
    guidelines: tuple[GuidelinePosition, ...]
    meaningful_change: tuple[MeaningfulChange, ...] = ()
    red_flags: RedFlagScreen | None = None
    coverage_limits: tuple[CoverageLimits, ...] = ()

    @property
    def ref(self) -> str:
        """The id@version that outputs record."""
        return f"{self.id}@{self.version}"

    def is_chronic(self, duration_weeks: float) -> bool:
        return duration_weeks >= self.chronic_after_weeks

    def positions(self, jurisdiction: Jurisdiction) -> tuple[GuidelinePosition, ...]:
        """The positions that may be acted upon in one jurisdiction, in file order."""
        return tuple(
            g
            for g in self.guidelines
            if g.jurisdiction == jurisdiction and g.status == "active" and acts_on(g.citations)
        )

    def headline_effect(self, comparison: Comparison) -> EffectSize | None:
        """The first effect against `comparison` that may be shown as evidence."""
        for effect in self.evidence.effects:
            if (
                effect.comparison == comparison
                and effect.status == "active"
                and acts_on(effect.citations)
            ):
                return effect
        return None

    def coverage(self, body: GuidelineBody) -> CoverageLimits | None:
        for limits in self.coverage_limits:
            if limits.body == body and limits.status == "active" and acts_on(limits.citations):
                return limits
        return None


COLLECTION = CollectionSpec("conditions", Condition, "id")


def normalise_icd10(code: str) -> str:
    """Upper case without surrounding spaces: the form `ICD10_CM_FORM` checks."""
    return code.strip().upper()


def _key(code: str) -> str:
    return code.replace(".", "")


def parse_pattern(pattern: str) -> tuple[str, bool] | None:
    """(dotless code, is-wildcard) for a well-formed pattern, or None."""
    match = _PATTERN_FORM.match(pattern)
    if match is None:
        return None
    if match.group("category") is not None:
        return match.group("category"), True
    return _key(match.group("code")), match.group("wild") is not None


def build_indexes(registry: Registry) -> dict[str, Any]:
    """The pattern index, and the inert statements that `kb check` lists.

    Pattern index: {"exact": {code: id}, "prefix": {code: id}}, dots removed. When two
    conditions claim one pattern the first (by id) keeps it; `check` reports it.
    """
    exact: dict[str, str] = {}
    prefix: dict[str, str] = {}
    inert: list[str] = []
    for key in sorted(registry.of(Condition)):
        condition = registry.of(Condition)[key]
        for pattern in condition.icd10:
            parsed = parse_pattern(pattern)
            if parsed is None:
                continue
            code, wild = parsed
            (prefix if wild else exact).setdefault(code, key)
        inert.extend(
            f"conditions {key} {path}"
            for path, status, citations in _cited_parts(condition)
            if status != "active" or not acts_on(citations)
        )
        inert.extend(
            f"conditions {key} icd10_codes {listed.code} descriptor '{listed.descriptor}'"
            for listed in condition.icd10_codes
            if not acts_on(listed.citations)
        )
    return {INDEX: {"exact": exact, "prefix": prefix}, "inert_records:conditions": tuple(inert)}


def condition_for_icd10(registry: Registry, code: str) -> Condition | None:
    """The condition whose most specific pattern matches `code`, or None.

    An exact pattern beats a wildcard on the same code, and a longer wildcard beats a
    shorter one: M54.50 matches "M54.50" before "M54.5*". Dots and case do not matter.
    """
    text = normalise_icd10(code)
    if not ICD10_CM_FORM.match(text):
        return None
    key = _key(text)
    index: Mapping[str, Mapping[str, str]] = registry.index(INDEX)
    conditions = registry.of(Condition)
    found = index["exact"].get(key)
    if found is not None:
        return conditions[found]
    for length in range(len(key), 2, -1):
        found = index["prefix"].get(key[:length])
        if found is not None:
            return conditions[found]
    return None


def sided_site_for_icd10(registry: Registry, code: str) -> str | None:
    """The sided body site a listed side-specific code names, when its source is checked."""
    key = _key(normalise_icd10(code))
    for condition in registry.of(Condition).values():
        for listed in condition.icd10_codes:
            if listed.site is not None and _key(listed.code) == key and acts_on(listed.citations):
                return listed.site
    return None


class _Cited(Protocol):
    """Anything that states a sourced fact."""

    @property
    def status(self) -> RecordStatus: ...

    @property
    def citations(self) -> tuple[CitationRef, ...]: ...


def _cited_parts(
    condition: Condition,
) -> Iterator[tuple[str, RecordStatus, tuple[CitationRef, ...]]]:
    """Every part of a condition that states a sourced fact: (path, status, citations)."""
    yield (
        "chronic_definition",
        condition.chronic_definition.status,
        condition.chronic_definition.citations,
    )
    evidence = condition.evidence
    yield (
        "evidence.plain_language",
        evidence.plain_language.status,
        evidence.plain_language.citations,
    )
    groups: tuple[tuple[str, tuple[_Cited, ...]], ...] = (
        ("effects", evidence.effects),
        ("responders", evidence.responders),
        ("persistence", evidence.persistence),
        ("findings", evidence.findings),
    )
    for name, parts in groups:
        for index, part in enumerate(parts):
            yield f"evidence.{name}[{index}]", part.status, part.citations
    for index, guideline in enumerate(condition.guidelines):
        yield f"guidelines[{index}] ({guideline.body})", guideline.status, guideline.citations
    for index, limits in enumerate(condition.coverage_limits):
        yield f"coverage_limits[{index}]", limits.status, limits.citations
    for index, change in enumerate(condition.meaningful_change):
        yield f"meaningful_change[{index}]", change.status, change.citations
    if condition.red_flags is not None:
        yield "red_flags", condition.red_flags.status, condition.red_flags.citations


def _check_patterns(
    registry: Registry, key: str, where: str, claimed: dict[str, tuple[str, str]]
) -> Iterator[Problem]:
    condition = registry.of(Condition)[key]
    seen: set[str] = set()
    for index, pattern in enumerate(condition.icd10):
        parsed = parse_pattern(pattern)
        if parsed is None:
            yield Problem(
                where,
                f"icd10[{index}] '{pattern}' is not an ICD-10-CM code or pattern "
                "(write M54.50, M54.5* or M17.*)",
            )
            continue
        canonical = f"{parsed[0]}{'*' if parsed[1] else ''}"
        if canonical in seen:
            yield Problem(where, f"icd10[{index}] '{pattern}' is listed twice")
            continue
        seen.add(canonical)
        owner = claimed.get(canonical)
        if owner is not None:
            yield Problem(
                where,
                f"icd10[{index}] '{pattern}' is also claimed by condition '{owner[0]}' "
                f"({owner[1]})",
            )
        else:
            claimed[canonical] = (key, registry.source_of("conditions", key))
    for index, listed in enumerate(condition.icd10_codes):
        if not _DOTTED_CODE.match(listed.code):
            yield Problem(
                where, f"icd10_codes[{index}] '{listed.code}' is not a dotted ICD-10-CM code"
            )
            continue
        owner_condition = condition_for_icd10(registry, listed.code)
        if owner_condition is None or owner_condition.id != key:
            owner_id = owner_condition.id if owner_condition else "no condition"
            yield Problem(
                where,
                f"icd10_codes[{index}] '{listed.code}' resolves to {owner_id}, "
                "not to this condition",
            )
        if not listed.citations:
            yield Problem(where, f"icd10_codes[{index}] '{listed.code}' has no citation")
        if listed.site is not None and not _is_sided_site(registry, listed.site):
            yield Problem(
                where,
                f"icd10_codes[{index}] site '{listed.site}' is not a left_ or right_ body site",
            )


def _is_sided_site(registry: Registry, site: str) -> bool:
    if not site.startswith(("left_", "right_")):
        return False
    return any(site in region.site_names() for region in registry.of(BodyRegion).values())


def check(registry: Registry) -> Iterator[Problem]:
    regions = registry.of(BodyRegion)
    claimed: dict[str, tuple[str, str]] = {}
    ordered = sorted(registry.of(Condition), key=lambda k: (registry.source_of("conditions", k), k))
    for key in ordered:
        condition = registry.of(Condition)[key]
        where = f"{registry.source_of('conditions', key)}: {key}"
        if not condition.icd10:
            yield Problem(where, "a condition needs at least one icd10 pattern")
        yield from _check_patterns(registry, key, where, claimed)
        for index, region in enumerate(condition.typical_regions):
            if region not in regions:
                yield Problem(
                    where,
                    f"typical_regions[{index}] unknown region '{region}' "
                    "(not in knowledge/body_sites)",
                )
        if len(set(condition.typical_regions)) != len(condition.typical_regions):
            yield Problem(where, "typical_regions lists a region twice")
        for path, status, citations in _cited_parts(condition):
            if not citations:
                yield Problem(where, f"{path} has no citation")
            elif status == "active" and not acts_on(citations):
                yield Problem(
                    where,
                    f"{path} is active but cites only unverified sources "
                    "(mark it unverified or cite a checked source)",
                )
        if condition.chronic_definition.status != "active":
            yield Problem(where, "chronic_definition must be active: the planner relies on it")
        yield from _check_evidence(condition, where)
        yield from _check_guidelines(condition, where)


def _check_evidence(condition: Condition, where: str) -> Iterator[Problem]:
    for index, effect in enumerate(condition.evidence.effects):
        if effect.ci95 is None:
            continue
        low, high = effect.ci95
        if not low <= effect.estimate <= high:
            yield Problem(
                where,
                f"evidence.effects[{index}] estimate {effect.estimate} lies outside its "
                f"95 % CI {low} to {high}",
            )
    for index, item in enumerate(condition.evidence.persistence):
        if item.decline_ci95 is not None and item.decline_sd_per_3_months is not None:
            low, high = item.decline_ci95
            if not low <= item.decline_sd_per_3_months <= high:
                yield Problem(where, f"evidence.persistence[{index}] decline lies outside its CI")
    for index, change in enumerate(condition.meaningful_change):
        if change.points is None and change.percent is None:
            yield Problem(where, f"meaningful_change[{index}] needs points or percent")


def _check_guidelines(condition: Condition, where: str) -> Iterator[Problem]:
    if not condition.guidelines:
        yield Problem(where, "a condition needs guideline positions (no_position_located counts)")
    jurisdictions = {g.jurisdiction for g in condition.guidelines}
    for needed in ("UK", "US"):
        if needed not in jurisdictions:
            yield Problem(where, f"no {needed} position: add one, or say 'no_position_located'")
    for index, guideline in enumerate(condition.guidelines):
        yield from (Problem(where, m) for m in _guideline_problems(index, guideline))
    yield from _check_coverage_limits(condition, where)


def _guideline_problems(index: int, guideline: GuidelinePosition) -> Iterator[str]:
    """A payer states coverage, and only a payer does; a course's weeks are in order."""
    payer = guideline.body in PAYERS
    if payer and guideline.position not in COVERAGE_POSITIONS:
        yield (
            f"guidelines[{index}] ({guideline.body}) is a payer: its position must be one "
            f"of {sorted(COVERAGE_POSITIONS)}"
        )
    if not payer and guideline.position in {"covered", "not_covered"}:
        yield (
            f"guidelines[{index}] ({guideline.body}) is not a payer and cannot say "
            f"'{guideline.position}'"
        )
    course = guideline.course
    if course and course.min_weeks and course.max_weeks and course.min_weeks > course.max_weeks:
        yield f"guidelines[{index}].course min_weeks exceeds max_weeks"


def _check_coverage_limits(condition: Condition, where: str) -> Iterator[Problem]:
    """Each payer's visit limits match a covered position and add up."""
    for index, limits in enumerate(condition.coverage_limits):
        covered = any(
            g.body == limits.body and g.position == "covered" for g in condition.guidelines
        )
        if not covered:
            yield Problem(
                where,
                f"coverage_limits[{index}] has no matching '{limits.body}' position 'covered'",
            )
        if limits.initial_visits + limits.extension_visits > limits.annual_max_visits:
            yield Problem(
                where,
                f"coverage_limits[{index}] initial plus extension visits exceed the annual maximum",
            )
        if not limits.stop_when:
            yield Problem(where, f"coverage_limits[{index}] needs its stop rule (stop_when)")
