"""Writes to plans (`plans`) and sessions (`sessions`). Each service is atomic,
keyword-only, takes the acting user, reaches records through `acucare.treatment.access`, and
appends one audit event. Callers import the services from this package."""

from acucare.treatment.services.plans import (
    plan_approve,
    plan_generate,
    plan_point_add,
    plan_point_remove,
)
from acucare.treatment.services.sessions import (
    session_amend,
    session_create,
    session_patient_report,
    session_sign,
)

__all__ = [
    "plan_approve",
    "plan_generate",
    "plan_point_add",
    "plan_point_remove",
    "session_amend",
    "session_create",
    "session_patient_report",
    "session_sign",
]
