"""PatientBoundaryMiddleware keeps a patient in the portal, but not away from what is
public to everyone."""

from __future__ import annotations

import pytest
from django.test import Client

from acucare.audit.models import AuditEvent
from tests.factories import make_practitioner, signed_in
from tests.portal.factories import make_portal_patient
from tests.test_access_matrix_complete import PUBLIC_ROUTES

pytestmark = pytest.mark.django_db


def test_a_signed_in_patient_gets_the_public_capability_statement():
    _patient, user = make_portal_patient(make_practitioner())
    response = signed_in(user).get("/fhir/r4/metadata")
    assert response.status_code == 200
    assert response.json()["resourceType"] == "CapabilityStatement"
    assert not AuditEvent.objects.filter(action="denied", actor=user).exists()
    # The same answer as anybody gets.
    assert Client().get("/fhir/r4/metadata").json() == response.json()


def test_the_rest_of_fhir_stays_closed_to_a_patient():
    patient, user = make_portal_patient(make_practitioner())
    response = signed_in(user).get(f"/fhir/r4/Patient/{patient.public_id}")
    assert response.status_code == 403
    assert "/fhir/r4/metadata" in PUBLIC_ROUTES
