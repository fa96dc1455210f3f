"""The review document (`acucare.review/1`): the JSON edge of the review engine.

Numbers are rounded to one decimal for people (a PEG of 11/3 is 3.7); tiers were read
from the unrounded scores. Fields beyond the contract (``state``, bands, ``rule``,
``kb_version`` …) are additions, never renames.
"""

from __future__ import annotations

from typing import Any

from acucare.domain.outcomes.course import parse_course
from acucare.domain.outcomes.review import Outcome, Review, review_course
from acucare.kb.registry import Registry

FORMAT = "acucare.review/1"


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    rounded = round(value, 1)
    return 0.0 if rounded == 0 else rounded  # never "-0.0"


def _outcome(outcome: Outcome) -> dict[str, object]:
    return {
        "instrument": outcome.instrument,
        "baseline": _number(outcome.baseline),
        "latest": _number(outcome.latest),
        "change": _number(outcome.change),
        "percent_change": outcome.percent_change,
        "tier": outcome.tier,
        "baseline_band": outcome.baseline_band,
        "latest_band": outcome.latest_band,
        "message": outcome.message,
        "citations": list(outcome.citations),
    }


def review_to_document(review: Review) -> dict[str, object]:
    """The `acucare.review/1` document of a review."""
    course = review.course
    primary = review.primary
    primary_doc: dict[str, Any] = _outcome(primary.outcome)
    primary_doc["responder"] = primary.responder
    primary_doc["state"] = primary.state
    medication = review.medication
    return {
        "format": FORMAT,
        "condition": {
            "icd10": course.icd10,
            "group": course.condition.id if course.condition else None,
        },
        "sessions_delivered": review.sessions_delivered,
        "review_point": review.review_point,
        "primary": primary_doc,
        "outcomes": [_outcome(o) for o in review.outcomes],
        "pgic": (
            {
                "value": review.pgic.value,
                "tier": review.pgic.tier,
                "label": review.pgic.label,
                "citations": list(review.pgic.citations),
            }
            if review.pgic
            else None
        ),
        "medication": {
            "opioid_mme_per_day": {
                "baseline": _number(medication.baseline_mme),
                "latest": _number(medication.latest_mme),
            },
            "not_converted": list(medication.not_converted),
            "citations": list(medication.citations),
        },
        "flags": [
            {
                "code": f.code,
                "message": f.message,
                "timepoint": f.timepoint,
                "citations": list(f.citations),
            }
            for f in review.flags
        ],
        "recommendation": {
            "action": review.recommendation.action,
            "why": review.recommendation.why,
            "citations": list(review.recommendation.citations),
            "rule": review.recommendation.rule,
        },
        "payer": (
            {
                "name": review.payer.payer,
                "policy": review.payer.policy,
                "covered_sessions_left": review.payer.covered_sessions_left,
                "initial_window_ends": (
                    review.payer.initial_window_ends.isoformat()
                    if review.payer.initial_window_ends
                    else None
                ),
                "why": review.payer.why,
                "citations": list(review.payer.citations),
            }
            if review.payer
            else None
        ),
        "citations": list(review.citations),
        "kb_version": review.kb_version,
    }


def review_document(doc: object, registry: Registry) -> dict[str, object]:
    """Parse a course document, review it and return the review document."""
    return review_to_document(review_course(parse_course(doc, registry), registry))
