"""The patient's portal diary days as the record holds them, for the FHIR record and
the full-record archive (`acucare.fhir`): pain, sleep and the medicines taken.

`fhir` and `portal` are independent siblings (the app layers in `pyproject.toml`), so
the record cannot read the diary itself: the portal registers a source here in its
`AppConfig.ready()`, a function of patients' primary keys that returns their diary
days in one query, however many days there are. After-effects are not carried: they
are recorded on the session as adverse events and reach the record that way."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from acucare.core.sources import Sources


@dataclass(frozen=True)
class DiaryMedicine:
    medicine: str  # an id of the opioid conversion table
    dose: float  # mg per dose, or mcg per hour for a patch
    unit: str  # "mg" or "mcg/h"
    times: int  # doses taken that day (a patch: 1)


@dataclass(frozen=True)
class DiaryRecordDay:
    public_id: uuid.UUID  # the diary entry's
    patient_pk: int
    session_id: uuid.UUID  # the session's public id
    day: dt.date
    pain: int  # NRS 0-10
    sleep_hours: float
    sleep_quality: int  # 0 very badly - 10 very well
    medicines: tuple[DiaryMedicine, ...]
    mme_per_day: float | None
    recorded_at: dt.datetime


DiaryRecordSource = Callable[[Sequence[int]], list[DiaryRecordDay]]

_SOURCES: Sources[DiaryRecordSource] = Sources()


def register_diary_record(name: str, source: DiaryRecordSource) -> None:
    """Add (or replace, when an app is reloaded) the diary source `name`."""
    _SOURCES.register(name, source)


def diary_record(patient_pks: Sequence[int]) -> list[DiaryRecordDay]:
    """Every registered source's diary days of these patients."""
    if not patient_pks:
        return []
    return [d for source in _SOURCES.in_order() for d in source(patient_pks)]
