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
from acucare.kb.records.body_sites import BodyRegion
from acucare.kb.records.safety_examples import SafetyExample
from acucare.kb.records.safety_rules import SafetyRule
from acucare.kb.vocabulary import MODALITIES
from tests.domain.test_screening import intakes

EXAMPLES = sorted(
    key for key, e in shipped_registry().of(SafetyExample).items() if e.session is not None
)
PLAIN = {"format": "acucare.intake/1", "patient": {"age": 40}, "conditions": [{"icd10": "M54.2"}]}


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
    point = registry.of(Acupoint)[code]
    region = registry.of(BodyRegion)[point.region]
    if not region.sided:
        return {region.sites["midline"]}
    sides = ("left", "right") if side in ("bilateral", "midline") else (side,)
    return {region.sites[s] for s in sides}  # type: ignore[index]


def _sides(side: str) -> tuple[str, ...]:
    return ("left", "right") if side in ("bilateral", "midline") else (side,)


def _pair_rule_blocks(registry: Registry, pair: list[dict[str, str]]) -> bool:
    """The acting electrode-pair rules, read again straight from their records."""
    regions = [registry.of(Acupoint)[e["code"]].region for e in pair]
    sides = {e["side"] for e in pair}
    for rule in registry.of(SafetyRule).values():
        if not rule.acts:
            continue
        for clause in rule.trigger:
            criterion = clause.electro_pair
            if criterion is None:
                continue
            if criterion.sides == "opposite" and sides != {"left", "right"}:
                continue
            if criterion.both_in and not set(regions) <= set(criterion.both_in):
                continue
            if criterion.other_in:
                a, b = regions
                if not (
                    (a in criterion.either_in and b in criterion.other_in)
                    or (b in criterion.either_in and a in criterion.other_in)
                ):
                    continue
            elif criterion.either_in and not set(regions) & set(criterion.either_in):
                continue
            return True
    return False


def _something_blocked(registry: Registry, intake: Intake, session: dict[str, Any]) -> bool:  # noqa: C901 - one branch per kind of block in the generated session
    from acucare.domain.screening import screen

    screening = screen(intake, registry).as_document()
    if screening["decision"] in ("refer_before_treatment", "urgent_referral"):
        return True
    modalities = {session["modality"]} | (
        {"electroacupuncture"} if session["electro_pairs"] else set()
    )
    if modalities & set(screening["blocked_modalities"]):
        return True
    sided = {(p["code"], p["side"]) for p in screening["blocked_point_sides"]}
    needles = [dict(p) for p in session["points"]]
    needles += [dict(e) for pair in session["electro_pairs"] for e in pair]
    catalogue = registry.of(Acupoint)
    for needle in needles:
        code, side = needle["code"], needle["side"]
        sites = _site_of(registry, code, side)
        point = catalogue[code]
        if code in screening["blocked_points"] or any((code, s) in sided for s in _sides(side)):
            return True
        if sites & set(screening["blocked_sites"]):
            return True
        if point.limb != "none" and any(
            f"{s}_{point.limb}" in screening["blocked_limbs"] for s in _sides(side)
        ):
            return True
        for entry in screening["blocked_modality_sites"]:
            if entry["modality"] in modalities and sites & set(entry["sites"]):
                return True
        technique = {"deep": "deep_needling", "intra_articular": "intra_articular_needling"}.get(
            needle.get("depth") or ""
        )
        for entry in screening["blocked_techniques"]:
            if entry["technique"] == technique and (
                not entry["sites"] or sites & set(entry["sites"])
            ):
                return True
    if (
        session["electro_pairs"]
        and session.get("electro_intensity") == "strong"
        and any(
            t["technique"] == "strong_electroacupuncture" for t in screening["blocked_techniques"]
        )
    ):
        return True
    return any(_pair_rule_blocks(registry, pair) for pair in session["electro_pairs"])


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
        if not electrode:
            depth = draw(
                st.sampled_from([None, "superficial", "standard", "deep", "intra_articular"])
            )
            if depth is not None:
                chosen["depth"] = depth
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
