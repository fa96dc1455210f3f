"""Reaching an assessment: through its episode's patient, by `acucare.patients.access`.

An assessment is clinical content: practitioners with access to the patient only
(reception and the admin: 403; a practitioner without access: 404, whether or not it
exists)."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404

from acucare.assessments.models import Assessment
from acucare.core.actor import Actor
from acucare.core.ids import parse_public_id
from acucare.core.roles import require_patient_staff
from acucare.patients.access import require_visible


def access_assessment(actor: Actor, public_id: uuid.UUID | str, *, write: bool) -> Assessment:
    """The assessment, with its episode and patient, or Http404 / PermissionDenied."""
    del write  # as in access_episode: every role that may read it may act on it
    require_patient_staff(actor)
    if not actor.is_practitioner:
        raise PermissionDenied("Clinical content is for practitioners only.")
    key = parse_public_id(public_id, "assessment")
    try:
        assessment = Assessment.objects.select_related("episode__patient", "created_by").get(
            public_id=key
        )
    except Assessment.DoesNotExist as exc:
        raise Http404("No such assessment.") from exc
    require_visible(actor, assessment.episode.patient, "assessment")
    return assessment
