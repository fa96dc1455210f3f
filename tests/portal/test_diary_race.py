"""Two diary forms for the same session and day with different form keys, sent at the
same moment: the second is refused with a message on the day field (never a server
error) and saves nothing of its own, not even its after-effect amendment."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from acucare.accounts.models import Submission
from acucare.audit.models import AuditEvent
from acucare.portal import services
from acucare.portal.models import DiaryEntry, PortalAlert
from acucare.treatment.models import AdverseEvent, SessionAmendment
from tests.clinic_fixtures import fast_password_hashing
from tests.factories import make_practitioner, signed_in
from tests.portal.factories import make_portal_patient, make_signed_session
from tests.security.test_once_only import _race, postgres_only

__all__ = ["fast_password_hashing", "postgres_only"]


def _form(**changes: str) -> dict[str, str]:
    return {
        "submission": str(uuid.uuid4()),
        "day": timezone.localdate().isoformat(),
        "pain": "4",
        "sleep_hours": "6.5",
        "sleep_quality": "6",
        **changes,
    }


def _counts() -> tuple[int, int, int, int, int]:
    return (
        DiaryEntry.objects.count(),
        AdverseEvent.objects.count(),
        SessionAmendment.objects.count(),
        PortalAlert.objects.count(),
        Submission.objects.filter(object_type="diary_entry").count(),
    )


@pytest.mark.django_db
def test_a_day_written_between_the_check_and_the_insert_names_the_day(monkeypatch):
    """Deterministic: the other form's day is written just after this one looked (the
    check answers 'not written yet'); the unique constraint refuses the insert. (The
    other day shares this test's transaction, so it goes when this one is refused.)"""
    patient, user = make_portal_patient(make_practitioner())
    session = make_signed_session(patient, date=timezone.localdate() - dt.timedelta(days=1))
    client = signed_in(user)
    url = f"/portal/diary/{session.public_id}/"
    before = _counts()
    looked: list[bool] = []
    real = services._day_written

    def late_check(session_pk: int, day: dt.date) -> bool:
        if not looked:
            looked.append(True)
            DiaryEntry.objects.create(
                patient=patient,
                session=session,
                day=day,
                pain=2,
                sleep_hours=Decimal("7.0"),
                sleep_quality=7,
                created_by=user,
            )
            return False  # the racing form had not committed yet when this one looked
        return real(session_pk, day)

    monkeypatch.setattr(services, "_day_written", late_check)
    response = client.post(url, _form(effect_tiredness="on"))
    assert looked
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_day_error"' in html
    assert "already written" in html
    assert _counts() == before
    assert not AuditEvent.objects.filter(object_type="diary_entry", action="create").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_diary_forms_for_one_day_save_one(postgres_only):
    patient, user = make_portal_patient(make_practitioner())
    session = make_signed_session(patient, date=timezone.localdate() - dt.timedelta(days=1))
    url = f"/portal/diary/{session.public_id}/"
    clients = [signed_in(user) for _ in range(4)]
    forms = {id(c): _form(effect_tiredness="on") for c in clients}
    statuses = _race(clients, lambda c: c.post(url, forms[id(c)]).status_code)
    assert sorted(statuses) == [302, 422, 422, 422], statuses
    assert _counts() == (1, 1, 1, 0, 1)
