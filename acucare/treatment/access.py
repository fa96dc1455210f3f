"""Plans and sessions are clinical content: a practitioner with access to the episode's
patient reaches them; anyone else gets 404 (or 403 for a role that never sees clinical
content), as for episodes (`acucare.patients.access`)."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from acucare.core.actor import Actor
from acucare.core.ids import parse_public_id
from acucare.core.roles import require_patient_staff
from acucare.patients.access import require_visible
from acucare.treatment.models import TreatmentPlan, TreatmentSession


def _require_clinical(actor: Actor) -> None:
    require_patient_staff(actor)
    if not actor.is_practitioner:
        raise PermissionDenied("Clinical content is for practitioners only.")


def _visible_plan(
    actor: Actor, public_id: uuid.UUID | str, plans: QuerySet[TreatmentPlan]
) -> TreatmentPlan:
    """The plan `public_id` from `plans` if the actor may see its patient, else 404."""
    _require_clinical(actor)
    try:
        plan = plans.get(public_id=parse_public_id(public_id, "plan"))
    except TreatmentPlan.DoesNotExist as exc:
        raise Http404("No such plan.") from exc
    require_visible(actor, plan.episode.patient, "plan")
    return plan


def access_plan(actor: Actor, public_id: uuid.UUID | str, *, write: bool) -> TreatmentPlan:
    del write  # every practitioner who may read a plan may also edit it (see patients.access)
    return _visible_plan(
        actor,
        public_id,
        TreatmentPlan.objects.select_related(
            "episode__patient", "assessment", "approved_by", "created_by"
        ),
    )


def lock_plan(actor: Actor, public_id: uuid.UUID | str) -> TreatmentPlan:
    """`access_plan` for a write that holds the plan (with its episode and patient) locked
    until its transaction ends: the access check and the lock in one read. Call inside
    `transaction.atomic`."""
    return _visible_plan(
        actor,
        public_id,
        TreatmentPlan.objects.select_for_update().select_related("episode__patient"),
    )


def access_session(actor: Actor, public_id: uuid.UUID | str, *, write: bool) -> TreatmentSession:
    del write
    _require_clinical(actor)
    try:
        session = TreatmentSession.objects.select_related(
            "plan__episode__patient", "created_by", "signed_by"
        ).get(public_id=parse_public_id(public_id, "session"))
    except TreatmentSession.DoesNotExist as exc:
        raise Http404("No such session.") from exc
    require_visible(actor, session.plan.episode.patient, "session")
    return session
