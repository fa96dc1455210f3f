"""Which of a condition's protocols the plan uses, and why."""

from __future__ import annotations

from collections.abc import Sequence

from acucare.domain.planning.blocks import Blocks
from acucare.domain.planning.terms import ELECTRO, MANUAL
from acucare.kb.records.conditions import Condition
from acucare.kb.records.protocols import Protocol

NEEDLE_SPARING_FLAGS = ("needle_phobia", "fainting_history")
STYLE_NAMES = {"tcm": "traditional Chinese", "western": "Western medical"}


def protocol_order(
    candidates: Sequence[Protocol], style: str | None, blocks: Blocks, sparing: bool
) -> list[Protocol]:
    def key(p: Protocol) -> tuple[bool, bool, bool, float, int, str]:
        method = ELECTRO if p.stimulation.method == "electro" else MANUAL
        return (
            p.status != "active",
            style is not None and p.style != style,
            blocks.modality(method) is not None,
            p.needles.min if sparing else 0,
            p.rank,
            p.id,
        )

    return sorted(candidates, key=key)


def choice_why(
    protocol: Protocol,
    condition: Condition,
    style: str | None,
    ordered: Sequence[Protocol],
    sparing: bool,
) -> tuple[str, list[str]]:
    parts = [f"{protocol.name}: {protocol.summary}"]
    notes: list[str] = []
    if style is not None and protocol.style != style:
        notes.append(
            f"The patient prefers {STYLE_NAMES.get(style, style)} acupuncture, but no protocol"
            f" of that style is available for {condition.name.lower()}; this plan uses a"
            f" {STYLE_NAMES.get(protocol.style, protocol.style)} one."
        )
    elif style is not None:
        parts.append("It matches the patient's preferred style.")
    if sparing and len(ordered) > 1:
        parts.append("Chosen for needing the fewest needles, because of needle phobia or fainting.")
    return " ".join(parts), notes
