"""Safety rules: contraindications, precautions and red flags as cited records.

A rule fires when any clause of its trigger holds; a clause holds when every criterion it
states holds. Patient criteria (history, red flags, medication classes, pregnancy, age,
questionnaire flags, limbs at risk, skin lesions, consent) are read from the intake;
session criteria (point cautions, named points, electroacupuncture pair geometry) are
read from a session and are checked per point or per pair by `acucare check-session`.
Every criterion only ever asks for the *presence* of a risk, so adding a risk to an
intake can make more rules fire, never fewer (the screening is monotonic).

The level says what a finding means: urgent (same-day emergency referral), refer (refer
before treatment), block (treatment may go ahead without what the rule blocks), warn
(treat with the stated precaution) and note (record only). `docs/safety.md` explains
how to write one. A rule whose sources are all unverified is stored with
``status: unverified`` and never fires; `acucare kb check` reports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Literal

from acucare.kb.constraints import Ge, Le, MinLen
from acucare.kb.records.acupoints import (
    WHO_EXTRA_COUNTS,
    WHO_MERIDIAN_COUNTS,
    Acupoint,
    CautionKind,
)
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
from acucare.kb.vocabulary import (
    ConsentGiver,
    CuppingKind,
    ElectroIntensity,
    HistoryFlag,
    LimbAtRisk,
    Modality,
    NeedleDepth,
    RedFlag,
    Sex,
    Technique,
)

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

Level = Literal["urgent", "refer", "block", "warn", "note"]
# Most severe first: the order in which findings are listed and the decision is taken.
LEVELS: tuple[Level, ...] = ("urgent", "refer", "block", "warn", "note")
Referral = Literal["none", "routine", "same_day", "emergency"]


@dataclass(frozen=True)
class QuestionnaireFlag:
    """A flag raised by scoring a questionnaire in the intake (e.g. PHQ-9 item 9)."""

    __pydantic_config__ = STRICT

    instrument: NonEmptyStr  # instrument id, e.g. "phq9"
    flag: NonEmptyStr  # flag code, e.g. "self_harm_thoughts"


@dataclass(frozen=True)
class PairCriterion:
    """Where the two electrodes of an electroacupuncture pair sit.

    sides: ``opposite`` needs one electrode on the left and one on the right (a midline
    electrode is on neither side); ``any`` puts no condition on sides.
    either_in: at least one electrode lies in one of these body regions.
    other_in: together with either_in, the other electrode lies in one of these.
    both_in: both electrodes lie in these regions.
    """

    __pydantic_config__ = STRICT

    sides: Literal["opposite", "any"] = "any"
    either_in: tuple[NonEmptyStr, ...] = ()
    other_in: tuple[NonEmptyStr, ...] = ()
    both_in: tuple[NonEmptyStr, ...] = ()
    either_points: tuple[NonEmptyStr, ...] = ()  # at least one electrode is one of these points


@dataclass(frozen=True)
class MedicineCount:
    """At least ``at_least`` medication entries of the intake fall in these classes."""

    __pydantic_config__ = STRICT

    classes: Annotated[tuple[NonEmptyStr, ...], MinLen(1)]
    at_least: Annotated[int, Ge(2)]


# What a session may leave out; a rule may ask for it explicitly (fail closed).
DeclaredDepth = NeedleDepth | Literal["undeclared"]
DeclaredCuppingKind = CuppingKind | Literal["undeclared"]
DeclaredIntensity = ElectroIntensity | Literal["undeclared"]


@dataclass(frozen=True)
class Clause:
    """One way a rule can fire: every criterion stated here must hold."""

    __pydantic_config__ = STRICT

    # Patient criteria, read from the intake. Lists mean "all of these are present".
    history: tuple[HistoryFlag, ...] = ()
    red_flags: tuple[RedFlag, ...] = ()
    medication_classes: tuple[NonEmptyStr, ...] = ()
    unrecognised_medication: bool = False  # a medicine the knowledge base does not know
    pregnant: bool = False  # True: only in pregnancy
    # True: only while pregnancy is not known (not asked, or not answered). Pair it with
    # `sexes` and an age range to say who could be pregnant.
    pregnancy_unknown: bool = False
    puerperium: bool = False  # True: only after a recent birth
    sexes: tuple[Sex, ...] = ()  # the patient's recorded sex is one of these
    # Weeks of pregnancy, inclusive. An intake without weeks matches (fail closed).
    pregnancy_weeks_min: Annotated[int, Ge(0), Le(45)] | None = None
    pregnancy_weeks_max: Annotated[int, Ge(0), Le(45)] | None = None
    age_min: Annotated[int, Ge(0), Le(120)] | None = None
    age_max: Annotated[int, Ge(0), Le(120)] | None = None
    questionnaire_flags: tuple[QuestionnaireFlag, ...] = ()
    any_limb_at_risk: bool = False
    any_skin_lesion: bool = False
    # Holds while consent has not been recorded as given by one of these.
    consent_not_from: tuple[ConsentGiver, ...] = ()
    # The intake lists one of these pain sites (any one is enough).
    pain_sites_any: tuple[NonEmptyStr, ...] = ()
    # Some intake condition belongs to one of these condition groups (any one is enough);
    # the two limits below are then asked of that condition (of any condition, without it).
    condition_groups: tuple[NonEmptyStr, ...] = ()
    # The condition began at or after this age (age minus its duration). Without a
    # duration the onset is not known, and the limit holds: fail closed.
    condition_onset_age_min: Annotated[int, Ge(0), Le(120)] | None = None
    # The condition began at most this many weeks ago (unknown duration: holds).
    condition_duration_weeks_max: Annotated[int, Ge(0)] | None = None
    medicines_in_classes: MedicineCount | None = None
    # Session criteria, checked per point or per pair of a session.
    point_cautions: tuple[CautionKind, ...] = ()  # the point carries one of these cautions
    session_points: tuple[NonEmptyStr, ...] = ()  # the point is one of these
    point_regions: tuple[NonEmptyStr, ...] = ()  # the point lies in one of these regions
    # The needle's declared depth or angle is one that a caution of these kinds blocks.
    caution_breached: tuple[CautionKind, ...] = ()
    needle_depths: tuple[DeclaredDepth, ...] = ()  # the needle's declared depth is one of these
    # The needle's depth was recorded only in millimetres and the point has no cited safe
    # depth to class it against (so its depth class is unknown).
    depth_only_in_mm: bool = False
    electrode: bool = False  # the needle carries an electrode
    electro_pair: PairCriterion | None = None
    # Criteria about the whole session (checked with the point criteria, or once alone).
    session_modalities: tuple[Modality, ...] = ()  # the session uses one of these
    electro_intensities: tuple[DeclaredIntensity, ...] = ()
    cupping_kinds: tuple[DeclaredCuppingKind, ...] = ()

    @property
    def point_level(self) -> bool:
        """Whether the clause is checked for each needle of a session."""
        return bool(
            self.point_cautions
            or self.session_points
            or self.point_regions
            or self.caution_breached
            or self.needle_depths
            or self.depth_only_in_mm
            or self.electrode
        )

    @property
    def session_wide(self) -> bool:
        return bool(self.session_modalities or self.electro_intensities or self.cupping_kinds)

    @property
    def is_session(self) -> bool:
        return self.point_level or self.session_wide or self.electro_pair is not None

    @property
    def is_empty(self) -> bool:
        return self == Clause()


@dataclass(frozen=True)
class ModalitySites:
    """A modality that must not be used on some body sites (e.g. moxibustion on the abdomen)."""

    __pydantic_config__ = STRICT

    modality: Modality
    sites: Annotated[tuple[NonEmptyStr, ...], MinLen(1)]


@dataclass(frozen=True)
class TechniqueBlock:
    """A technique that must not be used, everywhere or only on some body sites."""

    __pydantic_config__ = STRICT

    technique: Technique
    sites: tuple[NonEmptyStr, ...] = ()  # empty: everywhere


@dataclass(frozen=True)
class Blocks:
    """What a rule blocks. Points are WHO codes; sites are the spec's body sites."""

    __pydantic_config__ = STRICT

    modalities: tuple[Modality, ...] = ()
    points: tuple[NonEmptyStr, ...] = ()
    point_cautions: tuple[CautionKind, ...] = ()  # every point carrying one of these cautions
    point_regions: tuple[NonEmptyStr, ...] = ()  # every point in these body regions
    except_points: tuple[NonEmptyStr, ...] = ()  # left out of the two expansions above
    sites: tuple[NonEmptyStr, ...] = ()
    limbs: tuple[LimbAtRisk, ...] = ()
    techniques: tuple[TechniqueBlock, ...] = ()
    modality_sites: tuple[ModalitySites, ...] = ()
    intake_limbs_at_risk: bool = False  # the limbs the intake lists as at risk
    intake_skin_lesion_sites: bool = False  # the sites the intake lists as skin lesions
    session_element: bool = False  # session rules: the matched point or pair itself

    @property
    def is_empty(self) -> bool:
        return self == Blocks()


@dataclass(frozen=True)
class SafetyDefault:
    """A choice inside a rule that no checked source settles, made on the cautious side.

    A rule without a source is a defect; a documented conservative default is acceptable
    only as a safety default, and the record says which of its figures is one (a threshold,
    a window, an urgency) and why the cautious side was taken.
    """

    __pydantic_config__ = STRICT

    choice: NonEmptyStr  # what acucare chose, e.g. "ages 12 to 55 count as could be pregnant"
    why: NonEmptyStr  # why this is the cautious side, and what the sources do and do not say


@dataclass(frozen=True)
class SafetyRule:
    __pydantic_config__ = STRICT

    id: NonEmptyStr  # stable, snake_case; never reused for a different rule
    version: Annotated[int, Ge(1)]  # raised whenever the rule's meaning changes
    status: RecordStatus
    level: Level
    message: NonEmptyStr  # the finding, in plain English
    rationale: NonEmptyStr  # why, in plain English, with reference to the sources
    action: NonEmptyStr  # what the practitioner should do
    trigger: Annotated[tuple[Clause, ...], MinLen(1)]
    citations: Annotated[tuple[CitationRef, ...], MinLen(1)]
    blocks: Blocks = field(default_factory=Blocks)
    referral: Referral = "none"
    # Sites where the practitioner should prefer not to needle (a warning, not a block).
    caution_sites: tuple[NonEmptyStr, ...] = ()
    # Figures of the rule that are acucare's cautious choice rather than a source's.
    safety_defaults: tuple[SafetyDefault, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def is_session(self) -> bool:
        return any(clause.is_session for clause in self.trigger)

    @property
    def acts(self) -> bool:
        return self.status == "active" and acts_on(self.citations)


COLLECTION = CollectionSpec("safety_rules", SafetyRule, "id")

_RULE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


# --- Derived lookups, built once when the knowledge base loads -------------------------


@dataclass(frozen=True)
class PointPlace:
    """Where a point is, and its cautions that act (cited by at least one checked source)."""

    code: str
    region: str
    limb: str
    laterality: str
    cautions: frozenset[str]
    order: int  # catalogue order, for stable listings
    # Every region the point can lie in: its own, and those of its spinal levels (EX-B2).
    regions: frozenset[str] = frozenset()


PointSide = tuple[str, str]  # (WHO code, "left" | "right")


@dataclass(frozen=True)
class PointSet:
    """Points blocked on every side, and points blocked on one side only."""

    points: frozenset[str] = frozenset()
    point_sides: frozenset[PointSide] = frozenset()

    def __or__(self, other: PointSet) -> PointSet:
        return PointSet(self.points | other.points, self.point_sides | other.point_sides)


EMPTY_POINTS = PointSet()


@dataclass(frozen=True)
class SafetyIndex:
    """Active rules, ready to evaluate, and what their blocks mean in points."""

    patient_rules: tuple[SafetyRule, ...]
    session_rules: tuple[SafetyRule, ...]
    # rule id -> the points its static blocks cover (points, cautions, regions, sites, limbs)
    rule_points: Mapping[str, PointSet]
    site_points: Mapping[str, PointSet]  # body site -> its points
    limb_points: Mapping[str, PointSet]  # limb at risk -> its points on that side
    points: Mapping[str, PointPlace]
    all_sites: tuple[str, ...]  # in vocabulary order
    site_order: Mapping[str, int]  # body site -> its position in all_sites


def _point_places(registry: Registry) -> dict[str, PointPlace]:
    """Every point, listed in WHO order: the channels, the extra-point families, the ear."""
    families = {name: i for i, name in enumerate([*WHO_MERIDIAN_COUNTS, *WHO_EXTRA_COUNTS])}
    points = sorted(
        registry.of(Acupoint).values(),
        key=lambda p: (families.get(p.meridian, len(families)), p.number or 0, p.code),
    )
    places: dict[str, PointPlace] = {}
    for order, point in enumerate(points):
        acting = frozenset(c.kind for c in point.cautions if acts_on(c.citations))
        regions = frozenset({point.region, *(point.levels or {}).values()})
        places[point.code] = PointPlace(
            point.code, point.region, point.limb, point.laterality, acting, order, regions
        )
    return places


def _site_points(
    regions: Mapping[str, BodyRegion], places: Mapping[str, PointPlace]
) -> dict[str, PointSet]:
    by_region: dict[str, list[PointPlace]] = {}
    for place in places.values():
        for region_id in place.regions or {place.region}:
            by_region.setdefault(region_id, []).append(place)
    result: dict[str, PointSet] = {}
    for region in regions.values():
        members = by_region.get(region.id, [])
        for side, site in region.sites.items():
            if side == "midline":
                result[site] = PointSet(frozenset(p.code for p in members))
            else:
                result[site] = PointSet(
                    frozenset(p.code for p in members if p.laterality == "midline"),
                    frozenset(
                        (p.code, side) for p in members if p.laterality in ("bilateral", side)
                    ),
                )
    return result


def _limb_points(places: Mapping[str, PointPlace]) -> dict[str, PointSet]:
    result: dict[str, PointSet] = {}
    for limb_at_risk in ("left_arm", "right_arm", "left_leg", "right_leg"):
        side, limb = limb_at_risk.split("_")
        result[limb_at_risk] = PointSet(
            point_sides=frozenset(
                (p.code, side)
                for p in places.values()
                if p.limb == limb and p.laterality in ("bilateral", side)
            )
        )
    return result


def expand_blocks(
    blocks: Blocks,
    places: Mapping[str, PointPlace],
    site_points: Mapping[str, PointSet],
    limb_points: Mapping[str, PointSet],
) -> PointSet:
    """The points a rule's static blocks cover (intake-dependent parts are added later)."""
    excluded = set(blocks.except_points)
    codes = {code for code in blocks.points if code in places}
    regions = set(blocks.point_regions)
    cautions = set(blocks.point_cautions)
    for place in places.values():
        if place.code in excluded:
            continue
        if (place.regions or {place.region}) & regions or place.cautions & cautions:
            codes.add(place.code)
    result = PointSet(frozenset(codes))
    for site in blocks.sites:
        result = result | site_points.get(site, EMPTY_POINTS)
    for limb in blocks.limbs:
        result = result | limb_points.get(limb, EMPTY_POINTS)
    return result


def points_on_sites(sites: Iterable[str], site_points: Mapping[str, PointSet]) -> PointSet:
    result = EMPTY_POINTS
    for site in sites:
        result = result | site_points.get(site, EMPTY_POINTS)
    return result


def build_indexes(registry: Registry) -> dict[str, object]:
    regions = registry.of(BodyRegion)
    places = _point_places(registry)
    site_points = _site_points(regions, places)
    limb_points = _limb_points(places)
    rules = sorted(registry.of(SafetyRule).values(), key=lambda r: r.id)
    acting = [rule for rule in rules if rule.acts]
    all_sites = tuple(site for region in regions.values() for site in region.site_names())
    index = SafetyIndex(
        patient_rules=tuple(r for r in acting if not r.is_session),
        session_rules=tuple(r for r in acting if r.is_session),
        rule_points={
            r.id: expand_blocks(r.blocks, places, site_points, limb_points) for r in acting
        },
        site_points=site_points,
        limb_points=limb_points,
        points=places,
        all_sites=all_sites,
        site_order={site: position for position, site in enumerate(all_sites)},
    )
    inert = list(registry.indexes.get("inert_records", ()))
    for rule in rules:
        if not rule.acts:
            reasons = []
            if rule.status != "active":
                reasons.append(f"status {rule.status}")
            if not acts_on(rule.citations):
                reasons.append("cites only unverified sources")
            inert.append(f"safety_rules: {rule.ref} ({'; '.join(reasons)})")
    return {"safety": index, "inert_records": tuple(inert)}


# --- Cross-checks for `acucare kb check` ---------------------------------------------


def _clause_problems(clause: Clause, path: str, registry: Registry) -> Iterator[str]:
    for clause_check in _CLAUSE_CHECKS:
        yield from clause_check(clause, path, registry)


def _clause_range_problems(clause: Clause, path: str, registry: Registry) -> Iterator[str]:
    if clause.is_empty:
        yield f"{path} states no criterion"
    low_weeks, high_weeks = clause.pregnancy_weeks_min, clause.pregnancy_weeks_max
    if (low_weeks is not None or high_weeks is not None) and not clause.pregnant:
        yield f"{path} limits pregnancy weeks without `pregnant: true`"
    if low_weeks is not None and high_weeks is not None and low_weeks > high_weeks:
        yield f"{path} has pregnancy_weeks_min above pregnancy_weeks_max"
    if (
        clause.age_min is not None
        and clause.age_max is not None
        and clause.age_min > clause.age_max
    ):
        yield f"{path} has age_min above age_max"


def _clause_patient_problems(clause: Clause, path: str, registry: Registry) -> Iterator[str]:
    classes = registry.collections.get("medications", {})
    for class_id in clause.medication_classes:
        medication_class = classes.get(class_id)
        if medication_class is None:
            yield f"{path} names unknown medication class '{class_id}'"
        elif not acts_on(medication_class.citations):
            yield (
                f"{path} relies on medication class '{class_id}', whose sources are all unverified"
            )
    conditions = registry.collections.get("conditions")
    for group in clause.condition_groups:
        if conditions is not None and group not in conditions:
            yield f"{path} names unknown condition group '{group}'"
    known_sites = {
        site for region in registry.of(BodyRegion).values() for site in region.site_names()
    }
    for site in clause.pain_sites_any:
        if site not in known_sites:
            yield f"{path} names unknown body site '{site}'"


def _clause_intake_problems(clause: Clause, path: str, registry: Registry) -> Iterator[str]:
    if clause.pregnancy_unknown and clause.pregnant:
        yield f"{path} asks for pregnancy both known and unknown; use two clauses"
    instruments = registry.collections.get("instruments")
    for flag in clause.questionnaire_flags:
        if instruments is not None and flag.instrument not in instruments:
            yield f"{path} names unknown instrument '{flag.instrument}'"
    if clause.medicines_in_classes is not None:
        classes = registry.collections.get("medications", {})
        for class_id in clause.medicines_in_classes.classes:
            if class_id not in classes:
                yield f"{path}.medicines_in_classes names unknown medication class '{class_id}'"


def _clause_session_problems(clause: Clause, path: str, registry: Registry) -> Iterator[str]:
    points = registry.of(Acupoint)
    regions = registry.of(BodyRegion)
    for code in clause.session_points:
        if code not in points:
            yield f"{path} names unknown point '{code}'"
    for name in clause.point_regions:
        if name not in regions:
            yield f"{path} names unknown body region '{name}'"
    if clause.cupping_kinds and "cupping" not in clause.session_modalities:
        yield f"{path} asks for cupping_kinds without `session_modalities: [cupping]`"
    if clause.electro_intensities and not (clause.electrode or clause.electro_pair):
        yield f"{path} asks for electro_intensities without an electrode or a pair"


def _clause_pair_problems(clause: Clause, path: str, registry: Registry) -> Iterator[str]:
    pair = clause.electro_pair
    if pair is None:
        return
    points = registry.of(Acupoint)
    regions = registry.of(BodyRegion)
    if clause.point_level:
        yield f"{path} mixes point criteria with an electro_pair; split the clause"
    for name in (*pair.either_in, *pair.other_in, *pair.both_in):
        if name not in regions:
            yield f"{path}.electro_pair names unknown body region '{name}'"
    for code in pair.either_points:
        if code not in points:
            yield f"{path}.electro_pair names unknown point '{code}'"
    if pair.other_in and not pair.either_in:
        yield f"{path}.electro_pair uses other_in without either_in"


# Run in this order, so a rule's problems are listed as the clause reads.
_CLAUSE_CHECKS: tuple[Callable[[Clause, str, Registry], Iterator[str]], ...] = (
    _clause_range_problems,
    _clause_patient_problems,
    _clause_intake_problems,
    _clause_session_problems,
    _clause_pair_problems,
)


def _blocks_problems(rule: SafetyRule, registry: Registry) -> Iterator[str]:
    yield from _blocks_reference_problems(rule, registry)
    blocks = rule.blocks
    if blocks.session_element and not rule.is_session:
        yield "blocks the session element, but its trigger has no session criterion"
    if rule.level in ("warn", "note") and not blocks.is_empty:
        yield f"a {rule.level} rule must not block anything; raise its level to block"
    if rule.level == "block" and blocks.is_empty:
        yield "a block rule must block something"
    if rule.level in ("urgent", "refer") and rule.referral == "none":
        yield f"an {rule.level} rule must say how soon to refer (referral)"


def _blocks_reference_problems(rule: SafetyRule, registry: Registry) -> Iterator[str]:
    blocks = rule.blocks
    points = registry.of(Acupoint)
    regions = registry.of(BodyRegion)
    sites = {site for region in regions.values() for site in region.site_names()}
    for code in (*blocks.points, *blocks.except_points):
        if code not in points:
            yield f"blocks name unknown point '{code}'"
    for name in blocks.point_regions:
        if name not in regions:
            yield f"blocks name unknown body region '{name}'"
    named_sites = [
        *blocks.sites,
        *(s for t in blocks.techniques for s in t.sites),
        *(s for m in blocks.modality_sites for s in m.sites),
        *rule.caution_sites,
    ]
    for site in named_sites:
        if site not in sites:
            yield f"names unknown body site '{site}'"


def check(registry: Registry) -> Iterator[Problem]:
    for key, rule in registry.of(SafetyRule).items():
        where = f"{registry.source_of('safety_rules', key)}: {key}"
        if not _RULE_ID.match(rule.id):
            yield Problem(where, "a rule id is lower-case snake_case")
        if rule.status == "active" and not acts_on(rule.citations):
            yield Problem(
                where,
                "active rule cites only unverified sources; it cannot act until a source is "
                "checked (set status: unverified to store it inert)",
            )
        kinds = {clause.is_session for clause in rule.trigger}
        if len(kinds) > 1:
            yield Problem(where, "mixes patient-only and session clauses; split the rule")
        for index, clause in enumerate(rule.trigger):
            for message in _clause_problems(clause, f"trigger[{index}]", registry):
                yield Problem(where, message)
        for message in _blocks_problems(rule, registry):
            yield Problem(where, message)
