"""Validated outcome instruments (questionnaires) as data: items, scoring, bands, change.

One record per instrument, in ``knowledge/instruments/<id>.yaml``. Everything a score
needs is stated once here and read by the scoring engine (``acucare.domain.scoring``),
the command line and the charts: response codes, reversed or recoded items, the scoring
method and its published rule for missing items, bands, flags and the clinically
important change. Each of these carries its citations; a part whose sources are all
``unverified`` is stored but inert (never used to score, band, flag or interpret).

Item wording ships only where the licence allows it (``licence: free``). For every other
instrument the clinic supplies the wording in its own file (see ``acucare.kb.wording``);
the scorer needs only the numeric codes, so it works either way.

`build_indexes` compiles each record once into a `ScoringTable`, a flat form that the
scorer reads without building anything per call (the registry cache keeps it).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from acucare.kb.constraints import Ge, Gt, MinLen
from acucare.kb.records.base import (
    STRICT,
    CitationRef,
    CollectionSpec,
    NonEmptyStr,
    Problem,
    acts_on,
)

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

# free: the wording may ship with acucare; free_non_commercial: free only outside
# commercial use; licence_required: the owner requires a licence (and may charge);
# unverified: terms not confirmed, so treated like licence_required (fail safe).
Licence = Literal["free", "free_non_commercial", "licence_required", "unverified"]
Measure = Literal[
    "pain_intensity", "pain_interference", "disability", "depression", "anxiety",
    "stress", "prognostic_risk", "global_change",
]  # fmt: skip
# sum: total of the scored item values; mean: their average; percent_of_maximum: the
# sum as a percentage of the highest possible sum of the items answered (ODI);
# category: a single item whose response is the result (PGIC).
ScoringMethod = Literal["sum", "mean", "percent_of_maximum", "category"]
# none_allowed: any unanswered item leaves the total empty (the default wherever no
# rule is published); prorate: the published rule scales the answered items up.
MissingRule = Literal["none_allowed", "prorate"]
# much_better: substantial; better: moderately important (clinically important);
# minimally_better: minimally important (IMMPACT's "minimal"); worse: an important worsening.
ChangeCategory = Literal[
    "much_better", "better", "minimally_better", "no_important_change", "worse"
]  # fmt: skip
ImprovementTier = Literal["much_better", "better", "minimally_better"]
FlagKind = Literal["score_at_least", "item_at_least", "item_unanswered", "band_is"]

TOTAL = "total"
SnakeId = Annotated[str, MinLen(1)]


@dataclass(frozen=True)
class ResponseOption:
    """One published response: its numeric code and, where it ships, its wording."""

    __pydantic_config__ = STRICT

    code: int
    label: str | None = None  # the response wording; null when the wording does not ship
    value: int | None = None  # the scored value, when it differs from the code
    # For a rating of change (PGIC): what the response means as a change category.
    change: ChangeCategory | None = None

    @property
    def scored(self) -> int:
        return self.code if self.value is None else self.value


@dataclass(frozen=True)
class ResponseScale:
    """A set of responses shared by several items (e.g. the PHQ frequency scale)."""

    __pydantic_config__ = STRICT

    id: SnakeId
    options: Annotated[tuple[ResponseOption, ...], MinLen(2)]
    citations: tuple[CitationRef, ...] = ()  # sources for recoding or change meanings

    def codes(self) -> tuple[int, ...]:
        return tuple(option.code for option in self.options)


@dataclass(frozen=True)
class Item:
    __pydantic_config__ = STRICT

    number: Annotated[int, Ge(1)]
    scale: SnakeId  # id of a ResponseScale of the same instrument
    text: str | None = None  # the item wording; null when the wording does not ship
    reversed: bool = False  # scored as (lowest + highest value) − value


@dataclass(frozen=True)
class Subscale:
    __pydantic_config__ = STRICT

    name: SnakeId
    items: Annotated[tuple[Annotated[int, Ge(1)], ...], MinLen(1)]
    citations: tuple[CitationRef, ...]


@dataclass(frozen=True)
class Scoring:
    __pydantic_config__ = STRICT

    method: ScoringMethod
    citations: tuple[CitationRef, ...]
    missing: MissingRule = "none_allowed"
    max_missing: Annotated[int, Ge(0)] = 0  # with prorate: how many items may be missing
    missing_citations: tuple[CitationRef, ...] = ()  # the source of the missing-item rule
    subscales: tuple[Subscale, ...] = ()
    report_percent: bool = False  # also report the total as a percentage of its maximum
    note: str = ""


@dataclass(frozen=True)
class Band:
    """A published severity band: it applies from `min` (inclusive) on `score`.

    Bands are listed from the least to the most severe; the most severe band whose
    condition holds is the band. Usually every band reads the total; STarT Back's
    high-risk band reads its psychosocial subscale instead.
    """

    __pydantic_config__ = STRICT

    code: SnakeId  # stable, e.g. "moderately_severe"
    label: NonEmptyStr  # for people, e.g. "Moderately severe depression"
    min: float
    score: SnakeId = TOTAL


@dataclass(frozen=True)
class FlagRule:
    """A finding that needs a clinician's attention, raised by a stated condition.

    score_at_least: a total or subscale reaches `at_least`; item_at_least: an item's
    response code reaches `at_least`; item_unanswered: an item was left out;
    band_is: the band is `band`.
    """

    __pydantic_config__ = STRICT

    code: SnakeId
    kind: FlagKind
    message: NonEmptyStr
    citations: tuple[CitationRef, ...]
    score: SnakeId = TOTAL
    item: Annotated[int, Ge(1)] | None = None
    at_least: float | None = None
    band: str | None = None


@dataclass(frozen=True)
class ChangeThreshold:
    """A clinically important improvement, in points or percent of the baseline."""

    __pydantic_config__ = STRICT

    tier: ImprovementTier
    kind: Literal["points", "percent"]
    value: Annotated[float, Gt(0)]
    citations: tuple[CitationRef, ...]
    note: str = ""


@dataclass(frozen=True)
class ChangeRule:
    """How a change on the instrument is read.

    The smallest acting `points` threshold is the instrument's absolute minimal important
    difference: a change smaller than it, either way, is never important, whatever its
    percentage (a pain score of 2 that falls to 1 is not a substantial improvement).
    `percent_from_baseline`: percentage thresholds apply only from a baseline at least
    this high, the range where they were validated (IMMPACT pain tiers: 4 on 0–10).
    """

    __pydantic_config__ = STRICT

    direction: Literal["lower_is_better", "higher_is_better"]
    thresholds: tuple[ChangeThreshold, ...]
    note: str = ""
    percent_from_baseline: Annotated[float, Gt(0)] | None = None
    percent_from_baseline_citations: tuple[CitationRef, ...] = ()


@dataclass(frozen=True)
class LoincCode:
    __pydantic_config__ = STRICT

    code: Annotated[str, MinLen(3)]
    display: NonEmptyStr
    citations: tuple[CitationRef, ...]


@dataclass(frozen=True)
class Instrument:
    __pydantic_config__ = STRICT

    id: SnakeId
    version: NonEmptyStr  # version of this record; results store id@version
    name: NonEmptyStr
    short_name: NonEmptyStr
    measures: Annotated[tuple[Measure, ...], MinLen(1)]
    purpose: NonEmptyStr  # what it measures, in plain words
    citations: Annotated[tuple[CitationRef, ...], MinLen(1)]
    licence: Licence
    licence_note: NonEmptyStr
    licence_citations: tuple[CitationRef, ...]
    wording_ships: bool
    recall_period: str | None
    scales: Annotated[tuple[ResponseScale, ...], MinLen(1)]
    items: Annotated[tuple[Item, ...], MinLen(1)]
    scoring: Scoring
    attribution: str = ""  # the developers' attribution, shown wherever the wording is
    instructions: str | None = None  # the lead-in wording, when the wording ships
    edition: str = ""  # the published form this record encodes, e.g. "2.1a"
    bands: tuple[Band, ...] = ()
    band_citations: tuple[CitationRef, ...] = ()
    flags: tuple[FlagRule, ...] = ()
    change: ChangeRule | None = None
    loinc: LoincCode | None = None
    note: str = ""

    def scale(self, scale_id: str) -> ResponseScale:
        return next(s for s in self.scales if s.id == scale_id)

    def item_scale(self, item: Item) -> ResponseScale:
        return self.scale(item.scale)


COLLECTION = CollectionSpec("instruments", Instrument, "id")


# --------------------------------------------------------------------------- checks


def check(registry: Registry) -> Iterator[Problem]:
    for key, instrument in registry.of(Instrument).items():
        where = f"{registry.source_of('instruments', key)}: {key}"
        for message in _problems(instrument):
            yield Problem(where, message)


def _problems(instrument: Instrument) -> Iterator[str]:
    yield from _scale_problems(instrument)
    scale_ids = {s.id for s in instrument.scales}
    numbers = [item.number for item in instrument.items]
    if numbers != list(range(1, len(numbers) + 1)):
        yield "items must be numbered 1…N in the published order"
    unknown = [item for item in instrument.items if item.scale not in scale_ids]
    for item in unknown:
        yield f"items[{item.number}]: unknown response scale '{item.scale}'"
    if unknown:
        return  # the checks below read each item's scale
    yield from _wording_problems(instrument)
    yield from _scoring_problems(instrument, set(numbers))
    score_names = {TOTAL} | {s.name for s in instrument.scoring.subscales}
    yield from _band_problems(instrument, score_names)
    band_codes = {band.code for band in instrument.bands}
    for flag in instrument.flags:
        yield from _flag_problems(flag, score_names, band_codes, set(numbers))
    yield from _change_problems(instrument)
    if instrument.loinc is not None and not acts_on(instrument.loinc.citations):
        yield "loinc: a code is stored only with a verified or secondary source"
    if not instrument.licence_citations and instrument.licence != "free":
        yield "licence_citations: state where the licence terms come from"


def _scale_problems(instrument: Instrument) -> Iterator[str]:
    scale_ids = [s.id for s in instrument.scales]
    if len(set(scale_ids)) != len(scale_ids):
        yield "response scale ids must be unique"
    for scale in instrument.scales:
        codes = scale.codes()
        if len(set(codes)) != len(codes):
            yield f"scales.{scale.id}: response codes must be unique"
        if list(codes) != sorted(codes):
            yield f"scales.{scale.id}: list the responses in the order of their codes"
        if any(o.value is not None for o in scale.options) and not acts_on(scale.citations):
            yield f"scales.{scale.id}: recoded values need a verified or secondary source"


def _change_problems(instrument: Instrument) -> Iterator[str]:
    rule = instrument.change
    if rule is None:
        return
    if instrument.scoring.method == "category":
        yield "change: a rating of change (category) is itself the interpretation"
    for index, threshold in enumerate(rule.thresholds):
        if not threshold.citations:
            yield f"change.thresholds[{index}]: a threshold must cite its source"
    if rule.percent_from_baseline is not None and not rule.percent_from_baseline_citations:
        yield "change.percent_from_baseline: the floor must cite its source"


def _wording_problems(instrument: Instrument) -> Iterator[str]:
    if instrument.wording_ships and instrument.licence != "free":
        yield f"wording_ships: the licence '{instrument.licence}' does not allow shipping wording"
    for item in instrument.items:
        if instrument.wording_ships and not item.text:
            yield f"items[{item.number}]: the wording ships, so every item needs its text"
        if not instrument.wording_ships and item.text is not None:
            yield f"items[{item.number}]: text must be null when the wording does not ship"
    for scale in instrument.scales:
        for option in scale.options:
            if instrument.wording_ships and not option.label:
                yield f"scales.{scale.id}: option {option.code} needs its label"
            if not instrument.wording_ships and option.label is not None:
                yield f"scales.{scale.id}: option {option.code}: label must be null (not shipped)"
    if not instrument.wording_ships and instrument.instructions is not None:
        yield "instructions must be null when the wording does not ship"


def _scoring_problems(instrument: Instrument, numbers: set[int]) -> Iterator[str]:
    scoring = instrument.scoring
    if not acts_on(scoring.citations):
        yield "scoring: the scoring rule needs a verified or secondary source"
    if scoring.method == "category":
        yield from _category_problems(instrument)
    yield from _missing_problems(scoring)
    yield from _subscale_problems(scoring, numbers)
    for item in instrument.items:
        if item.reversed and scoring.method == "category":
            yield f"items[{item.number}]: a category item cannot be reversed"


def _category_problems(instrument: Instrument) -> Iterator[str]:
    if len(instrument.items) != 1:
        yield "scoring: a category instrument has exactly one item"
    if instrument.scoring.subscales or instrument.bands:
        yield "scoring: a category instrument has no subscales or bands (its labels band it)"


def _missing_problems(scoring: Scoring) -> Iterator[str]:
    if scoring.missing != "prorate":
        if scoring.max_missing:
            yield "scoring: max_missing applies only to the prorate rule"
        return
    if scoring.max_missing < 1:
        yield "scoring: prorate needs max_missing of at least 1"
    if not acts_on(scoring.missing_citations):
        yield "scoring: a missing-item rule needs a verified or secondary source"
    if scoring.method not in ("sum", "percent_of_maximum"):
        yield "scoring: only sums and percentages of the maximum are prorated"


def _subscale_problems(scoring: Scoring, numbers: set[int]) -> Iterator[str]:
    names = [s.name for s in scoring.subscales]
    if len(set(names)) != len(names) or TOTAL in names:
        yield "scoring: subscale names must be unique and not 'total'"
    for subscale in scoring.subscales:
        if not set(subscale.items) <= numbers:
            yield f"scoring.subscales.{subscale.name}: refers to an item that does not exist"
        if not acts_on(subscale.citations):
            yield f"scoring.subscales.{subscale.name}: needs a verified or secondary source"


def _band_problems(instrument: Instrument, score_names: set[str]) -> Iterator[str]:
    if not instrument.bands:
        return
    if not instrument.band_citations:
        yield "bands: bands must cite their source"
    codes = [band.code for band in instrument.bands]
    if len(set(codes)) != len(codes):
        yield "bands: band codes must be unique"
    last: dict[str, float] = {}
    for band in instrument.bands:
        if band.score not in score_names:
            yield f"bands.{band.code}: unknown score '{band.score}'"
        previous = last.get(band.score)
        if previous is not None and band.min <= previous:
            yield f"bands.{band.code}: bands on one score must rise from the least severe"
        last[band.score] = band.min
    if instrument.bands[0].score != TOTAL:
        yield "bands: the least severe band reads the total"
    else:
        low, _ = total_range(instrument)
        if instrument.bands[0].min > low:
            yield f"bands: the first band must start at the lowest total ({low:g})"


def _flag_problems(
    flag: FlagRule, score_names: set[str], band_codes: set[str], numbers: set[int]
) -> Iterator[str]:
    where = f"flags.{flag.code}"
    if not flag.citations:
        yield f"{where}: a flag must cite its source"
    if flag.kind in ("score_at_least", "item_at_least") and flag.at_least is None:
        yield f"{where}: {flag.kind} needs at_least"
    if flag.kind == "score_at_least" and flag.score not in score_names:
        yield f"{where}: unknown score '{flag.score}'"
    if flag.kind in ("item_at_least", "item_unanswered") and flag.item not in numbers:
        yield f"{where}: {flag.kind} needs the number of an existing item"
    if flag.kind == "band_is" and flag.band not in band_codes:
        yield f"{where}: band_is needs one of the instrument's band codes"


def total_range(instrument: Instrument) -> tuple[float, float]:
    """The lowest and highest possible total of a complete questionnaire."""
    method = instrument.scoring.method
    lows = [min(_scored_values(instrument, item)) for item in instrument.items]
    highs = [max(_scored_values(instrument, item)) for item in instrument.items]
    if method == "percent_of_maximum":
        return 0.0, 100.0
    if method == "mean":
        return sum(lows) / len(lows), sum(highs) / len(highs)
    return float(sum(lows)), float(sum(highs))


def _scored_values(instrument: Instrument, item: Item) -> dict[int, int]:
    """Response code -> the value that counts towards the score (reversal applied)."""
    options = instrument.item_scale(item).options
    values = {option.code: option.scored for option in options}
    if item.reversed:
        low, high = min(values.values()), max(values.values())
        values = {code: low + high - value for code, value in values.items()}
    return values


# ------------------------------------------------------------------ compiled tables


@dataclass(frozen=True)
class CompiledFlag:
    code: str
    message: str
    kind: FlagKind
    score_index: int  # 0 = total, then the subscales in order
    item_index: int  # index of the item (item flags)
    at_least: float
    band: str | None
    citations: tuple[str, ...]


@dataclass(frozen=True)
class CompiledThreshold:
    tier: ImprovementTier
    kind: Literal["points", "percent"]
    value: float
    citations: tuple[str, ...]


@dataclass(frozen=True)
class ScoringTable:
    """One instrument compiled for the scorer: plain tuples and dicts, built once."""

    instrument: str
    version: str
    name: str  # the instrument as a person reads it ("PHQ-9"), for messages
    method: ScoringMethod
    keys: dict[str, int]  # answer key "1".."N" -> item index
    item_numbers: tuple[str, ...]  # the allowed keys, in order
    values: tuple[dict[int, int], ...]  # per item: response code -> scored value
    allowed: tuple[dict[str, int] | tuple[int, ...], ...]  # per item, for errors
    item_min: tuple[int, ...]  # lowest scored value per item
    item_max: tuple[int, ...]  # highest scored value per item
    # Whether a plain sum whose bounds are meaningful while items are missing: then the
    # answered items bound each score from below and above (see the scorer).
    bounded: bool
    score_items: tuple[tuple[int, ...], ...]  # item indexes of the total, then each subscale
    total_low: float
    total_high: float
    prorate_max_missing: int  # 0 when any missing item empties the total
    subscales: tuple[tuple[str, tuple[int, ...]], ...]
    bands: tuple[tuple[int, float, str, str], ...]  # (score index, min, code, label), severe first
    band_labels: dict[str, str]
    flags: tuple[CompiledFlag, ...]
    categories: dict[int, tuple[str, str, ChangeCategory | None]]  # category method
    report_percent: bool
    direction: Literal["lower_is_better", "higher_is_better"] | None
    thresholds: tuple[CompiledThreshold, ...]  # acting thresholds only, in record order
    # The absolute minimal important difference (smallest acting points threshold), 0 if none.
    mid: float
    # Percentage thresholds act only from a baseline at least this high (0: any baseline;
    # infinity when the stated floor has no acting source: fail closed, points only).
    percent_floor: float
    inert_thresholds: int  # thresholds stored but not acted upon (unverified)
    loinc: str | None


def compile_instrument(instrument: Instrument) -> ScoringTable:
    items = instrument.items
    values = tuple(_scored_values(instrument, item) for item in items)
    allowed: list[dict[str, int] | tuple[int, ...]] = []
    for item in items:
        codes = instrument.item_scale(item).codes()
        contiguous = list(codes) == list(range(codes[0], codes[-1] + 1))
        allowed.append({"min": codes[0], "max": codes[-1]} if contiguous else codes)
    scoring = instrument.scoring
    subscales = tuple((s.name, tuple(n - 1 for n in s.items)) for s in scoring.subscales)
    score_index = {TOTAL: 0} | {name: i + 1 for i, (name, _) in enumerate(subscales)}
    bands: tuple[tuple[int, float, str, str], ...] = ()
    if acts_on(instrument.band_citations):
        bands = tuple(
            (score_index[b.score], b.min, b.code, b.label) for b in reversed(instrument.bands)
        )
    flags = tuple(
        _compile_flag(flag, score_index) for flag in instrument.flags if acts_on(flag.citations)
    )
    categories: dict[int, tuple[str, str, ChangeCategory | None]] = {}
    if scoring.method == "category":
        scale = instrument.item_scale(items[0])
        for option in scale.options:
            label = option.label or str(option.code)
            change = option.change if acts_on(scale.citations) else None
            categories[option.code] = (_snake(label), label, change)
    change_rule = instrument.change
    acting = [t for t in change_rule.thresholds if acts_on(t.citations)] if change_rule else []
    low, high = total_range(instrument)
    points = [t.value for t in acting if t.kind == "points"]
    floor = 0.0
    if change_rule is not None and change_rule.percent_from_baseline is not None:
        sourced = acts_on(change_rule.percent_from_baseline_citations)
        floor = change_rule.percent_from_baseline if sourced else math.inf
    return ScoringTable(
        instrument=instrument.id,
        version=instrument.version,
        name=instrument.short_name,
        method=scoring.method,
        keys={str(item.number): index for index, item in enumerate(items)},
        item_numbers=tuple(str(item.number) for item in items),
        values=values,
        allowed=tuple(allowed),
        item_min=tuple(min(v.values()) for v in values),
        item_max=tuple(max(v.values()) for v in values),
        bounded=scoring.method == "sum" and scoring.missing == "none_allowed",
        score_items=(tuple(range(len(items))), *(indexes for _, indexes in subscales)),
        total_low=low,
        total_high=high,
        prorate_max_missing=scoring.max_missing if scoring.missing == "prorate" else 0,
        subscales=subscales,
        bands=bands,
        band_labels={b.code: b.label for b in instrument.bands},
        flags=flags,
        categories=categories,
        report_percent=scoring.report_percent,
        direction=change_rule.direction if change_rule else None,
        thresholds=tuple(
            CompiledThreshold(t.tier, t.kind, t.value, tuple(r.id for r in t.citations))
            for t in acting
        ),
        inert_thresholds=(len(change_rule.thresholds) - len(acting)) if change_rule else 0,
        mid=min(points) if points else 0.0,
        percent_floor=floor,
        loinc=instrument.loinc.code if instrument.loinc else None,
    )


def _compile_flag(flag: FlagRule, score_index: dict[str, int]) -> CompiledFlag:
    return CompiledFlag(
        code=flag.code,
        message=flag.message,
        kind=flag.kind,
        score_index=score_index.get(flag.score, 0),
        item_index=(flag.item - 1) if flag.item is not None else -1,
        at_least=flag.at_least if flag.at_least is not None else 0.0,
        band=flag.band,
        citations=tuple(ref.id for ref in flag.citations if ref.evidence != "unverified"),
    )


def _snake(label: str) -> str:
    return "_".join("".join(c if c.isalnum() else " " for c in label.lower()).split())


def build_indexes(registry: Registry) -> dict[str, dict[str, ScoringTable]]:
    tables: dict[str, ScoringTable] = {}
    for key, instrument in sorted(registry.of(Instrument).items()):
        if any(True for _ in _problems(instrument)):
            continue  # reported by check(); a broken record is never compiled
        tables[key] = compile_instrument(instrument)
    return {"instrument_tables": tables}
