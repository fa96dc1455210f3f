"""Score validated questionnaires and interpret change between two scores.

Pure functions over the knowledge base: every code, band, flag and threshold comes from
the instrument's record (``knowledge/instruments/<id>.yaml``), compiled once into a
`ScoringTable` when the registry is built. Nothing here states a clinical number.

``score`` validates the answers strictly (item numbers as strings "1".."N", whole-number
codes, nothing else) and raises `InputError` naming the item and what is allowed.
``classify_change`` reads a baseline and a follow-up score against the instrument's
clinically important change (and, for pain intensity, the IMMPACT percentage tiers).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from acucare.domain.errors import InputError
from acucare.kb.records.instruments import (
    ChangeCategory,
    CompiledFlag,
    CompiledThreshold,
    ScoringTable,
)
from acucare.kb.registry import Registry

# Totals that are not whole numbers (means, percentages, prorated sums) are reported to
# two decimals; bands and flags are read from the unrounded value.
DECIMALS = 2
# Tolerance for comparing computed changes with thresholds (binary floating point).
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    message: str
    citations: tuple[str, ...] = ()

    def as_document(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "citations": list(self.citations)}


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """One scored questionnaire; `as_document()` is the interface spec's score document."""

    instrument: str
    version: str
    total: float | None
    band: str | None
    subscales: dict[str, float]
    flags: tuple[Flag, ...]
    answered: int
    missing: tuple[int, ...]
    band_label: str | None = None
    percent: float | None = None  # the total as a percentage of its maximum, where used
    change: ChangeCategory | None = None  # for a rating of change (PGIC)
    loinc: str | None = None
    kb_version: str = ""

    @property
    def produced_by(self) -> str:
        return f"{self.instrument}@{self.version}"

    def flag_codes(self) -> tuple[str, ...]:
        return tuple(flag.code for flag in self.flags)

    def as_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "instrument": self.instrument,
            "version": self.version,
            "total": self.total,
            "band": self.band,
            "subscales": dict(self.subscales),
            "flags": [flag.as_document() for flag in self.flags],
            "answered": self.answered,
            "missing": list(self.missing),
            "band_label": self.band_label,
        }
        if self.percent is not None:
            document["percent"] = self.percent
        if self.change is not None:
            document["change"] = self.change
        document["loinc"] = self.loinc
        document["produced_by"] = self.produced_by
        document["kb_version"] = self.kb_version
        return document


def instrument_tables(registry: Registry) -> Mapping[str, ScoringTable]:
    tables: Mapping[str, ScoringTable] = registry.indexes["instrument_tables"]
    return tables


def _table(registry: Registry, instrument_id: object, field: str) -> ScoringTable:
    tables = instrument_tables(registry)
    table = tables.get(instrument_id) if isinstance(instrument_id, str) else None
    if table is None:
        raise InputError(
            field=field,
            message=f"unknown instrument {instrument_id!r}",
            allowed=sorted(tables),
        )
    return table


def score(
    registry: Registry,
    instrument_id: str,
    answers: object,
    *,
    field: str = "answers",
    instrument_field: str = "instrument",
) -> ScoreResult:
    """Score one questionnaire. Raises `InputError` for anything but valid codes.

    `field` prefixes the error path of an item (``answers.3``, or
    ``questionnaires.phq9.3`` when the intake passes ``field="questionnaires.phq9"``);
    `instrument_field` names the instrument in the error for an unknown instrument.
    """
    table = _table(registry, instrument_id, instrument_field)
    if not isinstance(answers, Mapping):
        raise InputError(
            field=field,
            message=(
                "answers must be an object mapping item numbers (as strings) to response "
                f"codes, not {_json_type(answers)}"
            ),
            allowed=list(table.item_numbers),
        )
    count = len(table.item_numbers)
    values: list[int | None] = [None] * count
    keys = table.keys
    item_values = table.values
    for key, code in answers.items():
        index = keys.get(key) if isinstance(key, str) else None
        if index is None:
            raise InputError(
                field=f"{field}.{key}",
                message=f"{table.name} has no item {key!r}; items are numbered 1 to {count}",
                allowed=list(table.item_numbers),
            )
        # type() rather than isinstance(): True and False are ints to Python, not codes.
        value = item_values[index].get(code) if type(code) is int else None
        if value is None:
            raise _bad_code(table, field, key, index, code)
        values[index] = value
    return _result(registry, table, values, answers)


def _bad_code(table: ScoringTable, field: str, key: str, index: int, code: object) -> InputError:
    allowed = table.allowed[index]
    described = (
        f"a whole number from {allowed['min']} to {allowed['max']}"
        if isinstance(allowed, dict)
        else "one of " + ", ".join(str(c) for c in allowed)
    )
    if type(code) is int:
        problem = f"{code} is not a response code of {table.name} item {key}"
    else:
        problem = f"{table.name} item {key} must be {described}, not {_json_type(code)}"
        return InputError(field=f"{field}.{key}", message=problem, allowed=_copy(allowed))
    return InputError(
        field=f"{field}.{key}", message=f"{problem}; use {described}", allowed=_copy(allowed)
    )


def _copy(allowed: dict[str, int] | tuple[int, ...]) -> dict[str, int] | list[int]:
    return dict(allowed) if isinstance(allowed, dict) else list(allowed)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, float):
        return f"the decimal number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def _result(
    registry: Registry,
    table: ScoringTable,
    values: list[int | None],
    answers: Mapping[str, object],
) -> ScoreResult:
    answered = len(answers)
    missing: tuple[int, ...] = ()
    if answered < len(values):
        missing = tuple(i + 1 for i, v in enumerate(values) if v is None)
    total = _total(table, values, missing)
    subscales: dict[str, float] = {}
    scores: list[float | None] = [total]
    for name, indexes in table.subscales:
        parts = [values[i] for i in indexes]
        part_total = None if None in parts else sum(p for p in parts if p is not None)
        scores.append(part_total)
        if part_total is not None:
            subscales[name] = part_total
    floors: list[float | None] = scores
    ceilings: list[float | None] = scores
    if missing:
        floors, ceilings = _bounds(table, values, scores)
    band: str | None = None
    band_label: str | None = None
    change: ChangeCategory | None = None
    if table.method == "category":
        if total is not None:
            band, band_label, change = table.categories[int(total)]
    else:
        band = _band(table, floors, ceilings)
        band_label = table.band_labels[band] if band is not None else None
    flags = tuple(
        flag
        for rule in table.flags
        if (flag := _flag(rule, values, scores, floors, band)) is not None
    )
    percent = None
    if table.report_percent and total is not None:
        percent = _rounded(total * 100 / table.total_high)
    return ScoreResult(
        instrument=table.instrument,
        version=table.version,
        total=_rounded(total) if total is not None else None,
        band=band,
        subscales=subscales,
        flags=flags,
        answered=answered,
        missing=missing,
        band_label=band_label,
        percent=percent,
        change=change,
        loinc=table.loinc,
        kb_version=registry.version,
    )


def _total(table: ScoringTable, values: list[int | None], missing: tuple[int, ...]) -> float | None:
    if missing and len(missing) > table.prorate_max_missing:
        return None
    given = [v for v in values if v is not None]
    raw = sum(given)
    method = table.method
    if method == "sum":
        if not missing:
            return raw
        # Published prorating: scale the answered items up to the full questionnaire.
        possible = sum(m for m, v in zip(table.item_max, values, strict=True) if v is not None)
        return raw * table.total_high / possible
    if method == "percent_of_maximum":
        possible = sum(m for m, v in zip(table.item_max, values, strict=True) if v is not None)
        return raw * 100 / possible
    if method == "mean":
        return raw / len(given)
    return raw  # category: the single response code is the result


def _bounds(
    table: ScoringTable, values: list[int | None], scores: list[float | None]
) -> tuple[list[float | None], list[float | None]]:
    """The lowest and highest each score could reach, given the items answered.

    Only a plain sum has such bounds (each missing item adds between its lowest and
    highest value); for other methods an unknown score stays unknown (None).
    """
    floors: list[float | None] = []
    ceilings: list[float | None] = []
    for score, indexes in zip(scores, table.score_items, strict=True):
        if score is not None or not table.bounded:
            floors.append(score)
            ceilings.append(score)
            continue
        low = high = 0
        for i in indexes:
            value = values[i]
            if value is None:
                low += table.item_min[i]
                high += table.item_max[i]
            else:
                low += value
                high += value
        floors.append(low)
        ceilings.append(high)
    return floors, ceilings


def _rounded(value: float) -> float:
    if isinstance(value, int):
        return value
    rounded = round(value, DECIMALS)
    return int(rounded) if rounded.is_integer() else rounded


def _band(
    table: ScoringTable, floors: list[float | None], ceilings: list[float | None]
) -> str | None:
    """The band, or None when it cannot be told for certain.

    Bands are tried from the most severe. A band applies when its score is certainly at
    or above its minimum, provided every more severe band was certainly not reached; with
    items missing, a sum is known only between its floor and its ceiling.
    """
    for score_index, minimum, code, _label in table.bands:
        floor = floors[score_index]
        ceiling = ceilings[score_index]
        if floor is None or ceiling is None:
            return None
        if floor >= minimum:
            return code
        if ceiling >= minimum:
            return None  # might or might not reach this band
    return None


def _flag(
    rule: CompiledFlag,
    values: list[int | None],
    scores: list[float | None],
    floors: list[float | None],
    band: str | None,
) -> Flag | None:
    kind = rule.kind
    if kind == "item_at_least":
        value = values[rule.item_index]
        raised = value is not None and value >= rule.at_least
        return _built(rule) if raised else None
    if kind == "item_unanswered":
        return _built(rule) if values[rule.item_index] is None else None
    if kind == "band_is":
        return _built(rule) if band == rule.band else None
    score = scores[rule.score_index]
    if score is not None:
        return _built(rule) if score >= rule.at_least else None
    # Items are missing, but the answered ones may already reach the threshold.
    floor = floors[rule.score_index]
    if floor is not None and floor >= rule.at_least:
        return Flag(
            rule.code,
            f"{rule.message} (Reached by the answered items alone; some items are missing.)",
            rule.citations,
        )
    return None


def _built(rule: CompiledFlag) -> Flag:
    return Flag(rule.code, rule.message, rule.citations)


# --------------------------------------------------------------------------- change


@dataclass(frozen=True, slots=True)
class ChangeThresholdUsed:
    tier: str
    kind: Literal["points", "percent"]
    value: float
    citations: tuple[str, ...]

    def as_document(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "kind": self.kind,
            "value": self.value,
            "citations": list(self.citations),
        }


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """How a follow-up score compares with the baseline, read against the record."""

    instrument: str
    version: str
    baseline: float
    follow_up: float
    change: float  # follow_up − baseline
    percent_change: float | None  # signed, relative to the baseline; None from a 0 baseline
    category: ChangeCategory | None  # None when the instrument has no verified threshold
    threshold: ChangeThresholdUsed | None  # the threshold that decided the category
    baseline_band: str | None
    follow_up_band: str | None
    message: str
    kb_version: str = ""

    def as_document(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "version": self.version,
            "baseline": self.baseline,
            "follow_up": self.follow_up,
            "change": self.change,
            "percent_change": self.percent_change,
            "category": self.category,
            "threshold": self.threshold.as_document() if self.threshold else None,
            "baseline_band": self.baseline_band,
            "follow_up_band": self.follow_up_band,
            "message": self.message,
            "produced_by": f"{self.instrument}@{self.version}",
            "kb_version": self.kb_version,
        }


def classify_change(
    registry: Registry, instrument_id: str, baseline: float, follow_up: float
) -> ChangeResult:
    """Classify the change from `baseline` to `follow_up` (two totals of one instrument).

    much_better / better / minimally_better: the improvement reaches a threshold of that
    tier (points, or percent of a baseline in the validated range; the first one met, in
    the record's order, is reported). worse: the score moved the wrong way by at least
    an improvement threshold. A change smaller than the instrument's absolute minimal
    important difference is no_important_change whatever its percentage (NRS 2 → 1 is
    not a substantial improvement, 1 → 2 not a worsening). An instrument without a
    verified threshold gives category None and only the raw change.
    """
    table = _table(registry, instrument_id, "instrument")
    if table.method == "category":
        raise InputError(
            field="instrument",
            message=f"{table.name} rates change itself: read the category of one answer",
            allowed=sorted(k for k, t in instrument_tables(registry).items() if t.thresholds),
        )
    low, high = table.total_low, table.total_high
    base = _checked_score(table, "baseline", baseline, low, high)
    follow = _checked_score(table, "follow_up", follow_up, low, high)
    delta = follow - base
    percent = None if base == 0 else round(delta * 100 / base, 1)
    improvement = -delta if table.direction != "higher_is_better" else delta
    unknown: list[float | None] = [None] * len(table.subscales)
    baseline_band = _band(table, [base, *unknown], [base, *unknown])
    follow_band = _band(table, [follow, *unknown], [follow, *unknown])
    category, used = _categorise(table, base, improvement)
    return ChangeResult(
        instrument=table.instrument,
        version=table.version,
        baseline=_rounded(base),
        follow_up=_rounded(follow),
        change=_rounded(delta),
        percent_change=percent,
        category=category,
        threshold=used,
        baseline_band=baseline_band,
        follow_up_band=follow_band,
        message=_change_message(table, category, used, delta),
        kb_version=registry.version,
    )


def _checked_score(
    table: ScoringTable, field: str, value: object, low: float, high: float
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(
            field=field,
            message=(f"{field} must be a {table.name} score (a number), not {_json_type(value)}"),
            allowed={"min": _rounded(low), "max": _rounded(high)},
        )
    number = float(value)
    if not low - _EPSILON <= number <= high + _EPSILON:
        raise InputError(
            field=field,
            message=f"{value} is outside the {table.name} score range",
            allowed={"min": _rounded(low), "max": _rounded(high)},
        )
    return number


def _meets(
    threshold: CompiledThreshold, table: ScoringTable, baseline: float, amount: float
) -> bool:
    """Whether a change of `amount` (in the threshold's direction) reaches it.

    A percentage counts only from a baseline where it was validated (the record's
    `percent_from_baseline`): below it, only the points thresholds speak.
    """
    if threshold.kind == "points":
        return amount >= threshold.value - _EPSILON
    if baseline == 0 or abs(baseline) < table.percent_floor - _EPSILON:
        return False  # a percentage of nothing is undefined; of too little, not validated
    return amount * 100 >= threshold.value * abs(baseline) - _EPSILON


_IMPROVEMENT_TIERS: tuple[ChangeCategory, ...] = ("much_better", "better", "minimally_better")


def _categorise(
    table: ScoringTable, baseline: float, improvement: float
) -> tuple[ChangeCategory | None, ChangeThresholdUsed | None]:
    """The category of a change, from the record's acting thresholds.

    Floor rules (Dworkin 2008; issue 9 item 10): a change smaller than the instrument's
    absolute minimal important difference is no important change either way, whatever its
    percentage; percentage tiers apply only from the baseline where they were validated.
    An improvement takes the highest tier any of whose thresholds it reaches; a worsening
    is important when it reaches an improvement threshold in the wrong direction.
    """
    if not table.thresholds:
        return None, None
    if abs(improvement) < table.mid - _EPSILON or improvement == 0:
        return "no_important_change", None
    if improvement > 0:
        for tier in _IMPROVEMENT_TIERS:
            for threshold in table.thresholds:
                if threshold.tier == tier and _meets(threshold, table, baseline, improvement):
                    return threshold.tier, _used(threshold)
        return "no_important_change", None
    for tier in reversed(_IMPROVEMENT_TIERS):
        for threshold in table.thresholds:
            if threshold.tier == tier and _meets(threshold, table, baseline, -improvement):
                return "worse", _used(threshold)
    return "no_important_change", None


def _used(threshold: CompiledThreshold) -> ChangeThresholdUsed:
    return ChangeThresholdUsed(
        threshold.tier, threshold.kind, _rounded(threshold.value), threshold.citations
    )


def _describe(threshold: ChangeThresholdUsed) -> str:
    unit = "%" if threshold.kind == "percent" else " points"
    return f"{threshold.value:g}{unit}"


def _change_message(
    table: ScoringTable,
    category: ChangeCategory | None,
    used: ChangeThresholdUsed | None,
    delta: float,
) -> str:
    name = table.name
    if category is None:
        return (
            f"{name} has no verified threshold for a clinically important change; "
            f"the score changed by {_rounded(delta):g}. Compare the bands instead."
        )
    if category == "no_important_change":
        smallest = [_describe(_used(t)) for t in table.thresholds if t.kind == "points"]
        if not smallest:
            smallest = [_describe(_used(t)) for t in table.thresholds]
        return (
            f"No clinically important change on {name}: the change of {_rounded(delta):g} "
            f"does not reach the smallest important change ({' or '.join(smallest)})."
        )
    assert used is not None
    words = {
        "much_better": "Substantial improvement",
        "better": "Clinically important improvement",
        "minimally_better": "Minimally important improvement",
        "worse": "Clinically important worsening",
    }[category]
    return f"{words} on {name}: the change reached {_describe(used)}."
