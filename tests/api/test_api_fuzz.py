"""Arbitrary JSON at the write operations never causes a server error: the answer is
created, or a 4xx with the documented error shape, and a rejected request saves nothing."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acucare.patients.models import Episode, Patient
from tests.factories import make_patient, make_practitioner, signed_in

pytestmark = pytest.mark.django_db

# Arbitrary text, plus the awkward cases a random draw rarely reaches: NUL (which
# PostgreSQL cannot store), other control characters, over-long values, bidi overrides.
AWKWARD = ["\x00", "A\x00b", "\x1b[31m", "x" * 5000, "\u202eevil", "😀" * 60, " ", ""]
text = st.text(max_size=300) | st.sampled_from(AWKWARD)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text
anything = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)

patient_bodies = (
    st.fixed_dictionaries(
        {},
        optional={
            "given_name": text | scalars,
            "family_name": text | scalars,
            "preferred_name": text,
            "date_of_birth": st.dates().map(str) | text | scalars,
            "sex": st.sampled_from(["female", "male", "other", "unknown"]) | text,
            "phone": text,
            "email": text,
            "address": text,
            "primary_practitioner": st.uuids().map(str) | text,
            "surprise": anything,
        },
    )
    | anything
)

episode_bodies = (
    st.fixed_dictionaries(
        {},
        optional={
            "complaint": text | scalars,
            "started_on": st.dates().map(str) | text,
            "conditions": st.lists(
                st.fixed_dictionaries(
                    {"icd10": text | st.sampled_from(["M54.50", "m5450", "M17.11", "U07.1"])},
                    optional={"duration_weeks": st.integers() | scalars},
                )
                | anything,
                max_size=3,
            )
            | anything,
        },
    )
    | anything
)


def check(response) -> None:
    assert response.status_code < 500, response.content[:300]
    body = response.json()
    if response.status_code >= 400:
        assert set(body) == {"error"}
        assert isinstance(body["error"]["message"], str)


FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(body=patient_bodies)
def test_creating_patients_never_fails_on_the_server(body):
    doc = make_practitioner()
    before = Patient.objects.count()
    response = signed_in(doc).post(
        "/api/v1/patients", data=json.dumps(body), content_type="application/json"
    )
    check(response)
    assert Patient.objects.count() == before + (1 if response.status_code == 201 else 0)


@FUZZ
@given(body=episode_bodies)
def test_opening_episodes_never_fails_on_the_server(body):
    doc = make_practitioner()
    patient = make_patient(doc)
    response = signed_in(doc).post(
        f"/api/v1/patients/{patient.public_id}/episodes",
        data=json.dumps(body),
        content_type="application/json",
    )
    check(response)
    assert Episode.objects.filter(patient=patient).count() == (
        1 if response.status_code == 201 else 0
    )


@FUZZ
@given(query=text, page=st.integers(min_value=-5, max_value=10**12) | text)
def test_listing_with_any_query_never_fails_on_the_server(query, page):
    doc = make_practitioner()
    response = signed_in(doc).get("/api/v1/patients", {"q": query, "page": page})
    check(response)
    page_response = signed_in(doc).get("/patients/", {"q": query, "page": page})
    assert page_response.status_code == 200


@pytest.mark.parametrize("bad", AWKWARD[:5])
@pytest.mark.parametrize("field", ["given_name", "phone", "email", "address"])
def test_awkward_text_in_any_demographic_field_is_a_422_naming_it(bad, field):
    body = {"given_name": "Ada", "family_name": "Moreno", "date_of_birth": "1971-03-04", field: bad}
    response = signed_in(make_practitioner()).post(
        "/api/v1/patients", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422, response.content[:200]
    assert response.json()["error"]["field"] == field
