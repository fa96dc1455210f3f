"""List pages run a fixed number of queries however many rows they show."""

import pytest

from tests.factories import (
    make_episode,
    make_patient,
    make_practitioner,
    make_reception,
    share,
    signed_in,
)

pytestmark = pytest.mark.django_db

# session, user, clinic settings, count, one page of patients with their practitioners,
# the audit insert; and at most a session refresh with its savepoint pair.
# (+1 since issue 14: each audit insert first reads the hash chain's head FOR UPDATE.)
LIST_QUERIES = 10
# session, user, clinic, patient, episodes, their conditions, shares, colleagues for the
# share form, the current assessment of every episode and (when a screening has urgent or
# refer findings) their acknowledgements, the audit insert, the appointments with their
# practitioners; and the session refresh with its
# savepoint pair (+1 since issue 14: each audit insert first reads the hash chain's head
# FOR UPDATE); the chart summary's plans with their sessions, measurements, reviews and
# schedules of the open episodes (five, however many episodes); the full-record
# archives being prepared (acucare.fhir's chart section, one); the patient portal's
# section (acucare.portal: the account with the latest invitation in one query, the
# open alerts); the signed letters and reports of every episode (acucare.documents'
# chart section, one). 23 is reached by a chart whose episodes have been assessed
# (tests/assessments): the many-episodes chart below has no screening, so it needs no
# acknowledgements query.
CHART_QUERIES = 23


@pytest.fixture
def crowded():
    doc, colleague = make_practitioner(), make_practitioner()
    for _ in range(30):
        make_patient(doc)
    for _ in range(10):
        share(make_patient(colleague), doc)
    return doc


def test_practitioner_patient_list(crowded, django_assert_max_num_queries):
    client = signed_in(crowded)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get("/patients/")
    assert response.content.decode().count("/patients/") >= 40


def test_reception_patient_list(crowded, django_assert_max_num_queries):
    client = signed_in(make_reception())
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get("/patients/?q=Family")
    assert response.status_code == 200


def test_api_patient_list(crowded, django_assert_max_num_queries):
    client = signed_in(crowded)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get("/api/v1/patients")
    assert response.json()["count"] == 40


def test_chart_with_many_episodes(django_assert_max_num_queries):
    doc = make_practitioner()
    patient = make_patient(doc)
    for _ in range(8):
        make_episode(patient, "M54.50", "M17.11")
    client = signed_in(doc)
    with django_assert_max_num_queries(CHART_QUERIES):
        response = client.get(f"/patients/{patient.public_id}/")
    assert response.content.decode().count("M17.11") == 8


def test_audit_log_page(django_assert_max_num_queries):
    from tests.factories import make_admin

    doc = make_practitioner()
    patient = make_patient(doc)
    viewer = signed_in(doc)
    for _ in range(30):
        viewer.get(f"/patients/{patient.public_id}/")
    client = signed_in(make_admin())
    # +5 since issue 14: viewing the log is audited (savepoints, chain head, insert) and
    # the last integrity check is shown.
    with django_assert_max_num_queries(13):
        response = client.get("/admin/audit/")
    assert response.status_code == 200


def test_the_htmx_search_returns_only_the_results_fragment(crowded):
    client = signed_in(crowded)
    fragment = client.get(
        "/patients/?q=Family", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="patient-results"
    )
    html = fragment.content.decode()
    assert "<html" not in html
    assert "<table>" in html or "<table" in html
    assert "HX-Request" in fragment["Vary"]
    full = client.get("/patients/?q=Family")
    assert "<html" in full.content.decode()


def test_admin_user_list(django_assert_max_num_queries):
    from tests.factories import make_admin

    for _ in range(15):
        make_practitioner()
        make_reception()
    client = signed_in(make_admin())
    client.get("/admin/clinic/")  # settle the session refresh
    # +2 since issue 14: viewing the users page is audited (chain head, insert).
    with django_assert_max_num_queries(6):
        response = client.get("/admin/users/")
    assert response.content.decode().count("/admin/users/") >= 31


def test_practitioners_see_the_current_episode_and_reception_does_not(
    django_assert_max_num_queries,
):
    from tests.factories import make_episode

    doc = make_practitioner()
    patient = make_patient(doc)
    make_episode(patient, complaint="Chronic neck pain")
    client = signed_in(doc)
    with django_assert_max_num_queries(LIST_QUERIES):
        html = client.get("/patients/").content.decode()
    assert "Chronic neck pain" in html
    assert "Chronic neck pain" not in signed_in(make_reception()).get("/patients/").content.decode()
