"""Role checks: admin, practitioner, patient staff. Patient-level checks live in
`acucare.patients.access`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from acucare.core.actor import Actor


def require_admin(actor: Actor) -> None:
    if not actor.is_admin or not actor.user.is_active:
        raise PermissionDenied("Only a clinic admin may do this.")


def require_practitioner(actor: Actor) -> None:
    if not actor.is_practitioner or not actor.user.is_active:
        raise PermissionDenied("Only a practitioner may do this.")


def require_patient_staff(actor: Actor) -> None:
    """Practitioners and reception work with patients; the clinic admin does not."""
    if actor.role not in {"practitioner", "reception"} or not actor.user.is_active:
        raise PermissionDenied("Your role does not give access to patient records.")
