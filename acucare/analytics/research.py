"""The de-identified research export: one CSV row per course (docs/analytics-export.md
is its data dictionary).

No name, contact detail, date of birth, free text, ICD-10 code or database id leaves: a
patient and a course are known by research ids keyed with a secret made afresh for each
export (two exports cannot be linked), ages are five-year bands (90 and over in one),
and every date of a patient is moved by the same number of days (between 1 and 182,
earlier or later, drawn from the same secret), so intervals within a patient's record
stay true while calendar dates do not."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet

from acucare.analytics.selectors import (
    ADVERSE,
    STAGES,
    Scope,
    condition_label,
    condition_of,
    courses_of,
    protocol_label,
)
from acucare.outcomes.models import CourseOutcome
from acucare.patients.models import Episode
from acucare.treatment.models import AdverseEvent, Seriousness, SessionStatus, TreatmentSession

MAX_SHIFT_DAYS = 182
AGE_BAND_YEARS = 5
TOP_AGE_BAND = 90
STAGE_FIELDS = (
    "instrument",
    "baseline",
    "latest",
    "tier",
    "pgic",
    "mme_baseline",
    "mme_latest",
    "sessions",
    "day",
)

COLUMNS: tuple[str, ...] = (
    "patient",
    "course",
    "sex",
    "age_band",
    "condition",
    "protocol",
    "started",
    "ended",
    "status",
    "discharge_reason",
    "sessions_signed",
    "adverse_events",
    "significant_events",
    "serious_events",
    *(f"{stage}_{name}" for stage in STAGES for name in STAGE_FIELDS),
)


@dataclass(frozen=True)
class Keys:
    """The export's secret: it keys the research ids and the date shifts."""

    secret: bytes

    @classmethod
    def fresh(cls) -> Keys:
        return cls(secrets.token_bytes(32))

    def _digest(self, kind: str, value: str) -> bytes:
        return hmac.new(self.secret, f"{kind}:{value}".encode(), hashlib.sha256).digest()

    def research_id(self, kind: str, value: str) -> str:
        return self._digest(kind, value).hex()[:16]

    def shift(self, patient: str) -> dt.timedelta:
        """The same shift for every date of one patient: 1 to 182 days, either way."""
        digest = self._digest("shift", patient)
        days = 1 + int.from_bytes(digest[:4], "big") % MAX_SHIFT_DAYS
        return dt.timedelta(days=days if digest[4] % 2 else -days)


def age_band(born: dt.date, on: dt.date) -> str:
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if years >= TOP_AGE_BAND:
        return f"{TOP_AGE_BAND}+"
    low = (max(years, 0) // AGE_BAND_YEARS) * AGE_BAND_YEARS
    return f"{low}-{low + AGE_BAND_YEARS - 1}"


def export_courses(scope: Scope) -> QuerySet[Episode]:
    return (
        courses_of(scope)
        .select_related("patient", "discharge")
        .prefetch_related(Prefetch("outcome_rows", queryset=CourseOutcome.objects.order_by()))
        .order_by("pk")
    )


def _course_counts(scope: Scope) -> tuple[dict[int, int], dict[int, dict[str, int]]]:
    """Signed sessions and adverse events of every course, each one GROUP BY (a
    subquery per course made PostgreSQL's cursor crawl)."""
    signed = {
        int(episode): int(n)
        for episode, n in TreatmentSession.objects.filter(
            scope.under("plan__episode__"), status=SessionStatus.SIGNED
        )
        .order_by()
        .values("plan__episode")
        .annotate(n=Count("pk"))
        .values_list("plan__episode", "n")
    }
    events: dict[int, dict[str, int]] = {}
    for episode, seriousness, n in (
        AdverseEvent.objects.filter(
            scope.under("session__plan__episode__"), session__status=SessionStatus.SIGNED
        )
        .order_by()
        .values("session__plan__episode", "seriousness")
        .annotate(n=Count("pk"))
        .values_list("session__plan__episode", "seriousness", "n")
    ):
        events.setdefault(int(episode), {})[str(seriousness)] = int(n)
    return signed, events


def _number(value: float | None) -> str | float:
    return "" if value is None else round(value, 2)


def research_rows(scope: Scope, keys: Keys) -> Iterator[tuple[object, ...]]:
    """One row per course, de-identified as the module says."""
    signed, events = _course_counts(scope)
    for episode in export_courses(scope).iterator(chunk_size=500):
        counted = events.get(episode.pk, {})
        patient = str(episode.patient.public_id)
        shift = keys.shift(patient)
        started = episode.started_on
        discharge = getattr(episode, "discharge", None)
        stages: dict[str, CourseOutcome] = {o.stage: o for o in episode.outcome_rows.all()}
        cells: list[object] = [
            keys.research_id("patient", patient),
            keys.research_id("course", str(episode.public_id)),
            episode.patient.sex,
            age_band(episode.patient.date_of_birth, started),
            condition_label(condition_of(str(getattr(episode, "code", "") or ""))),
            protocol_label(str(getattr(episode, "protocol_full", "") or "")),
            (started + shift).isoformat(),
            (episode.ended_on + shift).isoformat() if episode.ended_on else "",
            episode.status,
            discharge.reason if discharge is not None else "",
            signed.get(episode.pk, 0),
            sum(counted.get(s, 0) for s in ADVERSE),
            counted.get(Seriousness.SIGNIFICANT_MINOR, 0),
            counted.get(Seriousness.SERIOUS, 0),
        ]
        for stage in STAGES:
            row = stages.get(stage)
            if row is None:
                cells.extend([""] * len(STAGE_FIELDS))
                continue
            cells.extend(
                [
                    row.instrument,
                    _number(row.baseline),
                    _number(row.latest),
                    row.tier,
                    row.pgic if row.pgic is not None else "",
                    _number(row.mme_baseline),
                    _number(row.mme_latest),
                    row.sessions_delivered,
                    (row.recorded_on - started).days,
                ]
            )
        yield tuple(cells)
