"""Session checks: strict parsing, point cautions, pairs, and never allowing anything blocked."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acucare.domain.errors import InputError
from acucare.domain.intake import Intake, body_sites, parse_intake
from acucare.domain.session_check import check_session
from acucare.kb import Registry
from acucare.kb import registry as shipped_registry
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.base import acts_on
from acucare.kb.records.body_sites import BodyRegion
from acucare.kb.records.safety_examples import SafetyExample
from acucare.kb.records.safety_rules import SafetyRule
from acucare.kb.vocabulary import MODALITIES
from tests.domain.test_screening import intakes

EXAMPLES = sorted(
    key for key, e in shipped_registry().of(SafetyExample).items() if e.session is not None
)
PLAIN = {
    "format": "acucare.intake/1",
    "patient": {"age": 40},
    "pregnancy": {"pregnant": False},
    "conditions": [{"icd10": "M54.2"}],
}


def _intake(registry: Registry, **changes: Any) -> Intake:
    return parse_intake(PLAIN | changes, registry)


def _rejects(registry: Registry, session: object) -> InputError:
    with pytest.raises(InputError) as caught:
        check_session(_intake(registry), session, registry)
    return caught.value


@pytest.mark.parametrize("example_id", EXAMPLES)
def test_example_session(registry: Registry, example_id: str) -> None:
    example = registry.of(SafetyExample)[example_id]
    assert example.expected_session is not None
    intake = parse_intake(example.intake, registry)
    document = check_session(intake, example.session, registry).as_document()
    assert document["allowed"] is example.expected_session.allowed
    session_rules = {f["rule"] for f in document["findings"] if f["scope"] == "session"}
    assert session_rules == set(example.expected_session.rules)


def test_the_document_has_the_spec_shape(registry: Registry) -> None:
    session = {
        "modality": "manual_acupuncture",
        "points": [{"code": "LI4", "side": "left"}],
        "electro_pairs": [[{"code": "LI4", "side": "left"}, {"code": "LI11", "side": "left"}]],
    }
    document = check_session(_intake(registry), session, registry).as_document()
    assert document["format"] == "acucare.session-check/1"
    assert document["allowed"] is True
    assert document["findings"] == []
    assert document["kb_version"] == registry.version


def test_point_cautions_carry_their_handling(registry: Registry) -> None:
    session = {"modality": "manual_acupuncture", "points": [{"code": "CV4", "side": "midline"}]}
    document = check_session(_intake(registry), session, registry).as_document()
    (finding,) = document["findings"]
    assert finding["rule"] == "caution_full_bladder"
    assert finding["level"] == "warn"
    assert finding["subject"] == {"point": {"code": "CV4", "side": "midline"}}
    handling = registry.of(Acupoint)["CV4"].cautions[0].handling
    assert handling in finding["message"]
    assert document["allowed"] is True


def test_aliases_resolve_to_who_codes(registry: Registry) -> None:
    session = {
        "modality": "manual_acupuncture",
        "points": [{"code": "UB23", "side": "bilateral"}, {"code": "lv 3", "side": "left"}],
    }
    intake = _intake(registry, pregnancy={"pregnant": True})
    document = check_session(intake, session, registry).as_document()
    subjects = [f["subject"] for f in document["findings"] if f["scope"] == "session"]
    assert {"point": {"code": "LR3", "side": "left"}} in subjects
    assert {"point": {"code": "BL23", "side": "bilateral"}} in subjects


@pytest.mark.parametrize(
    ("session", "field"),
    [
        ("manual", "session"),
        ({"points": []}, "session.modality"),
        ({"modality": "gua_sha"}, "session.modality"),
        ({"modality": "cupping", "colour": "red"}, "session.colour"),
        (
            {"modality": "cupping", "points": [{"code": "XX99", "side": "left"}]},
            "session.points[0].code",
        ),
        (
            {"modality": "cupping", "points": [{"code": "LI4", "side": "left"}, {"code": "ST36"}]},
            "session.points[1].side",
        ),
        (
            {"modality": "cupping", "points": [{"code": "GV20", "side": "left"}]},
            "session.points[0].side",
        ),
        (
            {"modality": "cupping", "points": [{"code": "LI4", "side": "top"}]},
            "session.points[0].side",
        ),
        (
            {"modality": "cupping", "points": [{"code": "LI4", "side": "left", "depth": "very"}]},
            "session.points[0].depth",
        ),
        (
            {
                "modality": "electroacupuncture",
                "electro_pairs": [[{"code": "LI4", "side": "left"}]],
            },
            "session.electro_pairs[0]",
        ),
        (
            {
                "modality": "electroacupuncture",
                "electro_pairs": [
                    [{"code": "LI4", "side": "left"}, {"code": "LI11", "side": "bilateral"}]
                ],
            },
            "session.electro_pairs[0][1].side",
        ),
        (
            {
                "modality": "electroacupuncture",
                "electro_pairs": [
                    [{"code": "LI4", "side": "left"}, {"code": "LI4", "side": "left"}]
                ],
            },
            "session.electro_pairs[0]",
        ),
        (
            {"modality": "electroacupuncture", "electro_intensity": "max"},
            "session.electro_intensity",
        ),
    ],
)
def test_rejected_sessions_name_the_field(registry: Registry, session: Any, field: str) -> None:
    assert _rejects(registry, session).field == field


def test_an_unknown_point_lists_the_catalogue(registry: Registry) -> None:
    error = _rejects(
        registry, {"modality": "cupping", "points": [{"code": "LI21", "side": "left"}]}
    )
    assert error.allowed is not None
    assert "LI20" in error.allowed
    assert "LI21" not in error.allowed


def test_a_midline_point_lists_midline_as_its_only_side(registry: Registry) -> None:
    error = _rejects(
        registry, {"modality": "cupping", "points": [{"code": "CV12", "side": "bilateral"}]}
    )
    assert error.allowed == ["midline"]


# --- Never allowed with anything blocked (an independent reading of the screening) -------


def _site_of(registry: Registry, code: str, side: str) -> set[str]:
    """The body sites a point may lie on (a point coded by level: every level's site)."""
    point = registry.of(Acupoint)[code]
    sites: set[str] = set()
    for region_id in {point.region, *(point.levels or {}).values()}:
        region = registry.of(BodyRegion)[region_id]
        if not region.sided:
            sites.add(region.sites["midline"])
            continue
        sides = ("left", "right") if side in ("bilateral", "midline") else (side,)
        sites.update(region.sites[s] for s in sides)  # type: ignore[index]
    return sites


def _regions(registry: Registry, needle: dict[str, Any]) -> set[str]:
    point = registry.of(Acupoint)[needle["code"]]
    levels = point.levels or {}
    if needle.get("level"):
        return {levels[needle["level"]]}
    return {point.region, *levels.values()}


def _acting_cautions(registry: Registry, needle: dict[str, Any]) -> list[Any]:
    point = registry.of(Acupoint)[needle["code"]]
    return [
        c
        for c in point.cautions
        if acts_on(c.citations)
        and not (needle.get("level") and c.levels and needle["level"] not in c.levels)
    ]


_DEPTHS = [None, "superficial", "standard", "deep", "intra_articular"]
_ANGLES = [None, "transverse", "oblique", "perpendicular"]


def _needles(session: dict[str, Any]) -> list[dict[str, Any]]:
    """Each needle once, as the session check reads it: a point listed twice at its riskier
    depth and angle; an electrode on a listed point with that point's depth and angle."""
    needles: dict[tuple[Any, ...], dict[str, Any]] = {}
    for point in session["points"]:
        key = (point["code"], point["side"], point.get("level"))
        seen = needles.get(key)
        rank = (_DEPTHS.index(point.get("depth")), _ANGLES.index(point.get("angle")))
        if seen is None or rank > (
            _DEPTHS.index(seen.get("depth")),
            _ANGLES.index(seen.get("angle")),
        ):
            needles[key] = dict(point)
    for pair in session["electro_pairs"]:
        for electrode in pair:
            key = (electrode["code"], electrode["side"], electrode.get("level"))
            known = (
                needles.get(key)
                or needles.get((electrode["code"], "bilateral", electrode.get("level")))
                or {}
            )
            needles[key] = {
                **electrode,
                "depth": known.get("depth"),
                "angle": known.get("angle"),
                "electrode": True,
            }
    return list(needles.values())


def _breached(caution: Any, needle: dict[str, Any]) -> bool:
    depth, angle = needle.get("depth"), needle.get("angle")
    return depth in caution.depths or (angle in caution.angles and depth != "superficial")


def _whole_session_holds(clause: Any, session: dict[str, Any], modalities: set[str]) -> bool:
    if clause.session_modalities and not modalities & set(clause.session_modalities):
        return False
    if clause.electro_intensities and (
        (session.get("electro_intensity") or "undeclared") not in clause.electro_intensities
    ):
        return False
    kind = session.get("cupping_kind") or "undeclared"
    return not (clause.cupping_kinds and kind not in clause.cupping_kinds)


def _needle_holds(registry: Registry, clause: Any, needle: dict[str, Any]) -> bool:
    cautions = _acting_cautions(registry, needle)
    checks = [
        not clause.point_cautions or bool({c.kind for c in cautions} & set(clause.point_cautions)),
        not clause.session_points or needle["code"] in clause.session_points,
        not clause.point_regions or bool(_regions(registry, needle) & set(clause.point_regions)),
        not clause.caution_breached
        or any(c.kind in clause.caution_breached and _breached(c, needle) for c in cautions),
        not clause.needle_depths or (needle.get("depth") or "undeclared") in clause.needle_depths,
        not clause.electrode or bool(needle.get("electrode")),
    ]
    return all(checks)


def _session_rule_blocks(registry: Registry, intake: Intake, session: dict[str, Any]) -> bool:
    """The acting session rules that refuse, read again straight from their records."""
    from acucare.domain.screening import clause_holds, facts_of

    facts = facts_of(intake, registry)
    modalities = {session["modality"]} | (
        {"electroacupuncture"} if session["electro_pairs"] else set()
    )
    needles = _needles(session)
    for rule in registry.of(SafetyRule).values():
        if not rule.acts or rule.level not in ("block", "refer", "urgent"):
            continue
        for clause in rule.trigger:
            if not clause.is_session or clause.electro_pair is not None:
                continue
            if not clause_holds(clause, facts):
                continue
            if not _whole_session_holds(clause, session, modalities):
                continue
            if not clause.point_level:
                return True
            if any(_needle_holds(registry, clause, needle) for needle in needles):
                return True
    return False


def _sides(side: str) -> tuple[str, ...]:
    return ("left", "right") if side in ("bilateral", "midline") else (side,)


def _placement_matches(criterion: Any, a: str, b: str) -> bool:
    if criterion.both_in and not {a, b} <= set(criterion.both_in):
        return False
    if criterion.other_in:
        return (a in criterion.either_in and b in criterion.other_in) or (
            b in criterion.either_in and a in criterion.other_in
        )
    return not criterion.either_in or bool({a, b} & set(criterion.either_in))


def _pair_rule_blocks(registry: Registry, pair: list[dict[str, str]]) -> bool:
    """The acting electrode-pair rules, read again straight from their records. A point
    coded by level without one may lie in any level's region: any placement counts."""
    sides = {e["side"] for e in pair}
    codes = {e["code"] for e in pair}
    placements = [(a, b) for a in _regions(registry, pair[0]) for b in _regions(registry, pair[1])]
    for rule in registry.of(SafetyRule).values():
        if not rule.acts or rule.level not in ("block", "refer", "urgent"):
            continue
        for clause in rule.trigger:
            criterion = clause.electro_pair
            if criterion is None:
                continue
            if criterion.sides == "opposite" and sides != {"left", "right"}:
                continue
            if criterion.either_points and not codes & set(criterion.either_points):
                continue
            if any(_placement_matches(criterion, a, b) for a, b in placements):
                return True
    return False


def _something_blocked(registry: Registry, intake: Intake, session: dict[str, Any]) -> bool:
    from acucare.domain.screening import screen

    screening = screen(intake, registry).as_document()
    if screening["decision"] in ("refer_before_treatment", "urgent_referral"):
        return True
    modalities = {session["modality"]} | (
        {"electroacupuncture"} if session["electro_pairs"] else set()
    )
    if modalities & set(screening["blocked_modalities"]):
        return True
    needles = [dict(p) for p in session["points"]]
    needles += [dict(e) for pair in session["electro_pairs"] for e in pair]
    if any(_needle_blocked(registry, screening, modalities, needle) for needle in needles):
        return True
    if (
        session["electro_pairs"]
        and session.get("electro_intensity") in ("strong", None)
        and any(
            t["technique"] == "strong_electroacupuncture" for t in screening["blocked_techniques"]
        )
    ):
        return True
    if any(_pair_rule_blocks(registry, pair) for pair in session["electro_pairs"]):
        return True
    return _session_rule_blocks(registry, intake, session)


def _needle_blocked(
    registry: Registry, screening: dict[str, Any], modalities: set[str], needle: dict[str, Any]
) -> bool:
    """Whether the screening blocks this one needle: its point, site, limb, or technique."""
    sided = {(p["code"], p["side"]) for p in screening["blocked_point_sides"]}
    code, side = needle["code"], needle["side"]
    sites = _site_of(registry, code, side)
    point = registry.of(Acupoint)[code]
    if code in screening["blocked_points"] or any((code, s) in sided for s in _sides(side)):
        return True
    if sites & set(screening["blocked_sites"]):
        return True
    if point.limb != "none" and any(
        f"{s}_{point.limb}" in screening["blocked_limbs"] for s in _sides(side)
    ):
        return True
    if any(
        entry["modality"] in modalities and sites & set(entry["sites"])
        for entry in screening["blocked_modality_sites"]
    ):
        return True
    technique = {"deep": "deep_needling", "intra_articular": "intra_articular_needling"}.get(
        needle.get("depth") or ""
    )
    return any(
        entry["technique"] == technique and (not entry["sites"] or sites & set(entry["sites"]))
        for entry in screening["blocked_techniques"]
    )


def _sides_for(point: Acupoint, electrode: bool) -> list[str]:
    if point.laterality == "midline":
        return ["midline"]
    if point.laterality in ("left", "right"):
        return [point.laterality]
    return ["left", "right"] if electrode else ["left", "right", "bilateral"]


@st.composite
def sessions(draw: st.DrawFn, points: list[Acupoint]) -> dict[str, Any]:
    def needle(electrode: bool) -> dict[str, str]:
        point = draw(st.sampled_from(points))
        chosen = {"code": point.code, "side": draw(st.sampled_from(_sides_for(point, electrode)))}
        if point.levels and draw(st.booleans()):
            chosen["level"] = draw(st.sampled_from(sorted(point.levels)))
        if not electrode:
            depth = draw(st.sampled_from(_DEPTHS))
            if depth is not None:
                chosen["depth"] = depth
            angle = draw(st.sampled_from(_ANGLES))
            if angle is not None:
                chosen["angle"] = angle
        return chosen

    pairs = []
    for _ in range(draw(st.integers(0, 2))):
        first, second = needle(True), needle(True)
        if first != second:
            pairs.append([first, second])
    session: dict[str, Any] = {
        "modality": draw(st.sampled_from(MODALITIES)),
        "points": [needle(False) for _ in range(draw(st.integers(0, 5)))],
        "electro_pairs": pairs,
    }
    intensity = draw(st.sampled_from([None, "mild", "strong"]))
    if intensity is not None:
        session["electro_intensity"] = intensity
    cupping = draw(st.sampled_from([None, "dry", "wet"]))
    if cupping is not None:
        session["cupping_kind"] = cupping
    return session


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_never_allowed_with_anything_blocked(data: st.DataObject) -> None:
    registry = shipped_registry()
    document = data.draw(intakes(body_sites(registry), red_flags=False), label="intake")
    intake = parse_intake(document, registry)
    session = data.draw(sessions(list(registry.of(Acupoint).values())), label="session")
    result = check_session(intake, session, registry)
    blocked = _something_blocked(registry, intake, session)
    assert result.allowed is not blocked


# --- Issue 9: a declared depth, angle, site or pair that a rule forbids is never allowed ---


def _breaching_needles(registry: Registry) -> list[dict[str, Any]]:
    """Every (point, level, depth, angle) that a caution the refusing rule names forbids."""
    rule = registry.of(SafetyRule)["danger_point_deep_needling"]
    kinds = {kind for clause in rule.trigger for kind in clause.caution_breached}
    found: list[dict[str, Any]] = []
    for point in registry.of(Acupoint).values():
        for caution in point.cautions:
            if caution.kind not in kinds or not acts_on(caution.citations):
                continue
            side = "midline" if point.laterality == "midline" else "left"
            if point.laterality == "right":
                side = "right"
            base: dict[str, Any] = {"code": point.code, "side": side}
            if caution.levels:
                base["level"] = caution.levels[0]
            found.extend({**base, "depth": depth} for depth in caution.depths)
            found.extend(
                {**base, "depth": depth, "angle": angle}
                for angle in caution.angles
                for depth in ("standard", "deep")
            )
    return found


def test_every_danger_point_of_the_issue_is_covered(registry: Registry) -> None:
    """The points issue 9 names as "never deep" are refused when declared deep."""
    named = {"GB21", "LU1", "LU2", "BL13", "SI14", "TE15", "LI16", "GV15", "GV16", "GB20",
             "BL10", "ST9", "HT1", "SP11", "SP12", "ST30", "CV14", "CV15", "LR13",
             "EX-B2"}  # fmt: skip
    covered = {needle["code"] for needle in _breaching_needles(registry)}
    assert named <= covered, named - covered


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_forbidden_depth_or_angle_is_never_allowed(data: st.DataObject) -> None:
    registry = shipped_registry()
    document = data.draw(intakes(body_sites(registry), red_flags=False), label="intake")
    intake = parse_intake(document, registry)
    breach = data.draw(st.sampled_from(_breaching_needles(registry)), label="needle")
    others = data.draw(sessions(list(registry.of(Acupoint).values())), label="rest")
    session = {**others, "points": [*others["points"], breach]}
    result = check_session(intake, session, registry)
    assert result.allowed is False
    assert "danger_point_deep_needling" in {f.rule for f in result.session_findings}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_more_risk_never_turns_a_refused_session_into_an_allowed_one(
    data: st.DataObject,
) -> None:
    from tests.domain.test_screening import _add, added_risks

    registry = shipped_registry()
    sites = body_sites(registry)
    document = data.draw(intakes(sites, red_flags=False), label="intake")
    risk = data.draw(added_risks(sites), label="added risk")
    session = data.draw(sessions(list(registry.of(Acupoint).values())), label="session")
    before = check_session(parse_intake(document, registry), session, registry)
    after = check_session(parse_intake(_add(document, risk), registry), session, registry)
    if not before.allowed:
        assert not after.allowed
    refusing = ("urgent", "refer", "block")
    assert {f.rule for f in before.session_findings if f.level in refusing} <= {
        f.rule for f in after.session_findings if f.level in refusing
    }


def test_a_level_is_only_for_points_coded_by_level(registry: Registry) -> None:
    error = _rejects(
        registry,
        {
            "modality": "manual_acupuncture",
            "points": [{"code": "LI4", "side": "left", "level": "T4"}],
        },
    )
    assert error.field == "session.points[0].level"
    error = _rejects(
        registry,
        {
            "modality": "manual_acupuncture",
            "points": [{"code": "EX-B2", "side": "left", "level": "C3"}],
        },
    )
    assert error.field == "session.points[0].level"
    assert error.allowed is not None
    assert "T1" in error.allowed
    assert "L5" in error.allowed


def test_an_unknown_angle_or_cupping_kind_names_the_field(registry: Registry) -> None:
    error = _rejects(
        registry,
        {
            "modality": "manual_acupuncture",
            "points": [{"code": "LI4", "side": "left", "angle": "sideways"}],
        },
    )
    assert error.field == "session.points[0].angle"
    assert error.allowed == ["perpendicular", "oblique", "transverse"]
    error = _rejects(registry, {"modality": "cupping", "cupping_kind": "fire", "points": []})
    assert error.field == "session.cupping_kind"
    assert error.allowed == ["dry", "wet"]
