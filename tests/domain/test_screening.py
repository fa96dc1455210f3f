"""Safety screening: the knowledge base's example patients, and monotonicity under risk."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acucare.domain.intake import body_sites, parse_intake
from acucare.domain.screening import DECISION_ORDER, Screening, decide, screen
from acucare.kb import Registry
from acucare.kb import registry as shipped_registry
from acucare.kb.records.safety_examples import SafetyExample
from acucare.kb.vocabulary import HISTORY_FLAGS, LIMBS_AT_RISK, RED_FLAGS, SEXES

EXAMPLES = sorted(shipped_registry().of(SafetyExample))
SPEC_FINDING_KEYS = {"rule", "level", "message", "citations", "blocks"}
SPEC_BLOCK_KEYS = {"modalities", "points", "sites", "limbs"}


def _screen(registry: Registry, document: dict[str, Any]) -> Screening:
    return screen(parse_intake(document, registry), registry)


@pytest.mark.parametrize("example_id", EXAMPLES)
def test_example_patient(registry: Registry, example_id: str) -> None:
    example = registry.of(SafetyExample)[example_id]
    expected = example.expected
    document = _screen(registry, example.intake).as_document()
    rules = [finding["rule"] for finding in document["findings"]]
    assert document["decision"] == expected.decision
    assert sorted(rules) == sorted(expected.rules)
    assert len(rules) == len(set(rules))
    if expected.blocked_modalities is not None:
        assert sorted(document["blocked_modalities"]) == sorted(expected.blocked_modalities)
    if expected.blocked_sites is not None:
        assert sorted(document["blocked_sites"]) == sorted(expected.blocked_sites)
    if expected.blocked_limbs is not None:
        assert sorted(document["blocked_limbs"]) == sorted(expected.blocked_limbs)
    assert set(expected.blocked_points_include) <= set(document["blocked_points"])
    assert not set(expected.blocked_points_exclude) & set(document["blocked_points"])
    sides = {(p["code"], p["side"]) for p in document["blocked_point_sides"]}
    assert {(p.code, p.side) for p in expected.blocked_point_sides_include} <= sides
    assert not {(p.code, p.side) for p in expected.blocked_point_sides_exclude} & sides
    techniques = {t["technique"] for t in document["blocked_techniques"]}
    assert set(expected.blocked_techniques_include) <= techniques


def test_the_document_has_the_spec_shape(registry: Registry) -> None:
    example = registry.of(SafetyExample)["pregnancy_spec_example"]
    document = _screen(registry, example.intake).as_document()
    assert document["format"] == "acucare.screening/1"
    for key in ("blocked_modalities", "blocked_points", "blocked_sites", "blocked_limbs"):
        assert isinstance(document[key], list)
    assert document["kb_version"] == registry.version
    assert document["findings"]
    for finding in document["findings"]:
        assert set(finding) >= SPEC_FINDING_KEYS
        assert set(finding["blocks"]) >= SPEC_BLOCK_KEYS
        assert finding["level"] in ("urgent", "refer", "block", "warn", "note")
        assert finding["citations"]
    assert document["rules_applied"] == [
        f"{f['rule']}@{f['version']}" for f in document["findings"]
    ]


def test_findings_are_listed_most_severe_first(registry: Registry) -> None:
    example = registry.of(SafetyExample)["urgent_outranks_everything"]
    levels = [f["level"] for f in _screen(registry, example.intake).as_document()["findings"]]
    order = ["urgent", "refer", "block", "warn", "note"]
    assert levels == sorted(levels, key=order.index)


def test_a_more_urgent_referral_leads_its_level(registry: Registry) -> None:
    """Two referral findings: the same-day one (a hot swollen joint) comes before the routine
    one (long-term steroids), so whatever reads the first reason reads the urgent one."""
    example = registry.of(SafetyExample)["redteam_same_day_reason_leads"]
    findings = _screen(registry, example.intake).as_document()["findings"]
    assert [(f["rule"], f["referral"]) for f in findings] == [
        ("hot_swollen_joint", "same_day"),
        ("fracture_long_term_steroids", "routine"),
    ]


@pytest.mark.parametrize(
    ("levels", "decision"),
    [
        ((), "proceed"),
        (("note",), "proceed"),
        (("note", "warn"), "proceed_with_precautions"),
        (("block",), "proceed_with_precautions"),
        (("warn", "refer", "note"), "refer_before_treatment"),
        (("refer", "urgent", "block"), "urgent_referral"),
    ],
)
def test_decision_is_the_most_severe_consequence(levels: tuple[str, ...], decision: str) -> None:
    assert decide(levels) == decision


def test_medication_findings_say_which_entry(registry: Registry) -> None:
    document = _screen(
        registry,
        {
            "format": "acucare.intake/1",
            "patient": {"age": 70},
            "conditions": [{"icd10": "M17.11"}],
            "medications": ["Marevan 3 mg", "Zyxoflam"],
        },
    ).as_document()
    messages = {f["rule"]: f["message"] for f in document["findings"]}
    assert "Marevan 3 mg" in messages["anticoagulant_vitamin_k_antagonist"]
    assert "Zyxoflam" in messages["medication_not_checked"]
    assert "not checked against the knowledge base" in messages["medication_not_checked"]


def test_phq9_item_9_is_screened_from_the_intake(registry: Registry) -> None:
    answers = {str(item): 0 for item in range(1, 10)} | {"9": 3}
    document = _screen(
        registry,
        {
            "format": "acucare.intake/1",
            "patient": {"age": 30},
            "pregnancy": {"pregnant": False},
            "conditions": [{"icd10": "M54.2"}],
            "questionnaires": {"phq9": answers},
        },
    ).as_document()
    assert document["decision"] == "refer_before_treatment"
    assert [f["rule"] for f in document["findings"]] == ["phq9_self_harm"]
    assert document["findings"][0]["referral"] == "same_day"


# --- Monotonicity: more risk never lowers the decision or unblocks anything ---------------

_MEDICINES = ["warfarin", "apixaban", "Clexane", "aspirin", "methotrexate", "prednisolone",
              "metformin", "ibuprofen", "Keppra", "Zyxoflam"]  # fmt: skip


_CODES = ["M54.50", "M17.11", "G43.009", "G44.209", "M54.2", "G89.29"]
# Pain sites a risk may add: the spine and the head (never a knee, which could contradict
# the side of M17.11 and make the intake invalid).
_RISKY_SITES = ["head", "neck", "upper_back", "mid_back", "lower_back", "sacrum"]


@st.composite
def intakes(draw: st.DrawFn, sites: tuple[str, ...], red_flags: bool = True) -> dict[str, Any]:
    """Intakes with a few risks of every kind (`red_flags=False`: mostly without red flags)."""
    with_red_flags = red_flags or draw(st.integers(0, 4)) == 0
    sex = draw(st.sampled_from([None, *SEXES]))
    document: dict[str, Any] = {
        "format": "acucare.intake/1",
        "patient": {"age": draw(st.integers(0, 120))},
        "conditions": [
            {"icd10": draw(st.sampled_from(_CODES)), "duration_weeks": weeks}
            for weeks in draw(st.lists(st.none() | st.integers(0, 3000), min_size=1, max_size=2))
        ],
        "pain_sites": draw(st.lists(st.sampled_from(_RISKY_SITES), unique=True, max_size=2)),
        "history": draw(st.lists(st.sampled_from(HISTORY_FLAGS), unique=True, max_size=4)),
        "red_flags": draw(
            st.lists(st.sampled_from(RED_FLAGS), unique=True, max_size=3 if with_red_flags else 0)
        ),
        "medications": draw(st.lists(st.sampled_from(_MEDICINES), unique=True, max_size=3)),
        "limbs_at_risk": draw(st.lists(st.sampled_from(LIMBS_AT_RISK), unique=True, max_size=2)),
        "skin_lesion_sites": draw(st.lists(st.sampled_from(sites), unique=True, max_size=2)),
        "consent": {"given_by": draw(st.sampled_from([None, "patient", "parent_or_guardian"]))},
    }
    if sex is not None:
        document["patient"]["sex"] = sex
    pregnancy = draw(st.sampled_from(["absent", "unknown", "not_pregnant", "pregnant"]))
    if sex == "male" and pregnancy == "pregnant":
        pregnancy = "not_pregnant"
    if pregnancy == "pregnant":
        document["pregnancy"] = {"pregnant": True, "weeks": draw(st.none() | st.integers(0, 45))}
    elif pregnancy != "absent":
        document["pregnancy"] = {"pregnant": None if pregnancy == "unknown" else False}
        if sex != "male" and draw(st.booleans()):
            document["pregnancy"]["puerperium"] = True
    if draw(st.booleans()):
        item9 = draw(st.sampled_from([None, 0, 1, 2, 3]))
        answers = {str(i): draw(st.integers(0, 3)) for i in range(1, 9)}
        if item9 is not None:
            answers["9"] = item9
        document["questionnaires"] = {"phq9": answers}
    return document


@st.composite
def added_risks(draw: st.DrawFn, sites: tuple[str, ...]) -> tuple[str, Any]:
    kind = draw(
        st.sampled_from(
            [
                "history",
                "red_flags",
                "medications",
                "limbs_at_risk",
                "skin_lesion_sites",
                "pregnancy",
                "puerperium",
                "pain_sites",
                "item9",
            ]
        )
    )
    values: dict[str, Any] = {
        "history": st.sampled_from(HISTORY_FLAGS),
        "red_flags": st.sampled_from(RED_FLAGS),
        "medications": st.sampled_from(_MEDICINES),
        "limbs_at_risk": st.sampled_from(LIMBS_AT_RISK),
        "skin_lesion_sites": st.sampled_from(sites),
        "pregnancy": st.none() | st.integers(0, 45),
        "puerperium": st.just(True),
        "pain_sites": st.sampled_from(_RISKY_SITES),
        "item9": st.integers(1, 3),
    }
    return kind, draw(values[kind])


def _add(document: dict[str, Any], risk: tuple[str, Any]) -> dict[str, Any]:
    kind, value = risk
    riskier = copy.deepcopy(document)
    if kind in ("pregnancy", "puerperium") and document["patient"].get("sex") == "male":
        return riskier  # a field error, not a risk: nothing is added
    if kind == "pregnancy":
        current = document.get("pregnancy") or {}
        if current.get("pregnant") is True:  # already pregnant: keep the weeks as they were
            return riskier
        riskier["pregnancy"] = {"pregnant": True, "weeks": value}
        if current.get("puerperium"):
            riskier["pregnancy"]["puerperium"] = True
    elif kind == "puerperium":
        riskier.setdefault("pregnancy", {"pregnant": None})["puerperium"] = True
    elif kind == "item9":
        answers = riskier.setdefault("questionnaires", {}).setdefault(
            "phq9", {str(i): 0 for i in range(1, 9)}
        )
        answers["9"] = max(value, answers.get("9") or 0)
    elif value not in riskier[kind]:
        riskier[kind] = [*riskier[kind], value]
    return riskier


def _blocked(screening: Screening) -> dict[str, set[Any]]:
    document = screening.as_document()
    return {
        "modalities": set(document["blocked_modalities"]),
        "points": set(document["blocked_points"]),
        "sites": set(document["blocked_sites"]),
        "limbs": set(document["blocked_limbs"]),
        "point_sides": {(p["code"], p["side"]) for p in document["blocked_point_sides"]},
        "techniques": {t["technique"] for t in document["blocked_techniques"]},
        "rules": {f["rule"] for f in document["findings"]},
    }


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_adding_a_risk_never_lowers_the_decision(data: st.DataObject) -> None:
    registry = shipped_registry()
    sites = body_sites(registry)
    document = data.draw(intakes(sites), label="intake")
    risk = data.draw(added_risks(sites), label="added risk")
    before = _screen(registry, document)
    after = _screen(registry, _add(document, risk))
    assert DECISION_ORDER.index(after.decision) >= DECISION_ORDER.index(before.decision)
    blocked_before, blocked_after = _blocked(before), _blocked(after)
    if risk[0] == "item9":
        # Answering a blank item 9 replaces "risk unknown" by the answer's own finding.
        blocked_before["rules"].discard("phq9_self_harm_unanswered")
    if risk[0] == "pregnancy":
        # Likewise, recording a pregnancy answers the question "could she be pregnant?".
        blocked_before["rules"].discard("pregnancy_status_not_recorded")
    for key, values in blocked_before.items():
        assert values <= blocked_after[key], key
