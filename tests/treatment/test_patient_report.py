"""After-effects a patient reports in the portal diary are recorded on their own signed
session as an amendment with adverse events (reporter: patient); nobody else reports
through this path, and another patient's session is not found."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from acucare.domain.errors import InputError
from acucare.treatment import services
from acucare.treatment.charting import AdverseEventRecord
from acucare.treatment.models import AdverseEvent, SessionAmendment
from tests.factories import actor, make_practitioner
from tests.portal.factories import make_portal_patient, make_signed_session

pytestmark = pytest.mark.django_db

BRUISE = {
    "seriousness": "minor",
    "mechanism": "traumatic",
    "type_code": "haematoma",
    "needed_treatment": False,
    "duration_days": 2,
    "avoidable": "unclear",
    "modality": "manual",
    "reporter": "patient",
}


@pytest.fixture
def world():
    owner = make_practitioner()
    patient, user = make_portal_patient(owner)
    return owner, patient, user, make_signed_session(patient)


def report(who, patient, session, **event):
    return services.session_patient_report(
        actor=actor(who),
        patient=patient,
        session_id=session.public_id,
        text="Diary.",
        adverse_events=[AdverseEventRecord.model_validate({**BRUISE, **event})],
    )


def test_the_patient_reports_on_their_own_session(world):
    _owner, patient, user, session = world
    amendment = report(user, patient, session)
    assert amendment.reason == services.sessions.PATIENT_REPORT_REASON
    event = AdverseEvent.objects.get(amendment=amendment)
    assert (event.session, event.reporter, event.created_by) == (session, "patient", user)


def test_staff_do_not_report_through_the_patients_path(world):
    owner, patient, _user, session = world
    with pytest.raises(PermissionDenied):
        report(owner, patient, session)
    assert not SessionAmendment.objects.exists()


def test_another_patients_session_is_not_found(world):
    _owner, _patient, _user, session = world
    other, other_user = make_portal_patient(make_practitioner())
    with pytest.raises(Http404):
        report(other_user, other, session)


def test_only_the_patient_is_the_reporter(world):
    _owner, patient, user, session = world
    with pytest.raises(InputError) as caught:
        report(user, patient, session, reporter="practitioner")
    assert caught.value.field == "adverse_events[0].reporter"
    assert not AdverseEvent.objects.exists()
