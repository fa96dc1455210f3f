"""Outcomes over a course of care: the measurement schedule and the review engine.

Pure Python (no Django): typed frozen dataclasses inside, JSON only at the edges. Every
clinical number is read from the knowledge base. The stable API, which the Django side
(review page, charts, discharge) and the `acucare review` command build on::

    parse_course(doc: object, registry: Registry) -> Course
        Strict parse of an ``acucare.course/1`` document. Raises ``InputError`` whose
        ``field`` is the dotted path (``timepoints[2].scores.peg.1``).
    review_course(course: Course, registry: Registry) -> Review
        Tiers per IMMPACT and each instrument's minimal important difference (with the
        floor rules of ``classify_change``), responder status, PGIC tier, opioid morphine
        milligram equivalents per day (CDC 2022), safety flags, Medicare NCD 30.3.3
        limits, and the recommendation from the review-rule decision table.
    review_to_document(review: Review) -> dict[str, object]
        The ``acucare.review/1`` JSON document.
    review_document(doc: object, registry: Registry) -> dict[str, object]
        parse + review + to JSON in one call (what the CLI runs).
    measurement_schedule(condition_group: str, planned_sessions: int,
                         review_after: Sequence[int], registry: Registry)
        -> MeasurementSchedule
        ``MeasurementSchedule.timepoints`` is a tuple of ``ScheduledMeasurement``:
        ``kind`` (baseline | session | review | discharge | followup), ``session``
        (int, or None for follow-ups), ``days_after_discharge`` (90 / 365 for follow-ups,
        else None), ``instruments`` (instrument ids due), ``measures`` (per domain: pain,
        function, sleep, mood, global_change, medication — each with its instruments,
        why and citations), ``why`` and ``citations``.

Contract: ``../shared/spec/interfaces.md``, part 2. Documentation: ``docs/outcomes.md``.
"""

from __future__ import annotations

from acucare.domain.outcomes.course import Course, MedicationDose, Timepoint, parse_course
from acucare.domain.outcomes.document import review_document, review_to_document
from acucare.domain.outcomes.review import (
    MedicationOutcome,
    Outcome,
    PayerLimits,
    PgicOutcome,
    PrimaryOutcome,
    Recommendation,
    Review,
    ReviewFlag,
    review_course,
)
from acucare.domain.outcomes.schedule import (
    DueMeasure,
    MeasurementSchedule,
    ScheduledMeasurement,
    measurement_schedule,
)

__all__ = [
    "Course",
    "DueMeasure",
    "MeasurementSchedule",
    "MedicationDose",
    "MedicationOutcome",
    "Outcome",
    "PayerLimits",
    "PgicOutcome",
    "PrimaryOutcome",
    "Recommendation",
    "Review",
    "ReviewFlag",
    "ScheduledMeasurement",
    "Timepoint",
    "measurement_schedule",
    "parse_course",
    "review_course",
    "review_document",
    "review_to_document",
]
