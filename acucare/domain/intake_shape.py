"""The intake document's shape, read strictly by hand into typed fields.

`read_intake_fields` checks types, closed vocabularies, ranges and lengths, and refuses
unknown keys, as a strict pydantic model would (no coercion: ``"54"`` is not an age,
``true`` is not a number, ``54.0`` is not a whole number); texts are stripped of white
space first. The first problem is raised as the one `InputError`, found in the order
pydantic-core finds it: a model's fields in the order listed here, each field's own
problems depth first, then the unknown keys in the order given; a list longer than
allowed is refused as too long before its entries are looked at.

It is written by hand, not declared with pydantic, so that `acucare plan` does not import
pydantic at all (issue 16: start-up under 0.2 s of CPU). `tests/domain/test_intake_shape.py`
checks it against the strict pydantic declaration it replaces, case by case.
What the fields mean (sites, codes, questionnaires) is checked by `acucare.domain.intake`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn, TypeVar

from acucare.domain.shape_errors import MEDICATION_MAX_LENGTH, Location, shape_error
from acucare.kb.vocabulary import (
    CONSENT_GIVERS,
    HISTORY_FLAGS,
    INTAKE_FORMAT,
    LIMBS_AT_RISK,
    MODALITIES,
    RED_FLAGS,
    SEXES,
    STYLES,
)

AGE_RANGE = {"min": 0, "max": 120}
PREGNANCY_WEEKS_RANGE = {"min": 0, "max": 45}
# Up to a lifetime: the number only needs to be a plausible count of weeks.
DURATION_WEEKS_RANGE = {"min": 0, "max": 6300}
# More than any real medication list (issue 14: an intake took 10,000 medications).
MEDICATIONS_MAX_ITEMS = 60

# Closed vocabularies by the name of the field that holds them.
VOCABULARIES: dict[str, Sequence[object]] = {
    "format": [INTAKE_FORMAT],
    "sex": SEXES,
    "style": [*STYLES, None],
    "declined_modalities": MODALITIES,
    "history": HISTORY_FLAGS,
    "red_flags": RED_FLAGS,
    "limbs_at_risk": LIMBS_AT_RISK,
    "given_by": [*CONSENT_GIVERS, None],
}
RANGES: dict[str, dict[str, int]] = {
    "age": AGE_RANGE,
    "weeks": PREGNANCY_WEEKS_RANGE,
    "duration_weeks": DURATION_WEEKS_RANGE,
}
# The fields of each object of the document, in the order they are read.
FIELDS: dict[str, list[str]] = {
    "intake": [
        "format",
        "patient",
        "pregnancy",
        "conditions",
        "pain_sites",
        "medications",
        "history",
        "limbs_at_risk",
        "skin_lesion_sites",
        "red_flags",
        "questionnaires",
        "preferences",
        "consent",
    ],
    "patient": ["age", "sex"],
    "pregnancy": ["pregnant", "weeks", "puerperium"],
    "conditions": ["icd10", "duration_weeks"],
    "preferences": ["style", "declined_modalities"],
    "consent": ["given_by"],
}
# Unicode's White_Space characters, which pydantic-core strips (Python's str.strip would
# also strip the information separators U+001C to U+001F).
_WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Patient:
    age: int
    sex: str


@dataclass(frozen=True, slots=True)
class Pregnancy:
    pregnant: bool | None  # None: not known
    weeks: int | None
    puerperium: bool = False

    @property
    def status(self) -> str:
        """``pregnant``, ``not_pregnant`` or ``unknown``."""
        if self.pregnant is None:
            return "unknown"
        return "pregnant" if self.pregnant else "not_pregnant"


@dataclass(frozen=True, slots=True)
class ConditionFields:
    icd10: str  # stripped, as written otherwise
    duration_weeks: int | None


@dataclass(frozen=True, slots=True)
class IntakeFields:
    """The intake document's fields, shape-checked; lists as given, repeats included."""

    patient: Patient
    pregnancy: Pregnancy
    conditions: tuple[ConditionFields, ...]
    pain_sites: tuple[str, ...]
    medications: tuple[str, ...]
    history: tuple[str, ...]
    limbs_at_risk: tuple[str, ...]
    skin_lesion_sites: tuple[str, ...]
    red_flags: tuple[str, ...]
    questionnaires: Mapping[str, object]
    style: str | None
    declined_modalities: tuple[str, ...]
    given_by: str | None


def read_intake_fields(document: object, prefix: str = "") -> IntakeFields:
    """The fields of an intake document; `InputError` for the first problem of its shape."""
    return _Reader(prefix).intake(document)


class _Reader:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def fail(
        self,
        kind: str,
        loc: Location,
        value: object = None,
        *,
        fields: list[str] | None = None,
        max_length: int | None = None,
    ) -> NoReturn:
        raise shape_error(
            kind,
            loc,
            value,
            prefix=self.prefix,
            document_name=self.prefix.rstrip(".") or "intake",
            fields=fields,
            max_length=max_length,
            vocabularies=VOCABULARIES,
            ranges=RANGES,
        )

    # --- objects ------------------------------------------------------------------------

    def mapping(self, value: object, loc: Location) -> dict[str, object]:
        """`value` as an object (its unknown keys are refused after its fields are read)."""
        if not isinstance(value, dict):
            self.fail("model_type", loc, value)
        return value

    def no_unknown_keys(self, given: dict[str, object], loc: Location, model: str) -> None:
        known = FIELDS[model]
        for key in given:
            if key not in known:
                self.fail("extra_forbidden", (*loc, key), given[key], fields=known)

    def required(self, given: dict[str, object], loc: Location, name: str) -> object:
        if name not in given:
            self.fail("missing", (*loc, name))
        return given[name]

    # --- values -------------------------------------------------------------------------

    def integer(self, value: object, loc: Location, limits: dict[str, int]) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail("int_type", loc, value)
        if value < limits["min"]:
            self.fail("greater_than_equal", loc, value)
        if value > limits["max"]:
            self.fail("less_than_equal", loc, value)
        return value

    def optional_integer(self, value: object, loc: Location, limits: dict[str, int]) -> int | None:
        return None if value is None else self.integer(value, loc, limits)

    def boolean(self, value: object, loc: Location) -> bool:
        if not isinstance(value, bool):
            self.fail("bool_type", loc, value)
        return value

    def text(self, value: object, loc: Location, max_length: int | None = None) -> str:
        if not isinstance(value, str):
            self.fail("string_type", loc, value)
        stripped = value.strip(_WHITE_SPACE)
        if not stripped:
            self.fail("string_too_short", loc, stripped)
        if max_length is not None and len(stripped) > max_length:
            self.fail("string_too_long", loc, stripped)
        return stripped

    def string(self, value: object, loc: Location) -> str:
        if not isinstance(value, str):
            self.fail("string_type", loc, value)
        return value

    def word(self, value: object, loc: Location, vocabulary: Sequence[object]) -> str:
        if not isinstance(value, str) or value not in vocabulary:
            self.fail("literal_error", loc, value)
        return value

    def optional_word(
        self, value: object, loc: Location, vocabulary: Sequence[object]
    ) -> str | None:
        return None if value is None else self.word(value, loc, vocabulary)

    def items(
        self,
        value: object,
        loc: Location,
        read: Callable[[object, Location], T],
        *,
        min_length: int = 0,
        max_length: int | None = None,
    ) -> tuple[T, ...]:
        if not isinstance(value, list):
            self.fail("list_type", loc, value)
        if max_length is not None and len(value) > max_length:
            self.fail("too_long", loc, value, max_length=max_length)
        read_items = tuple(read(item, (*loc, index)) for index, item in enumerate(value))
        if len(read_items) < min_length:
            self.fail("too_short", loc, value)
        return read_items

    def words(self, value: object, loc: Location, vocabulary: Sequence[object]) -> tuple[str, ...]:
        return self.items(value, loc, lambda item, at: self.word(item, at, vocabulary))

    def strings(self, value: object, loc: Location) -> tuple[str, ...]:
        return self.items(value, loc, self.string)

    # --- the document -------------------------------------------------------------------

    def intake(self, document: object) -> IntakeFields:
        given = self.mapping(document, ())
        self.word(self.required(given, (), "format"), ("format",), VOCABULARIES["format"])
        patient = self.patient(self.required(given, (), "patient"), ("patient",))
        pregnancy = Pregnancy(None, None, False)
        if "pregnancy" in given:
            pregnancy = self.pregnancy(given["pregnancy"], ("pregnancy",))
        conditions = self.items(
            self.required(given, (), "conditions"), ("conditions",), self.condition, min_length=1
        )
        lists = self.lists(given)
        questionnaires: Mapping[str, object] = {}
        if "questionnaires" in given:
            value = given["questionnaires"]
            if not isinstance(value, dict):
                self.fail("dict_type", ("questionnaires",), value)
            questionnaires = value
        style, declined = self.preferences(given.get("preferences", {}), ("preferences",))
        given_by = self.consent(given.get("consent", {}), ("consent",))
        self.no_unknown_keys(given, (), "intake")
        return IntakeFields(
            patient,
            pregnancy,
            conditions,
            questionnaires=questionnaires,
            style=style,
            declined_modalities=declined,
            given_by=given_by,
            **lists,
        )

    def lists(self, given: dict[str, object]) -> dict[str, tuple[str, ...]]:
        """The document's lists of names, read in the order of its fields."""
        readers: dict[str, Callable[[object, Location], tuple[str, ...]]] = {
            "pain_sites": self.strings,
            "medications": lambda value, loc: self.items(
                value,
                loc,
                lambda item, at: self.text(item, at, MEDICATION_MAX_LENGTH),
                max_length=MEDICATIONS_MAX_ITEMS,
            ),
            "history": lambda value, loc: self.words(value, loc, HISTORY_FLAGS),
            "limbs_at_risk": lambda value, loc: self.words(value, loc, LIMBS_AT_RISK),
            "skin_lesion_sites": self.strings,
            "red_flags": lambda value, loc: self.words(value, loc, RED_FLAGS),
        }
        return {
            name: read(given[name], (name,)) if name in given else ()
            for name, read in readers.items()
        }

    def patient(self, value: object, loc: Location) -> Patient:
        given = self.mapping(value, loc)
        age = self.integer(self.required(given, loc, "age"), (*loc, "age"), AGE_RANGE)
        sex = self.word(given.get("sex", "unknown"), (*loc, "sex"), SEXES)
        self.no_unknown_keys(given, loc, "patient")
        return Patient(age, sex)

    def pregnancy(self, value: object, loc: Location) -> Pregnancy:
        given = self.mapping(value, loc)
        pregnant = self.required(given, loc, "pregnant")
        if pregnant is not None:
            pregnant = self.boolean(pregnant, (*loc, "pregnant"))
        weeks = self.optional_integer(given.get("weeks"), (*loc, "weeks"), PREGNANCY_WEEKS_RANGE)
        puerperium = self.boolean(given.get("puerperium", False), (*loc, "puerperium"))
        self.no_unknown_keys(given, loc, "pregnancy")
        return Pregnancy(pregnant, weeks, puerperium)

    def condition(self, value: object, loc: Location) -> ConditionFields:
        given = self.mapping(value, loc)
        icd10 = self.text(self.required(given, loc, "icd10"), (*loc, "icd10"))
        weeks = self.optional_integer(
            given.get("duration_weeks"), (*loc, "duration_weeks"), DURATION_WEEKS_RANGE
        )
        self.no_unknown_keys(given, loc, "conditions")
        return ConditionFields(icd10, weeks)

    def preferences(self, value: object, loc: Location) -> tuple[str | None, tuple[str, ...]]:
        given = self.mapping(value, loc)
        style = self.optional_word(given.get("style"), (*loc, "style"), STYLES)
        declined: tuple[str, ...] = ()
        if "declined_modalities" in given:
            at = (*loc, "declined_modalities")
            declined = self.words(given["declined_modalities"], at, MODALITIES)
        self.no_unknown_keys(given, loc, "preferences")
        return style, declined

    def consent(self, value: object, loc: Location) -> str | None:
        given = self.mapping(value, loc)
        given_by = self.optional_word(given.get("given_by"), (*loc, "given_by"), CONSENT_GIVERS)
        self.no_unknown_keys(given, loc, "consent")
        return given_by
