"""Phone numbers are checked with phonenumbers, and a second registration with the same
name and date of birth is warned about first (issue 15, item 10)."""

from __future__ import annotations

import pytest

from acucare.patients.models import Patient
from tests.factories import make_patient, make_practitioner, make_reception, signed_in

pytestmark = pytest.mark.django_db

ADA = {"given_name": "Ada", "family_name": "Moreno", "date_of_birth": "1971-03-04", "sex": "female"}


@pytest.mark.parametrize("phone", ["12", "0700 111 222", "not a number"])
def test_a_phone_number_that_cannot_be_dialled_is_a_field_error(phone):
    response = signed_in(make_practitioner()).post("/patients/new/", {**ADA, "phone": phone})
    assert response.status_code == 422
    assert 'id="id_phone_error"' in response.content.decode()
    assert not Patient.objects.exists()


def test_a_phone_number_is_kept_in_the_international_form():
    response = signed_in(make_practitioner()).post(
        "/patients/new/", {**ADA, "phone": "020 7946 0018"}
    )
    assert response.status_code == 302
    assert Patient.objects.get().phone == "+44 20 7946 0018"


def test_the_same_name_and_birth_date_is_warned_about_before_registering():
    doc = make_practitioner()
    existing = make_patient(doc, given_name="Ada", family_name="Moreno")
    existing.date_of_birth = "1971-03-04"
    existing.save()
    client = signed_in(make_reception())
    form = {**ADA, "given_name": " ada ", "primary_practitioner": str(doc.public_id)}
    warned = client.post("/patients/new/", form)
    assert warned.status_code == 200
    html = warned.content.decode()
    assert "This may be a patient already registered" in html
    assert f"/patients/{existing.public_id}/" in html
    assert Patient.objects.count() == 1
    confirmed = client.post("/patients/new/", {**form, "not_a_duplicate": "1"})
    assert confirmed.status_code == 302
    assert Patient.objects.count() == 2


def test_another_practitioners_patient_is_not_revealed():
    existing = make_patient(make_practitioner(), given_name="Ada", family_name="Moreno")
    existing.date_of_birth = "1971-03-04"
    existing.save()
    response = signed_in(make_practitioner()).post("/patients/new/", ADA)
    assert response.status_code == 302  # registered: the other patient is not theirs to see
