"""The intake document is parsed strictly: each rejection names its field and what is allowed."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acucare.domain.errors import InputError
from acucare.domain.intake import body_sites, icd10_patterns, parse_intake
from acucare.kb import Registry
from acucare.kb import registry as shipped_registry
from acucare.kb.records.intake_examples import IntakeExample
from acucare.kb.vocabulary import (
    CONSENT_GIVERS,
    HISTORY_FLAGS,
    LIMBS_AT_RISK,
    MODALITIES,
    RED_FLAGS,
    SEXES,
)

SPEC_EXAMPLE: dict[str, Any] = {
    "format": "acucare.intake/1",
    "patient": {"age": 54, "sex": "female"},
    "pregnancy": {"pregnant": True, "weeks": 20},
    "conditions": [{"icd10": "M54.50", "duration_weeks": 30}],
    "pain_sites": ["lower_back", "left_knee"],
    "medications": ["warfarin", "ibuprofen"],
    "history": ["diabetes", "needle_phobia"],
    "limbs_at_risk": ["left_arm"],
    "skin_lesion_sites": [],
    "red_flags": [],
    "questionnaires": {"peg": {"1": 7, "2": 6, "3": 8}},
    "preferences": {"style": None, "declined_modalities": []},
}
MINIMAL: dict[str, Any] = {
    "format": "acucare.intake/1",
    "patient": {"age": 40},
    "conditions": [{"icd10": "M54.2"}],
}


def _with(base: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(base)
    target: Any = document
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value
    return document


def _without(base: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    document = copy.deepcopy(base)
    target: Any = document
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return document


def _rejects(registry: Registry, document: object) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_intake(document, registry)
    return caught.value


def test_the_spec_example_is_accepted(registry: Registry) -> None:
    intake = parse_intake(SPEC_EXAMPLE, registry)
    assert intake.patient.age == 54
    assert intake.pregnancy.pregnant
    assert intake.pregnancy.weeks == 20
    assert intake.primary_condition.icd10 == "M54.50"
    assert intake.primary_condition.group == "chronic_low_back_pain"
    assert intake.history == ("diabetes", "needle_phobia")
    assert intake.scores["peg"].total is not None


def test_a_minimal_intake_takes_the_spec_defaults(registry: Registry) -> None:
    intake = parse_intake(MINIMAL, registry)
    assert intake.patient.sex == "unknown"
    # Not "not pregnant": an unasked question stays unknown (issue 9, item 15).
    assert intake.pregnancy.pregnant is None
    assert intake.pregnancy.status == "unknown"
    assert intake.pregnancy.weeks is None
    assert not intake.pregnancy.puerperium
    assert intake.pain_sites == ()
    assert intake.preferences.style is None
    assert intake.consent.given_by is None


def test_as_document_round_trips(registry: Registry) -> None:
    intake = parse_intake(SPEC_EXAMPLE, registry)
    again = parse_intake(intake.as_document(), registry)
    assert again == intake
    assert again.as_document() == intake.as_document()


def test_repeats_are_dropped_and_codes_normalised(registry: Registry) -> None:
    document = _with(MINIMAL, ("history",), ["diabetes", "diabetes", "epilepsy"])
    document["conditions"] = [{"icd10": "m17.11"}]
    intake = parse_intake(document, registry)
    assert intake.history == ("diabetes", "epilepsy")
    assert intake.primary_condition.icd10 == "M17.11"
    assert intake.primary_condition.group == "knee_osteoarthritis"


@pytest.mark.parametrize("document", [None, [], "intake", 3])
def test_a_document_that_is_not_an_object(registry: Registry, document: object) -> None:
    error = _rejects(registry, document)
    assert error.field == "intake"
    assert error.message == "must be an object"


@pytest.mark.parametrize(
    ("path", "value", "field", "allowed"),
    [
        (("format",), "acucare.intake/2", "format", ["acucare.intake/1"]),
        (("patient", "sex"), "f", "patient.sex", list(SEXES)),
        (("history",), ["diabetes", "gout"], "history[1]", list(HISTORY_FLAGS)),
        (("red_flags",), ["back_ache"], "red_flags[0]", list(RED_FLAGS)),
        (("limbs_at_risk",), ["left_foot"], "limbs_at_risk[0]", list(LIMBS_AT_RISK)),
        (("preferences", "style"), "acupressure", "preferences.style", ["tcm", "western", None]),
        (
            ("preferences", "declined_modalities"),
            ["cupping", "gua_sha"],
            "preferences.declined_modalities[1]",
            list(MODALITIES),
        ),
        (("consent",), {"given_by": "friend"}, "consent.given_by", [*CONSENT_GIVERS, None]),
    ],
)
def test_an_unknown_value_names_the_vocabulary(
    registry: Registry, path: tuple[Any, ...], value: Any, field: str, allowed: list[Any]
) -> None:
    error = _rejects(registry, _with(MINIMAL, path, value))
    assert error.field == field
    assert error.allowed == allowed
    assert "unknown value" in error.message


@pytest.mark.parametrize(
    ("key", "value"), [("pain_sites", ["lower_back", "left_tail"]), ("skin_lesion_sites", ["x"])]
)
def test_an_unknown_body_site_lists_the_sites(
    registry: Registry, key: str, value: list[str]
) -> None:
    error = _rejects(registry, _with(MINIMAL, (key,), value))
    assert error.field == f"{key}[{len(value) - 1}]"
    assert error.allowed == list(body_sites(registry))
    assert "left_knee" in error.allowed
    assert "jaw_left" in error.allowed


@pytest.mark.parametrize(
    ("path", "value", "field", "allowed"),
    [
        (("patient", "age"), 121, "patient.age", {"min": 0, "max": 120}),
        (("patient", "age"), -1, "patient.age", {"min": 0, "max": 120}),
        (("pregnancy",), {"pregnant": True, "weeks": 46}, "pregnancy.weeks", {"min": 0, "max": 45}),
        (
            ("conditions",),
            [{"icd10": "M54.2", "duration_weeks": -2}],
            "conditions[0].duration_weeks",
            {"min": 0, "max": 6300},
        ),
    ],
)
def test_out_of_range_numbers_give_the_range(
    registry: Registry, path: tuple[Any, ...], value: Any, field: str, allowed: dict[str, int]
) -> None:
    error = _rejects(registry, _with(MINIMAL, path, value))
    assert error.field == field
    assert error.allowed == allowed


@pytest.mark.parametrize("age", [True, "54", 54.0, None])
def test_age_must_be_a_whole_number_not_a_bool_or_string(registry: Registry, age: Any) -> None:
    error = _rejects(registry, _with(MINIMAL, ("patient", "age"), age))
    assert error.field == "patient.age"
    assert error.message == "must be a whole number"
    assert error.allowed == {"min": 0, "max": 120}


@pytest.mark.parametrize("pregnant", [1, "yes", 0])
def test_pregnant_must_be_a_boolean_or_null(registry: Registry, pregnant: Any) -> None:
    error = _rejects(registry, _with(MINIMAL, ("pregnancy",), {"pregnant": pregnant}))
    assert error.field == "pregnancy.pregnant"
    assert error.message == "must be true or false"


def test_weeks_without_pregnancy_is_an_error(registry: Registry) -> None:
    error = _rejects(registry, _with(MINIMAL, ("pregnancy",), {"pregnant": False, "weeks": 12}))
    assert error.field == "pregnancy.weeks"


@pytest.mark.parametrize(
    ("document", "field", "allowed"),
    [
        (_with(MINIMAL, ("weight",), 70), "weight", None),
        (_with(MINIMAL, ("patient", "weight"), 70), "patient.weight", ["age", "sex"]),
        (
            _with(MINIMAL, ("conditions",), [{"icd10": "M54.2", "since": "2019"}]),
            "conditions[0].since",
            ["icd10", "duration_weeks"],
        ),
        (
            _with(MINIMAL, ("pregnancy",), {"pregnant": True, "trimester": 2}),
            "pregnancy.trimester",
            ["pregnant", "weeks", "puerperium"],
        ),
    ],
)
def test_an_unknown_key_is_named(
    registry: Registry, document: dict[str, Any], field: str, allowed: list[str] | None
) -> None:
    error = _rejects(registry, document)
    assert error.field == field
    assert "unknown field" in error.message
    if allowed is None:
        assert error.allowed is not None
        assert "patient" in error.allowed
        assert "red_flags" in error.allowed
    else:
        assert error.allowed == allowed


@pytest.mark.parametrize(
    ("path", "field"),
    [(("format",), "format"), (("patient",), "patient"), (("conditions",), "conditions")],
)
def test_required_fields(registry: Registry, path: tuple[str, ...], field: str) -> None:
    error = _rejects(registry, _without(MINIMAL, path))
    assert error.field == field
    assert error.message == "this field is required"


def test_age_is_required(registry: Registry) -> None:
    error = _rejects(registry, _without(MINIMAL, ("patient", "age")))
    assert error.field == "patient.age"


def test_at_least_one_condition(registry: Registry) -> None:
    error = _rejects(registry, _with(MINIMAL, ("conditions",), []))
    assert error.field == "conditions"
    assert "at least one" in error.message


@pytest.mark.parametrize("code", ["M5", "5M4.50", "M54.50000", "low back pain", "M54-50"])
def test_a_malformed_icd10_code(registry: Registry, code: str) -> None:
    error = _rejects(
        registry, _with(MINIMAL, ("conditions",), [{"icd10": "M54.2"}, {"icd10": code}])
    )
    assert error.field == "conditions[1].icd10"
    assert "not an ICD-10-CM code" in error.message
    assert error.allowed == icd10_patterns(registry)


def test_a_well_formed_code_without_a_condition_group(registry: Registry) -> None:
    error = _rejects(registry, _with(MINIMAL, ("conditions",), [{"icd10": "J45.909"}]))
    assert error.field == "conditions[0].icd10"
    assert "no condition group" in error.message
    assert error.allowed is not None
    assert "M54.50" in error.allowed


@pytest.mark.parametrize(
    ("medications", "field", "message"),
    [
        (["warfarin", ""], "medications[1]", "must not be empty"),
        (["warfarin", 5], "medications[1]", "must be a string"),
        ("warfarin", "medications", "must be a list"),
        (["x" * 201], "medications[0]", "must be at most 200 characters"),
    ],
)
def test_medications_are_an_open_list_of_strings(
    registry: Registry, medications: Any, field: str, message: str
) -> None:
    error = _rejects(registry, _with(MINIMAL, ("medications",), medications))
    assert error.field == field
    assert error.message == message


def test_an_unrecognised_medication_is_accepted(registry: Registry) -> None:
    intake = parse_intake(_with(MINIMAL, ("medications",), ["Zyxoflam 20 mg"]), registry)
    assert intake.medications == ("Zyxoflam 20 mg",)


@pytest.mark.parametrize(
    ("questionnaires", "field"),
    [
        ({"phq9": {"1": 0, "2": 4}}, "questionnaires.phq9.2"),
        ({"phq9": {"10": 1}}, "questionnaires.phq9.10"),
        ({"phq9": {"1": True}}, "questionnaires.phq9.1"),
        ({"phq99": {"1": 0}}, "questionnaires.phq99"),
        ({"phq9": [0, 1]}, "questionnaires.phq9"),
        ([], "questionnaires"),
    ],
)
def test_questionnaires_are_scored_strictly(
    registry: Registry, questionnaires: Any, field: str
) -> None:
    error = _rejects(registry, _with(MINIMAL, ("questionnaires",), questionnaires))
    assert error.field == field


def test_an_unknown_instrument_lists_the_instruments(registry: Registry) -> None:
    error = _rejects(registry, _with(MINIMAL, ("questionnaires",), {"sf36": {"1": 1}}))
    assert error.field == "questionnaires.sf36"
    assert error.allowed is not None
    assert "phq9" in error.allowed


def test_a_prefix_is_put_before_every_field(registry: Registry) -> None:
    with pytest.raises(InputError) as caught:
        parse_intake(_with(MINIMAL, ("history",), ["gout"]), registry, prefix="intake.")
    assert caught.value.field == "intake.history[0]"
    with pytest.raises(InputError) as caught:
        parse_intake("nonsense", registry, prefix="intake.")
    assert caught.value.field == "intake"


def _with_coded_sites(sites: list[str]) -> list[str]:
    return [site for site in sites if site != "left_knee"] + ["right_knee"] * (
        "right_knee" not in sites
    )


@st.composite
def valid_intakes(draw: st.DrawFn, sites: tuple[str, ...]) -> dict[str, Any]:
    sex = draw(st.sampled_from(SEXES))
    pregnant = draw(st.sampled_from([False, None] if sex == "male" else [True, False, None]))
    document: dict[str, Any] = {
        "format": "acucare.intake/1",
        "patient": {"age": draw(st.integers(0, 120)), "sex": sex},
        "pregnancy": {
            "pregnant": pregnant,
            "weeks": draw(st.none() | st.integers(0, 45)) if pregnant else None,
            "puerperium": False if sex == "male" else draw(st.booleans()),
        },
        "conditions": [
            {"icd10": code, "duration_weeks": draw(st.none() | st.integers(0, 6300))}
            for code in draw(
                st.lists(st.sampled_from(["M54.50", "M17.11", "G43.009", "M54.2"]), min_size=1)
            )
        ],
        # M17.11 is the right knee: a left knee alone would contradict it, and without a knee
        # site the right knee is added; listing it keeps the document as it comes back.
        "pain_sites": _with_coded_sites(draw(st.lists(st.sampled_from(sites), unique=True))),
        "medications": draw(
            st.lists(st.sampled_from(["warfarin", "Eliquis", "x-med"]), unique=True)
        ),
        "history": draw(st.lists(st.sampled_from(HISTORY_FLAGS), unique=True)),
        "limbs_at_risk": draw(st.lists(st.sampled_from(LIMBS_AT_RISK), unique=True)),
        "skin_lesion_sites": draw(st.lists(st.sampled_from(sites), unique=True)),
        "red_flags": draw(st.lists(st.sampled_from(RED_FLAGS), unique=True)),
        "questionnaires": {},
        "preferences": {
            "style": draw(st.sampled_from(["tcm", "western", None])),
            "declined_modalities": draw(st.lists(st.sampled_from(MODALITIES), unique=True)),
        },
        "consent": {"given_by": draw(st.sampled_from([*CONSENT_GIVERS, None]))},
    }
    return document


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_valid_intake_round_trips(data: st.DataObject) -> None:
    registry = shipped_registry()
    document = data.draw(valid_intakes(body_sites(registry)))
    intake = parse_intake(document, registry)
    assert intake.as_document() == document


# --- The knowledge base's example intakes (issue 9: laterality, pregnancy, sex) ------------

INTAKE_EXAMPLES = sorted(shipped_registry().of(IntakeExample))


@pytest.mark.parametrize("example_id", INTAKE_EXAMPLES)
def test_example_intake(registry: Registry, example_id: str) -> None:
    example = registry.of(IntakeExample)[example_id]
    if example.error is not None:
        error = _rejects(registry, example.intake)
        assert error.field == example.error.field
        assert example.error.message_contains in error.message
        return
    expected = example.parsed
    assert expected is not None
    intake = parse_intake(example.intake, registry)
    if expected.pain_sites is not None:
        assert intake.pain_sites == expected.pain_sites
    if expected.derived_pain_sites is not None:
        assert intake.derived_pain_sites == expected.derived_pain_sites
    if expected.pregnancy_status is not None:
        assert intake.pregnancy.status == expected.pregnancy_status
    assert parse_intake(intake.as_document(), registry) == intake


def test_a_side_contradiction_names_the_allowed_site(registry: Registry) -> None:
    document = _with(MINIMAL, ("conditions",), [{"icd10": "M17.11"}])
    document["pain_sites"] = ["left_knee"]
    error = _rejects(registry, document)
    assert error.field == "pain_sites[0]"
    assert error.allowed == ["right_knee"]


def test_a_side_contradiction_inside_check_session_has_the_prefix(registry: Registry) -> None:
    document = _with(MINIMAL, ("conditions",), [{"icd10": "M17.12"}])
    document["pain_sites"] = ["right_knee"]
    with pytest.raises(InputError) as caught:
        parse_intake(document, registry, prefix="intake.")
    assert caught.value.field == "intake.pain_sites[0]"


def test_an_unverified_sided_code_does_not_set_the_side(registry: Registry) -> None:
    """M25.511's descriptor (right shoulder) is not verified: it never drives the side."""
    document = _with(MINIMAL, ("conditions",), [{"icd10": "M25.511"}])
    document["pain_sites"] = ["left_shoulder"]
    intake = parse_intake(document, registry)
    assert intake.pain_sites == ("left_shoulder",)
    assert intake.derived_pain_sites == ()
