"""Golden example plans: intake in, the properties a clinician would check out.

Each file in golden/plans/ is one patient (conditions x safety combinations): the intake
and what the plan must show — the right local points for the painful sites and sides,
nothing the screening blocks, a dose within the protocol, the right layers of care.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from acucare.domain.intake import parse_intake
from acucare.domain.planning import plan
from acucare.domain.screening import screen
from acucare.kb import Registry
from acucare.kb.records.acupoints import Acupoint
from tests.domain.plan_checks import check_plan

GOLDEN = Path(__file__).parent / "golden" / "plans"
CASES = sorted(GOLDEN.glob("*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        case: dict[str, Any] = yaml.safe_load(handle)
    return case


def _layer_ids(document: dict[str, Any]) -> set[str]:
    return {ref.split("@")[0] for c in document["components"] for ref in c["layers"]}


def test_there_are_at_least_25_golden_plans() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_plan(path: Path, registry: Registry) -> None:
    case = _load(path)
    expect: dict[str, Any] = case["expect"]
    intake = parse_intake(case["intake"], registry)
    screening = screen(intake, registry)
    document = plan(intake, screening, registry).as_document()
    check_plan(document, screening, registry)
    again = plan(intake, screen(intake, registry), registry).as_document()
    assert json.dumps(again) == json.dumps(document), "the same intake gives the same plan"

    _check_document(document, screening.decision, expect)
    acupuncture = document["acupuncture"]
    if acupuncture is None:
        return
    _check_acupuncture(acupuncture, document, expect, registry)


def _check_document(document: dict[str, Any], decision: str, expect: dict[str, Any]) -> None:
    """One assertion group per golden-case key about the plan as a whole."""
    found = {
        "status": document["status"],
        "decision": decision,
        "group": (document.get("condition") or {}).get("group"),
        "chronic": (document.get("condition") or {}).get("chronic"),
        "referral_urgency": (document.get("referral") or {}).get("urgency"),
        "acupuncture": document["acupuncture"],
    }
    for key, value in found.items():
        if key in expect:
            assert value == expect[key], (key, value)
    if "layers" in expect:
        assert _layer_ids(document) == set(expect["layers"])
    for domain, text in expect.get("triggered_by", {}).items():
        triggers = [c["triggered_by"] for c in document["components"] if c["domain"] == domain]
        assert any(text in t for t in triggers), triggers
    if "notes_contain" in expect:
        assert any(expect["notes_contain"] in note for note in document["notes"]), document["notes"]
    if "cannot_start_contains" in expect:
        assert document["cannot_start"]["findings"]
        assert expect["cannot_start_contains"] in document["cannot_start"]["why"].lower()
        assert document["reviews"] == []


def _check_acupuncture(
    acupuncture: dict[str, Any],
    document: dict[str, Any],
    expect: dict[str, Any],
    registry: Registry,
) -> None:
    """One assertion group per golden-case key of the acupuncture block."""
    _check_points(acupuncture, expect, registry)
    _check_dose(acupuncture, expect)
    _check_changes(acupuncture, document, expect)
    _check_course(acupuncture, expect)
    _check_reviews(document, expect)


def _check_points(acupuncture: dict[str, Any], expect: dict[str, Any], registry: Registry) -> None:
    points = {p["code"]: p for p in acupuncture["points"]}
    if "protocol" in expect:
        assert acupuncture["protocol"] == expect["protocol"]
    if "protocol_status" in expect:
        assert acupuncture["protocol_status"] == expect["protocol_status"]
    if "modality" in expect:
        assert acupuncture["modality"] == expect["modality"]
    for code, side in expect.get("points", {}).items():
        assert code in points, f"{code} missing from {sorted(points)}"
        assert points[code]["side"] == side, (code, points[code]["side"])
    for code in expect.get("absent_points", ()):
        assert code not in points, f"{code} should not be in the plan"
    _check_places(acupuncture, expect, registry)


def _check_places(acupuncture: dict[str, Any], expect: dict[str, Any], registry: Registry) -> None:
    """Where the points lie: local regions, the painful side, a limb kept free."""
    catalogue = registry.of(Acupoint)
    local = [p for p in acupuncture["points"] if p["role"] == "local"]
    if "local_points" in expect:
        assert len(local) == expect["local_points"]
    if "local_regions" in expect:
        for point in local:
            assert catalogue[point["code"]].region in expect["local_regions"], point["code"]
    if "sided_points_on" in expect:
        for point in acupuncture["points"]:
            if point["side"] in ("left", "right"):
                assert point["side"] in expect["sided_points_on"], point
    if "no_points_on_limb" in expect:
        side, limb = expect["no_points_on_limb"].split("_")
        for point in acupuncture["points"]:
            if catalogue[point["code"]].limb == limb:
                assert point["side"] not in (side, "bilateral"), point


def _check_dose(acupuncture: dict[str, Any], expect: dict[str, Any]) -> None:
    if "needles" in expect:
        assert acupuncture["needles"] == expect["needles"]
    if "needles_at_least" in expect:
        assert acupuncture["needles"] >= expect["needles_at_least"]
    low = acupuncture["needle_range"]["min"]
    if expect.get("below_minimum"):
        assert acupuncture["needles"] < low
        assert f"at least {low} needles" in acupuncture["why"]
    else:
        assert acupuncture["needles"] >= low
    if "ashi" in expect:
        ashi = acupuncture["ashi_points"]
        assert [ashi["min"], ashi["max"]] == expect["ashi"]
    if "sessions" in expect:
        assert acupuncture["sessions"] == expect["sessions"]
        if expect["sessions"] is None:
            assert "paediatric" in acupuncture["paediatric"]["why"]
    if "retention" in expect:
        assert acupuncture["retention_minutes"] == expect["retention"]
    if "extension" in expect:
        assert acupuncture["extension"]["extra_sessions"] == expect["extension"]


def _check_changes(
    acupuncture: dict[str, Any], document: dict[str, Any], expect: dict[str, Any]
) -> None:
    """Substitutions, alternatives, the unverified notice, pairs and technique limits."""
    kinds = {s["kind"] for s in acupuncture["substitutions"]}
    for kind in expect.get("substitutions", ()):
        assert kind in kinds, f"expected a {kind} substitution, got {sorted(kinds)}"
    if document["screening"]["decision"] == "proceed" and not expect.get("substitutions"):
        # Nothing blocked and nothing declined: the trial's prescription, unchanged.
        assert acupuncture["substitutions"] == []
    if "alternatives" in expect:
        assert [a["modality"] for a in acupuncture["alternatives"]] == expect["alternatives"]
    if expect.get("notice"):
        assert acupuncture["notice"].startswith("Unverified protocol")
    elif acupuncture["protocol_status"] == "active":
        assert "notice" not in acupuncture
    if "electro_pairs" in expect:
        pairs = acupuncture.get("electro_pairs")
        assert (len(pairs) if pairs is not None else None) == expect["electro_pairs"]
    if "technique_limits" in expect:
        limited = [t["technique"] for t in acupuncture["technique_limits"]]
        assert limited == expect["technique_limits"]
        for point in acupuncture["points"]:
            assert point["limits"]


def _check_course(acupuncture: dict[str, Any], expect: dict[str, Any]) -> None:
    points = {p["code"]: p for p in acupuncture["points"]}
    courses = {c["guideline"]: c["within"] for c in acupuncture["guideline_courses"]}
    for guideline, within in expect.get("guideline_course_within", {}).items():
        assert courses[guideline] is within
    for code in expect.get("first_session_absent", ()):
        assert code not in {p["code"] for p in acupuncture["first_session"]["points"]}
        assert code in points
    for code in expect.get("point_cautions", ()):
        assert points[code].get("cautions"), f"{code} should carry the session-check caution"


def _check_reviews(document: dict[str, Any], expect: dict[str, Any]) -> None:
    reviews = document["reviews"]
    if "reviews" in expect:
        assert sorted({r["after_session"] for r in reviews}) == expect["reviews"]
    if "review_target" in expect:
        assert reviews[0]["target"] == expect["review_target"]
    if "review_instruments" in expect:
        first = [r["instrument"] for r in reviews if r["kind"] == "response"]
        assert first == expect["review_instruments"]
    if "coverage_text" in expect:
        coverage = [r for r in reviews if r["kind"] == "coverage_limit"]
        assert coverage
        assert all(expect["coverage_text"] in r["applies_if"] for r in coverage)
