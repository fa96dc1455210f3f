"""The session charting page's form: HTML field names to the session record (the API's
body) and the record's error paths back to the HTML fields, so an error shows beside
the field that caused it. Rows left without a point code (or event type) are ignored."""

from __future__ import annotations

import re
import typing
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from acucare.domain.errors import InputError
from acucare.kb.vocabulary import CuppingKind, SpinalLevel
from acucare.treatment import charting

POINT_FIELDS = (
    "code",
    "side",
    "level",
    "depth_mm",
    "depth_tissue",
    "angle",
    "de_qi",
    "stimulation",
)
PAIR_FIELDS = (
    "a_code",
    "a_side",
    "a_level",
    "b_code",
    "b_side",
    "b_level",
    "frequency_hz",
    "waveform",
    "intensity",
    "duration_minutes",
)
EVENT_FIELDS = (
    "type_code",
    "seriousness",
    "mechanism",
    "needed_treatment",
    "duration_days",
    "avoidable",
    "modality",
    "reporter",
    "description",
)
SESSION_FIELDS = (
    "number",
    "date",
    "modality",
    "retention_minutes",
    "needles_in",
    "needles_out",
    "needle_count_explanation",
    "pain_before",
    "pain_after",
    "notes",
)
NEEDLE_FIELDS = ("gauge_mm", "length_mm", "material", "manufacturer", "lot")
CO_KINDS = typing.get_args(charting.CoIntervention)
PAIR_ROWS = 3
EVENT_ROWS = 2
# The most rows of one table the page shows ("add another" stops there; more points than
# this in one session is a data-entry error, not a treatment).
MAX_ROWS = 40
_ROW_KEY = re.compile(r"^(?P<table>point|pair|event)-(?P<index>\d{1,3})-")

LABELS = {
    "code": "Point",
    "side": "Side",
    "level": "Spinal level (Jiaji)",
    "depth_mm": "Depth (mm)",
    "depth_tissue": "Tissue level",
    "angle": "Angle",
    "de_qi": "De qi",
    "stimulation": "Stimulation",
    "a_code": "Electrode 1",
    "a_side": "side",
    "a_level": "level",
    "b_code": "Electrode 2",
    "b_side": "side",
    "b_level": "level",
    "frequency_hz": "Frequency (Hz)",
    "waveform": "Waveform",
    "intensity": "Intensity",
    "duration_minutes": "Duration (min)",
    "type_code": "Event",
    "seriousness": "Seriousness",
    "mechanism": "Mechanism",
    "needed_treatment": "Needed treatment",
    "duration_days": "Duration (days)",
    "avoidable": "Avoidable",
    "modality": "Modality",
    "reporter": "Reported by",
    "description": "Description",
    "number": "Session number",
    "date": "Date",
    "retention_minutes": "Retention (minutes)",
    "needles_in": "Needles in",
    "needles_out": "Needles out",
    "needle_count_explanation": "Explanation if the counts differ",
    "pain_before": "Pain before (0–10)",
    "pain_after": "Pain after (0–10)",
    "notes": "Notes",
    "cupping_kind": "Cupping kind",
    "gauge_mm": "Needle gauge (mm)",
    "length_mm": "Needle length (mm)",
    "material": "Material",
    "manufacturer": "Maker",
    "lot": "Lot",
}


def _choices(annotation: Any) -> list[str]:
    values = charting.literal_values(annotation)
    return [str(v) for v in values or ()]


CHOICES: dict[str, list[str]] = {
    "side": _choices(charting.Side),
    "a_side": _choices(charting.ElectrodeSide),
    "b_side": _choices(charting.ElectrodeSide),
    "level": _choices(SpinalLevel),
    "a_level": _choices(SpinalLevel),
    "b_level": _choices(SpinalLevel),
    "cupping_kind": _choices(CuppingKind),
    "depth_tissue": _choices(charting.TissueLevel),
    "angle": _choices(charting.Angle),
    "de_qi": _choices(charting.DeQi),
    "stimulation": _choices(charting.Stimulation),
    "waveform": _choices(charting.Waveform),
    "intensity": ["mild", "moderate", "strong"],
    "type_code": _choices(charting.EventType),
    "seriousness": _choices(charting.Seriousness),
    "mechanism": _choices(charting.Mechanism),
    "needed_treatment": ["no", "yes"],
    "avoidable": _choices(charting.Avoidable),
    "reporter": _choices(charting.Reporter),
    "event_modality": _choices(charting.EventModality),
    "modality": _choices(charting.Modality),
    "material": _choices(charting.Material),
}
# Every pick-list starts empty ("—"): nothing is recorded that was not chosen. The
# adverse-event fields are still required once an event is chosen (the record says so).
OPTIONAL_CHOICE = set(CHOICES)


@dataclass
class Field:
    name: str
    label: str
    value: str
    error: str = ""
    choices: list[str] = field(default_factory=list)
    optional: bool = True
    kind: str = "text"


@dataclass
class SessionFormState:
    fields: dict[str, Field]
    needle: list[Field]
    points: list[list[Field]]
    pairs: list[list[Field]]
    events: list[list[Field]]
    co: list[tuple[str, bool, Field]]
    submission: str
    # Beside the cupping co-intervention: dry or wet (the safety check reads it).
    cupping_kind: Field
    general_error: str = ""

    @property
    def main(self) -> list[Field]:
        return [self.fields[n] for n in SESSION_FIELDS]

    @property
    def error_count(self) -> int:
        """How many fields show an error (the summary above the form says so)."""
        rows = [*self.points, *self.pairs, *self.events]
        every = [*self.fields.values(), *self.needle, *(f for row in rows for f in row)]
        every.extend(detail for _kind, _chosen, detail in self.co)
        every.append(self.cupping_kind)
        return sum(1 for f in every if f.error)


def _kind(name: str) -> str:
    if name in {"date"}:
        return "date"
    if name in {"notes", "needle_count_explanation", "description"}:
        return "textarea"
    if name.endswith(("_mm", "_hz", "minutes", "_days", "number")) or name in {
        "needles_in",
        "needles_out",
        "pain_before",
        "pain_after",
    }:
        return "number"
    return "text"


def _field(name: str, base: str, value: str, choice_key: str | None = None) -> Field:
    key = choice_key or base
    return Field(
        name=name,
        label=LABELS.get(base, base),
        value=value,
        choices=CHOICES.get(key, []),
        optional=base in OPTIONAL_CHOICE or key not in CHOICES,
        kind=_kind(base),
    )


def _count(value: object) -> int:
    text = str(value or "")
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ROWS)) + 3:
        return 0
    return min(int(text), MAX_ROWS)


def row_counts(
    data: QueryDict | dict[str, str], *, points: int, pairs: int, events: int
) -> tuple[int, int, int]:
    """How many point, pair and event rows the form shows: at least the numbers given, the
    counts the form posted back (hidden fields) and every row whose fields were sent, plus
    one where "add another" was pressed; at most MAX_ROWS each. Works without JavaScript:
    the add buttons are ordinary submit buttons and the page comes back one row longer."""
    counts = {
        "point": max(points, _count(data.get("point_rows"))),
        "pair": max(pairs, _count(data.get("pair_rows"))),
        "event": max(events, _count(data.get("event_rows"))),
    }
    for key in data:
        found = _ROW_KEY.match(str(key))
        if found:
            table = found.group("table")
            counts[table] = max(counts[table], int(found.group("index")) + 1)
    added = data.get("add")
    if added in counts:
        counts[str(added)] += 1
    return (
        min(counts["point"], MAX_ROWS),
        min(counts["pair"], MAX_ROWS),
        min(counts["event"], MAX_ROWS),
    )


def build_state(
    data: QueryDict | dict[str, str],
    *,
    point_rows: int,
    pair_rows: int = PAIR_ROWS,
    event_rows: int = EVENT_ROWS,
    submission: str | None = None,
) -> SessionFormState:
    get = data.get
    fields = {n: _field(n, n, str(get(n, "") or "")) for n in SESSION_FIELDS}
    needle = [_field(f"needle_{n}", n, str(get(f"needle_{n}", "") or "")) for n in NEEDLE_FIELDS]
    points = [
        [_field(f"point-{i}-{n}", n, str(get(f"point-{i}-{n}", "") or "")) for n in POINT_FIELDS]
        for i in range(point_rows)
    ]
    pairs = [
        [_field(f"pair-{i}-{n}", n, str(get(f"pair-{i}-{n}", "") or "")) for n in PAIR_FIELDS]
        for i in range(pair_rows)
    ]
    events = [
        [
            _field(
                f"event-{i}-{n}",
                n,
                str(get(f"event-{i}-{n}", "") or ""),
                "event_modality" if n == "modality" else None,
            )
            for n in EVENT_FIELDS
        ]
        for i in range(event_rows)
    ]
    chosen = set(data.getlist("co_kind")) if isinstance(data, QueryDict) else set()
    co = [
        (
            kind,
            kind in chosen,
            _field(f"co-{kind}-detail", "detail", str(get(f"co-{kind}-detail", "") or "")),
        )
        for kind in CO_KINDS
    ]
    key = submission or str(get("submission", "") or uuid.uuid4())
    cupping = _field("co-cupping-kind", "cupping_kind", str(get("co-cupping-kind", "") or ""))
    return SessionFormState(fields, needle, points, pairs, events, co, key, cupping)


def _value(f: Field) -> str | None:
    return f.value.strip() or None


def _electrode(values: dict[str, str | None], end: str) -> dict[str, str]:
    electrode = {"code": values[f"{end}_code"] or "", "side": values[f"{end}_side"] or ""}
    level = values[f"{end}_level"]
    if level is not None:
        electrode["level"] = level
    return electrode


@dataclass
class Parsed:
    record: dict[str, Any]
    point_rows: list[int]
    pair_rows: list[int]
    event_rows: list[int]
    co_kinds: list[str]


def to_record(state: SessionFormState) -> Parsed:
    record: dict[str, Any] = {}
    for name, f in state.fields.items():
        value = _value(f)
        if value is not None:
            record[name] = value
    record["needle"] = {
        f.name.removeprefix("needle_"): _value(f) for f in state.needle if _value(f) is not None
    }
    point_rows, record["points"] = _filled_rows(state.points, "code")
    pair_rows, record["electro_pairs"] = _electro_pairs(state.pairs)
    event_rows, record["adverse_events"] = _filled_rows(state.events, "type_code")
    co_kinds = [kind for kind, chosen, _detail in state.co if chosen]
    record["co_interventions"] = _co_interventions(state)
    return Parsed(record, point_rows, pair_rows, event_rows, co_kinds)


def _row_values(row: list[Field]) -> dict[str, str | None]:
    return {f.name.split("-", 2)[2]: _value(f) for f in row}


def _filled_rows(rows: list[list[Field]], key: str) -> tuple[list[int], list[dict[str, Any]]]:
    """The rows whose `key` is filled in (a blank row is left out), and where each stood."""
    indices: list[int] = []
    entries: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        values = _row_values(row)
        if not values[key]:
            continue
        indices.append(i)
        entries.append({k: v for k, v in values.items() if v is not None})
    return indices, entries


def _electro_pairs(rows: list[list[Field]]) -> tuple[list[int], list[dict[str, Any]]]:
    indices: list[int] = []
    pairs: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        values = _row_values(row)
        if not values["a_code"] and not values["b_code"]:
            continue
        indices.append(i)
        pair: dict[str, Any] = {"electrodes": [_electrode(values, "a"), _electrode(values, "b")]}
        for name in ("frequency_hz", "waveform", "intensity", "duration_minutes"):
            if values[name] is not None:
                pair[name] = values[name]
        pairs.append(pair)
    return indices, pairs


def _co_interventions(state: SessionFormState) -> list[dict[str, str]]:
    cupping_kind = _value(state.cupping_kind)
    entries: list[dict[str, str]] = []
    for kind, chosen, detail in state.co:
        if not chosen:
            continue
        entry = {"kind": kind, "detail": detail.value.strip()}
        if kind == "cupping" and cupping_kind is not None:
            entry["cupping_kind"] = cupping_kind
        entries.append(entry)
    return entries


_PATH = re.compile(r"^(points|electro_pairs|adverse_events|co_interventions)\[(\d+)\](?:\.(.*))?$")


def show_error(state: SessionFormState, parsed: Parsed, error: InputError) -> None:
    """Put the error beside its field (or above the form when no field matches)."""
    target = _error_target(state, parsed, error.field)
    message = error.message
    if isinstance(error.allowed, dict):
        bounds = ", ".join(f"{k} {v}" for k, v in error.allowed.items())
        message += f" ({bounds})"
    elif error.allowed and len(error.allowed) <= 20:
        message += " Allowed: " + ", ".join(str(a) for a in error.allowed) + "."
    if target is None:
        state.general_error = f"{error.field}: {message}"
    else:
        target.error = message


def _error_target(state: SessionFormState, parsed: Parsed, path: str) -> Field | None:
    """The form field an error path names, or None to show the error above the form."""
    match = _PATH.match(path)
    if path.startswith("needle."):
        name = f"needle_{path.split('.', 1)[1]}"
        return next((f for f in state.needle if f.name == name), None)
    if path in state.fields:
        return state.fields[path]
    if match:
        group, index, rest = match.group(1), int(match.group(2)), match.group(3) or ""
        if group == "co_interventions":
            return _co_target(state, parsed, index, rest)
        return _row_target(state, parsed, group, index, rest)
    if path == "points" and state.points:
        return state.points[parsed.point_rows[0] if parsed.point_rows else 0][0]
    return None


def _row_target(
    state: SessionFormState, parsed: Parsed, group: str, index: int, rest: str
) -> Field | None:
    """The field in the index-th filled row of points, pairs or events (its first field
    when the rest of the path names none)."""
    rows, filled = {
        "points": (state.points, parsed.point_rows),
        "electro_pairs": (state.pairs, parsed.pair_rows),
        "adverse_events": (state.events, parsed.event_rows),
    }[group]
    if index >= len(filled):
        return None
    row = rows[filled[index]]
    name = rest
    if group == "electro_pairs":
        sub = re.match(r"electrodes\[(\d)\]\.(code|side|level)", rest)
        name = f"{'ab'[int(sub.group(1))]}_{sub.group(2)}" if sub else rest
    return next((f for f in row if f.name.endswith(f"-{name}")), row[0])


def _co_target(state: SessionFormState, parsed: Parsed, index: int, rest: str) -> Field | None:
    if index >= len(parsed.co_kinds):
        return None
    if rest == "cupping_kind":
        return state.cupping_kind
    kind = parsed.co_kinds[index]
    return next(d for k, _c, d in state.co if k == kind)
