"""Layers of care: which `CareLayer` records a patient's measured needs switch on."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from acucare.domain.planning.blocks import plain
from acucare.domain.screening import Finding
from acucare.kb.records.base import acts_on
from acucare.kb.records.care_layers import CareLayer, Trigger


class ScoreLike(Protocol):
    """The parts of `acucare.domain.scoring.ScoreResult` a trigger reads."""

    @property
    def total(self) -> float | None: ...

    @property
    def band(self) -> str | None: ...

    @property
    def subscales(self) -> Mapping[str, float]: ...


@dataclass(frozen=True, slots=True)
class LayerContext:
    scores: Mapping[str, ScoreLike]
    answers: Mapping[str, Mapping[str, object]]
    group: str | None
    chronic: bool | None
    other_icd10: Sequence[str]
    findings: Sequence[Finding]
    history: Sequence[str]


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    domain: str
    why: str
    actions: tuple[str, ...]
    triggered_by: tuple[str, ...]
    citations: tuple[str, ...]
    layers: tuple[str, ...]  # id@version of every record that contributed

    def as_document(self) -> dict[str, object]:
        return {
            "domain": self.domain,
            "name": self.name,
            "why": self.why,
            "actions": list(self.actions),
            "triggered_by": "; ".join(self.triggered_by),
            "citations": list(self.citations),
            "layers": list(self.layers),
        }


def _number(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True, slots=True)
class _Hit:
    description: str
    actions: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()


def _finding_action(finding: Finding) -> str:
    """One action per screening finding: what was found, and what the rule says to do."""
    message = plain(finding.message)
    action = finding.action.strip()
    return f"{message}: {action}" if action else f"{message}."


def _evaluate(trigger: Trigger, context: LayerContext) -> _Hit | None:
    """Whether `trigger` holds in `context`, and what it found: one reader per trigger kind."""
    return _EVALUATORS.get(trigger.kind, _screening_finding)(trigger, context)


def _score(trigger: Trigger, context: LayerContext) -> _Hit | None:
    score = context.scores.get(trigger.instrument)
    if score is None:
        return None
    if trigger.kind == "score_band":
        band = score.band
        return _Hit(f"{trigger.label}: {band}") if band in trigger.bands else None
    value = score.total if trigger.kind == "score_total" else score.subscales.get(trigger.subscale)
    if value is None or trigger.at_least is None or value < trigger.at_least:
        return None
    return _Hit(f"{trigger.label} {_number(value)} (threshold {_number(trigger.at_least)})")


def _score_item(trigger: Trigger, context: LayerContext) -> _Hit | None:
    raw = context.answers.get(trigger.instrument, {}).get(trigger.item)
    if not isinstance(raw, int | float) or isinstance(raw, bool):
        return None
    if trigger.at_least is None or raw < trigger.at_least:
        return None
    return _Hit(f"{trigger.label} {_number(raw)} (threshold {_number(trigger.at_least)})")


def _condition(trigger: Trigger, context: LayerContext) -> _Hit | None:
    if context.group not in trigger.groups:
        return None
    if trigger.chronic is not None and context.chronic is not trigger.chronic:
        return None
    return _Hit(f"{trigger.label} ({context.group})")


def _secondary_condition(trigger: Trigger, context: LayerContext) -> _Hit | None:
    codes = [c for c in context.other_icd10 if c.upper().startswith(trigger.icd10_prefixes)]
    return _Hit(f"{trigger.label} ({', '.join(codes)})") if codes else None


def _history(trigger: Trigger, context: LayerContext) -> _Hit | None:
    flags = [flag for flag in trigger.history if flag in context.history]
    return _Hit(f"{trigger.label} ({', '.join(flags)})") if flags else None


def _screening_finding(trigger: Trigger, context: LayerContext) -> _Hit | None:
    """Each matching screening finding becomes an action of its own."""
    matched = [
        f
        for f in context.findings
        if f.level in trigger.levels
        and (not trigger.rule_prefixes or f.rule.startswith(trigger.rule_prefixes))
    ]
    if not matched:
        return None
    rules = list(dict.fromkeys(f.rule for f in matched))
    actions = tuple(dict.fromkeys(_finding_action(f) for f in matched))
    cited = tuple(dict.fromkeys(c for f in matched for c in f.citations))
    return _Hit(f"{trigger.label}: {', '.join(rules)}", actions, cited)


_EVALUATORS: dict[str, Callable[[Trigger, LayerContext], _Hit | None]] = {
    "score_total": _score,
    "score_subscale": _score,
    "score_band": _score,
    "score_item": _score_item,
    "condition": _condition,
    "secondary_condition": _secondary_condition,
    "history": _history,
    "screening_finding": _screening_finding,
}


def components(
    layers: Sequence[CareLayer], context: LayerContext, *, referral: bool
) -> list[Component]:
    """The triggered layers, one component per group, in rank order."""
    groups: dict[str, list[tuple[CareLayer, list[tuple[Trigger, _Hit]]]]] = {}
    for layer in sorted(layers, key=lambda record: (record.rank, record.id)):
        if layer.status != "active" or not acts_on(layer.citations):
            continue
        if referral and not layer.with_referral:
            continue
        hits = [
            (trigger, hit)
            for trigger in layer.triggers
            if acts_on(trigger.citations) and (hit := _evaluate(trigger, context)) is not None
        ]
        if hits:
            groups.setdefault(layer.group, []).append((layer, hits))
    result: list[Component] = []
    for entries in groups.values():
        first, _ = entries[0]
        actions: list[str] = list(first.actions)
        described: list[str] = []
        cited: list[str] = []
        for layer, hits in entries:
            for trigger, hit in hits:
                described.append(hit.description)
                actions.extend(hit.actions)
                cited.extend(ref.id for ref in trigger.citations if ref.evidence != "unverified")
                cited.extend(hit.citations)
            cited.extend(ref.id for ref in layer.citations if ref.evidence != "unverified")
        result.append(
            Component(
                name=first.name,
                domain=first.domain,
                why=first.why,
                actions=tuple(dict.fromkeys(actions)),
                triggered_by=tuple(dict.fromkeys(described)),
                citations=tuple(dict.fromkeys(cited)),
                layers=tuple(layer.ref for layer, _ in entries),
            )
        )
    return result
