"""Benchmarks from the evidence: what the acupuncture arms of trials, the individual
patient data meta-analyses and the prospective safety surveys observed, for the clinic's
outcomes dashboard to show beside its own figures.

One record per published figure: the study and arm, what was measured and when, the value
with its unit, the counts behind it where the paper gives them, which of the clinic's
figures it may sit beside (``compares_with``), the caveat of that comparison in plain
words, and its citations. A benchmark whose sources are all unverified is shown as
unverified and never compared (``compared()``); an effect size against a control group is
context only (``compares_with: none``): a difference between two trial arms is not a
change within one group of patients.
"""

from __future__ import annotations

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
from acucare.kb.records.conditions import Condition

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

BenchmarkKind = Literal["responder_rate", "mean_change", "effect_size", "adverse_event_rate"]
Design = Literal["randomised_trial", "ipd_meta_analysis", "prospective_survey"]
Unit = Literal[
    "percent_of_patients",  # a share of patients or participants, 0–100
    "points_0_10",  # a change on a 0–10 pain scale (improvement positive)
    "sd_units",  # a standardised effect size against a control group
    "per_1000_sessions",  # events per 1,000 treatments or consultations
]
# The clinic figure a benchmark may be shown beside (acucare.analytics names them).
ComparesWith = Literal[
    "none",
    "responders_moderate",  # courses with a moderate or substantial improvement
    "responders_substantial",  # courses with a substantial improvement
    "mean_improvement_0_10",  # mean fall in a 0–10 primary pain measure
    "events_per_1000",  # adverse events (expected reactions excluded) per 1,000 sessions
    "significant_per_1000",  # significant minor events per 1,000 sessions
    "serious_per_1000",  # serious events per 1,000 sessions
    "patients_with_event",  # share of courses with at least one adverse event
    "patients_needing_treatment",  # share of courses with an event that needed treatment
]
UNIT_FOR: dict[str, tuple[str, ...]] = {
    "none": ("percent_of_patients", "points_0_10", "sd_units", "per_1000_sessions"),
    "responders_moderate": ("percent_of_patients",),
    "responders_substantial": ("percent_of_patients",),
    "mean_improvement_0_10": ("points_0_10",),
    "events_per_1000": ("per_1000_sessions",),
    "significant_per_1000": ("per_1000_sessions",),
    "serious_per_1000": ("per_1000_sessions",),
    "patients_with_event": ("percent_of_patients",),
    "patients_needing_treatment": ("percent_of_patients",),
}
SAFETY_FIGURES = frozenset(
    {
        "events_per_1000",
        "significant_per_1000",
        "serious_per_1000",
        "patients_with_event",
        "patients_needing_treatment",
    }
)


@dataclass(frozen=True)
class Benchmark:
    __pydantic_config__ = STRICT

    id: NonEmptyStr
    kind: BenchmarkKind
    study: NonEmptyStr  # as a person reads it: "GERAC low back pain trial (Haake 2007)"
    design: Design
    arm: NonEmptyStr  # the group the figure describes, e.g. "verum acupuncture"
    measure: NonEmptyStr  # what was counted or measured, in plain words
    timepoint: NonEmptyStr  # when, e.g. "6 months after randomisation"
    value: float
    unit: Unit
    compares_with: ComparesWith
    caveat: NonEmptyStr  # why the comparison with a clinic's figure is loose
    citations: Annotated[tuple[CitationRef, ...], MinLen(1)]
    condition: str = ""  # a condition group id; empty for safety figures
    participants: Annotated[int, Gt(0)] | None = None  # people in the arm or survey
    events: Annotated[int, Ge(0)] | None = None  # events counted (rates)
    exposure: Annotated[int, Gt(0)] | None = None  # sessions or consultations (rates)
    low: float | None = None  # the paper's own 95 % interval, where it gives one
    high: float | None = None

    @property
    def verified(self) -> bool:
        """Whether a source was checked: only then is the figure compared."""
        return acts_on(self.citations)

    @property
    def compared(self) -> bool:
        return self.verified and self.compares_with != "none"


COLLECTION = CollectionSpec("benchmarks", Benchmark, "id")


def check(registry: Registry) -> Iterator[Problem]:
    conditions = registry.of(Condition)
    for key, record in registry.of(Benchmark).items():
        where = f"{registry.source_of('benchmarks', key)}: {key}"
        yield from _check_one(where, record, set(conditions))


def _check_one(where: str, record: Benchmark, conditions: set[str]) -> Iterator[Problem]:
    if record.condition and record.condition not in conditions:
        yield Problem(
            where,
            f"condition '{record.condition}' is not a condition group "
            f"(one of: {', '.join(sorted(conditions))})",
        )
    allowed = UNIT_FOR[record.compares_with]
    if record.unit not in allowed:
        yield Problem(
            where,
            f"unit '{record.unit}' cannot be compared with '{record.compares_with}' "
            f"(allowed units: {', '.join(allowed)})",
        )
    if record.compares_with in SAFETY_FIGURES and record.condition:
        yield Problem(where, "a safety benchmark applies to every condition: leave condition empty")
    if record.compares_with.startswith(("responders", "mean")) and not record.condition:
        yield Problem(where, f"'{record.compares_with}' needs the condition it was measured in")
    if (record.events is None) != (record.exposure is None):
        yield Problem(where, "give both events and exposure, or neither")
    if record.events is not None and record.exposure is not None:
        rate = record.events / record.exposure
        expected = rate * (1000 if record.unit == "per_1000_sessions" else 100)
        if abs(expected - record.value) > max(0.05, 0.05 * abs(record.value)):
            yield Problem(
                where,
                f"value {record.value} does not match events/exposure ({expected:.2f})",
            )
    if (record.low is None) != (record.high is None):
        yield Problem(where, "give both low and high, or neither")
    if (
        record.low is not None
        and record.high is not None
        and not (record.low <= record.value <= record.high)
    ):
        yield Problem(where, "the value must lie within its interval (low to high)")


def benchmarks_for(registry: Registry, figure: str, condition: str = "") -> list[Benchmark]:
    """The benchmarks shown beside one clinic figure (verified or not), by id."""
    return [
        b
        for _, b in sorted(registry.of(Benchmark).items())
        if b.compares_with == figure and b.condition == condition
    ]
