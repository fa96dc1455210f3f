"""The one door to the review engine (`acucare.domain.outcomes`): the app builds its
inputs from the database and shows its outputs; it never re-states a clinical rule."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from acucare.domain.errors import InputError
from acucare.domain.outcomes import measurement_schedule, review_document
from acucare.kb import registry
from acucare.kb.records.instruments import Instrument

TIMEPOINT_KINDS = ("baseline", "session", "review", "discharge", "followup")


def derived_schedule(plan_document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The schedule the engine derives from an approved plan's condition and protocol, as
    plain timepoints: kind, session, days_after_discharge, instruments."""
    condition = plan_document.get("condition") or {}
    acupuncture = plan_document.get("acupuncture") or {}
    group = str(condition.get("group") or "")
    planned = acupuncture.get("sessions")
    planned = planned if isinstance(planned, int) and planned > 0 else 0
    review_after = sorted(
        {
            r["after_session"]
            for r in plan_document.get("reviews", [])
            if r.get("kind") == "response" and isinstance(r.get("after_session"), int)
        }
    )
    derive: Callable[..., tuple[Mapping[str, Any], ...]] = _schedule
    if type(planned) is bool or any(type(r) is bool for r in review_after):
        derive = _schedule.__wrapped__  # True would share 1's cache entry; the engine refuses it
    return [
        {**t, "instruments": list(t["instruments"])}
        for t in derive(registry().version, group, planned, tuple(review_after))
    ]


@lru_cache(maxsize=256)
def _schedule(
    version: str, group: str, planned: int, review_after: tuple[int, ...]
) -> tuple[Mapping[str, Any], ...]:
    """The engine's schedule for these inputs, derived once per knowledge base (it reads
    nothing else: no patient data is kept here); callers get copies."""
    del version  # the cache key: a new knowledge base derives the schedule anew
    try:
        schedule = measurement_schedule(group, planned, review_after, registry())
    except InputError:  # a plan without a course (a referral): nothing to schedule
        return ()
    return tuple(timepoint_dict(t) for t in schedule.timepoints)


def timepoint_dict(timepoint: object) -> dict[str, Any]:
    if isinstance(timepoint, Mapping):
        get = timepoint.get
    else:

        def get(name: str, default: Any = None) -> Any:
            return getattr(timepoint, name, default)

    session = get("session")
    days = get("days_after_discharge")
    return {
        "kind": str(get("kind")),
        "session": session if isinstance(session, int) else None,
        "days_after_discharge": days if isinstance(days, int) else None,
        "instruments": [str(i) for i in (get("instruments") or ())],
    }


def review(course: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's `acucare.review/1` document for an `acucare.course/1` document.
    Raises `InputError` (with the dotted field path) when the course is not valid."""
    return dict(review_document(dict(course), registry()))


def instrument_names(ids: Sequence[str]) -> list[str]:
    """Short names for display (PEG, PHQ-9…), unknown ids as given."""
    instruments = registry().of(Instrument)
    return [instruments[i].short_name if i in instruments else i for i in ids]
