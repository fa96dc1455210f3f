"""The plan's condition block: the condition group and whether the pain is chronic."""

from __future__ import annotations

from acucare.domain.planning.parts import ConditionBlock
from acucare.kb.records.conditions import Condition

# Pain counts as chronic after 12 weeks when the diagnosis has no condition record.
CHRONIC_WEEKS = 12
CHRONIC_SOURCE = "nice_ng193"


def describe_condition(
    icd10: str, condition: Condition | None, duration: float | None
) -> tuple[ConditionBlock, bool | None]:
    weeks = condition.chronic_after_weeks if condition is not None else CHRONIC_WEEKS
    chronic = None if duration is None else duration >= weeks
    if condition is None:
        why = (
            f"{icd10} belongs to no condition group in the knowledge base, so no trial protocol "
            "or condition-specific evidence applies."
        )
        cited: tuple[str, ...] = (CHRONIC_SOURCE,)
    else:
        why = f"{icd10} is in the group '{condition.name}'."
        refs = condition.chronic_definition.citations
        cited = tuple(r.id for r in refs if r.evidence != "unverified")
    if duration is None:
        why += " The duration was not given, so whether the pain is chronic is not known."
    else:
        why += (
            f" Pain for {duration:g} weeks is {'chronic' if chronic else 'not yet chronic'} "
            f"(chronic from {weeks} weeks)."
        )
    block = ConditionBlock(
        icd10=icd10,
        group=condition.id if condition is not None else None,
        name=condition.name if condition is not None else None,
        chronic=chronic,
        duration_weeks=duration,
        why=why,
        citations=cited,
        record=condition.ref if condition is not None else None,
    )
    return block, chronic
