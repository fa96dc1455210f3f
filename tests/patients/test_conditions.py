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
    ],
)
def test_valid_codes_are_normalised(text, code):
    assert normalise_icd10(text) == code


@pytest.mark.parametrize(
    "text", ["", "54.50", "MM4.5", "M54.", "M54.12345", "U07.1", "low back pain"]
)
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
    assert "No condition in the knowledge base matches" in page.content.decode()
    fragment = client.get("/patients/conditions/?q=zzzz-no-such", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()
    assert "No condition in the knowledge base matches" in fragment.content.decode()


@pytest.mark.django_db
def test_reception_cannot_search_conditions():
    assert signed_in(make_reception()).get("/patients/conditions/?q=M54").status_code == 403
