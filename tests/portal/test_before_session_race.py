"""Before-session forms for one appointment with different form keys, sent at the same
moment: one is saved; each other is refused (its appointment already answered, or the
questionnaire no longer due), never a server error, and saves nothing of its own."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from acucare.accounts.models import Submission
from acucare.audit.models import AuditEvent
from acucare.outcomes.models import BeforeSessionAnswer
from tests.clinic_fixtures import fast_password_hashing
from tests.factories import make_appointment, make_practitioner, signed_in
from tests.portal.factories import make_portal_patient, make_signed_session
from tests.security.test_once_only import _race, postgres_only

__all__ = ["fast_password_hashing", "postgres_only"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_before_session_forms_save_one(postgres_only):
    owner = make_practitioner()
    patient, user = make_portal_patient(owner)
    first = make_signed_session(patient, date=timezone.localdate() - dt.timedelta(days=7))
    make_appointment(patient, owner, start=timezone.now() + dt.timedelta(hours=2))
    url = f"/portal/questionnaires/{first.plan.episode.public_id}/session/"
    clients = [signed_in(user) for _ in range(4)]
    forms = {id(c): {"submission": str(uuid.uuid4()), "q_nrs_1": "5"} for c in clients}
    statuses = _race(clients, lambda c: c.post(url, forms[id(c)]).status_code)
    assert statuses.count(302) == 1, statuses
    assert set(statuses) <= {302, 404, 422}, statuses
    assert BeforeSessionAnswer.objects.count() == 1
    assert Submission.objects.filter(object_type="before_session").count() == 1
    assert (
        AuditEvent.objects.filter(object_type="before_session_answer", action="create").count() == 1
    )
