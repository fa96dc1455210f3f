"""Check a planned session against the patient's screening and the points' cautions.

The session document (spec: session check) names a modality, points with a side, and
electroacupuncture pairs; acucare also accepts a ``depth`` per point (``superficial``,
``standard``, ``deep``, ``intra_articular``), an ``angle`` (``perpendicular``, ``oblique``,
``transverse``), a spinal ``level`` for points coded by level (EX-B2), an
``electro_intensity`` (``mild``, ``moderate``, ``strong``) and a ``cupping_kind`` (``dry``,
``wet``) so that technique and site rules can be checked. A ``depth_mm`` per point is classed
against the point's safe depth where the catalogue cites one; without one, a depth given
only in millimetres is left unclassed and raises a warning that names it. Pairs
make the session an electroacupuncture session whatever its modality, and each electrode is
checked as a point.

The result lists the screening's findings about the patient, then one finding per session
element a rule is about (with a ``subject``). ``allowed`` is false when a finding blocks a
point, side, modality, technique or pair used in the session, or when the screening says
to refer before treatment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from acucare.domain.errors import InputError
from acucare.domain.intake import Intake
from acucare.domain.referrals import clear_referrals
from acucare.domain.screening import (
    EMPTY_BLOCKED,
    Blocked,
    Facts,
    Finding,
    Screening,
    clause_holds,
    facts_of,
    screen_facts,
)
from acucare.domain.session_spec import PointSpec, SessionSpec
from acucare.kb.records.acupoints import Acupoint, Caution, resolve_point_code
from acucare.kb.records.base import acts_on
from acucare.kb.records.safety_rules import (
    Clause,
    PairCriterion,
    PointPlace,
    SafetyIndex,
    SafetyRule,
)
from acucare.kb.registry import Registry
from acucare.kb.vocabulary import UNDECLARED

SESSION_CHECK_FORMAT = "acucare.session-check/1"
ELECTRO = "electroacupuncture"
_REFERRAL_DECISIONS = ("refer_before_treatment", "urgent_referral")


@dataclass(frozen=True, slots=True)
class Needle:
    code: str  # WHO code
    side: str
    depth: str | None
    place: PointPlace
    angle: str | None = None
    level: str | None = None  # spinal level, for points coded by level
    # The regions the needle lies in (one, unless a levelled point has no level: then all).
    regions: frozenset[str] = frozenset()
    # The point's acting cautions that apply at this needle (all levels, without a level).
    cautions: tuple[Caution, ...] = ()
    electrode: bool = False
    depth_mm: float | None = None  # as recorded; `depth` holds its class
    depth_from_mm: bool = False  # the depth class was taken from the millimetres

    @property
    def label(self) -> str:
        level = f" {self.level}" if self.level else ""
        return f"{self.code}{level} ({self.side})"

    @property
    def caution_kinds(self) -> frozenset[str]:
        return frozenset(c.kind for c in self.cautions)

    def as_subject(self) -> dict[str, str]:
        subject = {"code": self.code, "side": self.side}
        if self.level is not None:
            subject["level"] = self.level
        return subject


@dataclass(frozen=True, slots=True)
class Session:
    modality: str
    needles: tuple[Needle, ...]  # every point used, electrodes included, once per side
    pairs: tuple[tuple[Needle, Needle], ...]
    electro_intensity: str | None
    cupping_kind: str | None = None

    @property
    def modalities(self) -> tuple[str, ...]:
        if self.pairs and self.modality != ELECTRO:
            return (self.modality, ELECTRO)
        return (self.modality,)


@dataclass(frozen=True)
class SessionCheck:
    allowed: bool
    screening: Screening
    session_findings: tuple[Finding, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.screening.findings + self.session_findings

    def as_document(self) -> dict[str, Any]:
        index = self.screening.index
        applied = dict.fromkeys(f.ref for f in self.findings)
        return {
            "format": SESSION_CHECK_FORMAT,
            "allowed": self.allowed,
            "findings": [
                {**f.as_document(index), "scope": "patient"} for f in self.screening.findings
            ]
            + [{**f.as_document(index), "scope": "session"} for f in self.session_findings],
            "decision": self.screening.decision,
            "rules_applied": list(applied),
            "kb_version": self.screening.kb_version,
        }


# --- Parsing the session ----------------------------------------------------------------


def parse_session(document: object, registry: Registry, *, prefix: str = "session.") -> Session:
    """Read a session document (pydantic, imported here: only the edges read documents)."""
    from acucare.domain.session_document import read_session

    return build_session(read_session(document, prefix), registry, prefix=prefix)


def build_session(spec: SessionSpec, registry: Registry, *, prefix: str = "session.") -> Session:
    """Resolve the session's points against the knowledge base; `InputError` names the field.

    `prefix` is the path of the session in the document it came from, for the errors.
    """
    index: SafetyIndex = registry.index("safety")
    needles: dict[tuple[str, str, str | None], Needle] = {}
    for i, point in enumerate(spec.points):
        path = f"{prefix}points[{i}]"
        needle = _needle(point, path, registry, index)
        key = (needle.code, needle.side, needle.level)
        seen = needles.get(key)
        if seen is None or _riskier(needle, seen):
            needles[key] = needle
    pairs: list[tuple[Needle, Needle]] = []
    for i, pair in enumerate(spec.electro_pairs):
        ends = []
        for j, electrode in enumerate(pair):
            path = f"{prefix}electro_pairs[{i}][{j}]"
            needle = _needle(electrode, path, registry, index, electrode=True)
            # The electrode sits on a needle of the session: take its depth and angle.
            key = (needle.code, needle.side, needle.level)
            known = needles.get(key) or needles.get((needle.code, "bilateral", needle.level))
            if known is not None:
                needle = replace(
                    needle,
                    depth=known.depth,
                    angle=known.angle,
                    depth_mm=known.depth_mm,
                    depth_from_mm=known.depth_from_mm,
                )
            needles[key] = needle
            ends.append(needle)
        if _key(ends[0]) == _key(ends[1]):
            raise InputError(
                field=f"{prefix}electro_pairs[{i}]",
                message="the two electrodes of a pair must be on different needles",
            )
        pairs.append((ends[0], ends[1]))
    # An electrode replaced its needle above; keep the pairs' ends and the needles in step.
    pairs = [(needles[_key(a)], needles[_key(b)]) for a, b in pairs]
    return Session(
        spec.modality,
        tuple(needles.values()),
        tuple(pairs),
        spec.electro_intensity,
        spec.cupping_kind,
    )


def _key(needle: Needle) -> tuple[str, str, str | None]:
    return (needle.code, needle.side, needle.level)


_DEPTH_RANK = {None: 0, "superficial": 1, "standard": 2, "deep": 3, "intra_articular": 4}
_ANGLE_RANK = {None: 0, "transverse": 1, "oblique": 2, "perpendicular": 3}


def _riskier(needle: Needle, than: Needle) -> bool:
    """The same point listed twice is checked as the deeper (then steeper) of the two."""
    return (_DEPTH_RANK[needle.depth], _ANGLE_RANK[needle.angle]) > (
        _DEPTH_RANK[than.depth],
        _ANGLE_RANK[than.angle],
    )


def _needle(
    given: PointSpec,
    path: str,
    registry: Registry,
    index: SafetyIndex,
    electrode: bool = False,
) -> Needle:
    text, side = given.code, given.side
    code = resolve_point_code(registry, text)
    if code is None or code not in index.points:
        raise InputError(
            field=f"{path}.code",
            message=f"unknown acupoint {text!r}; use a WHO code such as LI4 or BL23",
            allowed=list(registry.of(Acupoint)),
        )
    place = index.points[code]
    point = registry.of(Acupoint)[code]
    allowed = _sides_for(place.laterality, electrode)
    if side not in allowed:
        where = "a midline point" if place.laterality == "midline" else "a point on both sides"
        if place.laterality in ("left", "right"):
            where = f"a point on the {place.laterality} only"
        reason = f"{code} is {where}"
        if electrode and side == "bilateral":
            reason = "an electrode sits on one needle, so its side is left, right or midline"
        raise InputError(field=f"{path}.side", message=reason, allowed=list(allowed))
    levels = point.levels or {}
    if given.level is not None and given.level not in levels:
        message = f"{code} is not coded by spinal level; leave out the level"
        if levels:
            message = f"{code} has no point at {given.level}"
        raise InputError(field=f"{path}.level", message=message, allowed=list(levels))
    acting = [c for c in point.cautions if c.kind in place.cautions and acts_on(c.citations)]
    if given.level is not None:
        regions = frozenset({levels[given.level]})
        acting = [c for c in acting if not c.levels or given.level in c.levels]
    else:  # without a level, the needle may lie at any of them: fail closed
        regions = place.regions or frozenset({place.region})
    classed = _depth_of_mm(point, given.depth, given.depth_mm)
    return Needle(
        code,
        side,
        classed,
        place,
        given.angle,
        given.level,
        regions,
        tuple(acting),
        electrode,
        given.depth_mm,
        classed != given.depth,
    )


def _depth_of_mm(point: Acupoint, declared: str | None, depth_mm: float | None) -> str | None:
    """The depth class of a needle whose depth was recorded in millimetres.

    At or beyond the depth where a cited study found the structure beneath the point
    (``reaches_structure_mm``), it is deep whatever class was declared: a "superficial"
    needle 35 mm into GV16 is not superficial. Deeper than the point's cited safe depth is
    deep too; within it, the declared class (standard if none). Without a cited safe depth
    the millimetres say nothing more: the declared class stands, or the depth stays
    unclassed (a session rule warns about that at a point with an anatomical caution).
    """
    if depth_mm is None or declared == "intra_articular":
        return declared
    reached = point.reaches_structure_mm
    if reached is not None and acts_on(point.reaches_structure_citations) and depth_mm >= reached:
        return "deep"
    if point.max_depth_mm is not None and acts_on(point.max_depth_citations):
        return "deep" if depth_mm > point.max_depth_mm else declared or "standard"
    return declared


def _sides_for(laterality: str, electrode: bool) -> tuple[str, ...]:
    if laterality == "midline":
        return ("midline",)
    if laterality in ("left", "right"):
        return (laterality,)
    return ("left", "right") if electrode else ("left", "right", "bilateral")


# --- Checking -------------------------------------------------------------------------------


def check_session(intake: Intake, session_document: object, registry: Registry) -> SessionCheck:
    """Screen the intake, then check every element of the session document against it."""
    return check_built_session(intake, parse_session(session_document, registry), registry)


def check_built_session(intake: Intake, session: Session, registry: Registry) -> SessionCheck:
    """Screen the intake, then check every element of the session against the result."""
    facts = facts_of(intake, registry)
    screening = clear_referrals(screen_facts(facts, registry), intake.cleared_referrals)
    findings = list(_screening_blocks(screening, session))
    findings.extend(_session_rules(screening.index, facts, session, registry))
    blocking = any(f.level in ("urgent", "refer", "block") for f in findings)
    allowed = not blocking and screening.decision not in _REFERRAL_DECISIONS
    return SessionCheck(allowed, screening, tuple(findings))


def _element(
    source: Finding,
    message: str,
    subject: Mapping[str, object],
    blocks: Blocked,
    level: str = "block",
) -> Finding:
    return Finding(
        rule=source.rule,
        version=source.version,
        level=level,
        message=message,
        action=source.action,
        citations=source.citations,
        blocks=blocks,
        referral=source.referral,
        subject=subject,
    )


def _pair_subject(pair: tuple[Needle, Needle]) -> dict[str, object]:
    return {"pair": [pair[0].as_subject(), pair[1].as_subject()]}


def _needle_blocks(needle: Needle) -> Blocked:
    if needle.side in ("left", "right"):
        return Blocked(point_sides=frozenset({(needle.code, needle.side)}))
    return Blocked(points=frozenset({needle.code}))


def _screening_blocks(screening: Screening, session: Session) -> Iterator[Finding]:
    """One finding per session element that a screening finding blocks."""
    for finding in screening.findings:
        if finding.level in ("urgent", "refer"):
            yield _element(
                finding,
                f"No treatment before the referral: {finding.message}",
                {"modalities": list(session.modalities)},
                Blocked(modalities=frozenset(session.modalities)),
                level=finding.level,
            )
        if finding.blocks.is_empty:
            continue
        yield from _blocked_modalities(finding, session)
        for needle in session.needles:
            yield from _blocked_needle(finding, session, needle)
        yield from _blocked_strong_electro(finding, session)


def _blocked_modalities(finding: Finding, session: Session) -> Iterator[Finding]:
    """The session's modalities that the finding blocks outright."""
    for modality in session.modalities:
        if finding.blocks.blocks_modality(modality):
            pairs = session.pairs if modality == ELECTRO else ()
            yield _element(
                finding,
                f"{modality.replace('_', ' ').capitalize()} is blocked: {finding.message}",
                {"modality": modality},
                Blocked(
                    modalities=frozenset({modality}),
                    pairs=frozenset(_pair_key(pair) for pair in pairs),
                ),
            )


def _blocked_needle(finding: Finding, session: Session, needle: Needle) -> Iterator[Finding]:
    """The finding's block of one needle: the point itself, or a modality or a technique
    there (a blocked point says so once, whatever else is blocked at it)."""
    blocked = finding.blocks
    if blocked.blocks_point(needle.code, needle.side):
        yield _element(
            finding,
            f"{needle.label} is blocked: {finding.message}",
            {"point": needle.as_subject()},
            _needle_blocks(needle),
        )
        return
    for modality in session.modalities:
        if blocked.blocks_point_for(modality, needle.code, needle.side):
            yield _element(
                finding,
                f"{needle.label} is blocked for {modality.replace('_', ' ')}: {finding.message}",
                {"point": needle.as_subject(), "modality": modality},
                _needle_blocks(needle),
            )
    technique = _technique_of(needle.depth)
    if technique is not None and blocked.blocks_technique(technique, needle.code, needle.side):
        yield _element(
            finding,
            f"{technique.replace('_', ' ').capitalize()} at {needle.label} is blocked: "
            f"{finding.message}",
            {"point": needle.as_subject(), "depth": needle.depth},
            _needle_blocks(needle),
        )


def _blocked_strong_electro(finding: Finding, session: Session) -> Iterator[Finding]:
    """Electroacupuncture that does not say how strong it is counts as strong (fail closed)."""
    if not (
        session.pairs
        and session.electro_intensity in ("strong", None)
        and finding.blocks.blocks_technique("strong_electroacupuncture")
    ):
        return
    declared = session.electro_intensity or UNDECLARED
    what = (
        "Strong electroacupuncture"
        if declared == "strong"
        else "Electroacupuncture of undeclared strength (counted as strong)"
    )
    yield _element(
        finding,
        f"{what} is blocked: {finding.message}",
        {"electro_intensity": declared},
        EMPTY_BLOCKED,
    )


def _technique_of(depth: str | None) -> str | None:
    if depth == "deep":
        return "deep_needling"
    if depth == "intra_articular":
        return "intra_articular_needling"
    return None


def _session_rules(
    index: SafetyIndex, facts: Facts, session: Session, registry: Registry
) -> Iterator[Finding]:
    """Findings of the rules that look at single points, electrode pairs or the session."""
    catalogue = registry.of(Acupoint)
    for rule in index.session_rules:
        clauses = [c for c in rule.trigger if clause_holds(c, facts) and _session_holds(c, session)]
        if not clauses:
            continue
        whole = [c for c in clauses if not c.point_level and c.electro_pair is None]
        if whole:
            yield _session_finding(rule, session, whole)
        for needle in session.needles:
            matching = [c for c in clauses if c.point_level and _point_matches(c, needle)]
            if matching:
                kinds: set[str] = {
                    kind for c in matching for kind in (*c.point_cautions, *c.caution_breached)
                }
                technique = any(
                    c.caution_breached or c.needle_depths or c.depth_only_in_mm for c in matching
                )
                yield _point_finding(rule, needle, kinds, catalogue[needle.code], technique)
        for pair in session.pairs:
            if any(
                c.electro_pair is not None and _pair_matches(c.electro_pair, pair) for c in clauses
            ):
                yield _pair_finding(rule, pair)


def _session_holds(clause: Clause, session: Session) -> bool:
    """Whether the criteria of a clause about the whole session hold."""
    if clause.session_modalities and not set(session.modalities) & set(clause.session_modalities):
        return False
    intensity = session.electro_intensity or UNDECLARED
    if clause.electro_intensities and intensity not in clause.electro_intensities:
        return False
    kind = session.cupping_kind or UNDECLARED
    return not (clause.cupping_kinds and kind not in clause.cupping_kinds)


def _session_finding(rule: SafetyRule, session: Session, clauses: list[Clause]) -> Finding:
    subject: dict[str, object] = {"modalities": list(session.modalities)}
    if "cupping" in session.modalities:
        subject["cupping_kind"] = session.cupping_kind or UNDECLARED
    named = {m for c in clauses for m in c.session_modalities}
    modalities = frozenset(m for m in session.modalities if not named or m in named)
    what = ", ".join(m.replace("_", " ") for m in session.modalities)
    if session.cupping_kind is not None and "cupping" in session.modalities:
        what += f" ({session.cupping_kind} cupping)"
    return Finding(
        rule=rule.id,
        version=rule.version,
        level=rule.level,
        message=f"{what.capitalize()}: {rule.message}",
        action=rule.action,
        citations=tuple(dict.fromkeys(r.id for r in rule.citations)),
        blocks=Blocked(modalities=modalities) if rule.blocks.session_element else EMPTY_BLOCKED,
        referral=rule.referral,
        subject=subject,
    )


def _pair_finding(rule: SafetyRule, pair: tuple[Needle, Needle]) -> Finding:
    blocks = EMPTY_BLOCKED
    if rule.blocks.session_element:
        blocks = Blocked(pairs=frozenset({_pair_key(pair)}))
    return Finding(
        rule=rule.id,
        version=rule.version,
        level=rule.level,
        message=f"{pair[0].label} to {pair[1].label}: {rule.message}",
        action=rule.action,
        citations=tuple(dict.fromkeys(r.id for r in rule.citations)),
        blocks=blocks,
        referral=rule.referral,
        subject=_pair_subject(pair),
    )


def _pair_key(pair: tuple[Needle, Needle]) -> tuple[tuple[str, str], tuple[str, str]]:
    return ((pair[0].code, pair[0].side), (pair[1].code, pair[1].side))


def _point_matches(clause: Clause, needle: Needle) -> bool:
    """Whether a point of the session meets a clause's point criteria."""
    if clause.point_cautions and not needle.caution_kinds.intersection(clause.point_cautions):
        return False
    if clause.session_points and needle.code not in clause.session_points:
        return False
    if clause.point_regions and not needle.regions.intersection(clause.point_regions):
        return False
    if clause.caution_breached and not any(
        c.kind in clause.caution_breached and c.breached_by(needle.depth, needle.angle)
        for c in needle.cautions
    ):
        return False
    if clause.needle_depths and (needle.depth or UNDECLARED) not in clause.needle_depths:
        return False
    if clause.depth_only_in_mm and (needle.depth is not None or needle.depth_mm is None):
        return False
    return not (clause.electrode and not needle.electrode)


def _declared(needle: Needle) -> str:
    depth = needle.depth or "depth not declared"
    if needle.depth_mm is not None:
        how = "classed" if needle.depth_from_mm else "declared"
        depth = f"{needle.depth_mm:g} mm, " + (
            f"{how} {needle.depth}" if needle.depth else "no depth class"
        )
    parts = [depth]
    if needle.angle is not None:
        parts.append(needle.angle)
    return ", ".join(p.replace("_", "-") for p in parts)


def _point_finding(
    rule: SafetyRule, needle: Needle, kinds: set[str], point: Acupoint, technique: bool = False
) -> Finding:
    cautions = [c for c in needle.cautions if c.kind in kinds]
    citations = [r.id for r in rule.citations]
    where = f"{needle.code} {point.pinyin}"
    if needle.level is not None:
        where += f" at {needle.level}"
    where += f" ({needle.side}"
    where += f"; {_declared(needle)})" if technique else ")"
    if cautions:
        detail = " ".join(f"{c.structure.capitalize()}: {c.handling}" for c in cautions)
        message = f"{where}: {rule.message} {detail}"
        citations.extend(r.id for c in cautions for r in c.citations if acts_on((r,)))
    else:
        message = f"{where}: {rule.message}"
    return Finding(
        rule=rule.id,
        version=rule.version,
        level=rule.level,
        message=message,
        action=rule.action,
        citations=tuple(dict.fromkeys(citations)),
        blocks=_needle_blocks(needle) if rule.blocks.session_element else EMPTY_BLOCKED,
        referral=rule.referral,
        subject={"point": needle.as_subject()},
    )


def _pair_matches(criterion: PairCriterion, pair: tuple[Needle, Needle]) -> bool:
    """Whether a pair meets the criterion. A needle without its spinal level may lie in
    any of its levels' regions, and the pair matches if any placement does (fail closed)."""
    first, second = pair
    if criterion.sides == "opposite" and {first.side, second.side} != {"left", "right"}:
        return False
    if criterion.either_points and not {first.code, second.code} & set(criterion.either_points):
        return False
    return any(
        _regions_match(criterion, a, b)
        for a in sorted(first.regions or {first.place.region})
        for b in sorted(second.regions or {second.place.region})
    )


def _regions_match(criterion: PairCriterion, a: str, b: str) -> bool:
    if criterion.both_in and not (a in criterion.both_in and b in criterion.both_in):
        return False
    if criterion.either_in:
        if criterion.other_in:
            return (a in criterion.either_in and b in criterion.other_in) or (
                b in criterion.either_in and a in criterion.other_in
            )
        return a in criterion.either_in or b in criterion.either_in
    return True
