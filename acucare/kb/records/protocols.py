"""Acupuncture protocols taken from published trials: what was needled, how, and how often.

A protocol is one trial arm written down as data: its fixed points, the pools from which
local and distal points were chosen, the number of needles, the stimulation, the course
(sessions, weeks, extension rule) and the trial's own results. The planner
(`acucare.domain.planning`) turns a protocol into a patient's prescription; every point it
proposes is traceable to a record here and to the trial report that record cites.

A protocol whose point list could not be checked against the trial report carries
``status: unverified``; the planner may still use it, but says so in plain words in the
plan. A single pool point whose code mapping is unverified (its own citations all
``unverified``) is stored but never proposed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from acucare.kb.constraints import Ge, Gt, Le, MinLen
from acucare.kb.records.base import (
    STRICT,
    CitationRef,
    CollectionSpec,
    NonEmptyStr,
    Problem,
    RecordStatus,
    acts_on,
)

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

Style = Literal["tcm", "western"]
Design = Literal["standardised", "semi-standardised", "individualised"]
Role = Literal["local", "distal"]
# bilateral: both sides; midline: one needle on the midline; affected: the painful side(s).
FixedSide = Literal["bilateral", "midline", "affected"]
# For pools: "site" takes the sides from the matching pain sites (local pools);
# "bilateral" needles both sides whatever the pain drawing says (e.g. ART distant points).
PoolSide = Literal["site", "bilateral", "affected"]
StimulationMethod = Literal["manual", "electro"]
PositiveInt = Annotated[int, Ge(1)]
NonNegativeInt = Annotated[int, Ge(0)]


@dataclass(frozen=True)
class Range:
    """An inclusive range; ``max`` empty when the trial report gives no upper bound."""

    __pydantic_config__ = STRICT

    min: Annotated[float, Ge(0)]
    max: Annotated[float, Ge(0)] | None = None


@dataclass(frozen=True)
class ProtocolPoint:
    """One point as the trial used it."""

    __pydantic_config__ = STRICT

    code: NonEmptyStr  # WHO code, resolved against knowledge/acupoints
    side: FixedSide = "bilateral"
    role: Role | None = None  # fixed points: local or distal; pool points take the pool's role
    # Needles per side where a point takes more than one (Xiyan EX-LE5: both knee eyes).
    needles_per_side: PositiveInt = 1
    depth_mm: Range | None = None
    technique: str = ""  # insertion angle and manipulation as the report gives them
    note: str = ""
    # Overrides the protocol's citations for this point (e.g. an unverified code mapping).
    citations: tuple[CitationRef, ...] = ()


@dataclass(frozen=True)
class PointPool:
    """Points the trial let the practitioner choose from, with how many to choose.

    The listing order is the order in which the planner tries the points; where the trial
    left the choice open, the record's ``order_note`` says who set the order and why.
    """

    __pydantic_config__ = STRICT

    role: Role
    description: NonEmptyStr  # the trial's rule in plain words
    points: Annotated[tuple[ProtocolPoint, ...], MinLen(1)]
    min_points: NonNegativeInt
    max_points: PositiveInt
    default_points: NonNegativeInt  # how many the plan proposes when nothing else decides
    side: PoolSide = "site"
    # Body regions this pool serves (local pools): a pain site in one of them selects it.
    regions: tuple[NonEmptyStr, ...] = ()
    order_note: str = ""


@dataclass(frozen=True)
class AshiRule:
    """Tender (ashi) points found by palpation: they have no code, only a count."""

    __pydantic_config__ = STRICT

    min_points: NonNegativeInt
    max_points: NonNegativeInt
    per: Literal["session", "affected_side"] = "session"
    description: str = ""


@dataclass(frozen=True)
class Stimulation:
    __pydantic_config__ = STRICT

    method: StimulationMethod
    description: NonEmptyStr
    frequency_hz: tuple[Annotated[float, Gt(0)], ...] = ()
    current_ma: Range | None = None
    de_qi: bool | None = None  # None: the report does not say


@dataclass(frozen=True)
class Extension:
    """More sessions for patients who respond partly (GERAC: five more)."""

    __pydantic_config__ = STRICT

    extra_sessions: PositiveInt
    when: NonEmptyStr  # plain-language condition, e.g. "the first course helped partly"


@dataclass(frozen=True)
class Course:
    __pydantic_config__ = STRICT

    sessions: PositiveInt
    weeks: Annotated[float, Gt(0)]
    schedule: NonEmptyStr  # e.g. "twice weekly for 3 weeks, then weekly for 4 weeks"
    review_after_session: PositiveInt
    review_note: NonEmptyStr  # why the review falls where it does
    extension: Extension | None = None

    @property
    def sessions_per_week(self) -> float:
        return round(self.sessions / self.weeks, 2)


@dataclass(frozen=True)
class Finding:
    """A result of the trial, in plain words, for the plan's expected outcome."""

    __pydantic_config__ = STRICT

    statement: NonEmptyStr
    citations: Annotated[tuple[CitationRef, ...], MinLen(1)]


@dataclass(frozen=True)
class Protocol:
    __pydantic_config__ = STRICT

    id: NonEmptyStr
    version: PositiveInt
    name: NonEmptyStr
    status: RecordStatus
    conditions: Annotated[tuple[NonEmptyStr, ...], MinLen(1)]  # ids in knowledge/conditions
    style: Style
    design: Design
    rank: Annotated[int, Ge(0), Le(100)]  # lower is preferred among a condition's protocols
    summary: NonEmptyStr  # the trial arm in one or two plain sentences
    needles: Range
    course: Course
    stimulation: Stimulation
    citations: Annotated[tuple[CitationRef, ...], MinLen(1)]
    retention_minutes: PositiveInt | None = None  # None: not stated in the sources checked
    retention_note: str = ""
    fixed_points: tuple[ProtocolPoint, ...] = ()
    pools: tuple[PointPool, ...] = ()
    ashi: AshiRule | None = None
    # Pain regions assumed when the pain drawing names none this protocol serves.
    default_regions: tuple[NonEmptyStr, ...] = ()
    findings: tuple[Finding, ...] = ()
    unverified_note: str = ""  # for status unverified: what exactly was not checked
    # A fixed point that cannot be needled: replaced by a distal point, or left out where
    # the trial's protocol says so (the note gives the protocol's rule).
    blocked_fixed_points: Literal["replace", "omit"] = "replace"
    blocked_fixed_note: str = ""

    def pool(self, role: Role) -> PointPool | None:
        return next((p for p in self.pools if p.role == role), None)

    @property
    def ref(self) -> str:
        """The ``id@version`` recorded in every plan built on this protocol."""
        return f"{self.id}@{self.version}"


COLLECTION = CollectionSpec("protocols", Protocol, "id")


def point_acts(point: ProtocolPoint) -> bool:
    """A point with its own citations drives plans only when one of them is not unverified."""
    return not point.citations or acts_on(point.citations)


def _needles(point: ProtocolPoint, laterality: str, sides: int) -> int:
    if laterality == "midline" or point.side == "midline":
        return point.needles_per_side
    per_side = point.needles_per_side
    return per_side * (2 if point.side == "bilateral" else sides)


def fixed_needles(protocol: Protocol, laterality: Mapping[str, str], sides: int = 1) -> int:
    """Needles the fixed points take when `sides` sides are affected (1 or 2)."""
    return sum(
        _needles(p, laterality.get(p.code, "bilateral"), sides) for p in protocol.fixed_points
    )


def build_indexes(registry: Registry) -> dict[str, Any]:
    """Lookups the planner needs on every plan, built once with the registry.

    protocols_by_condition: condition id -> protocol ids, preferred first.
    body_site_index: body-site name (``left_knee``, ``lower_back``) -> (region id, side),
    side being ``left``, ``right`` or ``midline``.
    """
    from acucare.kb.records.body_sites import BodyRegion

    by_condition: dict[str, list[tuple[int, str]]] = {}
    for protocol in registry.of(Protocol).values():
        for condition in protocol.conditions:
            by_condition.setdefault(condition, []).append((protocol.rank, protocol.id))
    sites: dict[str, tuple[str, str]] = {}
    for region in registry.of(BodyRegion).values():
        for side, site in region.sites.items():
            sites[site] = (region.id, side)
    inert = [
        f"protocols {key} pools[{index}] {entry.code} ({entry.note or 'unverified'})"
        for key, protocol in sorted(registry.of(Protocol).items())
        for index, pool in enumerate(protocol.pools)
        for entry in pool.points
        if not point_acts(entry)
    ]
    return {
        "inert_records:protocols": tuple(inert),
        "protocols_by_condition": {
            condition: tuple(pid for _, pid in sorted(entries))
            for condition, entries in sorted(by_condition.items())
        },
        "body_site_index": dict(sorted(sites.items())),
    }


def check(registry: Registry) -> Iterator[Problem]:
    from acucare.kb.records.acupoints import Acupoint
    from acucare.kb.records.body_sites import BodyRegion

    points = registry.of(Acupoint)
    regions = registry.of(BodyRegion)
    conditions: Mapping[str, Any] | None = registry.collections.get("conditions")
    for key, protocol in registry.of(Protocol).items():
        where = f"{registry.source_of('protocols', key)}: {key}"
        unknown = _unknown_references(protocol, conditions, regions)
        yield from (Problem(where, message) for message in unknown)
        yield from _check_points(where, "fixed_points", protocol.fixed_points, points)
        for entry in protocol.fixed_points:
            if entry.role is None:
                yield Problem(where, f"fixed point {entry.code} needs a role (local or distal)")
        for index, pool in enumerate(protocol.pools):
            label = f"pools[{index}]"
            yield from _check_points(where, f"{label}.points", pool.points, points)
            yield from _check_pool(where, label, pool, points, regions)
        roles = [pool.role for pool in protocol.pools]
        if len(roles) != len(set(roles)):
            yield Problem(where, "at most one pool per role (local, distal)")
        yield from _check_dose(where, protocol, points)
        yield from (Problem(where, message) for message in _statement_problems(protocol))


def _unknown_references(
    protocol: Protocol, conditions: Mapping[str, Any] | None, regions: Mapping[str, Any]
) -> Iterator[str]:
    if conditions is not None:
        for condition in protocol.conditions:
            if condition not in conditions:
                yield f"unknown condition id '{condition}'"
    for region in protocol.default_regions:
        if region not in regions:
            yield f"unknown region '{region}' in default_regions"


def _statement_problems(protocol: Protocol) -> Iterator[str]:
    """What the protocol must say about itself: its sources, what it does when blocked."""
    if protocol.status == "active" and not acts_on(protocol.citations):
        yield "an active protocol needs a source that is not unverified"
    if protocol.status == "unverified" and not protocol.unverified_note:
        yield "an unverified protocol must say what was not verified"
    if protocol.blocked_fixed_points == "omit" and not protocol.blocked_fixed_note:
        yield "say in blocked_fixed_note what the protocol does instead"
    if protocol.stimulation.method == "electro" and not protocol.stimulation.frequency_hz:
        yield "electrical stimulation needs its frequency"


def _check_points(
    where: str, label: str, entries: tuple[ProtocolPoint, ...], points: Mapping[str, Any]
) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        point = points.get(entry.code)
        if point is None:
            yield Problem(where, f"unknown point code '{entry.code}' at {label}[{index}]")
            continue
        if entry.code in seen:
            yield Problem(where, f"point {entry.code} listed twice in {label}")
        seen.add(entry.code)
        if point.laterality == "midline" and entry.side != "midline":
            yield Problem(where, f"{entry.code} is a midline point but has side '{entry.side}'")
        if point.laterality == "bilateral" and entry.side == "midline":
            yield Problem(where, f"{entry.code} is a bilateral point but has side 'midline'")
        depth = entry.depth_mm
        if depth is not None and depth.max is not None and depth.max < depth.min:
            yield Problem(where, f"{entry.code}: depth range max is below min")


def _check_pool(
    where: str, label: str, pool: PointPool, points: Mapping[str, Any], regions: Mapping[str, Any]
) -> Iterator[Problem]:
    if pool.min_points > pool.max_points:
        yield Problem(where, f"{label}: min_points exceeds max_points")
    if not pool.min_points <= pool.default_points <= pool.max_points:
        yield Problem(where, f"{label}: default_points must lie between min and max")
    if pool.max_points > len(pool.points):
        yield Problem(where, f"{label}: max_points exceeds the number of points listed")
    for region in pool.regions:
        if region not in regions:
            yield Problem(where, f"{label}: unknown region '{region}'")
    if pool.role == "local":
        if not pool.regions:
            yield Problem(where, f"{label}: a local pool names the regions it serves")
        for entry in pool.points:
            point = points.get(entry.code)
            if point is not None and pool.regions and point.region not in pool.regions:
                yield Problem(
                    where,
                    f"{label}: {entry.code} lies in region '{point.region}', "
                    f"not in the pool's regions {list(pool.regions)}",
                )


def _check_dose(where: str, protocol: Protocol, points: Mapping[str, Any]) -> Iterator[Problem]:
    laterality = {code: point.laterality for code, point in points.items()}
    needles = protocol.needles
    if needles.max is not None and needles.max < needles.min:
        yield Problem(where, "needles: max is below min")
    fixed = fixed_needles(protocol, laterality)
    if needles.max is not None and fixed > needles.max:
        yield Problem(
            where,
            f"the fixed points take {fixed} needles, more than the protocol's {needles.max:g}",
        )
    course = protocol.course
    if course.review_after_session > course.sessions:
        yield Problem(where, "course: the review falls after the last session")
    if protocol.ashi is not None and protocol.ashi.min_points > protocol.ashi.max_points:
        yield Problem(where, "ashi: min_points exceeds max_points")
    if protocol.retention_minutes is None and not protocol.retention_note:
        yield Problem(where, "say in retention_note why the retention time is not given")
