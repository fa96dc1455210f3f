"""The per-course outcome rows the clinic dashboard aggregates (`CourseOutcome`).

The outcome services call `summarise` after they sign a review or a discharge or record a
follow-up, with the engine's review of the course as it then stood; the row for that
stage is written again each time (the newest review counts). No query reads a course
document later to compute a clinic figure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from acucare.outcomes.models import CourseOutcome, OutcomeStage
from acucare.outcomes.progress import Progress
from acucare.patients.conditions import read_code

# A follow-up up to this many days after discharge counts as the 3-month one; later, as
# the 12-month one (docs/analytics.md).
FOLLOWUP_3_MONTHS_UNTIL_DAY = 182
RESPONDER_TIERS = frozenset({"moderate_improvement", "substantial_improvement"})


def followup_stage(days_after_discharge: int) -> str:
    """Which follow-up a measurement this many days after discharge stands for."""
    if days_after_discharge <= FOLLOWUP_3_MONTHS_UNTIL_DAY:
        return OutcomeStage.FOLLOWUP_3
    return OutcomeStage.FOLLOWUP_12


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _part(document: dict[str, Any], key: str) -> dict[str, Any]:
    found = document.get(key)
    return found if isinstance(found, dict) else {}


def _condition(progress: Progress) -> str:
    first = progress.episode.conditions.order_by("position").first()
    if first is None:
        return ""
    return read_code(first.icd10).condition_id or ""


def summarise(*, progress: Progress, stage: str, recorded_on: dt.date) -> CourseOutcome | None:
    """Write the course's outcome row for `stage` from the engine's review; None when the
    course has no review to summarise (no baseline yet)."""
    review = progress.review
    if review is None:
        return None
    primary = _part(review, "primary")
    tier = str(primary.get("tier") or "")
    mme = _part(_part(review, "medication"), "opioid_mme_per_day")
    pgic = _part(review, "pgic").get("value")
    plan = progress.plan
    protocol = str(getattr(plan, "protocol", "") or "").split("@")[0]
    row, _created = CourseOutcome.objects.update_or_create(
        episode=progress.episode,
        stage=stage,
        defaults={
            "condition": _condition(progress),
            "protocol": protocol,
            "instrument": str(primary.get("instrument") or ""),
            "baseline": _number(primary.get("baseline")),
            "latest": _number(primary.get("latest")),
            "change": _number(primary.get("change")),
            "percent_change": _number(primary.get("percent_change")),
            "tier": tier,
            "responder": tier in RESPONDER_TIERS,
            "substantial": tier == "substantial_improvement",
            "pgic": pgic if isinstance(pgic, int) and not isinstance(pgic, bool) else None,
            "mme_baseline": _number(mme.get("baseline")),
            "mme_latest": _number(mme.get("latest")),
            "sessions_delivered": progress.sessions_delivered,
            "recorded_on": recorded_on,
        },
    )
    return row
