"""The intake's hand-written shape reader refuses what the strict pydantic model refused.

`acucare.domain.intake_shape` replaced a strict pydantic declaration of the intake
document (issue 16: `acucare plan` does not import pydantic). The declaration is kept here
as the oracle: for a valid document and for every document one or two edits away from it
(a wrong type, an empty or out-of-range value, a missing or unknown key), the reader must
give the same first error (field, message, allowed values) as pydantic did, or the same
fields.
"""

from __future__ import annotations

import copy
import itertools
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from acucare.domain.errors import InputError
from acucare.domain.intake_shape import (
    AGE_RANGE,
    DURATION_WEEKS_RANGE,
    FIELDS,
    MEDICATIONS_MAX_ITEMS,
    PREGNANCY_WEEKS_RANGE,
    RANGES,
    VOCABULARIES,
    read_intake_fields,
)
from acucare.domain.session_document import _field_names
from acucare.domain.shape_errors import MEDICATION_MAX_LENGTH, shape_error
from acucare.kb.vocabulary import ConsentGiver, HistoryFlag, LimbAtRisk, Modality, RedFlag, Sex
from acucare.kb.vocabulary import Style as StyleWord

# --- The strict pydantic declaration the reader replaced (the oracle) ----------------------

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Patient(BaseModel):
    model_config = _STRICT
    age: Annotated[int, Field(ge=AGE_RANGE["min"], le=AGE_RANGE["max"])]
    sex: Sex = "unknown"


class _Pregnancy(BaseModel):
    model_config = _STRICT
    pregnant: bool | None
    weeks: (
        Annotated[int, Field(ge=PREGNANCY_WEEKS_RANGE["min"], le=PREGNANCY_WEEKS_RANGE["max"])]
        | None
    ) = None
    puerperium: bool = False


class _Condition(BaseModel):
    model_config = _STRICT
    icd10: _Text
    duration_weeks: (
        Annotated[int, Field(ge=DURATION_WEEKS_RANGE["min"], le=DURATION_WEEKS_RANGE["max"])] | None
    ) = None


class _Preferences(BaseModel):
    model_config = _STRICT
    style: StyleWord | None = None
    declined_modalities: list[Modality] = []


class _Consent(BaseModel):
    model_config = _STRICT
    given_by: ConsentGiver | None = None


class _IntakeDocument(BaseModel):
    model_config = _STRICT
    format: Literal["acucare.intake/1"]
    patient: _Patient
    pregnancy: _Pregnancy = _Pregnancy(pregnant=None)
    conditions: Annotated[list[_Condition], Field(min_length=1)]
    pain_sites: list[str] = []
    medications: Annotated[
        list[Annotated[_Text, StringConstraints(max_length=MEDICATION_MAX_LENGTH)]],
        Field(max_length=MEDICATIONS_MAX_ITEMS),
    ] = []
    history: list[HistoryFlag] = []
    limbs_at_risk: list[LimbAtRisk] = []
    skin_lesion_sites: list[str] = []
    red_flags: list[RedFlag] = []
    questionnaires: dict[str, Any] = {}
    preferences: _Preferences = _Preferences()
    consent: _Consent = _Consent()


def _oracle(document: object, prefix: str = "") -> InputError | dict[str, Any]:
    try:
        parsed = _IntakeDocument.model_validate(document)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        loc = tuple(error["loc"])
        return shape_error(
            error["type"],
            loc,
            error.get("input"),
            prefix=prefix,
            document_name=prefix.rstrip(".") or "intake",
            fields=_field_names(_IntakeDocument, loc[:-1])
            if error["type"] == "extra_forbidden"
            else None,
            max_length=(error.get("ctx") or {}).get("max_length"),
            vocabularies=VOCABULARIES,
            ranges=RANGES,
        )
    dumped = parsed.model_dump()
    return {
        "patient": dumped["patient"],
        "pregnancy": dumped["pregnancy"],
        "conditions": dumped["conditions"],
        **{name: list(dumped[name]) for name in FIELDS["intake"][4:10]},
        "questionnaires": dumped["questionnaires"],
        "style": dumped["preferences"]["style"],
        "declined_modalities": dumped["preferences"]["declined_modalities"],
        "given_by": dumped["consent"]["given_by"],
    }


def _read(document: object, prefix: str = "") -> InputError | dict[str, Any]:
    try:
        fields = read_intake_fields(document, prefix)
    except InputError as error:
        return error
    return {
        "patient": {"age": fields.patient.age, "sex": fields.patient.sex},
        "pregnancy": {
            "pregnant": fields.pregnancy.pregnant,
            "weeks": fields.pregnancy.weeks,
            "puerperium": fields.pregnancy.puerperium,
        },
        "conditions": [
            {"icd10": c.icd10, "duration_weeks": c.duration_weeks} for c in fields.conditions
        ],
        **{name: list(getattr(fields, name)) for name in FIELDS["intake"][4:10]},
        "questionnaires": dict(fields.questionnaires),
        "style": fields.style,
        "declined_modalities": list(fields.declined_modalities),
        "given_by": fields.given_by,
    }


# --- The documents ---------------------------------------------------------------------------

FULL: dict[str, Any] = {
    "format": "acucare.intake/1",
    "patient": {"age": 54, "sex": "female"},
    "pregnancy": {"pregnant": False, "weeks": None, "puerperium": False},
    "conditions": [{"icd10": " M54.50 ", "duration_weeks": 30}, {"icd10": "M17.11"}],
    "pain_sites": ["lower_back", "lower_back"],
    "medications": ["  ibuprofen 400 mg ", "warfarin"],
    "history": ["bleeding_disorder"],
    "limbs_at_risk": ["left_arm"],
    "skin_lesion_sites": ["neck"],
    "red_flags": ["history_of_cancer"],
    "questionnaires": {"peg": {"1": 7, "2": 6, "3": 8}},
    "preferences": {"style": "tcm", "declined_modalities": ["moxibustion"]},
    "consent": {"given_by": "patient"},
}
BAD_VALUES: list[object] = [
    None,
    True,
    0,
    -1,
    7,
    *[limit + step for limits in RANGES.values() for limit in limits.values() for step in (0, 1)],
    54.0,
    10**6,
    "",
    "   ",
    "\x1c",
    "x",
    "x" * (MEDICATION_MAX_LENGTH + 1),
    [],
    [None],
    ["x"],
    [1],
    {},
    {"unknown": 1},
]
# Every place in the document a value sits, as a path of keys and indexes.
PLACES: list[tuple[int | str, ...]] = [
    (),
    *[(name,) for name in FIELDS["intake"]],
    *[("patient", name) for name in FIELDS["patient"]],
    *[("pregnancy", name) for name in FIELDS["pregnancy"]],
    ("conditions", 0),
    ("conditions", 1),
    *[("conditions", 0, name) for name in FIELDS["conditions"]],
    *[("conditions", 1, name) for name in FIELDS["conditions"]],
    *[("preferences", name) for name in FIELDS["preferences"]],
    ("preferences", "declined_modalities", 0),
    ("consent", "given_by"),
    ("medications", 0),
    ("medications", 1),
    ("pain_sites", 1),
    ("history", 0),
    ("red_flags", 0),
]
# Unknown keys, at each object of the document.
OBJECTS: list[tuple[int | str, ...]] = [
    (),
    ("patient",),
    ("pregnancy",),
    ("conditions", 0),
    ("conditions", 1),
    ("preferences",),
    ("consent",),
]

Edit = tuple[str, tuple[int | str, ...], object]


def _apply(document: dict[str, Any], edit: Edit) -> object:
    kind, place, value = edit
    if not place:
        return copy.deepcopy(value) if kind == "set" else document
    parent: Any = document
    for part in place[:-1]:
        parent = parent[part]
    last = place[-1]
    if kind == "set":
        parent[last] = copy.deepcopy(value)
    elif kind == "delete" and isinstance(parent, dict):
        parent.pop(last, None)
    elif kind == "extra" and isinstance(parent, dict) and isinstance(parent.get(last), dict):
        parent[last]["surplus"] = value
    return document


def _edited(*edits: Edit) -> object:
    document: object = copy.deepcopy(FULL)
    for edit in edits:
        if not isinstance(document, dict):
            return document
        try:
            document = _apply(document, edit)
        except (KeyError, IndexError, TypeError):
            return document
    return document


SINGLE: list[Edit] = [
    *[("set", place, value) for place in PLACES for value in BAD_VALUES],
    *[("delete", place, None) for place in PLACES if place],
    *[("extra", place, 1) for place in OBJECTS if place],
    ("set", ("medications",), ["drug"] * (MEDICATIONS_MAX_ITEMS + 1)),
    ("set", ("medications",), [1] * (MEDICATIONS_MAX_ITEMS + 1)),
    ("set", ("surplus",), 1),
]


def test_the_reader_and_the_model_agree_on_the_valid_document() -> None:
    assert _read(copy.deepcopy(FULL)) == _oracle(copy.deepcopy(FULL))
    assert not isinstance(_read(copy.deepcopy(FULL)), InputError)


@pytest.mark.parametrize("prefix", ["", "intake."])
def test_one_edit_gives_the_models_first_error(prefix: str) -> None:
    checked = 0
    for edit in SINGLE:
        document = _edited(edit)
        expected = _oracle(copy.deepcopy(document), prefix)
        got = _read(copy.deepcopy(document), prefix)
        assert _same(got, expected), (edit, got, expected)
        checked += isinstance(expected, InputError)
    assert checked > len(SINGLE) // 2


def test_two_edits_give_the_models_first_error_of_the_two() -> None:
    """Which error comes first: fields in order, nested fields first, unknown keys last."""
    edits = SINGLE[::7]
    for first, second in itertools.permutations(edits, 2):
        document = _edited(first, second)
        expected = _oracle(copy.deepcopy(document))
        assert _same(_read(copy.deepcopy(document)), expected), (first, second, expected)


def _same(got: InputError | dict[str, Any], expected: InputError | dict[str, Any]) -> bool:
    if isinstance(expected, InputError) and isinstance(got, InputError):
        return got.as_document() == expected.as_document()
    return got == expected
