"""Plans: generation from the current assessment, point edits with the live safety
check, version conflicts, and approval."""

from __future__ import annotations

import json

import pytest

from acucare.assessments.services import finding_acknowledge
from acucare.audit.models import AuditEvent
from acucare.domain.errors import ConflictError, InputError
from acucare.kb import registry
from acucare.treatment import services
from acucare.treatment.models import PlanStatus, TreatmentPlan
from tests.assessments.factories import make_assessment
from tests.factories import actor, make_episode, make_patient, make_practitioner, signed_in
from tests.treatment.factories import PREGNANT, REFER, episode_with_assessment, make_plan

pytestmark = pytest.mark.django_db


def test_a_plan_records_its_knowledge_base_protocol_and_rules():
    episode, assessment = episode_with_assessment()
    plan = make_plan(episode)
    assert plan.status == PlanStatus.DRAFT
    assert plan.kb_version == registry().version == plan.document["kb_version"]
    assert plan.protocol == plan.document["acupuncture"]["protocol"]
    assert "@" in plan.protocol
    assert plan.rules
    assert plan.rules == plan.document["produced_by"]["rules"]
    assert plan.assessment == assessment
    assert plan.points
    assert all({"code", "side", "role", "why"} <= set(p) for p in plan.points)
    event = AuditEvent.objects.get(object_type="treatment_plan", action="create")
    assert event.object_id == plan.public_id
    assert event.detail["protocol"] == plan.protocol


def test_a_new_plan_supersedes_the_earlier_one():
    episode, _ = episode_with_assessment()
    first = make_plan(episode, approve=True)
    second = make_plan(episode)
    first.refresh_from_db()
    assert first.status == PlanStatus.SUPERSEDED
    assert second.status == PlanStatus.DRAFT
    with pytest.raises(InputError) as refused:
        services.plan_point_remove(
            actor=actor(episode.patient.primary_practitioner),
            plan_id=first.public_id,
            version=first.version,
            code="BL23",
            side="bilateral",
        )
    assert refused.value.field == "status"


def test_no_plan_without_an_assessment():
    episode = make_episode(make_patient(make_practitioner()))
    with pytest.raises(InputError) as refused:
        make_plan(episode)
    assert refused.value.field == "assessment"
    assert not TreatmentPlan.objects.exists()


def test_approval_records_who_and_when():
    episode, _ = episode_with_assessment()
    plan = make_plan(episode, approve=True)
    assert plan.status == PlanStatus.APPROVED
    assert plan.approved_by == episode.patient.primary_practitioner
    assert plan.approved_at is not None
    assert AuditEvent.objects.filter(
        object_id=plan.public_id, action="update", detail__change="approve"
    ).exists()


def test_approval_is_refused_while_findings_await_acknowledgement():
    episode, assessment = episode_with_assessment(**REFER)
    plan = make_plan(episode)
    assert plan.referral_required
    assert plan.acupuncture is None
    who = actor(episode.patient.primary_practitioner)
    with pytest.raises(InputError) as refused:
        services.plan_approve(actor=who, plan_id=plan.public_id, version=plan.version)
    assert refused.value.field == "findings"
    assert "hot_swollen_joint" in refused.value.message
    finding_acknowledge(
        actor=who, assessment_id=assessment.public_id, rule="hot_swollen_joint", note="GP seen."
    )
    # Acknowledged, but this plan still plans no acupuncture: screen again first.
    with pytest.raises(InputError) as still:
        services.plan_approve(actor=who, plan_id=plan.public_id, version=plan.version)
    assert still.value.field == "status"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert plan.approved_at is None


def test_approval_is_refused_for_pending_findings_whatever_the_plan(monkeypatch):
    episode, _ = episode_with_assessment()
    plan = make_plan(episode)
    monkeypatch.setattr(
        "acucare.treatment.assessments.selectors.unacknowledged_findings",
        lambda assessment: [{"rule": "cauda_equina", "level": "urgent"}],
    )
    with pytest.raises(InputError) as refused:
        services.plan_approve(
            actor=actor(episode.patient.primary_practitioner),
            plan_id=plan.public_id,
            version=plan.version,
        )
    assert refused.value.allowed == ["cauda_equina"]


def test_approval_is_refused_when_a_newer_assessment_exists():
    from tests.assessments.factories import make_assessment

    episode, _ = episode_with_assessment()
    plan = make_plan(episode)
    make_assessment(episode, pain_sites=["lower_back", "left_knee"])
    with pytest.raises(InputError) as refused:
        services.plan_approve(
            actor=actor(episode.patient.primary_practitioner),
            plan_id=plan.public_id,
            version=plan.version,
        )
    assert refused.value.field == "assessment"


def test_adding_and_removing_points_is_checked_and_audited():
    episode, _ = episode_with_assessment()
    plan = make_plan(episode, approve=True)
    who = actor(episode.patient.primary_practitioner)
    plan = services.plan_point_add(
        actor=who,
        plan_id=plan.public_id,
        version=plan.version,
        point={"code": "Hegu", "side": "left", "why": "Distal point for pain."},
    )
    added = plan.points[-1]
    assert (added["code"], added["side"], added["role"]) == ("LI4", "left", "added")
    # An edited plan needs approving again.
    assert plan.status == PlanStatus.DRAFT
    assert plan.approved_by is None
    plan = services.plan_point_remove(
        actor=who, plan_id=plan.public_id, version=plan.version, code="LI4", side="left"
    )
    assert "LI4" not in {p["code"] for p in plan.points}
    changes = list(
        AuditEvent.objects.filter(object_id=plan.public_id, action="update")
        .order_by("id")
        .values_list("detail__change", flat=True)
    )
    assert changes == ["approve", "add_point", "remove_point"]
    assert [e["change"] for e in plan.document["edits"]] == ["add_point", "remove_point"]


def test_a_blocked_point_cannot_be_added():
    episode, _ = episode_with_assessment(**PREGNANT)
    plan = make_plan(episode)
    before = plan.points
    with pytest.raises(InputError) as refused:
        services.plan_point_add(
            actor=actor(episode.patient.primary_practitioner),
            plan_id=plan.public_id,
            version=plan.version,
            point={"code": "SP6", "side": "bilateral"},
        )
    assert refused.value.field == "point.code"
    assert "cannot be added" in refused.value.message
    plan.refresh_from_db()
    assert plan.points == before
    assert plan.version == 1


@pytest.mark.parametrize(
    ("point", "field"),
    [
        ({"code": "XX99", "side": "left"}, "point.code"),
        ({"code": "LI4", "side": "up"}, "point.side"),
        ({"code": "GV20", "side": "left"}, "point.side"),
        ({"code": "BL23", "side": "left"}, "point.code"),  # already there (bilateral)
    ],
)
def test_bad_points_name_their_field(point, field):
    episode, _ = episode_with_assessment()
    plan = make_plan(episode)
    with pytest.raises(InputError) as refused:
        services.plan_point_add(
            actor=actor(episode.patient.primary_practitioner),
            plan_id=plan.public_id,
            version=plan.version,
            point=point,
        )
    assert refused.value.field == field


def test_a_stale_version_is_refused():
    episode, _ = episode_with_assessment()
    plan = make_plan(episode)
    who = actor(episode.patient.primary_practitioner)
    services.plan_point_add(
        actor=who, plan_id=plan.public_id, version=1, point={"code": "LI4", "side": "left"}
    )
    with pytest.raises(ConflictError) as conflict:
        services.plan_point_add(
            actor=who, plan_id=plan.public_id, version=1, point={"code": "LI4", "side": "right"}
        )
    assert conflict.value.current_version == 2
    plan.refresh_from_db()
    assert [p["side"] for p in plan.points if p["code"] == "LI4"] == ["left"]


def test_the_plan_page_shows_points_sources_and_notices():
    episode, _ = episode_with_assessment()
    plan = make_plan(episode)
    html = (
        signed_in(episode.patient.primary_practitioner)
        .get(f"/treatment/plans/{plan.public_id}/")
        .content.decode()
    )
    for point in plan.points:
        assert point["code"] in html
        assert point["why"][:30] in html
    assert "Sources" in html
    assert "Layers of care" in html
    assert "Guideline positions" in html
    assert "Approve this plan" in html
    assert "NG59" in html


def test_the_plan_page_shows_the_guideline_courses_of_a_headache_plan():
    practitioner = make_practitioner()
    episode = make_episode(make_patient(practitioner), "G43.909", complaint="Migraine")
    make_assessment(episode, conditions=[{"icd10": "G43.909", "duration_weeks": 100}])
    plan = make_plan(episode)
    assert plan.acupuncture is not None
    courses = plan.acupuncture["guideline_courses"]
    assert courses
    response = signed_in(practitioner).get(f"/treatment/plans/{plan.public_id}/")
    assert response.status_code == 200
    assert "Guideline courses" in response.content.decode()
    assert courses[0]["text"][:20] in response.content.decode()


def test_the_plan_page_says_when_no_acupuncture_is_planned():
    episode, _ = episode_with_assessment(**REFER)
    plan = make_plan(episode)
    html = (
        signed_in(episode.patient.primary_practitioner)
        .get(f"/treatment/plans/{plan.public_id}/")
        .content.decode()
    )
    assert "Referral required — no acupuncture" in html
    assert "Approve this plan" not in html


def test_pages_add_a_point_and_show_a_blocked_one_beside_its_field():
    episode, _ = episode_with_assessment(**PREGNANT)
    plan = make_plan(episode)
    client = signed_in(episode.patient.primary_practitioner)
    url = f"/treatment/plans/{plan.public_id}/"
    live = client.post(
        url + "points/check/", {"code": "SP6", "side": "bilateral"}, HTTP_HX_REQUEST="true"
    )
    assert "cannot be used for this patient" in live.content.decode()
    live = client.post(
        url + "points/check/", {"code": "LI11", "side": "left"}, HTTP_HX_REQUEST="true"
    )
    assert "passes the safety check" in live.content.decode()
    refused = client.post(url + "points/add/", {"code": "SP6", "side": "bilateral", "version": 1})
    assert refused.status_code == 422
    assert 'id="add-code_error"' in refused.content.decode()
    added = client.post(url + "points/add/", {"code": "LI11", "side": "left", "version": 1})
    assert added.status_code == 302
    plan.refresh_from_db()
    assert ("LI11", "left") in {(p["code"], p["side"]) for p in plan.points}


def test_pages_refuse_a_stale_save_and_show_the_conflict():
    episode, _ = episode_with_assessment()
    plan = make_plan(episode)
    client = signed_in(episode.patient.primary_practitioner)
    url = f"/treatment/plans/{plan.public_id}/points/add/"
    assert client.post(url, {"code": "LI4", "side": "left", "version": 1}).status_code == 302
    stale = client.post(url, {"code": "LI11", "side": "left", "version": 1})
    assert stale.status_code == 409
    assert "Someone else changed this plan" in stale.content.decode()
    approve = client.post(f"/treatment/plans/{plan.public_id}/approve/", {"version": 1})
    assert approve.status_code == 409


def test_api_generates_edits_and_approves():
    episode, _ = episode_with_assessment()
    client = signed_in(episode.patient.primary_practitioner)
    created = client.post(
        f"/api/v1/episodes/{episode.public_id}/plans",
        HTTP_IDEMPOTENCY_KEY="4b0f8a7e-6a59-4c49-9d70-0a1c1d2e3f40",
    )
    assert created.status_code == 201
    again = client.post(
        f"/api/v1/episodes/{episode.public_id}/plans",
        HTTP_IDEMPOTENCY_KEY="4b0f8a7e-6a59-4c49-9d70-0a1c1d2e3f40",
    )
    assert again.status_code == 200
    assert again.json()["public_id"] == created.json()["public_id"]
    plan = created.json()
    assert plan["kb_version"]
    assert plan["protocol"]
    assert plan["rules"]
    url = f"/api/v1/plans/{plan['public_id']}"

    def patch(body):
        return client.patch(url, data=json.dumps(body), content_type="application/json")

    edited = patch({"version": 1, "add": {"code": "LI4", "side": "left"}})
    assert edited.status_code == 200
    assert edited.json()["version"] == 2
    stale = patch({"version": 1, "add": {"code": "LI11", "side": "left"}})
    assert stale.status_code == 409
    assert stale.json()["error"] == {
        "code": "conflict",
        "message": stale.json()["error"]["message"],
        "current_version": 2,
    }
    both = patch({"version": 2})
    assert both.status_code == 422
    assert both.json()["error"]["field"] == "add"
    bad = patch({"version": 2, "add": {"code": "LI4", "side": "up"}})
    assert bad.status_code == 422
    assert "side" in bad.json()["error"]["field"]
    approved = client.post(
        url + "/approve", data=json.dumps({"version": 2}), content_type="application/json"
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["approved_by"]["public_id"] == str(
        episode.patient.primary_practitioner.public_id
    )
    listed = client.get(f"/api/v1/episodes/{episode.public_id}/plans")
    assert [p["public_id"] for p in listed.json()] == [plan["public_id"]]


def test_api_refuses_a_blocked_point():
    episode, _ = episode_with_assessment(**PREGNANT)
    plan = make_plan(episode)
    response = signed_in(episode.patient.primary_practitioner).patch(
        f"/api/v1/plans/{plan.public_id}",
        data=json.dumps({"version": 1, "add": {"code": "LI4", "side": "bilateral"}}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "point.code"


def test_point_search_by_code_alias_pinyin_and_english():
    client = signed_in(make_practitioner())
    for query, code in [("LI4", "LI4"), ("UB23", "BL23"), ("hegu", "LI4"), ("Shenshu", "BL23")]:
        html = client.get(
            "/treatment/points/", {"q": query}, HTTP_HX_REQUEST="true"
        ).content.decode()
        assert f"<code>{code}</code>" in html, query


def test_the_point_picker_adds_a_result_to_the_plan():
    episode, _ = episode_with_assessment()
    plan = make_plan(episode)
    client = signed_in(episode.patient.primary_practitioner)
    results = client.get(
        "/treatment/points/",
        {"q": "Quchi", "plan": str(plan.public_id), "version": str(plan.version)},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert f'action="/treatment/plans/{plan.public_id}/points/add/"' in results
    assert '<option value="left">left</option>' in results
    response = client.post(
        f"/treatment/plans/{plan.public_id}/points/add/",
        {"code": "LI11", "side": "right", "version": plan.version},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.points[-1]["code"] == "LI11"


def test_point_sources_name_the_first_author_and_year():
    episode, _ = episode_with_assessment()
    plan = make_plan(episode)
    html = (
        signed_in(episode.patient.primary_practitioner)
        .get(f"/treatment/plans/{plan.public_id}/")
        .content.decode()
    )
    source = plan.points[0]["citations"][0]
    assert f'<a href="#cite-{source}">' in html
    assert f'<a href="#cite-{source}"></a>' not in html
    assert f'<li id="cite-{source}">' in html


def test_a_removed_point_leaves_the_first_session_and_the_needle_count():
    episode, _ = episode_with_assessment()
    plan = make_plan(episode)
    first = plan.document["acupuncture"]["first_session"]["points"][0]
    needles = plan.document["acupuncture"]["needles"]
    plan = services.plan_point_remove(
        actor=actor(episode.patient.primary_practitioner),
        plan_id=plan.public_id,
        version=plan.version,
        code=first["code"].lower(),  # any spelling of the code
        side=first["side"],
    )
    acupuncture = plan.document["acupuncture"]
    assert first not in acupuncture["first_session"]["points"]
    assert acupuncture["needles"] == needles - (2 if first["side"] == "bilateral" else 1)


def test_removing_an_electrode_point_drops_its_pairs():
    episode, _ = episode_with_assessment(
        conditions=[{"icd10": "G43.909", "duration_weeks": 30}], pain_sites=["head"]
    )
    plan = make_plan(episode)
    pairs = plan.document["acupuncture"]["electro_pairs"]
    assert pairs
    code = pairs[0][0]["code"]
    side = next(p["side"] for p in plan.points if p["code"] == code)
    plan = services.plan_point_remove(
        actor=actor(episode.patient.primary_practitioner),
        plan_id=plan.public_id,
        version=plan.version,
        code=code,
        side=side,
    )
    remaining = plan.document["acupuncture"]["electro_pairs"]
    assert all(code not in {e["code"] for e in pair} for pair in remaining)
