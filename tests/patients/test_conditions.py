"""ICD-10-CM codes: form check and the search behind the code picker."""

import pytest

from acucare.domain.errors import InputError
from acucare.patients.conditions import normalise_icd10, search_conditions
from tests.factories import make_practitioner, make_reception, signed_in


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("M54.50", "M54.50"),
        ("m54.5", "M54.5"),
        ("M5450", "M54.50"),
        (" g44.209 ", "G44.209"),
        ("M79", "M79"),
        ("M1A.0", "M1A.0"),
        ("U07.1", "U07.1"),
        ("s72001a", "S72.001A"),
    ],
)
def test_valid_codes_are_normalised(text, code):
    assert normalise_icd10(text) == code


@pytest.mark.parametrize("text", ["", "54.50", "MM4.5", "M54.", "M54.12345", "M5", "low back pain"])
def test_malformed_codes_name_the_field(text):
    with pytest.raises(InputError) as caught:
        normalise_icd10(text, field="conditions[0].icd10")
    assert caught.value.field == "conditions[0].icd10"
    assert "ICD-10-CM" in caught.value.message


def test_an_empty_query_finds_nothing():
    assert search_conditions("  ") == []


@pytest.mark.django_db
def test_the_search_page_works_without_javascript_and_as_an_htmx_fragment():
    client = signed_in(make_practitioner())
    page = client.get("/patients/conditions/?q=zzzz-no-such")
    assert page.status_code == 200
    assert "<html" in page.content.decode()
    assert "No code in the knowledge base matches" in page.content.decode()
    fragment = client.get("/patients/conditions/?q=zzzz-no-such", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()
    assert "No code in the knowledge base matches" in fragment.content.decode()


@pytest.mark.django_db
def test_reception_cannot_search_conditions():
    assert signed_in(make_reception()).get("/patients/conditions/?q=M54").status_code == 403


def test_search_by_code_prefix_ignores_dots_and_case():
    codes = [o.code for o in search_conditions("m545")]
    assert "M54.50" in codes
    assert all(c.replace(".", "").startswith("M545") for c in codes)


def test_search_by_words_of_the_descriptor_or_group():
    found = search_conditions("low back")
    assert any(o.code == "M54.50" and o.condition_id == "chronic_low_back_pain" for o in found)
    assert all("low" in f"{o.descriptor} {o.condition_name}".lower() for o in found)


def test_a_stored_code_is_read_with_its_descriptor_and_group():
    from acucare.patients.conditions import read_code

    reading = read_code("M54.50")
    assert reading.descriptor == "Low back pain, unspecified"
    assert reading.condition_id == "chronic_low_back_pain"
    outside = read_code("S72.001A")
    assert (outside.descriptor, outside.condition_id) == (None, None)


@pytest.mark.django_db
def test_the_chart_names_the_code_and_its_condition_group():
    from tests.factories import make_episode, make_patient

    doc = make_practitioner()
    patient = make_patient(doc)
    make_episode(patient, "M54.50", "S72.001A")
    html = signed_in(doc).get(f"/patients/{patient.public_id}/").content.decode()
    assert "Low back pain, unspecified" in html
    assert "not in the knowledge base" in html


@pytest.mark.django_db
def test_the_htmx_search_lists_matching_codes():
    fragment = signed_in(make_practitioner()).get(
        "/patients/conditions/?q=M54.5", HTTP_HX_REQUEST="true"
    )
    assert "<code>M54.50</code>" in fragment.content.decode()


@pytest.mark.django_db
def test_the_api_searches_codes():
    response = signed_in(make_practitioner()).get("/api/v1/conditions?q=knee")
    assert response.status_code == 200
    assert response.json()
    assert all(
        "knee" in f"{o['descriptor']} {o['condition_name']}".lower() for o in response.json()
    )
