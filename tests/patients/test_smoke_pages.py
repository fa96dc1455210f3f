import pytest

from tests.factories import make_patient, make_practitioner, signed_in

pytestmark = pytest.mark.django_db


def test_chart_renders_for_owner():
    doc = make_practitioner()
    patient = make_patient(doc)
    response = signed_in(doc).get(f"/patients/{patient.public_id}/")
    assert response.status_code == 200
    assert patient.given_name in response.content.decode()
