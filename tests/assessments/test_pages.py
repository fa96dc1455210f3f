"""The intake, screening and acknowledgement pages, without JavaScript."""

from __future__ import annotations

import re

import pytest

from acucare.assessments.models import Assessment, FindingAcknowledgement
from acucare.audit.models import AuditEvent
from acucare.kb import registry
from tests.assessments.factories import URGENT_AND_REFER, form_data, make_assessment
from tests.factories import make_episode, make_patient, make_practitioner, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode():
    patient = make_patient(make_practitioner(), sex="female")
    # Left knee osteoarthritis: the form's pain sites include the left knee, and a right-knee
    # code would contradict them (issue 9, item 6).
    return make_episode(patient, "M54.50", "M17.12")


@pytest.fixture
def client(episode):
    return signed_in(episode.patient.primary_practitioner)


def intake_url(episode):
    return f"/assessments/episodes/{episode.public_id}/intake/"


def test_the_form_builds_the_intake_document(client, episode):
    response = client.post(intake_url(episode), form_data(episode, rf_major_trauma="yes"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assessment = Assessment.objects.get()
    assert response["Location"] == f"/assessments/{assessment.public_id}/"
    document = assessment.intake_document
    assert document["patient"] == {"age": 54, "sex": "female"}
    assert document["conditions"] == [
        {"icd10": "M54.50", "duration_weeks": 30},
        {"icd10": "M17.12", "duration_weeks": None},
    ]
    assert document["pain_sites"] == ["lower_back", "left_knee"]  # checkboxes, no JS
    assert document["medications"] == ["Warfarin 5 mg", "ibuprofen"]
    assert document["history"] == ["needle_phobia"]
    assert document["red_flags"] == ["major_trauma"]
    assert document["questionnaires"] == {"phq9": {str(i): 1 for i in range(1, 10)}}
    # Not asked on the form: recorded as not known, never as "not pregnant".
    assert document["pregnancy"] == {"pregnant": None, "weeks": None, "puerperium": False}
    assert document["consent"] == {"given_by": "patient"}
    assert document["preferences"] == {"style": None, "declined_modalities": []}
    assert assessment.decision == "refer_before_treatment"
    assert "fracture_major_trauma@1" in assessment.rules_applied


def test_the_form_starts_from_the_patients_demographics(client, episode):
    html = client.get(intake_url(episode)).content.decode()
    age = episode.patient.age()
    assert re.search(rf'name="age"[^>]*value="{age}"', html)
    assert re.search(r'<option value="female" selected>', html)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"age": "130"}, "age", "out of range"),
        ({"pregnancy_weeks": "12"}, "pregnancy_weeks", "pregnant is not known"),
        ({"pregnancy_weeks": "12", "pregnant": "no"}, "pregnancy_weeks", "pregnant is false"),
        ({"sex": "male", "pregnant": "yes"}, "pregnant", "recorded as male"),
        ({"sex": "male", "puerperium": "on"}, "puerperium", "recorded as male"),
        ({"pain_sites": ["right_knee"]}, "pain_sites", "other side"),
        ({"weeks_0": "99999"}, "weeks_0", "out of range"),
        ({"rf_thoracic_pain": ""}, "rf_thoracic_pain", "required"),
        ({"q_phq9_9": "7"}, "q_phq9_9", "valid choice"),
        ({"medications": "aspirin\nwar\x01farin"}, "medications", "control character"),
    ],
)
def test_bad_input_shows_beside_its_field_and_saves_nothing(client, episode, changes, field, words):
    response = client.post(intake_url(episode), form_data(episode, **changes))
    assert response.status_code == 422
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert words in " ".join(form.errors[field]).lower()
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(action="create").exists()


def test_an_episode_code_the_knowledge_base_does_not_group_is_shown_at_its_row(client):
    episode = make_episode(make_patient(make_practitioner()), "Z99.89")
    client = signed_in(episode.patient.primary_practitioner)
    data = form_data(episode)
    response = client.post(intake_url(episode), data)
    assert response.status_code == 422
    assert "Z99.89" in " ".join(response.context["form"].errors["weeks_0"])


def test_live_scores_are_shown_again_with_the_form(client, episode):
    data = form_data(episode, age="")
    response = client.post(intake_url(episode), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "self_harm_thoughts" in html
    assert "Mild depression" in html  # 9 × 1 = 9


def test_the_score_fragment_scores_live(client):
    answers = {f"q_phq9_{i}": "0" for i in range(1, 10)} | {"q_phq9_9": "2"}
    response = client.get("/assessments/score/phq9/", answers, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "total 2" in html
    assert "self_harm_thoughts" in html
    assert "danger-box" in html
    partial = client.get("/assessments/score/phq9/", {"q_phq9_1": "3"}).content.decode()
    assert "no total yet" in partial
    assert "1 of 9" in partial
    assert client.get("/assessments/score/nosuch/").status_code == 404


def test_questionnaire_wording_only_where_it_ships(client, episode):
    html = client.get(intake_url(episode)).content.decode()
    assert "Little interest or pleasure in doing things" in html  # PHQ-9 ships
    assert "Not at all" in html
    odi = html[html.index('id="questionnaire-odi"') :]
    odi = odi[: odi.index("</details>")]
    assert "does not ship" in odi
    assert "Item 1" in odi
    assert "Item 10" in odi
    assert 'value="5"' in odi


def test_the_body_map_regions_are_accessible_checkboxes_for_every_site(client, episode):
    html = client.get(intake_url(episode)).content.decode()
    regions = re.findall(r"<(?:ellipse|rect) [^>]*data-site=[^>]*>", html)
    found = [re.search(r'data-site="([^"]+)"', r) for r in regions]
    assert all(m is not None for m in found)
    drawn = {m.group(1) for m in found if m is not None}
    from acucare.domain.intake import body_sites

    assert drawn == set(body_sites(registry()))
    for region in regions:
        assert 'role="checkbox"' in region
        assert 'tabindex="0"' in region
        assert 'aria-checked="false"' in region
        assert re.search(r'aria-label="[A-Z][^"]+ \((front|back)\)"', region)
    assert 'aria-label="Left knee (front)"' in html
    assert 'aria-label="Right jaw (front)"' in html
    assert 'aria-label="Lower back (back)"' in html
    # every site is also a labelled checkbox, which works without JavaScript
    for site in body_sites(registry()):
        assert f'id="pain_sites-{site}"' in html
        assert f'<label for="pain_sites-{site}">' in html
    assert "<script>" not in html
    assert " style=" not in html
    assert "onclick" not in html


def test_laterality_is_mirrored_between_the_views(client, episode):
    from acucare.assessments.body_map import FIGURE_CENTRES, regions

    left_front = next(r for r in regions() if r.site.name == "left_knee" and r.view == "front")
    left_back = next(r for r in regions() if r.site.name == "left_knee" and r.view == "back")
    # front: the patient's left is on the viewer's right; back: on the viewer's left
    assert left_front.x > FIGURE_CENTRES["front"]
    assert left_back.x < FIGURE_CENTRES["back"]


def test_selected_sites_are_checked_in_the_drawing_when_the_form_returns(client, episode):
    response = client.post(intake_url(episode), form_data(episode, age=""))
    html = response.content.decode()
    assert re.search(r'aria-checked="true" aria-label="Left knee \(front\)"', html)
    assert 'value="left_knee" id="pain_sites-left_knee" checked' in html


def test_screening_page_shows_findings_with_sources_and_acknowledges(client, episode):
    assessment = make_assessment(episode, **URGENT_AND_REFER, medications=["warfarin"])
    html = client.get(f"/assessments/{assessment.public_id}/").content.decode()
    assert html.index("finding-cauda_equina") < html.index("finding-unexplained_weight_loss")
    assert html.index("finding-unexplained_weight_loss") < html.index(
        "finding-anticoagulant_vitamin_k_antagonist"
    )
    assert "Why:" in html
    assert "Action:" in html
    assert "Emergency referral" in html
    assert "Verhagen" in html  # citation resolved to its bibliography entry
    assert "https://doi.org/10.1007/s00586-016-4684-0" in html
    assert "2 urgent or refer findings must be acknowledged" in html
    empty = client.post(
        f"/assessments/{assessment.public_id}/acknowledge/", {"rule": "cauda_equina", "note": " "}
    )
    assert empty.status_code == 422
    assert 'id="note-cauda_equina-error"' in empty.content.decode()
    done = client.post(
        f"/assessments/{assessment.public_id}/acknowledge/",
        {"rule": "cauda_equina", "note": "Sent to A&E with a letter."},
    )
    assert done.status_code == 302
    html = client.get(f"/assessments/{assessment.public_id}/").content.decode()
    assert "Sent to A&amp;E with a letter." in html
    assert "1 urgent or refer finding must be acknowledged" in html
    assert FindingAcknowledgement.objects.count() == 1


def test_a_new_intake_from_the_page_supersedes_and_a_stale_form_is_refused(client, episode):
    first = make_assessment(episode)
    page = client.get(intake_url(episode))
    based_on = page.context["form"].initial["based_on"]
    assert based_on == first.public_id
    make_assessment(episode)  # someone else saves meanwhile
    stale = client.post(intake_url(episode), form_data(episode, based_on=str(based_on)))
    assert stale.status_code == 409
    assert episode.assessments.count() == 2


def test_double_submit_of_the_page_creates_one_assessment(client, episode):
    data = form_data(episode, submission="5b0f6d1e-7f53-4a4f-a4a3-0a7c3b1f2e10")
    first = client.post(intake_url(episode), data)
    second = client.post(intake_url(episode), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Assessment.objects.count() == 1


def test_chart_shows_the_latest_decision(client, episode):
    chart = f"/patients/{episode.patient.public_id}/"
    assert "Start the intake" in client.get(chart).content.decode()
    assessment = make_assessment(episode, **URGENT_AND_REFER)
    html = client.get(chart).content.decode()
    assert "Urgent referral" in html
    assert "2 findings to acknowledge" in html
    assert f"/assessments/{assessment.public_id}/" in html


def test_the_chart_counts_only_findings_not_yet_acknowledged(client, episode):
    chart = f"/patients/{episode.patient.public_id}/"
    assessment = make_assessment(episode, **URGENT_AND_REFER)
    client.post(
        f"/assessments/{assessment.public_id}/acknowledge/",
        {"rule": "cauda_equina", "note": "Sent to A&E with a letter."},
    )
    html = client.get(chart).content.decode()
    assert "1 finding to acknowledge" in html
    assert "Refer (not acknowledged)" in html  # the summary's alert of the other finding


def test_the_chart_reads_no_acknowledgements_when_no_finding_needs_one(client, episode):
    """A screening without urgent or refer findings has nothing to acknowledge: the chart
    does not ask for its acknowledgements (one query fewer)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_assessment(episode)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(f"/patients/{episode.patient.public_id}/").content.decode()
    assert "Proceed" in html
    assert "to acknowledge" not in html
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    assert "assessments_assessment" in tables
    assert "assessments_findingacknowledgement" not in tables


def test_the_chart_reads_only_the_columns_it_shows_of_the_assessments(client, episode):
    """The decision, the screening's link and date and its findings (the summary's
    alerts and the count to acknowledge): not the intake, the rules applied, the
    knowledge base's version or who made it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assessment = make_assessment(episode, **URGENT_AND_REFER)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(f"/patients/{episode.patient.public_id}/").content.decode()
    assert "2 findings to acknowledge" in html
    assert f"/assessments/{assessment.public_id}/" in html
    (sql,) = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "assessments_assessment"' in q["sql"] and "superseded_at" in q["sql"]
    ]
    for column in ("intake_document", "rules_applied", "kb_version", "created_by_id"):
        assert f'"assessments_assessment"."{column}"' not in sql


def test_episode_history_lists_every_intake_in_fixed_queries(
    client, episode, django_assert_max_num_queries
):
    for _ in range(6):
        make_assessment(episode)
    client.get(f"/patients/{episode.patient.public_id}/")  # settle the session
    # session, user, clinic, episode with patient, assessments with authors, their
    # acknowledgements, the audit insert; and a session refresh with its savepoints.
    with django_assert_max_num_queries(10):
        response = client.get(f"/assessments/episodes/{episode.public_id}/")
    assert response.content.decode().count("superseded") == 5


def test_api_list_in_fixed_queries(client, episode, django_assert_max_num_queries):
    for _ in range(6):
        make_assessment(episode, **URGENT_AND_REFER)
    client.get(f"/patients/{episode.patient.public_id}/")
    with django_assert_max_num_queries(10):
        response = client.get(f"/api/v1/episodes/{episode.public_id}/assessments")
    assert len(response.json()) == 6


def test_the_drawing_follows_the_views_of_the_knowledge_base():
    from acucare.assessments.body_map import drawn_views, regions
    from acucare.kb.records.body_sites import BodyRegion

    drawn = {(r.site.name, r.view) for r in regions()}
    for region in registry().of(BodyRegion).values():
        for site in region.site_names():
            assert {view for name, view in drawn if name == site} == drawn_views(region), site


def test_every_red_flag_and_history_flag_has_its_wording():
    from acucare.assessments.questions import HISTORY_LABELS, RED_FLAG_QUESTIONS
    from acucare.kb.vocabulary import HISTORY_FLAGS, RED_FLAGS

    assert list(RED_FLAG_QUESTIONS) == list(RED_FLAGS)
    assert set(HISTORY_LABELS) == set(HISTORY_FLAGS)
    assert all(question.endswith("?") for question in RED_FLAG_QUESTIONS.values())


def test_a_clinic_wording_file_supplies_item_wording(client, episode, tmp_path, monkeypatch):
    import yaml

    items = [
        {
            "number": n,
            "text": f"Clinic wording of item {n}",
            "options": {c: f"answer {c}" for c in range(6)},
        }
        for n in range(1, 11)
    ]
    (tmp_path / "odi.yaml").write_text(yaml.safe_dump({"instrument": "odi", "items": items}))
    monkeypatch.setenv("ACUCARE_INSTRUMENT_WORDING_DIR", str(tmp_path))
    html = client.get(intake_url(episode)).content.decode()
    odi = html[html.index('id="questionnaire-odi"') :]
    odi = odi[: odi.index("</details>")]
    assert "Clinic wording of item 10" in odi
    assert "answer 5" in odi
    assert "does not ship" not in odi


def test_a_mismatched_clinic_wording_file_is_reported_not_used(
    client, episode, tmp_path, monkeypatch
):
    (tmp_path / "odi.yaml").write_text("instrument: ndi\nitems: []\n")
    monkeypatch.setenv("ACUCARE_INSTRUMENT_WORDING_DIR", str(tmp_path))
    html = client.get(intake_url(episode)).content.decode()
    assert "wording file was not used" in html


def test_pages_record_their_reads(client, episode):
    assessment = make_assessment(episode)
    before = AuditEvent.objects.count()
    client.get(f"/assessments/{assessment.public_id}/")
    client.get(intake_url(episode))
    client.get(f"/assessments/episodes/{episode.public_id}/")
    events = list(
        AuditEvent.objects.order_by("id")[before:].values_list("action", "object_type", "object_id")
    )
    assert ("read", "assessment", assessment.public_id) in events
    assert ("read", "episode", episode.public_id) in events
    assert ("list", "assessment", None) in events
    assert sum(1 for e in events if e[:2] == ("read", "assessment")) == 2  # detail, intake


def test_an_under_16_is_flagged_for_guardian_consent(episode):
    import datetime as dt

    young = make_patient(
        episode.patient.primary_practitioner,
        date_of_birth=dt.date.today().replace(year=dt.date.today().year - 12),
    )
    young_episode = make_episode(young)
    html = signed_in(young.primary_practitioner).get(intake_url(young_episode)).content.decode()
    assert "under 16" in html
    data = form_data(young_episode, age="12", consent_given_by="")
    response = signed_in(young.primary_practitioner).post(intake_url(young_episode), data)
    assessment = Assessment.objects.get(episode=young_episode)
    assert response.status_code == 302
    assert "under_16_guardian_consent@1" in assessment.rules_applied


def test_chart_with_assessed_episodes_in_fixed_queries(django_assert_max_num_queries):
    from tests.patients.test_query_counts import CHART_QUERIES

    doc = make_practitioner()
    patient = make_patient(doc)
    for _ in range(5):
        make_assessment(make_episode(patient), **URGENT_AND_REFER)
    client = signed_in(doc)
    with django_assert_max_num_queries(CHART_QUERIES):
        html = client.get(f"/patients/{patient.public_id}/").content.decode()
    assert html.count("2 findings to acknowledge") == 5


def test_screening_page_lists_what_is_blocked_in_words(client, episode):
    assessment = make_assessment(
        episode,
        pregnancy={"pregnant": True, "weeks": 20},
        history=["bleeding_disorder", "diabetes", "pacemaker_or_icd"],
        limbs_at_risk=["left_arm"],
        skin_lesion_sites=["right_knee"],
    )
    html = client.get(f"/assessments/{assessment.public_id}/").content.decode()
    blocked = html[html.index('id="blocked-heading"') : html.index('id="scores-heading"')]
    assert "Electroacupuncture" in blocked
    assert "Left arm" in blocked
    assert "Right knee" in blocked
    assert "Deep needling everywhere" in blocked
    assert "Moxibustion at Lower back, Sacrum, Abdomen" in blocked
    assert "SP6" in blocked  # a point blocked in pregnancy
    assert "Left lower leg" in blocked  # diabetes: prefer to avoid the lower legs
