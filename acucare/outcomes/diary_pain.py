"""The pain a patient wrote in their portal diary on the days after a session, for the
pain chart (a separate series beside pain before and after each session), and the pain
medicines they took that day, for the course's medication outcome (`course.py`).

`outcomes` sits below `portal` (the app layers in `pyproject.toml`), so it cannot read
the diary itself: the portal registers a source in its `AppConfig.ready()`, a function
of the treatment plans' primary keys that returns the diary days of their sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from acucare.core.sources import Sources


@dataclass(frozen=True)
class DiaryPain:
    session_id: str  # the session's public id
    day: dt.date
    pain: int  # NRS 0-10
    # The day's opioids as the course document's `medications` ([] when none was taken).
    medications: tuple[dict[str, Any], ...] = field(default=())


DiaryPainSource = Callable[[Sequence[int]], list[DiaryPain]]

_SOURCES: Sources[DiaryPainSource] = Sources()


def register_diary_pain(name: str, source: DiaryPainSource) -> None:
    """Add (or replace, when an app is reloaded) the diary source `name`."""
    _SOURCES.register(name, source)


def diary_pain(plan_ids: Sequence[int]) -> list[DiaryPain]:
    """Every registered source's diary days for the sessions of these plans."""
    if not plan_ids:
        return []
    return [d for source in _SOURCES.in_order() for d in source(plan_ids)]
