"""Session charting (STRICTA 2010): live check, blocked elements, needle counts, signing,
amendments, once-only submission and field errors."""

from __future__ import annotations

import json
import uuid

import pytest

from acucare.audit.models import AuditEvent
from acucare.domain.errors import InputError
from acucare.treatment import services
from acucare.treatment.models import AdverseEvent, SessionAmendment, TreatmentSession
from tests.factories import actor, make_practitioner, share, signed_in
from tests.treatment.factories import (
    PREGNANT,
    episode_with_assessment,
    make_plan,
    make_session,
    session_document,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    episode, _ = episode_with_assessment()
    return make_plan(episode, approve=True)


def owner(plan):
    return plan.episode.patient.primary_practitioner


def test_a_session_is_charted_with_its_check_and_adverse_events(plan):
    session = make_session(plan)
    assert session.number == 1
    assert session.check_document["allowed"] is True
    assert session.kb_version == plan.kb_version
    assert session.points[0]["code"] == "BL23"
    assert session.needle["lot"] == "A1234"
    event = AdverseEvent.objects.get(session=session)
    assert (event.seriousness, event.mechanism, event.type_code) == (
        "minor",
        "traumatic",
        "haematoma",
    )
    assert make_session(plan).number == 2
    audit = AuditEvent.objects.filter(object_type="treatment_session", action="create")
    assert audit.count() == 2
    first = audit.first()
    assert first is not None
    assert first.detail["adverse_events"] == ["haematoma"]


def test_sessions_need_an_approved_plan():
    episode, _ = episode_with_assessment()
    draft = make_plan(episode)
    with pytest.raises(InputError) as refused:
        make_session(draft)
    assert refused.value.field == "plan"
    assert not TreatmentSession.objects.exists()


def test_a_session_with_a_blocked_point_is_not_saved():
    episode, _ = episode_with_assessment(**PREGNANT)
    plan = make_plan(episode, approve=True)
    points = [
        {"code": "BL23", "side": "bilateral"},
        {"code": "SP6", "side": "left"},
    ]
    with pytest.raises(InputError) as refused:
        make_session(plan, points=points)
    assert refused.value.field == "points[1].code"
    assert "blocks" in refused.value.message
    assert not TreatmentSession.objects.exists()
    assert not AdverseEvent.objects.exists()


def test_a_charted_angle_the_point_forbids_is_not_saved(plan):
    """GB21 needled perpendicular into muscle breaches its caution (issue 9, item 1)."""
    points = [
        {"code": "BL23", "side": "bilateral"},
        {"code": "GB21", "side": "left", "depth_tissue": "muscle", "angle": "perpendicular"},
    ]
    with pytest.raises(InputError) as refused:
        make_session(plan, points=points)
    assert refused.value.field == "points[1].code"
    assert not TreatmentSession.objects.exists()
    points[1]["angle"] = "oblique"
    assert make_session(plan, points=points).check_document["allowed"] is True


def test_an_electro_pair_across_the_chest_is_not_saved(plan):
    pair = {
        "electrodes": [{"code": "LI4", "side": "left"}, {"code": "LI4", "side": "right"}],
        "frequency_hz": 2,
        "waveform": "dense_disperse",
        "intensity": "mild",
        "duration_minutes": 20,
    }
    with pytest.raises(InputError) as refused:
        make_session(plan, electro_pairs=[pair])
    assert refused.value.field.startswith("electro_pairs")
    assert not TreatmentSession.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "allowed"),
    [
        ({"pain_before": 11}, "pain_before", {"min": 0, "max": 10}),
        ({"needles_in": "many"}, "needles_in", {"min": 0, "max": 100}),
        (
            {"points": [{"code": "BL23", "side": "bilateral", "de_qi": "strong"}]},
            "points[0].de_qi",
            ["sought_obtained", "sought_not_obtained", "not_sought"],
        ),
        ({"points": [{"code": "ZZ1", "side": "left"}]}, "points[0].code", None),
        ({"points": []}, "points", None),
        ({"needle": {"gauge_mm": 0.25}}, "needle.length_mm", None),
        ({"colour": "blue"}, "colour", None),
        (
            {
                "adverse_events": [
                    {
                        "seriousness": "awful",
                        "mechanism": "other",
                        "type_code": "fainting",
                        "needed_treatment": False,
                        "avoidable": "no",
                        "modality": "manual",
                        "reporter": "patient",
                    }
                ]
            },
            "adverse_events[0].seriousness",
            ["serious", "significant_minor", "minor", "expected_transient"],
        ),
        (
            {"needle": {"gauge_mm": 0.25, "length_mm": 40, "lot": "A1\x00"}},
            "needle.lot",
            None,
        ),
        (
            {"co_interventions": [{"kind": "cupping", "detail": "dry\x07"}]},
            "co_interventions[0].detail",
            None,
        ),
    ],
)
def test_bad_input_names_its_field_and_saves_nothing(plan, changes, field, allowed):
    with pytest.raises(InputError) as refused:
        make_session(plan, **changes)
    assert refused.value.field == field
    if allowed is not None:
        assert refused.value.allowed == allowed
    assert not TreatmentSession.objects.exists()
    assert not AdverseEvent.objects.exists()


def test_a_depth_in_millimetres_and_a_tissue_level_are_recorded_together(plan):
    """At a point with an anatomical caution (GB20: brainstem) the check warns about a
    depth given only in millimetres and asks for the depth class; the note must be able to
    give both, so that the warning can be answered (issue 9)."""
    only_mm = [{"code": "GB20", "side": "bilateral", "depth_mm": 15, "angle": "oblique"}]
    both = [{**only_mm[0], "depth_tissue": "muscle"}]
    session = make_session(plan, points=both)
    point = session.points[0]
    assert (point["depth_mm"], point["depth_tissue"]) == (15, "muscle")
    rules = {f["rule"] for f in session.check_document["findings"]}
    assert "depth_in_mm_not_classed" not in rules
    again = make_session(plan, points=only_mm, number=2)
    assert "depth_in_mm_not_classed" in {f["rule"] for f in again.check_document["findings"]}


def test_a_needle_count_mismatch_blocks_sign_off_until_explained(plan):
    session = make_session(plan, needles_in=8, needles_out=7)
    who = actor(owner(plan))
    with pytest.raises(InputError) as refused:
        services.session_sign(actor=who, session_id=session.public_id, version=1)
    assert refused.value.field == "needle_count_explanation"
    session.refresh_from_db()
    assert not session.signed
    signed = services.session_sign(
        actor=who,
        session_id=session.public_id,
        version=1,
        explanation="One needle found on the couch after the patient left; disposed of.",
    )
    assert signed.signed
    assert signed.needle_count_explanation.startswith("One needle")


def test_a_corrected_count_resolves_the_mismatch(plan):
    session = make_session(plan, needles_in=8, needles_out=7)
    signed = services.session_sign(
        actor=actor(owner(plan)), session_id=session.public_id, version=1, needles_out=8
    )
    assert signed.signed
    assert signed.needles_out == 8
    event = AuditEvent.objects.get(object_id=session.public_id, detail__change="sign")
    assert event.detail["needles_out"] == [7, 8]


def test_a_signed_session_is_locked_and_amended_separately(plan):
    session = make_session(plan)
    who = actor(owner(plan))
    services.session_sign(actor=who, session_id=session.public_id, version=1)
    with pytest.raises(InputError):
        services.session_sign(actor=who, session_id=session.public_id, version=2)
    amendment = services.session_amend(
        actor=who, session_id=session.public_id, reason="Late report", text="Bruise resolved."
    )
    session.refresh_from_db()
    assert session.pain_after == 5
    assert amendment.created_by == owner(plan)
    assert SessionAmendment.objects.filter(session=session).count() == 1
    steps = list(
        AuditEvent.objects.filter(object_type__in=["treatment_session", "session_amendment"])
        .order_by("id")
        .values_list("object_type", "action", "detail__change")
    )
    assert steps == [
        ("treatment_session", "create", None),
        ("treatment_session", "update", "sign"),
        ("session_amendment", "create", None),
    ]
    with pytest.raises(InputError) as refused:
        services.session_amend(actor=who, session_id=session.public_id, reason=" ", text="x")
    assert refused.value.field == "reason"
    html = signed_in(owner(plan)).get(f"/treatment/sessions/{session.public_id}/").content.decode()
    assert "Bruise resolved." in html
    assert "Late report" in html
    assert "Sign this note" not in html
    assert 'name="pain_after"' not in html


def test_only_the_author_signs_and_drafts_are_not_amended(plan):
    colleague = make_practitioner()
    share(plan.episode.patient, colleague)
    session = make_session(plan)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.session_sign(actor=actor(colleague), session_id=session.public_id, version=1)
    with pytest.raises(InputError) as refused:
        services.session_amend(
            actor=actor(owner(plan)), session_id=session.public_id, reason="r", text="t"
        )
    assert refused.value.field == "status"


def test_a_double_submit_creates_one_session(plan):
    key = uuid.uuid4()
    who = actor(owner(plan))
    first = services.session_create(
        actor=who, plan_id=plan.public_id, record=session_document(), submission=key
    )
    from acucare.core.once import DuplicateSubmission

    with pytest.raises(DuplicateSubmission) as duplicate:
        services.session_create(
            actor=who, plan_id=plan.public_id, record=session_document(), submission=key
        )
    assert duplicate.value.object_id == first.public_id
    assert TreatmentSession.objects.count() == 1


def _form(**changes):
    data = {
        "submission": str(uuid.uuid4()),
        "modality": "manual_acupuncture",
        "needles_in": "3",
        "needles_out": "3",
        "pain_before": "6",
        "pain_after": "4",
        "retention_minutes": "20",
        "needle_gauge_mm": "0.25",
        "needle_length_mm": "40",
        "needle_material": "stainless_steel",
        "point-0-code": "BL23",
        "point-0-side": "bilateral",
        "point-0-depth_mm": "25",
        "point-0-de_qi": "sought_obtained",
        "point-0-stimulation": "even",
        "point-1-code": "GV3",
        "point-1-side": "midline",
        "point-1-de_qi": "not_sought",
        "point-1-stimulation": "none",
        "co_kind": ["moxibustion"],
        "co-moxibustion-detail": "Moxa box over the lower back, 10 minutes",
        "event-0-type_code": "needling_pain",
        "event-0-seriousness": "minor",
        "event-0-mechanism": "other",
        "event-0-needed_treatment": "no",
        "event-0-avoidable": "no",
        "event-0-modality": "manual",
        "event-0-reporter": "patient",
    }
    data.update(changes)
    return data


def test_the_page_charts_a_session_once_however_often_it_is_sent(plan):
    client = signed_in(owner(plan))
    url = f"/treatment/plans/{plan.public_id}/sessions/new/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="BL23"' in page.content.decode()
    data = _form()
    first = client.post(url, data)
    again = client.post(url, data)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    session = TreatmentSession.objects.get()
    assert session.co_interventions == [
        {"kind": "moxibustion", "detail": "Moxa box over the lower back, 10 minutes"}
    ]
    assert session.adverse_events.get().type_code == "needling_pain"


def test_the_page_shows_a_bad_value_beside_its_field_and_saves_nothing(plan):
    client = signed_in(owner(plan))
    url = f"/treatment/plans/{plan.public_id}/sessions/new/"
    # Row 3 is used with rows 2 left empty: the error must land on row 3's field.
    response = client.post(
        url, _form(**{"point-3-code": "LI11", "point-3-side": "left", "point-3-depth_mm": "deep"})
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_point-3-depth_mm_error"' in html
    assert 'value="LI11"' in html
    response = client.post(url, _form(pain_after="12"))
    assert response.status_code == 422
    assert 'id="id_pain_after_error"' in response.content.decode()
    assert not TreatmentSession.objects.exists()


def test_the_live_check_warns_as_points_are_added():
    episode, _ = episode_with_assessment(**PREGNANT)
    plan = make_plan(episode, approve=True)
    client = signed_in(owner(plan))
    url = f"/treatment/plans/{plan.public_id}/sessions/check/"
    # GV3 is blocked in pregnancy (the plan replaced it), so the form leaves it out.
    blocked = client.post(
        url,
        _form(**{"point-1-code": "", "point-2-code": "SP6", "point-2-side": "left"}),
        HTTP_HX_REQUEST="true",
    )
    assert "blocks this session" in blocked.content.decode()
    warned = client.post(
        url,
        _form(**{"point-1-code": "", "point-2-code": "GB21", "point-2-side": "left"}),
        HTTP_HX_REQUEST="true",
    )
    html = warned.content.decode()
    assert "allows this session" in html
    assert "Caution: " in html
    saved = client.post(
        f"/treatment/plans/{plan.public_id}/sessions/new/",
        _form(**{"point-1-code": "", "point-2-code": "SP6", "point-2-side": "left"}),
    )
    assert saved.status_code == 422
    assert 'id="id_point-2-code_error"' in saved.content.decode()
    assert not TreatmentSession.objects.exists()


def test_the_pages_sign_and_amend(plan):
    session = make_session(plan, needles_in=4, needles_out=3)
    client = signed_in(owner(plan))
    url = f"/treatment/sessions/{session.public_id}/"
    refused = client.post(url + "sign/", {"version": 1})
    assert refused.status_code == 422
    assert "before signing" in refused.content.decode()
    signed = client.post(
        url + "sign/", {"version": 1, "needle_count_explanation": "Miscounted; all four removed."}
    )
    assert signed.status_code == 302
    empty = client.post(url + "amend/", {"reason": "", "text": "x"})
    assert empty.status_code == 422
    assert (
        client.post(url + "amend/", {"reason": "Typo", "text": "Pain after was 4."}).status_code
        == 302
    )
    assert "Pain after was 4." in client.get(url).content.decode()


def test_api_sessions_end_to_end(plan):
    client = signed_in(owner(plan))
    url = f"/api/v1/plans/{plan.public_id}/sessions"
    key = str(uuid.uuid4())
    body = json.dumps(session_document(needles_in=5, needles_out=4))
    created = client.post(url, data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert created.status_code == 201
    repeated = client.post(
        url, data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert repeated.status_code == 200
    assert repeated.json()["public_id"] == created.json()["public_id"]
    assert TreatmentSession.objects.count() == 1
    session = created.json()
    assert session["adverse_events"][0]["type_code"] == "haematoma"
    bad = client.post(
        url, data=json.dumps(session_document(pain_before=11)), content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "pain_before"
    sign = f"/api/v1/sessions/{session['public_id']}/sign"
    refused = client.post(sign, data=json.dumps({"version": 1}), content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "needle_count_explanation"
    stale = client.post(sign, data=json.dumps({"version": 9}), content_type="application/json")
    assert stale.status_code == 409
    signed = client.post(
        sign,
        data=json.dumps({"version": 1, "needles_out": 5}),
        content_type="application/json",
    )
    assert signed.status_code == 200
    assert signed.json()["status"] == "signed"
    amended = client.post(
        f"/api/v1/sessions/{session['public_id']}/amendments",
        data=json.dumps({"reason": "Patient called", "text": "Bruise gone after 2 days."}),
        content_type="application/json",
    )
    assert amended.status_code == 201
    got = client.get(f"/api/v1/sessions/{session['public_id']}").json()
    assert got["amendments"][0]["reason"] == "Patient called"
    assert [s["number"] for s in client.get(url).json()] == [1]


LATE_EVENT = {
    "seriousness": "significant_minor",
    "mechanism": "other",
    "type_code": "retained_needle",
    "description": "Patient found a needle in the lower back at home and removed it.",
    "needed_treatment": False,
    "duration_days": 0,
    "avoidable": "yes",
    "modality": "manual",
    "reporter": "patient",
}


def test_an_amendment_records_a_later_adverse_event(plan):
    session = make_session(plan, adverse_events=[])
    who = actor(owner(plan))
    services.session_sign(actor=who, session_id=session.public_id, version=1)
    with pytest.raises(InputError) as refused:
        services.session_amend(
            actor=who,
            session_id=session.public_id,
            reason="Patient report",
            text="",
            adverse_events=[{**LATE_EVENT, "avoidable": "perhaps"}],
        )
    assert refused.value.field == "adverse_events[0].avoidable"
    assert not SessionAmendment.objects.exists()
    amendment = services.session_amend(
        actor=who,
        session_id=session.public_id,
        reason="Patient report",
        text="",
        adverse_events=[LATE_EVENT],
    )
    event = AdverseEvent.objects.get(session=session)
    assert event.amendment == amendment
    assert event.type_code == "retained_needle"
    html = signed_in(owner(plan)).get(f"/treatment/sessions/{session.public_id}/").content.decode()
    assert "Adverse event reported later: <strong>Retained needle</strong>" in html
    api = signed_in(owner(plan)).get(f"/api/v1/sessions/{session.public_id}").json()
    assert api["adverse_events"][0]["amendment_id"] == str(amendment.public_id)
    assert api["amendments"][0]["adverse_events"][0]["type_code"] == "retained_needle"


def test_the_amendment_page_shows_an_event_error_beside_its_field(plan):
    session = make_session(plan)
    services.session_sign(actor=actor(owner(plan)), session_id=session.public_id, version=1)
    client = signed_in(owner(plan))
    form = {"reason": "Patient report", "text": ""}
    form.update({f"event-0-{k}": str(v) for k, v in LATE_EVENT.items()})
    form["event-0-needed_treatment"] = "no"
    form["event-0-duration_days"] = "-2"
    response = client.post(f"/treatment/sessions/{session.public_id}/amend/", form)
    assert response.status_code == 422
    assert 'id="id_event-0-duration_days_error"' in response.content.decode()
    assert not SessionAmendment.objects.exists()
    form["event-0-duration_days"] = "1"
    assert client.post(f"/treatment/sessions/{session.public_id}/amend/", form).status_code == 302
    assert session.adverse_events.filter(amendment__isnull=False).count() == 1


def test_a_discharged_episode_gets_no_new_plan_or_session(plan):
    episode = plan.episode
    episode.status = "discharged"
    episode.save()
    with pytest.raises(InputError) as refused:
        make_session(plan)
    assert refused.value.field == "episode"
    with pytest.raises(InputError) as again:
        make_plan(episode)
    assert again.value.field == "episode"
    assert not TreatmentSession.objects.exists()


def test_the_form_says_where_the_session_falls_in_the_course(plan):
    review = next(r for r in plan.document["reviews"] if r.get("after_session"))
    for _ in range(review["after_session"] - 1):
        make_session(plan)
    html = (
        signed_in(owner(plan))
        .get(f"/treatment/plans/{plan.public_id}/sessions/new/")
        .content.decode()
    )
    number = review["after_session"]
    assert f"Chart session {number}" in html
    assert f"of {plan.document['acupuncture']['sessions']} planned" in html
    assert f"Review due after session {number}:" in html


# --- Issue 9: the charting page records what the safety rules read ---------------------------


def test_the_page_records_a_jiaji_level_and_the_check_reads_it(plan):
    """EX-B2 at T4 lies over the lung (deep is refused); at L4 the same depth is charted."""
    client = signed_in(owner(plan))
    url = f"/treatment/plans/{plan.public_id}/sessions/new/"
    page = client.get(url).content.decode()
    assert 'name="point-0-level"' in page
    assert 'name="pair-0-a_level"' in page
    jiaji = {
        "point-1-code": "EX-B2",
        "point-1-side": "left",
        "point-1-level": "T4",
        "point-1-depth_tissue": "periosteum",
    }
    refused = client.post(url, _form(**jiaji))
    assert refused.status_code == 422
    assert 'id="id_point-1-code_error"' in refused.content.decode()
    assert not TreatmentSession.objects.exists()
    saved = client.post(url, _form(**{**jiaji, "point-1-level": "L4"}))
    assert saved.status_code == 302
    point = TreatmentSession.objects.get().points[1]
    assert (point["code"], point["level"]) == ("EX-B2", "L4")


def test_a_jiaji_pair_across_the_spine_at_chest_level_is_not_saved(plan):
    client = signed_in(owner(plan))
    url = f"/treatment/plans/{plan.public_id}/sessions/new/"
    pair = {
        "point-1-code": "EX-B2",
        "point-1-side": "bilateral",
        "point-1-level": "T6",
        "pair-0-a_code": "EX-B2",
        "pair-0-a_side": "left",
        "pair-0-a_level": "T6",
        "pair-0-b_code": "EX-B2",
        "pair-0-b_side": "right",
        "pair-0-b_level": "T6",
        "pair-0-frequency_hz": "2",
        "pair-0-waveform": "continuous",
        "pair-0-intensity": "mild",
        "pair-0-duration_minutes": "20",
    }
    refused = client.post(url, _form(**pair))
    assert refused.status_code == 422
    assert 'id="id_pair-0-a_code_error"' in refused.content.decode()
    assert not TreatmentSession.objects.exists()


def test_the_cupping_kind_is_charted_and_wet_cupping_on_warfarin_is_refused():
    episode, _ = episode_with_assessment(medications=["warfarin"])
    plan = make_plan(episode, approve=True)
    client = signed_in(owner(plan))
    url = f"/treatment/plans/{plan.public_id}/sessions/new/"
    assert 'name="co-cupping-kind"' in client.get(url).content.decode()
    cupping = {"co_kind": ["cupping"], "co-cupping-detail": "Cups on the low back"}
    for kind in ("wet", ""):  # a cupping kind left out counts as wet
        refused = client.post(url, _form(**cupping, **{"co-cupping-kind": kind}))
        assert refused.status_code == 422, kind
        assert "Wet cupping" in refused.content.decode()
        assert 'id="id_co-cupping-kind_error"' in refused.content.decode()
    assert not TreatmentSession.objects.exists()
    saved = client.post(url, _form(**cupping, **{"co-cupping-kind": "dry"}))
    assert saved.status_code == 302
    session = TreatmentSession.objects.get()
    assert session.co_interventions == [
        {"kind": "cupping", "detail": "Cups on the low back", "cupping_kind": "dry"}
    ]
    rules = {f["rule"] for f in session.check_document["findings"]}
    assert "dry_cupping_bleeding_risk" in rules


def test_a_cupping_kind_belongs_only_to_cupping(plan):
    co = [{"kind": "moxibustion", "detail": "", "cupping_kind": "dry"}]
    with pytest.raises(InputError) as refused:
        make_session(plan, co_interventions=co)
    assert refused.value.field == "co_interventions[0].cupping_kind"
