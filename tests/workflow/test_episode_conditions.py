"""An episode only takes condition codes the knowledge base can screen and plan for,
and the look-up fills the code in, with or without JavaScript (issue 15, item 2)."""

from __future__ import annotations

import pytest

from acucare.domain.errors import InputError
from acucare.patients import services
from acucare.patients.models import Episode
from tests.factories import actor, make_patient, make_practitioner, signed_in

pytestmark = pytest.mark.django_db

NO_GROUP = "E11.9"  # type 2 diabetes: well formed, no condition group in the knowledge base


def test_the_service_refuses_a_code_without_a_condition_group_with_the_reason():
    doc = make_practitioner()
    patient = make_patient(doc)
    with pytest.raises(InputError) as caught:
        services.episode_create(
            actor=actor(doc),
            patient_id=patient.public_id,
            complaint="Pain",
            conditions=[services.ConditionInput("M54.50"), services.ConditionInput(NO_GROUP)],
        )
    assert caught.value.field == "conditions[1].icd10"
    assert "no condition group" in caught.value.message
    assert not Episode.objects.exists()


def test_the_page_shows_the_reason_beside_the_code():
    doc = make_practitioner()
    patient = make_patient(doc)
    response = signed_in(doc).post(
        f"/patients/{patient.public_id}/episodes/new/",
        {"complaint": "Pain", "icd10_0": NO_GROUP, "open": "1"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_icd10_0_error"' in html
    assert "no condition group" in html


def test_searching_without_javascript_keeps_what_was_typed_and_lists_use_buttons():
    doc = make_practitioner()
    patient = make_patient(doc)
    response = signed_in(doc).post(
        f"/patients/{patient.public_id}/episodes/new/",
        {"complaint": "Sore neck", "icd10_0": "", "q": "neck", "lookup": "1"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Sore neck"' in html
    assert 'name="use_code" value="M54.2"' in html
    assert not Episode.objects.exists()


def test_use_fills_the_first_empty_row_and_saves_nothing():
    doc = make_practitioner()
    patient = make_patient(doc)
    response = signed_in(doc).post(
        f"/patients/{patient.public_id}/episodes/new/",
        {"complaint": "Sore neck", "icd10_0": "M54.50", "icd10_1": "", "use_code": "M54.2"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="icd10_0" value="M54.50"' in html
    assert 'name="icd10_1" value="M54.2"' in html
    assert not Episode.objects.exists()


def test_enter_with_no_query_opens_the_episode():
    """The look-up's button comes first in the form; Enter without a query still saves."""
    doc = make_practitioner()
    patient = make_patient(doc)
    response = signed_in(doc).post(
        f"/patients/{patient.public_id}/episodes/new/",
        {"complaint": "Sore neck", "icd10_0": "M54.2", "q": "", "lookup": "1"},
    )
    assert response.status_code == 302
    assert Episode.objects.count() == 1


def test_the_htmx_results_in_the_episode_form_carry_use_buttons():
    doc = make_practitioner()
    client = signed_in(doc)
    picked = client.get(
        "/patients/conditions/?q=neck&pick=1", headers={"HX-Request": "true"}
    ).content.decode()
    plain = client.get("/patients/conditions/?q=neck").content.decode()
    assert 'form="episode-form"' in picked
    assert 'name="use_code"' not in plain
