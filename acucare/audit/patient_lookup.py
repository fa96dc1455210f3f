"""The audit log's filter by patient name.

`audit` sits below `patients` (the app layers in `pyproject.toml`), so it cannot read
patient records. The patients app registers the look-up in its `AppConfig.ready()`: a
function of the acting admin and a full name that returns the public ids of the patients
with exactly that name (bounded; no partial matches, so the filter cannot list names).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from acucare.core.actor import Actor
from acucare.domain.errors import InputError

PatientLookup = Callable[[Actor, str], list[uuid.UUID]]

_LOOKUPS: list[PatientLookup] = []


def register_patient_lookup(lookup: PatientLookup) -> None:
    """Install the look-up (replacing an earlier one, when an app is reloaded)."""
    _LOOKUPS[:] = [lookup]


def patients_named(actor: Actor, name: str) -> list[uuid.UUID]:
    if not _LOOKUPS:
        raise InputError("patient_name", "Filtering by patient name is not available.")
    return _LOOKUPS[0](actor, name)
