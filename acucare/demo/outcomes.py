"""How the demo patients' courses went: pain trajectories for responders, slow responders
and non-responders, the review questionnaires at the plan's review point, the signed
review with its decision, and the discharge — all through the outcome services, so the
review engine reads each course as it would a real one.

The numbers are fixed (no randomness): a responder's pain falls by more than half within
a few sessions; a slow responder's barely moves until the fourth session and then falls;
a non-responder's wobbles around where it started."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from acucare.core.actor import Actor
from acucare.outcomes import services as outcomes
from acucare.outcomes.models import CourseReview
from acucare.patients.models import Episode

Response = Literal["responder", "slow", "none"]
# The patient's impression of change at the review (PGIC codes: 2 much improved,
# 3 minimally improved, 4 no change).
PGIC: dict[str, int] = {"responder": 2, "slow": 3, "none": 4}


def pain_before(first: int, response: Response, number: int) -> int:
    """Pain (0–10) before session `number`, from `first` before session 1."""
    if response == "responder":
        drop = min(0.6, 0.15 * (number - 1))
    elif response == "slow":
        drop = 0.0 if number <= 3 else min(0.45, 0.1 * (number - 3))
    else:
        drop = 0.1 if number % 3 == 2 else 0.0
    return max(1, round(first * (1 - drop)))


def pain_after(before: int, response: Response, number: int) -> int:
    relief = {"responder": 2, "slow": 1, "none": number % 2}[response]
    return max(0, before - relief)


def peg(pain: int) -> dict[str, int]:
    """PEG answers for a week whose average pain was `pain`: interference with enjoyment
    a point lower, with general activity the same."""
    return {"1": pain, "2": max(0, pain - 1), "3": pain}


def record_review(
    actor: Actor,
    episode: Episode,
    *,
    first: int,
    response: Response,
    at: int,
    date: dt.date,
    signed: dt.datetime,
) -> None:
    """The review questionnaires after session `at` and the practitioner's signed review."""
    outcomes.measurement_record(
        actor=actor,
        episode_id=episode.public_id,
        kind="review",
        scores={"peg": peg(pain_before(first, response, at + 1))},
        pgic=PGIC[response],
        date=date,
    )
    decision, reason = {
        "responder": (
            "continue",
            "Pain down by more than a third and the patient feels much better.",
        ),
        "slow": (
            "continue",
            "A slow start: little change so far, but improving from the fourth session; "
            "review again at the end of the course.",
        ),
        "none": ("stop", "No change in pain or in the patient's own impression; stop acupuncture."),
    }[response]
    review = outcomes.review_record(
        actor=actor, episode_id=episode.public_id, decision=decision, reason=reason
    )
    # Signed on the day of the review, not the day the demo was loaded.
    CourseReview.objects.filter(pk=review.pk).update(signed_at=signed)


def record_discharge(
    actor: Actor, episode: Episode, *, first: int, response: Response, last: int, date: dt.date
) -> None:
    outcomes.measurement_record(
        actor=actor,
        episode_id=episode.public_id,
        kind="discharge",
        scores={"peg": peg(pain_before(first, response, last + 1))},
        pgic=PGIC[response],
        date=date,
    )
    outcomes.discharge_record(
        actor=actor,
        episode_id=episode.public_id,
        reason="goals_met" if response != "none" else "no_response",
        advice=(
            "Keep up the exercises and daily activity; come back if the pain flares."
            if response != "none"
            else "Acupuncture did not help: back to the GP to discuss other treatment."
        ),
        date=date,
    )
