"""Layers of care around acupuncture, each switched on by a measured need.

A layer (movement, psychologically informed care, mood, anxiety and stress, sleep,
lifestyle, medical support) is a record with its trigger, its plain-language reason, its
actions and the sources of both the trigger threshold and the advice. The planner
(`acucare.domain.planning`) evaluates the triggers against the intake, its scored
questionnaires and the screening; a plan's component names the score that triggered it.

Layers sharing a ``group`` become one component: the first triggered record (lowest
``rank``) gives the text, and every triggered record adds to ``triggered_by``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from acucare.kb.constraints import Ge, MinLen
from acucare.kb.records.base import (
    STRICT,
    CitationRef,
    CollectionSpec,
    NonEmptyStr,
    Problem,
    RecordStatus,
    acts_on,
)

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

# The plan document's component domains (interface contract v1).
Domain = Literal["movement", "sleep", "stress", "mood", "lifestyle", "medical"]
TriggerKind = Literal[
    "score_total",  # an instrument's total at or above `at_least`
    "score_item",  # one item's answer at or above `at_least`
    "score_subscale",  # a subscale at or above `at_least`
    "score_band",  # the scorer's band is one of `bands`
    "condition",  # the primary condition group is one of `groups` (and chronic, if asked)
    "secondary_condition",  # another listed condition's ICD-10 code starts with a prefix
    "screening_finding",  # a screening finding at one of `levels` (rule id prefix optional)
    "history",  # a history flag is present
]


@dataclass(frozen=True)
class Trigger:
    __pydantic_config__ = STRICT

    kind: TriggerKind
    label: NonEmptyStr  # how `triggered_by` names it, e.g. "PHQ-9 total"
    citations: Annotated[tuple[CitationRef, ...], MinLen(1)]  # source of the threshold
    instrument: str = ""
    item: str = ""
    subscale: str = ""
    at_least: float | None = None
    bands: tuple[NonEmptyStr, ...] = ()
    groups: tuple[NonEmptyStr, ...] = ()
    chronic: bool | None = None
    icd10_prefixes: tuple[NonEmptyStr, ...] = ()
    levels: tuple[Literal["urgent", "refer", "block", "warn", "note"], ...] = ()
    rule_prefixes: tuple[NonEmptyStr, ...] = ()
    history: tuple[NonEmptyStr, ...] = ()


@dataclass(frozen=True)
class CareLayer:
    __pydantic_config__ = STRICT

    id: NonEmptyStr
    version: Annotated[int, Ge(1)]
    name: NonEmptyStr  # what the clinician reads, e.g. "Psychologically informed care"
    domain: Domain
    group: NonEmptyStr
    rank: Annotated[int, Ge(0)]
    status: RecordStatus
    why: NonEmptyStr
    actions: Annotated[tuple[NonEmptyStr, ...], MinLen(1)]
    triggers: Annotated[tuple[Trigger, ...], MinLen(1)]  # any one switches the layer on
    citations: Annotated[tuple[CitationRef, ...], MinLen(1)]  # sources of the advice
    # Kept in a plan that refers the patient before treatment (mood and medical support are;
    # exercise before a red flag is cleared is not).
    with_referral: bool = False

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


COLLECTION = CollectionSpec("care_layers", CareLayer, "id")

_NEEDS: dict[str, tuple[str, ...]] = {
    "score_total": ("instrument", "at_least"),
    "score_item": ("instrument", "item", "at_least"),
    "score_subscale": ("instrument", "subscale", "at_least"),
    "score_band": ("instrument", "bands"),
    "condition": ("groups",),
    "secondary_condition": ("icd10_prefixes",),
    "screening_finding": ("levels",),
    "history": ("history",),
}


def build_indexes(registry: Registry) -> dict[str, tuple[str, ...]]:
    """Triggers stored but never evaluated: every source of their threshold is unverified."""
    inert = [
        f"care_layers {key} triggers[{index}] ({trigger.label})"
        for key, layer in sorted(registry.of(CareLayer).items())
        for index, trigger in enumerate(layer.triggers)
        if not acts_on(trigger.citations)
    ]
    return {"inert_records:care_layers": tuple(inert)}


def check(registry: Registry) -> Iterator[Problem]:
    instruments: dict[str, Any] | None = registry.collections.get("instruments")
    conditions: dict[str, Any] | None = registry.collections.get("conditions")
    groups: dict[str, str] = {}
    for key, layer in registry.of(CareLayer).items():
        where = f"{registry.source_of('care_layers', key)}: {key}"
        first = groups.setdefault(layer.group, layer.domain)
        if first != layer.domain:
            yield Problem(where, f"group '{layer.group}' mixes domains {first} and {layer.domain}")
        if layer.status == "active" and not acts_on(layer.citations):
            yield Problem(where, "an active layer needs a source that is not unverified")
        for index, trigger in enumerate(layer.triggers):
            for message in _trigger_problems(trigger, instruments, conditions):
                yield Problem(where, f"triggers[{index}]: {message}")


def _trigger_problems(
    trigger: Trigger, instruments: dict[str, Any] | None, conditions: dict[str, Any] | None
) -> Iterator[str]:
    for needed in _NEEDS[trigger.kind]:
        value = getattr(trigger, needed)
        if value is None or value in ("", ()):
            yield f"a {trigger.kind} trigger needs '{needed}'"
    known = instruments is None or trigger.instrument in instruments
    if trigger.instrument and not known:
        yield f"unknown instrument '{trigger.instrument}'"
    if conditions is not None:
        for group in trigger.groups:
            if group not in conditions:
                yield f"unknown condition id '{group}'"
