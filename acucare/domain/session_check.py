"""Check a planned session against the patient's screening and the points' cautions.

The session document (spec: session check) names a modality, points with a side, and
electroacupuncture pairs; acucare also accepts a ``depth`` per point (``superficial``,
``standard``, ``deep``, ``intra_articular``) and an ``electro_intensity`` (``mild``,
``moderate``, ``strong``) so that technique blocks can be checked. Pairs make the session
an electroacupuncture session whatever its modality, and each electrode is checked as a
point.

The result lists the screening's findings about the patient, then one finding per session
element a rule is about (with a ``subject``). ``allowed`` is false when a finding blocks a
point, side, modality, technique or pair used in the session, or when the screening says
to refer before treatment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from acucare.domain.errors import InputError
from acucare.domain.intake import Intake, input_error
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
from acucare.kb.records.acupoints import Acupoint, resolve_point_code
from acucare.kb.records.safety_rules import (
    Clause,
    PairCriterion,
    PointPlace,
    SafetyIndex,
    SafetyRule,
)
from acucare.kb.registry import Registry
from acucare.kb.vocabulary import (
    ElectroIntensity,
    Modality,
    NeedleDepth,
    Side,
)

SESSION_CHECK_FORMAT = "acucare.session-check/1"
ELECTRO = "electroacupuncture"
_REFERRAL_DECISIONS = ("refer_before_treatment", "urgent_referral")

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Electrode(BaseModel):
    model_config = _STRICT
    code: Annotated[str, Field(min_length=1)]
    side: Side


class _SessionPoint(_Electrode):
    depth: NeedleDepth | None = None


class _SessionDocument(BaseModel):
    model_config = _STRICT
    modality: Modality
    points: list[_SessionPoint] = []
    electro_pairs: list[Annotated[list[_Electrode], Field(min_length=2, max_length=2)]] = []
    electro_intensity: ElectroIntensity | None = None


@dataclass(frozen=True, slots=True)
class Needle:
    code: str  # WHO code
    side: str
    depth: str | None
    place: PointPlace

    @property
    def label(self) -> str:
        return f"{self.code} ({self.side})"

    def as_subject(self) -> dict[str, str]:
        return {"code": self.code, "side": self.side}


@dataclass(frozen=True, slots=True)
class Session:
    modality: str
    needles: tuple[Needle, ...]  # every point used, electrodes included, once per side
    pairs: tuple[tuple[Needle, Needle], ...]
    electro_intensity: str | None

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
    try:
        parsed = _SessionDocument.model_validate(document)
    except ValidationError as exc:
        raise input_error(exc, prefix, _SessionDocument, prefix.rstrip(".") or "session") from None
    index: SafetyIndex = registry.index("safety")
    needles: dict[tuple[str, str], Needle] = {}
    for i, point in enumerate(parsed.points):
        needle = _needle(
            point.code, point.side, point.depth, f"{prefix}points[{i}]", registry, index
        )
        key = (needle.code, needle.side)
        seen = needles.get(key)
        if seen is None or _deeper(needle.depth, seen.depth):
            needles[key] = needle
    pairs: list[tuple[Needle, Needle]] = []
    for i, pair in enumerate(parsed.electro_pairs):
        ends = []
        for j, electrode in enumerate(pair):
            path = f"{prefix}electro_pairs[{i}][{j}]"
            needle = _needle(electrode.code, electrode.side, None, path, registry, index, True)
            known = needles.setdefault((needle.code, needle.side), needle)
            ends.append(known)
        if ends[0].code == ends[1].code and ends[0].side == ends[1].side:
            raise InputError(
                field=f"{prefix}electro_pairs[{i}]",
                message="the two electrodes of a pair must be on different needles",
            )
        pairs.append((ends[0], ends[1]))
    return Session(parsed.modality, tuple(needles.values()), tuple(pairs), parsed.electro_intensity)


_DEPTH_RANK = {None: 0, "superficial": 1, "standard": 2, "deep": 3, "intra_articular": 4}


def _deeper(depth: str | None, than: str | None) -> bool:
    return _DEPTH_RANK[depth] > _DEPTH_RANK[than]


def _needle(
    text: str,
    side: str,
    depth: str | None,
    path: str,
    registry: Registry,
    index: SafetyIndex,
    electrode: bool = False,
) -> Needle:
    code = resolve_point_code(registry, text)
    if code is None or code not in index.points:
        raise InputError(
            field=f"{path}.code",
            message=f"unknown acupoint {text!r}; use a WHO code such as LI4 or BL23",
            allowed=list(registry.of(Acupoint)),
        )
    place = index.points[code]
    allowed = _sides_for(place.laterality, electrode)
    if side not in allowed:
        where = "a midline point" if place.laterality == "midline" else "a point on both sides"
        if place.laterality in ("left", "right"):
            where = f"a point on the {place.laterality} only"
        reason = f"{code} is {where}"
        if electrode and side == "bilateral":
            reason = "an electrode sits on one needle, so its side is left, right or midline"
        raise InputError(field=f"{path}.side", message=reason, allowed=list(allowed))
    return Needle(code, side, depth, place)


def _sides_for(laterality: str, electrode: bool) -> tuple[str, ...]:
    if laterality == "midline":
        return ("midline",)
    if laterality in ("left", "right"):
        return (laterality,)
    return ("left", "right") if electrode else ("left", "right", "bilateral")


# --- Checking -------------------------------------------------------------------------------


def check_session(intake: Intake, session_document: object, registry: Registry) -> SessionCheck:
    """Screen the intake, then check every element of the session against the result."""
    session = parse_session(session_document, registry)
    facts = facts_of(intake, registry)
    screening = screen_facts(facts, registry)
    findings = list(_screening_blocks(screening, session))
    findings.extend(_session_rules(screening.index, facts, session, registry))
    blocking = any(f.level in ("urgent", "refer", "block") for f in findings)
    allowed = not blocking and screening.decision not in _REFERRAL_DECISIONS
    return SessionCheck(allowed, screening, tuple(findings))


def _element(
    source: Finding, message: str, subject: Mapping[str, Any], blocks: Blocked, level: str = "block"
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


def _pair_subject(pair: tuple[Needle, Needle]) -> dict[str, Any]:
    return {"pair": [pair[0].as_subject(), pair[1].as_subject()]}


def _needle_blocks(needle: Needle) -> Blocked:
    if needle.side in ("left", "right"):
        return Blocked(point_sides=frozenset({(needle.code, needle.side)}))
    return Blocked(points=frozenset({needle.code}))


def _screening_blocks(screening: Screening, session: Session) -> Iterator[Finding]:  # noqa: C901 - one branch per kind of block a screening finding carries
    """One finding per session element that a screening finding blocks."""
    modalities = session.modalities
    for finding in screening.findings:
        if finding.level in ("urgent", "refer"):
            yield _element(
                finding,
                f"No treatment before the referral: {finding.message}",
                {"modalities": list(modalities)},
                Blocked(modalities=frozenset(modalities)),
                level=finding.level,
            )
        blocked = finding.blocks
        if blocked.is_empty:
            continue
        for modality in modalities:
            if blocked.blocks_modality(modality):
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
        for needle in session.needles:
            if blocked.blocks_point(needle.code, needle.side):
                yield _element(
                    finding,
                    f"{needle.label} is blocked: {finding.message}",
                    {"point": needle.as_subject()},
                    _needle_blocks(needle),
                )
                continue
            for modality in modalities:
                if blocked.blocks_point_for(modality, needle.code, needle.side):
                    yield _element(
                        finding,
                        f"{needle.label} is blocked for {modality.replace('_', ' ')}: "
                        f"{finding.message}",
                        {"point": needle.as_subject(), "modality": modality},
                        _needle_blocks(needle),
                    )
            technique = _technique_of(needle.depth)
            if technique is not None and blocked.blocks_technique(
                technique, needle.code, needle.side
            ):
                yield _element(
                    finding,
                    f"{technique.replace('_', ' ').capitalize()} at {needle.label} is blocked: "
                    f"{finding.message}",
                    {"point": needle.as_subject(), "depth": needle.depth},
                    _needle_blocks(needle),
                )
        if (
            session.pairs
            and session.electro_intensity == "strong"
            and blocked.blocks_technique("strong_electroacupuncture")
        ):
            yield _element(
                finding,
                f"Strong electroacupuncture is blocked: {finding.message}",
                {"electro_intensity": "strong"},
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
    """Findings of the rules that look at single points and electrode pairs."""
    catalogue = registry.of(Acupoint)
    for rule in index.session_rules:
        clauses = [c for c in rule.trigger if clause_holds(c, facts)]
        if not clauses:
            continue
        for needle in session.needles:
            matching = [c for c in clauses if _point_matches(c, needle)]
            if matching:
                kinds: set[str] = {kind for c in matching for kind in c.point_cautions}
                yield _point_finding(rule, needle, kinds, catalogue[needle.code])
        for pair in session.pairs:
            if any(
                c.electro_pair is not None and _pair_matches(c.electro_pair, pair) for c in clauses
            ):
                yield _pair_finding(rule, pair)


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
    if clause.electro_pair is not None or not (clause.point_cautions or clause.session_points):
        return False
    if clause.point_cautions and not needle.place.cautions.intersection(clause.point_cautions):
        return False
    return not (clause.session_points and needle.code not in clause.session_points)


def _point_finding(rule: SafetyRule, needle: Needle, kinds: set[str], point: Acupoint) -> Finding:
    cautions = [c for c in point.cautions if c.kind in kinds and c.kind in needle.place.cautions]
    citations = [r.id for r in rule.citations]
    if cautions:
        detail = " ".join(f"{c.structure.capitalize()}: {c.handling}" for c in cautions)
        message = f"{needle.code} {point.pinyin} ({needle.side}): {rule.message} {detail}"
        citations.extend(r.id for c in cautions for r in c.citations)
    else:
        message = f"{needle.code} {point.pinyin} ({needle.side}): {rule.message}"
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
    first, second = pair
    if criterion.sides == "opposite" and {first.side, second.side} != {"left", "right"}:
        return False
    regions = (first.place.region, second.place.region)
    if criterion.both_in and not all(r in criterion.both_in for r in regions):
        return False
    if criterion.either_in:
        if criterion.other_in:
            a, b = regions
            crossing = (a in criterion.either_in and b in criterion.other_in) or (
                b in criterion.either_in and a in criterion.other_in
            )
            if not crossing:
                return False
        elif not any(r in criterion.either_in for r in regions):
            return False
    return True
