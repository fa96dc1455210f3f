"""What a charted session must contain, validated in one place for the pages and the API.

Fields follow STRICTA 2010 (MacPherson et al., PLoS Med 2010;7:e1000261) items 2 and 4:
per point the code, side, depth (millimetres or tissue level), response sought and
obtained (de qi) and stimulation; the needle's gauge, length, material, maker and lot;
electroacupuncture pairs with frequency, waveform, intensity and duration; retention
time; co-interventions. Adverse events use the axes of docs/treatment.md (seriousness
after MacPherson 2001 and White 2001, mechanism after Zhang 2010, avoidability after
White 2001 and MacPherson 2001, reporter after MacPherson 2004).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Annotated, Any, Literal, Union

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from acucare.core.api_types import WholeNumber
from acucare.domain.errors import InputError
from acucare.kb.vocabulary import CuppingKind, SpinalLevel

Side = Literal["left", "right", "bilateral", "midline"]
ElectrodeSide = Literal["left", "right", "midline"]
TissueLevel = Literal["subcutaneous", "fascia", "muscle", "periosteum", "joint_space"]
Angle = Literal["perpendicular", "oblique", "transverse"]
DeQi = Literal["sought_obtained", "sought_not_obtained", "not_sought"]
Stimulation = Literal[
    "none", "even", "tonifying", "reducing", "twirling", "lifting_thrusting", "electrical"
]
Material = Literal["stainless_steel", "silver", "gold", "copper_handle", "other"]
Waveform = Literal["continuous", "dense_disperse", "intermittent", "other"]
Modality = Literal["manual_acupuncture", "electroacupuncture", "auricular_acupuncture"]
CoIntervention = Literal[
    "moxibustion", "cupping", "heat", "exercise_advice", "lifestyle_advice", "other"
]
Seriousness = Literal["serious", "significant_minor", "minor", "expected_transient"]
Mechanism = Literal["traumatic", "infectious", "other"]
EventType = Literal[
    "bleeding",
    "haematoma",
    "needling_pain",
    "aggravation",
    "tiredness",
    "fainting",
    "nausea",
    "dizziness",
    "local_infection",
    "allergy",
    "burn",
    "retained_needle",
    "forgotten_patient",
    "pneumothorax",
    "nerve_lesion",
    "other",
]
# Each event type in words a patient and a referrer both read (the patient's report, the
# FHIR AdverseEvent's text, the full-record summary).
EVENT_WORDS: dict[str, str] = {
    "bleeding": "Bleeding",
    "haematoma": "Bruising (haematoma)",
    "needling_pain": "Pain at needling",
    "aggravation": "Symptoms worse",
    "tiredness": "Tiredness",
    "fainting": "Fainting",
    "nausea": "Nausea",
    "dizziness": "Dizziness",
    "local_infection": "Local infection",
    "allergy": "Allergic reaction",
    "burn": "Burn",
    "retained_needle": "Needle left in",
    "forgotten_patient": "Patient left unattended",
    "pneumothorax": "Pneumothorax",
    "nerve_lesion": "Nerve injury",
    "other": "Other event",
}
Avoidable = Literal["yes", "no", "unclear"]
EventModality = Literal[
    "manual", "electroacupuncture", "moxibustion", "cupping", "auricular", "other"
]
Reporter = Literal["practitioner", "patient"]

# Depth in millimetres: no per-point safe depth has been verified (acupoints.max_depth_mm;
# reaches_structure_mm only refuses depths at which a study found the structure beneath),
# so the only bound here is the longest needle in common clinical use.
MAX_DEPTH_MM = 150
MAX_NEEDLES = 100

_CONFIG = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PointRecord(BaseModel):
    model_config = _CONFIG
    code: Annotated[str, Field(min_length=1, max_length=20)]
    side: Side
    # For a point coded by spinal level (EX-B2 Jiaji): which level; the check reads it.
    level: SpinalLevel | None = None
    depth_mm: Annotated[float, Ge(0), Le(MAX_DEPTH_MM)] | None = None
    depth_tissue: TissueLevel | None = None
    angle: Angle | None = None
    # Left out means not recorded: a signed note never states a de qi or a stimulation
    # the practitioner did not record (issue 15).
    de_qi: DeQi | None = None
    stimulation: Stimulation | None = None


class NeedleRecord(BaseModel):
    model_config = _CONFIG
    gauge_mm: Annotated[float, Ge(0.1), Le(0.5)]
    length_mm: Annotated[float, Ge(5), Le(MAX_DEPTH_MM)]
    material: Material = "stainless_steel"
    manufacturer: Annotated[str, Field(max_length=100)] = ""
    lot: Annotated[str, Field(max_length=60)] = ""


class Electrode(BaseModel):
    model_config = _CONFIG
    code: Annotated[str, Field(min_length=1, max_length=20)]
    side: ElectrodeSide
    level: SpinalLevel | None = None  # for a point coded by spinal level (EX-B2)


class ElectroPair(BaseModel):
    model_config = _CONFIG
    electrodes: Annotated[list[Electrode], Field(min_length=2, max_length=2)]
    frequency_hz: Annotated[float, Ge(0.1), Le(200)]
    waveform: Waveform
    intensity: Literal["mild", "moderate", "strong"]
    duration_minutes: Annotated[int, Ge(1), Le(120)]


class CoInterventionRecord(BaseModel):
    model_config = _CONFIG
    kind: CoIntervention
    detail: Annotated[str, Field(max_length=500)] = ""
    # Cupping only: dry, or wet (the skin pricked to bleed). Left out, the safety check
    # counts the cupping as wet (fail closed).
    cupping_kind: CuppingKind | None = None

    @model_validator(mode="after")
    def _kind_only_for_cupping(self) -> CoInterventionRecord:
        if self.cupping_kind is not None and self.kind != "cupping":
            raise ValueError("cupping_kind")
        return self


class AdverseEventRecord(BaseModel):
    model_config = _CONFIG
    seriousness: Seriousness
    mechanism: Mechanism
    type_code: EventType
    description: Annotated[str, Field(max_length=2000)] = ""
    needed_treatment: bool
    duration_days: Annotated[WholeNumber, Ge(0), Le(3650)] | None = None
    avoidable: Avoidable
    modality: EventModality
    reporter: Reporter


class SessionRecord(BaseModel):
    """A session as charted (the body of `POST /plans/{id}/sessions`)."""

    model_config = _CONFIG
    number: Annotated[int, Ge(1), Le(500)] | None = Field(
        None, description="Defaults to the next number of the plan."
    )
    date: dt.date | None = Field(None, description="Defaults to today.")
    modality: Modality = "manual_acupuncture"
    points: Annotated[list[PointRecord], Field(min_length=1, max_length=60)]
    needle: NeedleRecord
    electro_pairs: Annotated[list[ElectroPair], Field(max_length=20)] = []
    retention_minutes: Annotated[int, Ge(0), Le(120)] | None = None
    needles_in: Annotated[int, Ge(0), Le(MAX_NEEDLES)]
    needles_out: Annotated[int, Ge(0), Le(MAX_NEEDLES)]
    needle_count_explanation: Annotated[str, Field(max_length=2000)] = ""
    co_interventions: Annotated[list[CoInterventionRecord], Field(max_length=10)] = []
    pain_before: Annotated[int, Ge(0), Le(10)] | None = None
    pain_after: Annotated[int, Ge(0), Le(10)] | None = None
    adverse_events: Annotated[list[AdverseEventRecord], Field(max_length=20)] = []
    notes: Annotated[str, Field(max_length=5000)] = ""


class SessionElements(BaseModel):
    """What the safety check reads of a session: for the live check while the rest of
    the form is still being filled in."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)
    modality: Modality = "manual_acupuncture"
    points: Annotated[list[PointRecord], Field(min_length=1, max_length=60)]
    electro_pairs: Annotated[list[ElectroPair], Field(max_length=20)] = []
    co_interventions: Annotated[list[CoInterventionRecord], Field(max_length=10)] = []


def parse_session_elements(document: object) -> SessionElements:
    try:
        return SessionElements.model_validate(document)
    except ValidationError as exc:
        raise input_error(exc, SessionElements) from None


class PointEdit(BaseModel):
    """A point added to a plan by a practitioner."""

    model_config = _CONFIG
    code: Annotated[str, Field(min_length=1, max_length=20)]
    side: Side
    why: Annotated[str, Field(max_length=500)] = ""


# --- pydantic's first error as the project's InputError -------------------------------------


def _annotation_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> Any:
    current: Any = model
    annotation: Any = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return None
        annotation = fields[part]
        current = _inner_model(annotation.annotation)
    return annotation


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _inner_model(argument)
        if found is not None:
            return found
    return None


def literal_values(annotation: Any) -> list[Any] | None:
    if typing.get_origin(annotation) is Literal:
        return list(typing.get_args(annotation))
    if typing.get_origin(annotation) in (Union, types.UnionType):
        for argument in typing.get_args(annotation):
            found = literal_values(argument)
            if found:
                return found
    return None


def _range(info: Any) -> dict[str, Any] | None:
    limits: dict[str, Any] = {}
    metadata = list(getattr(info, "metadata", ()))
    annotation = getattr(info, "annotation", None)
    for argument in typing.get_args(annotation):
        metadata.extend(getattr(argument, "__metadata__", ()))
    for item in metadata:
        if isinstance(item, Ge):
            limits["min"] = item.ge
        if isinstance(item, Le):
            limits["max"] = item.le
    return limits or None


def path_of(loc: tuple[int | str, ...], prefix: str = "") -> str:
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def input_error(exc: ValidationError, model: type[BaseModel], prefix: str = "") -> InputError:
    return _input_error(exc.errors(include_url=False)[0], model, prefix)


def input_errors(
    exc: ValidationError, model: type[BaseModel], prefix: str = ""
) -> list[InputError]:
    """Every error of the document at once, each naming its field (for the pages)."""
    return [_input_error(error, model, prefix) for error in exc.errors(include_url=False)]


def _input_error(error: Any, model: type[BaseModel], prefix: str) -> InputError:
    loc = tuple(part for part in error["loc"] if not str(part).startswith("function-after["))
    kind = error["type"]
    if kind == "value_error" and "cupping_kind" in str(error.get("msg", "")):
        return InputError(
            path_of((*loc, "cupping_kind"), prefix),
            "A cupping kind (dry or wet) belongs only to cupping.",
        )
    field = path_of(loc, prefix) or prefix or "body"
    info = _annotation_at(model, loc)
    if kind == "extra_forbidden":
        name = next((p for p in reversed(loc) if isinstance(p, str)), "")
        parent = _inner_model(_annotation_at(model, loc[:-1]).annotation) if len(loc) > 1 else model
        allowed = list(parent.model_fields) if parent is not None else None
        return InputError(field, f"Unknown field '{name}'.", allowed)
    if kind in ("literal_error", "enum"):
        return InputError(
            field,
            f"'{error.get('input')}' is not one of the allowed values.",
            literal_values(info.annotation) if info is not None else None,
        )
    if kind in _MESSAGES:
        return InputError(field, _MESSAGES[kind])
    if kind == "string_too_long":
        return InputError(
            field, "The text is too long.", {"max": error.get("ctx", {}).get("max_length")}
        )
    return _value_error(kind, field, info) or InputError(
        field, str(error.get("msg", "This value is not valid."))
    )


# Pydantic error types whose field error needs no more than a message.
_MESSAGES = {
    "missing": "This field is required.",
    "too_short": "Enter at least one entry.",
    "too_long": "Too many entries.",
    "string_too_short": "This field is required.",
}


def _value_error(kind: str, field: str, info: Any) -> InputError | None:
    """A value of the wrong type or range, by the first word of pydantic's error type."""
    limits = _range(info) if info is not None else None
    if kind.startswith(("greater_than", "less_than")):
        return InputError(field, "The value is out of range.", limits)
    if kind.startswith(("int_", "float_")):
        return InputError(field, "Enter a number.", limits)
    if kind.startswith("date"):
        return InputError(field, "Enter a date as YYYY-MM-DD.")
    if kind.startswith("bool"):
        return InputError(field, "Answer yes or no.", [True, False])
    return None


def record_errors(document: object) -> list[InputError]:
    """Every reason the session record is refused (empty when it parses)."""
    try:
        SessionRecord.model_validate(document)
    except ValidationError as exc:
        return input_errors(exc, SessionRecord)
    return []


def parse_session_record(document: object) -> SessionRecord:
    try:
        return SessionRecord.model_validate(document)
    except ValidationError as exc:
        raise input_error(exc, SessionRecord) from None


def parse_point_edit(document: object, prefix: str = "point") -> PointEdit:
    try:
        return PointEdit.model_validate(document)
    except ValidationError as exc:
        raise input_error(exc, PointEdit, prefix) from None


def parse_adverse_event(document: object, index: int = 0) -> AdverseEventRecord:
    try:
        return AdverseEventRecord.model_validate(document)
    except ValidationError as exc:
        raise input_error(exc, AdverseEventRecord, f"adverse_events[{index}]") from None
