"""The pain a patient reported before a session, for the session form to pre-fill
pain-before with (labelled as theirs; the practitioner keeps or changes it).

`treatment` sits below `outcomes` (the app layers in `pyproject.toml`), which holds the
patient's before-session answers, so outcomes registers a source here in its
`AppConfig.ready()`: a function of the actor (whose read it audits), the plan (read
through the treatment selectors, which checked access) and the session's date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from acucare.core.sources import Sources


@dataclass(frozen=True)
class ReportedPain:
    pain: int  # NRS 0-10
    reported_at: dt.datetime


ReportedPainSource = Callable[[Any, Any, dt.date], ReportedPain | None]

_SOURCES: Sources[ReportedPainSource] = Sources()


def register_reported_pain(name: str, source: ReportedPainSource) -> None:
    """Add (or replace, when an app is reloaded) the source `name`."""
    _SOURCES.register(name, source)


def reported_pain(actor: Any, plan: Any, date: dt.date) -> ReportedPain | None:
    """The pain the patient reported before the session of `plan` on `date`, or None."""
    for source in _SOURCES.in_order():
        found = source(actor, plan, date)
        if found is not None:
            return found
    return None
