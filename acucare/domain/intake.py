"""The intake document (spec: ``acucare.intake/1``), parsed strictly into an `Intake`.

Anything the contract does not name is refused: an unknown key, flag, site, limb,
modality, ICD-10-CM code, questionnaire item or an out-of-range number raises one
`InputError` naming the field (``history[1]``, ``conditions[0].icd10``, ``patient.age``,
``questionnaires.phq9.3``) and what would have been allowed. Medication names are the one
open list: they are kept as written and classified by the screening.

acucare extends the intake with ``consent.given_by`` (who consented to treatment:
``patient``, ``parent_or_guardian`` or ``legal_representative``), which the consent rules
of the safety screening read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from acucare.domain.errors import InputError
from acucare.domain.scoring import ScoreResult, score
from acucare.kb.records.body_sites import BodyRegion
from acucare.kb.records.conditions import (
    ICD10_CM_FORM,
    Condition,
    condition_for_icd10,
    normalise_icd10,
)
from acucare.kb.registry import Registry
from acucare.kb.vocabulary import (
    CONSENT_GIVERS,
    HISTORY_FLAGS,
    INTAKE_FORMAT,
    LIMBS_AT_RISK,
    MODALITIES,
    RED_FLAGS,
    SEXES,
    STYLES,
    ConsentGiver,
    HistoryFlag,
    LimbAtRisk,
    Modality,
    RedFlag,
    Sex,
    Style,
)

AGE_RANGE = {"min": 0, "max": 120}
PREGNANCY_WEEKS_RANGE = {"min": 0, "max": 45}
# Up to a lifetime: the number only needs to be a plausible count of weeks.
DURATION_WEEKS_RANGE = {"min": 0, "max": 6300}
MEDICATION_MAX_LENGTH = 200
# More than any real medication list (issue 14: an intake took 10,000 medications).
MEDICATIONS_MAX_ITEMS = 60

# --- The document's shape, validated by pydantic ----------------------------------------

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Patient(BaseModel):
    model_config = _STRICT
    age: Annotated[int, Field(ge=AGE_RANGE["min"], le=AGE_RANGE["max"])]
    sex: Sex = "unknown"


class _Pregnancy(BaseModel):
    model_config = _STRICT
    pregnant: bool
    weeks: (
        Annotated[int, Field(ge=PREGNANCY_WEEKS_RANGE["min"], le=PREGNANCY_WEEKS_RANGE["max"])]
        | None
    ) = None


class _Condition(BaseModel):
    model_config = _STRICT
    icd10: _Text
    duration_weeks: (
        Annotated[int, Field(ge=DURATION_WEEKS_RANGE["min"], le=DURATION_WEEKS_RANGE["max"])] | None
    ) = None


class _Preferences(BaseModel):
    model_config = _STRICT
    style: Style | None = None
    declined_modalities: list[Modality] = []


class _Consent(BaseModel):
    model_config = _STRICT
    given_by: ConsentGiver | None = None


class _IntakeDocument(BaseModel):
    model_config = _STRICT
    format: Literal["acucare.intake/1"]
    patient: _Patient
    pregnancy: _Pregnancy = _Pregnancy(pregnant=False)
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


# Closed vocabularies by the name of the field that holds them.
_VOCABULARIES: dict[str, Sequence[object]] = {
    "format": [INTAKE_FORMAT],
    "sex": SEXES,
    "style": [*STYLES, None],
    "declined_modalities": MODALITIES,
    "history": HISTORY_FLAGS,
    "red_flags": RED_FLAGS,
    "limbs_at_risk": LIMBS_AT_RISK,
    "given_by": [*CONSENT_GIVERS, None],
}
_RANGES: dict[str, dict[str, int]] = {
    "age": AGE_RANGE,
    "weeks": PREGNANCY_WEEKS_RANGE,
    "duration_weeks": DURATION_WEEKS_RANGE,
}

# --- The parsed intake --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Patient:
    age: int
    sex: str


@dataclass(frozen=True, slots=True)
class Pregnancy:
    pregnant: bool
    weeks: int | None


@dataclass(frozen=True, slots=True)
class IntakeCondition:
    icd10: str  # normalised: upper case, as written otherwise (dotted or not)
    duration_weeks: int | None
    group: str  # the condition id in the knowledge base, e.g. "chronic_low_back_pain"


@dataclass(frozen=True, slots=True)
class Preferences:
    style: str | None
    declined_modalities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Consent:
    given_by: str | None


@dataclass(frozen=True)
class Intake:
    """A validated intake. Lists keep the order given, without repeats."""

    patient: Patient
    pregnancy: Pregnancy
    conditions: tuple[IntakeCondition, ...]
    pain_sites: tuple[str, ...] = ()
    medications: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    limbs_at_risk: tuple[str, ...] = ()
    skin_lesion_sites: tuple[str, ...] = ()
    red_flags: tuple[str, ...] = ()
    # instrument id -> answers as given (item number -> response code)
    questionnaires: Mapping[str, Mapping[str, int]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    preferences: Preferences = Preferences(None, ())
    consent: Consent = Consent(None)
    # instrument id -> the scored questionnaire, with its flags
    scores: Mapping[str, ScoreResult] = field(default_factory=lambda: MappingProxyType({}))
    format: str = INTAKE_FORMAT
    # Not part of the document: the `refer` findings whose referral a doctor has since
    # cleared (acucare.domain.referrals). The red-flag answers above stay as given.
    cleared_referrals: frozenset[str] = frozenset()

    @property
    def primary_condition(self) -> IntakeCondition:
        return self.conditions[0]

    def as_document(self) -> dict[str, Any]:
        """The normalised intake document; `parse_intake` accepts it unchanged."""
        return {
            "format": self.format,
            "patient": {"age": self.patient.age, "sex": self.patient.sex},
            "pregnancy": {"pregnant": self.pregnancy.pregnant, "weeks": self.pregnancy.weeks},
            "conditions": [
                {"icd10": c.icd10, "duration_weeks": c.duration_weeks} for c in self.conditions
            ],
            "pain_sites": list(self.pain_sites),
            "medications": list(self.medications),
            "history": list(self.history),
            "limbs_at_risk": list(self.limbs_at_risk),
            "skin_lesion_sites": list(self.skin_lesion_sites),
            "red_flags": list(self.red_flags),
            "questionnaires": {k: dict(v) for k, v in self.questionnaires.items()},
            "preferences": {
                "style": self.preferences.style,
                "declined_modalities": list(self.preferences.declined_modalities),
            },
            "consent": {"given_by": self.consent.given_by},
        }


# --- Parsing ------------------------------------------------------------------------------


def parse_intake(document: object, registry: Registry, *, prefix: str = "") -> Intake:
    """Validate an intake document strictly; raise `InputError` for the first problem.

    `prefix` is put in front of every field path (``"intake."`` when the intake sits inside
    a larger document, as in check-session).
    """
    try:
        parsed = _IntakeDocument.model_validate(document)
    except ValidationError as exc:
        raise _input_error(exc, prefix) from None
    sites = body_sites(registry)
    pain_sites = _known_sites(parsed.pain_sites, sites, f"{prefix}pain_sites")
    lesion_sites = _known_sites(parsed.skin_lesion_sites, sites, f"{prefix}skin_lesion_sites")
    if not parsed.pregnancy.pregnant and parsed.pregnancy.weeks is not None:
        raise InputError(
            field=f"{prefix}pregnancy.weeks",
            message="weeks of pregnancy were given but pregnant is false",
            allowed=[None],
        )
    conditions = tuple(
        _condition(item, registry, f"{prefix}conditions[{index}]")
        for index, item in enumerate(parsed.conditions)
    )
    questionnaires: dict[str, Mapping[str, int]] = {}
    scores: dict[str, ScoreResult] = {}
    for instrument, answers in parsed.questionnaires.items():
        path = f"{prefix}questionnaires.{instrument}"
        scores[instrument] = score(registry, instrument, answers, field=path, instrument_field=path)
        questionnaires[instrument] = MappingProxyType(dict(answers))
    return Intake(
        patient=Patient(parsed.patient.age, parsed.patient.sex),
        pregnancy=Pregnancy(parsed.pregnancy.pregnant, parsed.pregnancy.weeks),
        conditions=conditions,
        pain_sites=pain_sites,
        medications=_unique(parsed.medications),
        history=_unique(parsed.history),
        limbs_at_risk=_unique(parsed.limbs_at_risk),
        skin_lesion_sites=lesion_sites,
        red_flags=_unique(parsed.red_flags),
        questionnaires=MappingProxyType(questionnaires),
        preferences=Preferences(
            parsed.preferences.style, _unique(parsed.preferences.declined_modalities)
        ),
        consent=Consent(parsed.consent.given_by),
        scores=MappingProxyType(scores),
    )


def body_sites(registry: Registry) -> tuple[str, ...]:
    """The spec's body-site vocabulary, from knowledge/body_sites, in its listed order."""
    return tuple(
        site for region in registry.of(BodyRegion).values() for site in region.site_names()
    )


def icd10_patterns(registry: Registry) -> list[str]:
    """Every ICD-10-CM pattern the knowledge base groups into a condition."""
    return [pattern for c in registry.of(Condition).values() for pattern in c.icd10]


def _condition(item: _Condition, registry: Registry, path: str) -> IntakeCondition:
    code = normalise_icd10(item.icd10)
    if not ICD10_CM_FORM.match(code):
        raise InputError(
            field=f"{path}.icd10",
            message=(
                f"{item.icd10!r} is not an ICD-10-CM code (a letter, two digits or letters, "
                "then optionally a dot and up to four characters, e.g. M54.50)"
            ),
            allowed=icd10_patterns(registry),
        )
    condition = condition_for_icd10(registry, code)
    if condition is None:
        raise InputError(
            field=f"{path}.icd10",
            message=(
                f"{code} is a well-formed ICD-10-CM code, but no condition group in the "
                "knowledge base covers it"
            ),
            allowed=icd10_patterns(registry),
        )
    return IntakeCondition(code, item.duration_weeks, condition.id)


def _known_sites(values: Iterable[str], sites: Sequence[str], path: str) -> tuple[str, ...]:
    known = set(sites)
    for index, value in enumerate(values):
        if value not in known:
            raise InputError(
                field=f"{path}[{index}]",
                message=f"unknown body site {value!r}",
                allowed=list(sites),
            )
    return _unique(values)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


# --- From pydantic's first error to the one InputError ------------------------------------


def dotted_path(loc: Sequence[int | str], prefix: str = "") -> str:
    """('conditions', 0, 'icd10') -> 'conditions[0].icd10'."""
    path = prefix.rstrip(".")
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _field_names(model: type[BaseModel], loc: Sequence[int | str]) -> list[str] | None:
    """The fields of the model found at `loc` inside `model`, if it is a model."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return None
        current = _model_in(fields[part].annotation)
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields is not None else None


def _model_in(annotation: Any) -> Any:
    """The BaseModel inside an annotation such as `list[_Condition]` or `_Patient | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


_TYPE_MESSAGES = {
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "string_too_short": "must not be empty",
    "string_too_long": f"must be at most {MEDICATION_MAX_LENGTH} characters",
}


def input_error(
    exc: ValidationError, prefix: str, model: type[BaseModel], document_name: str
) -> InputError:
    """The first pydantic error of `model` as acucare's InputError."""
    error = exc.errors(include_url=False)[0]
    loc: tuple[int | str, ...] = tuple(error["loc"])
    kind = error["type"]
    path = dotted_path(loc, prefix) or document_name
    name = next((part for part in reversed(loc) if isinstance(part, str)), "")
    if kind == "extra_forbidden":
        return InputError(
            field=path,
            message=f"unknown field {name!r}",
            allowed=_field_names(model, loc[:-1]),
        )
    if kind == "missing":
        return InputError(field=path, message="this field is required")
    if kind == "literal_error":
        vocabulary = _VOCABULARIES.get(name)
        return InputError(
            field=path,
            message=f"unknown value {error['input']!r}",
            allowed=list(vocabulary) if vocabulary is not None else None,
        )
    if kind in ("greater_than_equal", "less_than_equal"):
        limits = _RANGES.get(name)
        return InputError(field=path, message=f"{error['input']!r} is out of range", allowed=limits)
    if kind == "too_short":
        return InputError(field=path, message="needs at least one entry")
    if kind == "too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        return InputError(
            field=path, message=f"at most {limit} entries", allowed={"min": 0, "max": limit}
        )
    if kind in ("int_type", "int_from_float") and name in _RANGES:
        return InputError(field=path, message=_TYPE_MESSAGES[kind], allowed=_RANGES[name])
    if kind in ("literal_error", "string_type") and name in _VOCABULARIES:
        return InputError(
            field=path, message=_TYPE_MESSAGES[kind], allowed=list(_VOCABULARIES[name])
        )
    message = _TYPE_MESSAGES.get(kind, "is not a valid value")
    return InputError(field=path, message=message)


def _input_error(exc: ValidationError, prefix: str) -> InputError:
    return input_error(exc, prefix, _IntakeDocument, prefix.rstrip(".") or "intake")
