"""Issue 9, the second review: properties over sites, pairs and riskier sessions.

`test_session_check.py` shows that a session is allowed exactly when nothing in it is
blocked, and that a forbidden depth or angle is never allowed. These add: a site that a rule
refuses for a modality (the nipple, the umbilicus, moxibustion on the face or the front of
the neck) is never allowed, whatever else the session holds; a pair with an electrode on a
point a pair rule names (the front of the neck) is never allowed; and making a session
riskier (deeper, steeper, stronger, wet cupping) never turns a refused session into an
allowed one.
"""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acucare.domain.intake import body_sites, parse_intake
from acucare.domain.session_check import check_session
from acucare.kb import Registry
from acucare.kb import registry as shipped_registry
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.safety_rules import Clause, SafetyRule
from acucare.kb.vocabulary import MODALITIES
from tests.domain.test_screening import intakes
from tests.domain.test_session_check import _sides_for, sessions

REFUSING = ("urgent", "refer", "block")
# The criteria a clause asks of the session; everything else is asked of the patient.
_SESSION_CRITERIA = frozenset(
    {
        "point_cautions",
        "session_points",
        "point_regions",
        "caution_breached",
        "needle_depths",
        "electrode",
        "electro_pair",
        "session_modalities",
        "electro_intensities",
        "cupping_kinds",
    }
)


def _patient_free(clause: Clause) -> bool:
    """Whether the clause holds for every patient (it asks only about the session)."""
    blank = Clause()
    patient = {
        f.name: getattr(clause, f.name) for f in fields(Clause) if f.name not in _SESSION_CRITERIA
    }
    return patient == {name: getattr(blank, name) for name in patient}


def _site_refusals(registry: Registry) -> list[tuple[str, str, dict[str, str]]]:
    """(rule, modality, needle) for every point a refusing rule forbids for a modality,
    for every patient, by naming the point or its region (not its depth or a pair)."""
    points = registry.of(Acupoint)
    found = []
    for rule in registry.of(SafetyRule).values():
        if not rule.acts or rule.level not in REFUSING:
            continue
        for clause in rule.trigger:
            if not clause.is_session or not _patient_free(clause):
                continue
            if clause.electro_pair or clause.caution_breached or clause.needle_depths:
                continue
            if clause.electrode or clause.electro_intensities or clause.cupping_kinds:
                continue
            if clause.point_cautions or not (clause.session_points or clause.point_regions):
                continue
            codes = [
                code
                for code, point in points.items()
                if code in clause.session_points
                or point.region in clause.point_regions
                or bool(set((point.levels or {}).values()) & set(clause.point_regions))
            ]
            for modality in clause.session_modalities or MODALITIES:
                for code in codes:
                    side = _sides_for(points[code], electrode=False)[0]
                    found.append((rule.id, modality, {"code": code, "side": side}))
    return found


def _pair_points(registry: Registry) -> list[tuple[str, str]]:
    """(rule, point) for every point a refusing pair rule names for either electrode."""
    return [
        (rule.id, code)
        for rule in registry.of(SafetyRule).values()
        if rule.acts and rule.level in REFUSING
        for clause in rule.trigger
        if clause.electro_pair is not None and _patient_free(clause)
        for code in clause.electro_pair.either_points
    ]


def test_the_sites_of_issue_9_are_among_the_refused_sites() -> None:
    registry = shipped_registry()
    refused = {(modality, needle["code"]) for _rule, modality, needle in _site_refusals(registry)}
    for code in ("ST17", "CV8"):
        assert ("manual_acupuncture", code) in refused
    for code in ("BL1", "GV26", "ST9", "ST17", "CV1"):
        assert ("moxibustion", code) in refused
    neck = {code for _rule, code in _pair_points(registry)}
    assert {"ST9", "ST10", "LI17", "LI18", "SI16", "SI17", "CV22", "CV23"} <= neck


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_refused_site_is_never_allowed(data: st.DataObject) -> None:
    registry = shipped_registry()
    document = data.draw(intakes(body_sites(registry), red_flags=False), label="intake")
    intake = parse_intake(document, registry)
    rule, modality, needle = data.draw(st.sampled_from(_site_refusals(registry)), label="site")
    others = data.draw(sessions(list(registry.of(Acupoint).values())), label="rest")
    session = {**others, "modality": modality, "points": [*others["points"], needle]}
    result = check_session(intake, session, registry)
    assert result.allowed is False
    assert rule in {f.rule for f in result.session_findings}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_electrode_on_a_refused_point_is_never_allowed(data: st.DataObject) -> None:
    registry = shipped_registry()
    catalogue = registry.of(Acupoint)
    document = data.draw(intakes(body_sites(registry), red_flags=False), label="intake")
    intake = parse_intake(document, registry)
    rule, code = data.draw(st.sampled_from(_pair_points(registry)), label="point")
    first = {"code": code, "side": data.draw(st.sampled_from(_sides_for(catalogue[code], True)))}
    other = data.draw(st.sampled_from(sorted(catalogue)), label="other")
    second = {"code": other, "side": data.draw(st.sampled_from(_sides_for(catalogue[other], True)))}
    if second == first:
        return
    others = data.draw(sessions(list(catalogue.values())), label="rest")
    session = {**others, "electro_pairs": [*others["electro_pairs"], [first, second]]}
    result = check_session(intake, session, registry)
    assert result.allowed is False
    assert rule in {f.rule for f in result.session_findings}


_DEEPER = {None: "deep", "superficial": "standard", "standard": "deep"}
_STEEPER = {None: "perpendicular", "transverse": "oblique", "oblique": "perpendicular"}


def _riskier(session: dict[str, Any], how: str) -> dict[str, Any]:
    """The same session made riskier in one way, for every needle at once."""
    riskier = copy.deepcopy(session)
    for point in riskier["points"]:
        if how == "deeper" and point.get("depth") in _DEEPER:
            point["depth"] = _DEEPER[point.get("depth")]
        if how == "steeper" and point.get("angle") in _STEEPER:
            point["angle"] = _STEEPER[point.get("angle")]
    if how == "stronger":
        riskier["electro_intensity"] = "strong"
    if how == "wet" and riskier.get("cupping_kind") == "dry":
        riskier["cupping_kind"] = "wet"
    return riskier


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_riskier_session_is_never_allowed_where_the_plainer_one_was_refused(
    data: st.DataObject,
) -> None:
    registry = shipped_registry()
    document = data.draw(intakes(body_sites(registry), red_flags=False), label="intake")
    intake = parse_intake(document, registry)
    session = data.draw(sessions(list(registry.of(Acupoint).values())), label="session")
    how = data.draw(st.sampled_from(["deeper", "steeper", "stronger", "wet"]), label="how")
    before = check_session(intake, session, registry)
    after = check_session(intake, _riskier(session, how), registry)
    if not before.allowed:
        assert not after.allowed
    assert {f.rule for f in before.session_findings if f.level in REFUSING} <= {
        f.rule for f in after.session_findings if f.level in REFUSING
    }
