"""The course document (`acucare.course/1`) parsed strictly into typed, frozen values.

Every rejection is an `InputError` naming the dotted field (``timepoints[2].scores.peg.1``)
and, where one exists, the allowed values; nothing is accepted silently. Scores are scored
here, once, by the instrument records (`acucare.domain.scoring.score`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

from acucare.domain.errors import InputError
from acucare.domain.scoring import ScoreResult, instrument_tables, score
from acucare.kb.records.conditions import (
    ICD10_CM_FORM,
    Condition,
    condition_for_icd10,
    normalise_icd10,
)
from acucare.kb.registry import Registry

FORMAT = "acucare.course/1"
TimepointKind = Literal["baseline", "session", "review", "discharge", "followup"]
KINDS: tuple[TimepointKind, ...] = ("baseline", "session", "review", "discharge", "followup")
PAYERS = ("medicare",)
PGIC = "pgic"
PAIN_RANGE = {"min": 0, "max": 10}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TOP_KEYS = ("format", "condition", "primary", "payer", "timepoints")
_CONDITION_KEYS = ("icd10",)
_TIMEPOINT_KEYS = (
    "kind", "date", "session", "scores", "pgic", "pain_before", "pain_after", "medications",
)  # fmt: skip
_MEDICATION_KEYS = ("name", "dose_mg", "doses_per_day", "dose_mcg_per_hour")


@dataclass(frozen=True, slots=True)
class MedicationDose:
    """One medicine as taken: `dose_mg` × `doses_per_day`, or a patch in mcg per hour."""

    name: str
    dose_mg: float | None = None
    doses_per_day: float | None = None
    dose_mcg_per_hour: float | None = None


@dataclass(frozen=True, slots=True)
class Timepoint:
    index: int  # position in the document, for messages
    kind: TimepointKind
    date: dt.date
    session: int  # sessions delivered at or before this timepoint (0 at baseline)
    scores: Mapping[str, ScoreResult]  # instrument id -> scored answers
    pgic: int | None = None
    pain_before: int | None = None
    pain_after: int | None = None
    medications: tuple[MedicationDose, ...] | None = None  # None: not recorded


@dataclass(frozen=True, slots=True)
class Course:
    icd10: str | None
    condition: Condition | None
    primary: str  # the instrument carrying the main pain outcome
    payer: Literal["medicare"] | None
    timepoints: tuple[Timepoint, ...]

    @property
    def baseline(self) -> Timepoint:
        return self.timepoints[0]

    @property
    def latest(self) -> Timepoint:
        return self.timepoints[-1]

    @property
    def sessions_delivered(self) -> int:
        return self.timepoints[-1].session


def parse_course(doc: object, registry: Registry) -> Course:
    """Validate a course document and return it typed. Raises `InputError` on anything off."""
    top = _object(doc, "course", "a course document must be a JSON object")
    _known_keys(top, _TOP_KEYS, "")
    if top.get("format") != FORMAT:
        raise InputError(
            field="format",
            message=f"format must be {FORMAT!r}" if "format" in top else "format is required",
            allowed=[FORMAT],
        )
    icd10, condition = _condition(top.get("condition"), registry, "condition" in top)
    payer = top.get("payer")
    if payer is not None and payer not in PAYERS:
        raise InputError(field="payer", message=f"unknown payer {payer!r}", allowed=list(PAYERS))
    raw_points = top.get("timepoints")
    if not isinstance(raw_points, list) or not raw_points:
        raise InputError(
            field="timepoints",
            message="timepoints must be a list that starts with the baseline",
        )
    timepoints = _timepoints(raw_points, registry)
    primary = _primary(top, timepoints[0], registry)
    return Course(
        icd10=icd10,
        condition=condition,
        primary=primary,
        payer=cast(Literal["medicare"] | None, payer),
        timepoints=timepoints,
    )


def _object(value: object, field: str, message: str) -> Mapping[str, object]:
    if type(value) is dict:  # the usual case (parsed JSON), without the ABC check
        return value
    if not isinstance(value, Mapping):
        raise InputError(field=field, message=message)
    return cast(Mapping[str, object], value)


def _path(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


_ALLOWED_SETS: dict[tuple[str, ...], frozenset[str]] = {}


def _known_keys(value: Mapping[str, object], allowed: tuple[str, ...], prefix: str) -> None:
    known = _ALLOWED_SETS.get(allowed)
    if known is None:
        _ALLOWED_SETS[allowed] = known = frozenset(allowed)
    if value.keys() <= known:
        return
    for key in value:
        if key not in allowed:
            raise InputError(
                field=_path(prefix, str(key)),
                message=f"unknown field {key!r}",
                allowed=list(allowed),
            )


def _condition(
    value: object, registry: Registry, given: bool
) -> tuple[str | None, Condition | None]:
    if not given:
        return None, None
    condition = _object(value, "condition", 'condition must be an object: {"icd10": "M54.50"}')
    _known_keys(condition, _CONDITION_KEYS, "condition")
    code = condition.get("icd10")
    if not isinstance(code, str) or not ICD10_CM_FORM.match(normalise_icd10(code)):
        raise InputError(
            field="condition.icd10",
            message=f"{code!r} is not an ICD-10-CM code (e.g. M54.50)",
        )
    normal = normalise_icd10(code)
    return normal, condition_for_icd10(registry, normal)


def _timepoints(raw: list[object], registry: Registry) -> tuple[Timepoint, ...]:
    parsed: list[Timepoint] = []
    for index, item in enumerate(raw):
        previous = parsed[-1] if parsed else None
        parsed.append(_timepoint(item, index, previous, registry))
    return tuple(parsed)


def _timepoint(
    item: object, index: int, previous: Timepoint | None, registry: Registry
) -> Timepoint:
    path = f"timepoints[{index}]"
    value = _object(item, path, "a timepoint must be an object")
    _known_keys(value, _TIMEPOINT_KEYS, path)
    kind = value.get("kind")
    if kind not in KINDS:
        raise InputError(
            field=f"{path}.kind",
            message="kind is required" if kind is None else f"unknown kind {kind!r}",
            allowed=list(KINDS),
        )
    if (index == 0) != (kind == "baseline"):
        message = (
            "the first timepoint must be the baseline"
            if index == 0
            else "there is exactly one baseline, the first timepoint"
        )
        raise InputError(field=f"{path}.kind", message=message, allowed=list(KINDS))
    date = _date(value.get("date"), f"{path}.date")
    if previous is not None and date < previous.date:
        raise InputError(
            field=f"{path}.date",
            message=(
                f"dates never go backwards: {date.isoformat()} is before the previous "
                f"timepoint's {previous.date.isoformat()}"
            ),
        )
    session = _session(value, kind, index, previous, path)
    pgic = None
    if "pgic" in value:
        if kind == "baseline":
            raise InputError(
                field=f"{path}.pgic",
                message="the PGIC rates change since treatment began: not at baseline",
            )
        pgic = _pgic(value["pgic"], f"{path}.pgic", registry)
    return Timepoint(
        index=index,
        kind=kind,
        date=date,
        session=session,
        scores=_scores(value.get("scores"), f"{path}.scores", "scores" in value, registry),
        pgic=pgic,
        pain_before=_pain(value, "pain_before", path),
        pain_after=_pain(value, "pain_after", path),
        medications=_medications(value, path),
    )


def _date(value: object, field: str) -> dt.date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise InputError(
            field=field,
            message="date is required" if value is None else "a date is written YYYY-MM-DD",
        )
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(field=field, message=f"{value!r} is not a calendar date") from exc


def _whole(value: object) -> bool:
    return type(value) is int


def _session(
    value: Mapping[str, object],
    kind: object,
    index: int,
    previous: Timepoint | None,
    path: str,
) -> int:
    field = f"{path}.session"
    raw = value.get("session")
    if kind == "baseline":
        if raw is not None and raw != 0:
            raise InputError(field=field, message="the baseline is session 0", allowed=[0])
        return 0
    assert previous is not None
    if raw is None:
        if kind == "session":
            raise InputError(field=field, message="a session timepoint needs its session number")
        return previous.session
    if not _whole(raw) or cast(int, raw) < 0:
        raise InputError(
            field=field, message="session must be a whole number of sessions delivered (0 or more)"
        )
    number = cast(int, raw)
    if number < previous.session:
        raise InputError(
            field=field,
            message=(
                f"session numbers never go down: {number} follows {previous.session} "
                f"(timepoints[{index - 1}])"
            ),
            allowed={"min": previous.session},
        )
    if kind == "session" and number < 1:
        raise InputError(field=field, message="a session timepoint is session 1 or later")
    return number


def _pgic(value: object, field: str, registry: Registry) -> int:
    table = instrument_tables(registry)[PGIC]
    codes = sorted(table.categories)
    if not _whole(value) or value not in table.categories:
        raise InputError(
            field=field,
            message="pgic is a whole number from 1 (very much improved) to 7 (very much worse)",
            allowed={"min": codes[0], "max": codes[-1]},
        )
    return value


def _pain(value: Mapping[str, object], key: str, path: str) -> int | None:
    if key not in value:
        return None
    raw = value[key]
    if not _whole(raw) or not 0 <= cast(int, raw) <= 10:
        raise InputError(
            field=f"{path}.{key}",
            message=f"{key} is a whole number on the 0–10 pain scale",
            allowed=dict(PAIN_RANGE),
        )
    return cast(int, raw)


def _scores(
    value: object, field: str, given: bool, registry: Registry
) -> Mapping[str, ScoreResult]:
    if not given:
        return {}
    scores = _object(value, field, "scores must map instrument ids to answers objects")
    tables = instrument_tables(registry)
    results: dict[str, ScoreResult] = {}
    for instrument, answers in scores.items():
        where = f"{field}.{instrument}"
        if instrument == PGIC:
            raise InputError(
                field=where,
                message="record the PGIC as the timepoint's `pgic` (1–7), not as a score",
                allowed=sorted(k for k in tables if k != PGIC),
            )
        if type(answers) is not dict and not isinstance(answers, Mapping):
            raise InputError(
                field=where,
                message="answers must be an object mapping item numbers to response codes",
            )
        results[instrument] = score(
            registry, instrument, answers, field=where, instrument_field=where
        )
    return results


def _positive(value: object, field: str, unit: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InputError(
            field=field, message=f"{field.rsplit('.', 1)[-1]} is a number of {unit} above 0"
        )
    return float(value)


def _medications(value: Mapping[str, object], path: str) -> tuple[MedicationDose, ...] | None:
    if "medications" not in value:
        return None
    raw = value["medications"]
    field = f"{path}.medications"
    if not isinstance(raw, list):
        raise InputError(field=field, message="medications must be a list (empty for none)")
    doses: list[MedicationDose] = []
    for index, item in enumerate(raw):
        where = f"{field}[{index}]"
        entry = _object(item, where, 'a medication is an object: {"name": …, "dose_mg": …}')
        _known_keys(entry, _MEDICATION_KEYS, where)
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InputError(field=f"{where}.name", message="name is the medicine's name")
        dose = entry.get("dose_mg")
        per_day = entry.get("doses_per_day")
        patch = entry.get("dose_mcg_per_hour")
        if patch is not None and (dose is not None or per_day is not None):
            raise InputError(
                field=f"{where}.dose_mcg_per_hour",
                message="give a patch in mcg per hour, or dose_mg with doses_per_day, not both",
            )
        if (dose is None) != (per_day is None):
            missing = "doses_per_day" if per_day is None else "dose_mg"
            raise InputError(
                field=f"{where}.{missing}",
                message="dose_mg and doses_per_day are given together",
            )
        doses.append(
            MedicationDose(
                name=name.strip(),
                dose_mg=None if dose is None else _positive(dose, f"{where}.dose_mg", "mg"),
                doses_per_day=(
                    None
                    if per_day is None
                    else _positive(per_day, f"{where}.doses_per_day", "doses a day")
                ),
                dose_mcg_per_hour=(
                    None
                    if patch is None
                    else _positive(patch, f"{where}.dose_mcg_per_hour", "micrograms an hour")
                ),
            )
        )
    return tuple(doses)


def primary_candidates(registry: Registry) -> list[str]:
    """Instruments that can carry the primary outcome: scored totals with a change rule."""
    return sorted(
        key
        for key, table in instrument_tables(registry).items()
        if table.method != "category" and table.thresholds
    )


def _primary(top: Mapping[str, object], baseline: Timepoint, registry: Registry) -> str:
    allowed = primary_candidates(registry)
    given = top.get("primary")
    if given is not None:
        if given not in allowed:
            raise InputError(
                field="primary",
                message=f"{given!r} cannot carry the primary outcome",
                allowed=allowed,
            )
        primary = given
    else:
        found = next((p for p in ("peg", "nrs") if p in baseline.scores), None)
        if found is None:
            raise InputError(
                field="timepoints[0].scores",
                message="the baseline must measure pain (NRS or PEG), or name the primary",
                allowed=["nrs", "peg"],
            )
        primary = found
    result = baseline.scores.get(primary)
    if result is None or result.total is None:
        raise InputError(
            field=f"timepoints[0].scores.{primary}",
            message=(
                f"the baseline needs a complete {instrument_tables(registry)[primary].name} "
                "score: it is the primary outcome"
            ),
        )
    return primary
