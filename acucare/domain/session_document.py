"""The session document (spec: session check), validated by pydantic into a `SessionSpec`.

Only the edges read a session document (`acucare check-session`, the web forms and API);
the planner hands its session to the check as a `SessionSpec` and never imports this
module, nor pydantic (issue 16: `acucare plan` starts in under 0.2 s of CPU).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from acucare.domain.errors import InputError
from acucare.domain.session_spec import PointSpec, SessionSpec
from acucare.domain.shape_errors import shape_error
from acucare.kb.vocabulary import (
    CuppingKind,
    ElectroIntensity,
    Modality,
    NeedleAngle,
    NeedleDepth,
    Side,
    SpinalLevel,
)

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)
# The longest needle in common clinical use; a deeper figure is a recording error.
MAX_DEPTH_MM = 150
# The allowed values an error names, for the session's closed vocabularies.
SESSION_VOCABULARIES: dict[str, tuple[str, ...]] = {
    "modality": get_args(Modality),
    "side": get_args(Side),
    "depth": get_args(NeedleDepth),
    "angle": get_args(NeedleAngle),
    "level": get_args(SpinalLevel),
    "electro_intensity": get_args(ElectroIntensity),
    "cupping_kind": get_args(CuppingKind),
}


class _Electrode(BaseModel):
    model_config = _STRICT
    code: Annotated[str, Field(min_length=1)]
    side: Side
    level: SpinalLevel | None = None


class _SessionPoint(_Electrode):
    depth: NeedleDepth | None = None
    angle: NeedleAngle | None = None
    depth_mm: Annotated[float, Field(ge=0, le=MAX_DEPTH_MM)] | None = None


class _SessionDocument(BaseModel):
    model_config = _STRICT
    modality: Modality
    points: list[_SessionPoint] = []
    electro_pairs: list[Annotated[list[_Electrode], Field(min_length=2, max_length=2)]] = []
    electro_intensity: ElectroIntensity | None = None
    cupping_kind: CuppingKind | None = None


def read_session(document: object, prefix: str = "session.") -> SessionSpec:
    """The session document's fields; `InputError` for the first problem of its shape."""
    try:
        parsed = _SessionDocument.model_validate(document)
    except ValidationError as exc:
        error = input_error(exc, prefix, _SessionDocument, prefix.rstrip(".") or "session")
        name = error.field.rsplit(".", 1)[-1]
        if error.allowed is None and name in SESSION_VOCABULARIES:
            error = InputError(error.field, error.message, list(SESSION_VOCABULARIES[name]))
        raise error from None
    return SessionSpec(
        modality=parsed.modality,
        points=tuple(
            PointSpec(
                p.code, p.side, level=p.level, depth=p.depth, angle=p.angle, depth_mm=p.depth_mm
            )
            for p in parsed.points
        ),
        electro_pairs=tuple(
            (_electrode(pair[0]), _electrode(pair[1])) for pair in parsed.electro_pairs
        ),
        electro_intensity=parsed.electro_intensity,
        cupping_kind=parsed.cupping_kind,
    )


def _electrode(given: _Electrode) -> PointSpec:
    return PointSpec(given.code, given.side, level=given.level)


# --- From pydantic's first error to the one InputError ------------------------------------


def input_error(
    exc: ValidationError, prefix: str, model: type[BaseModel], document_name: str
) -> InputError:
    """The first pydantic error of `model` as acucare's InputError."""
    error = exc.errors(include_url=False)[0]
    loc: tuple[int | str, ...] = tuple(error["loc"])
    return shape_error(
        error["type"],
        loc,
        error.get("input"),
        prefix=prefix,
        document_name=document_name,
        fields=_field_names(model, loc[:-1]) if error["type"] == "extra_forbidden" else None,
        max_length=(error.get("ctx") or {}).get("max_length"),
    )


def _field_names(model: type[BaseModel], loc: Sequence[int | str]) -> list[str] | None:
    """The fields of the model found at `loc` inside `model`, if it is a model."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        if current is None or part not in current.model_fields:
            return None
        current = _model_in(current.model_fields[part].annotation)
    return list(current.model_fields) if current is not None else None


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The BaseModel inside an annotation such as `list[_Condition]` or `_Patient | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _model_in(argument)
        if found is not None:
            return found
    return None
