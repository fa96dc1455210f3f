"""`make demo` loads a usable demo clinic, idempotently, with no password in the code."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pydantic import ValidationError

from acucare.accounts.models import Role, User
from acucare.assessments.models import Assessment, FindingAcknowledgement
from acucare.assessments.selectors import unacknowledged_findings
from acucare.audit.models import AuditEvent
from acucare.demo.clinic import PATIENTS, STAGES, DemoPatient, load_patients, summary
from acucare.demo.cohort import COHORT_MARKER, past_courses
from acucare.patients.models import Episode, Patient, PatientShare
from acucare.portal.models import DiaryEntry
from acucare.treatment.models import AdverseEvent, TreatmentPlan, TreatmentSession
from tests.clinic_fixtures import fast_password_hashing

__all__ = ["fast_password_hashing"]

pytestmark = pytest.mark.django_db


def load() -> dict[str, str]:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return dict(re.findall(r"^\s+.+?\)\s+(\S+)\s+(\S+)$", out.getvalue(), flags=re.M))


def test_the_demo_clinic_has_staff_and_about_twenty_patients_at_different_stages():
    passwords = load()
    assert set(passwords) == {"admin", "dr.chen", "dr.okafor", "reception"}
    roles = dict(User.objects.values_list("username", "role"))
    assert roles["admin"] == Role.ADMIN
    assert roles["reception"] == Role.RECEPTION
    assert Patient.objects.exclude(email__startswith=COHORT_MARKER).count() == 20
    assert Patient.objects.filter(email__startswith=COHORT_MARKER).count() == len(past_courses())
    assert Patient.objects.filter(episodes__isnull=True).exists()
    assert set(Episode.objects.values_list("status", flat=True)) == {
        "active",
        "on_hold",
        "discharged",
    }
    assert PatientShare.objects.count() == 2
    assert AuditEvent.objects.filter(action="create", object_type="patient").count() == 20 + len(
        past_courses()
    )


def test_printed_passwords_sign_in_and_a_second_run_adds_nothing():
    first = load()
    events = AuditEvent.objects.count()
    second = load()
    assert Patient.objects.count() == 20 + len(past_courses())
    assert AuditEvent.objects.count() == events
    assert first["dr.chen"] != second["dr.chen"]
    client = Client()
    response = client.post("/sign-in/", {"username": "dr.chen", "password": second["dr.chen"]})
    assert response.status_code == 302
    page = client.get("/patients/").content.decode()
    assert "Chen" in page


def test_no_password_is_written_in_the_demo_code():
    source = (Path(__file__).resolve().parents[2] / "acucare/demo/loader.py").read_text()
    assert "set_password(password)" in source
    assert not re.search(r"password\s*=\s*[\"']", source)


def test_a_misspelt_key_in_the_patient_data_file_is_an_error(tmp_path):
    data = tmp_path / "patients.yaml"
    data.write_text(
        "patients:\n- {given: Ann, family: Ash, born: 1970-01-01, sex: female,\n"
        "   owner: dr.chen, stage: registered, shard: true}\n"
    )
    with pytest.raises(ValidationError, match="shard"):
        load_patients(data)


# --- The patients' stages, built through the services ------------------------------------


def _episode(spec: DemoPatient) -> Episode:
    return Episode.objects.get(patient__email=spec.email)


def _current(episode: Episode) -> Assessment:
    return episode.assessments.get(superseded_at__isnull=True)


def _at(stage: str) -> list[DemoPatient]:
    return [p for p in PATIENTS if p.stage == stage]


EXPECTED_SCREENING = {  # screened patient -> (decision, a finding the screening must have)
    "Elif": ("proceed_with_precautions", "anticoagulant_vitamin_k_antagonist"),
    "Finn": ("proceed_with_precautions", "diabetes"),
    "Grace": ("refer_before_treatment", "phq9_self_harm"),
    "Hamid": ("proceed_with_precautions", "implanted_device_no_electroacupuncture"),
    "Ines": ("proceed_with_precautions", "pregnancy_forbidden_points"),
    "Jonah": ("urgent_referral", "cauda_equina"),
}


def test_every_stage_has_its_records():
    load()
    assert {p.stage for p in PATIENTS} == set(STAGES)
    for spec in _at("registered"):
        assert not Episode.objects.filter(patient__email=spec.email).exists()
    for spec in _at("new"):
        assert not _episode(spec).assessments.exists()
    for spec in _at("screened"):
        episode = _episode(spec)
        assessment = _current(episode)
        decision, rule = EXPECTED_SCREENING[spec.given]
        assert assessment.decision == decision, spec.given
        assert rule in {f["rule"] for f in assessment.findings}, spec.given
        assert assessment.kb_version
        assert assessment.rules_applied
        assert not episode.treatment_plans.exists()
    grace = _current(_episode(next(p for p in PATIENTS if p.given == "Grace")))
    assert [f["rule"] for f in unacknowledged_findings(assessment=grace)] == ["phq9_self_harm"]
    jonah = _episode(next(p for p in PATIENTS if p.given == "Jonah"))
    assert jonah.status == "on_hold"
    assert not unacknowledged_findings(assessment=_current(jonah))
    assert "emergency department" in _current(jonah).acknowledgements.get().note


def test_planned_patients_have_an_approved_plan_on_an_acknowledged_screening():
    load()
    for spec in _at("planned"):
        episode = _episode(spec)
        plan = episode.treatment_plans.get()
        assert plan.status == "approved"
        assert plan.approved_by == episode.patient.primary_practitioner
        assert plan.assessment == _current(episode)
        assert not unacknowledged_findings(assessment=plan.assessment)
        assert not plan.sessions.exists()
    # Item 9 of the PHQ-9 above zero: acknowledged, seen by the GP, screened again.
    keiko = _episode(next(p for p in PATIENTS if p.given == "Keiko"))
    first, second = keiko.assessments.order_by("created_at", "id")
    assert first.decision == "refer_before_treatment"
    assert first.superseded_by == second
    assert first.acknowledgements.get().rule == "phq9_self_harm"
    assert second.decision == "proceed"


def test_courses_are_charted_against_the_plan_and_signed():
    load()
    past = AdverseEvent.objects.filter(
        session__plan__episode__patient__email__startswith=COHORT_MARKER
    )
    assert past.count() == len([c for c in past_courses() if c.index % 4 == 1])
    for spec in [*_at("mid_course"), *_at("discharged")]:
        assert spec.course is not None
        episode = _episode(spec)
        plan = episode.treatment_plans.get(status="approved")
        sessions = list(plan.sessions.order_by("number"))
        assert [s.number for s in sessions] == list(range(1, spec.course.sessions + 1))
        planned = {(p["code"], p["side"]) for p in plan.points}
        pain = [s.pain_before for s in sessions if s.pain_before is not None]
        assert len(pain) == len(sessions), spec.given
        if spec.course.response == "none":  # a non-responder's pain wobbles, no trend
            assert max(pain) - min(pain) <= 1, spec.given
        else:
            assert pain == sorted(pain, reverse=True), spec.given
            assert pain[-1] < pain[0], spec.given
        # Coherent dates: intake, then the plan, then the sessions it authorises.
        assert plan.approved_at is not None
        assert plan.assessment.created_at < plan.approved_at
        assert plan.approved_at.date() < sessions[0].date
        for session in sessions:
            assert session.status == "signed"
            assert session.signed_by == session.created_by
            assert session.needles_in == session.needles_out > 0
            assert {(p["code"], p["side"]) for p in session.points} <= planned
            assert all("de_qi" in p for p in session.points)
            needle = session.needle
            assert needle["gauge_mm"]
            assert needle["length_mm"]
            assert needle["manufacturer"]
            assert needle["lot"]
            assert session.retention_minutes
            assert session.pain_after is not None
            assert session.pain_before is not None
            assert session.pain_after <= session.pain_before
            assert session.check_document["allowed"]
            assert episode.started_on <= session.date <= timezone.localdate()
        if spec.stage == "discharged":
            assert episode.status == "discharged"
            assert episode.ended_on == sessions[-1].date
        else:
            assert episode.status == "active"
            assert 3 <= len(sessions) <= 6
    # The one the practitioner charted (the demo portal patients report their own later;
    # the past courses of acucare.demo.cohort have theirs).
    bruise = AdverseEvent.objects.filter(reporter="practitioner").exclude(pk__in=past).get()
    assert (bruise.type_code, bruise.seriousness) == ("haematoma", "minor")
    assert bruise.session.plan.episode.status == "active"


def test_the_audit_log_records_the_clinical_work_of_the_practitioners():
    load()

    def events(object_type: str, action: str = "create") -> int:
        found = AuditEvent.objects.filter(object_type=object_type, action=action)
        assert not found.exclude(channel="system").exists()
        return found.count()

    # The yaml's patients, then the past courses of acucare.demo.cohort.
    past = past_courses()
    intakes = [i for p in PATIENTS for i in p.intakes]
    planned = [p for p in PATIENTS if p.stage in ("planned", "mid_course", "discharged")]
    sessions = sum(p.course.sessions for p in PATIENTS if p.course is not None) + sum(
        8 if c.response is not None else 3 for c in past
    )
    assert events("assessment") == Assessment.objects.count() == len(intakes) + len(past) == 17 + 36
    acknowledged = sum(len(i.acknowledge) for i in intakes)
    assert events("finding_acknowledgement") == FindingAcknowledgement.objects.count() == 2
    assert acknowledged == 2
    assert (
        events("treatment_plan")
        == TreatmentPlan.objects.count()
        == len(planned) + len(past)
        == 10 + 36
    )
    assert (
        events("treatment_session")
        == TreatmentSession.objects.count()
        == sessions
        == 33 + 32 * 8 + 4 * 3
    )
    signed = AuditEvent.objects.filter(object_type="treatment_session", detail__change="sign")
    assert signed.count() == sessions
    approved = AuditEvent.objects.filter(object_type="treatment_plan", detail__change="approve")
    assert approved.count() == len(planned) + len(past)
    practitioners = set(User.objects.filter(role=Role.PRACTITIONER))
    clinical = AuditEvent.objects.filter(object_type__in=["assessment", "treatment_session"])
    assert {e.actor for e in clinical} == practitioners


def test_a_second_run_adds_no_clinical_record():
    load()
    counts = [
        m.objects.count()
        for m in (Assessment, FindingAcknowledgement, TreatmentPlan, TreatmentSession, AuditEvent)
    ]
    load()
    assert counts == [
        m.objects.count()
        for m in (Assessment, FindingAcknowledgement, TreatmentPlan, TreatmentSession, AuditEvent)
    ]


def test_the_practitioner_sees_the_course_on_the_demo_pages():
    passwords = load()
    client = Client()
    client.post("/sign-in/", {"username": "dr.chen", "password": passwords["dr.chen"]})
    episode = _episode(next(p for p in PATIENTS if p.given == "Olu"))
    page = client.get(f"/treatment/episodes/{episode.public_id}/")
    assert page.status_code == 200
    session = TreatmentSession.objects.get(plan__episode=episode, number=3)
    page = client.get(f"/treatment/sessions/{session.public_id}/")
    assert page.status_code == 200
    assert "BL23" in page.content.decode()
    screening = _current(_episode(next(p for p in PATIENTS if p.given == "Jonah")))
    # Jonah is Dr Okafor's patient, not shared with Dr Chen.
    assert client.get(f"/assessments/{screening.public_id}/").status_code == 404


def test_stage_summary_is_printed_beside_the_credentials():
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    for label, names in summary():
        assert label in text
        assert ", ".join(names) in text


def test_a_demo_database_from_before_the_stages_is_reported():
    from acucare.demo.clinic import predates_stages
    from acucare.demo.loader import DEMO_MARKER
    from tests.factories import make_patient, make_practitioner

    assert not predates_stages()
    make_patient(make_practitioner(), email=f"old.patient@{DEMO_MARKER}")
    assert predates_stages()
    load()
    assert not predates_stages()


def test_the_demo_books_a_working_week_once():
    from acucare.scheduling.models import Appointment

    load()
    booked = Appointment.objects.all()
    assert 15 <= booked.count() <= 40
    assert {a.kind for a in booked} == {"initial_assessment", "treatment", "review"}
    assert all(a.start > timezone.now() and a.start.weekday() < 5 for a in booked)
    assert not booked.filter(patient__episodes__status="discharged").exists()
    events = AuditEvent.objects.count()
    load()
    assert Appointment.objects.count() == booked.count()
    assert AuditEvent.objects.count() == events


def test_every_demo_record_opens_for_its_practitioner():
    passwords = load()
    for username in ("dr.chen", "dr.okafor"):
        client = Client()
        client.post("/sign-in/", {"username": username, "password": passwords[username]})
        own = Patient.objects.filter(primary_practitioner__username=username)
        urls = [f"/patients/{p.public_id}/" for p in own]
        urls += [
            f"/assessments/{a.public_id}/"
            for a in Assessment.objects.filter(episode__patient__in=own)
        ]
        urls += [
            f"/treatment/plans/{p.public_id}/"
            for p in TreatmentPlan.objects.filter(episode__patient__in=own)
        ]
        urls += [
            f"/treatment/sessions/{s.public_id}/"
            for s in TreatmentSession.objects.filter(plan__episode__patient__in=own)
        ]
        assert len(urls) > 30
        for url in urls:
            assert client.get(url).status_code == 200, url


def test_the_courses_have_realistic_trajectories_reviews_and_discharges():
    from acucare.outcomes.models import CourseReview, Discharge

    load()
    responses = {p.course.response for p in PATIENTS if p.course is not None}
    assert responses == {"responder", "slow", "none"}
    for spec in [*_at("mid_course"), *_at("discharged")]:
        assert spec.course is not None
        episode = _episode(spec)
        reviews = list(CourseReview.objects.filter(episode=episode))
        if spec.course.review_at is None:
            assert reviews == [], spec.given
        else:
            (review,) = reviews
            assert review.sessions_delivered == spec.course.review_at
            expected = "stop" if spec.course.response == "none" else "continue"
            assert review.decision == expected, spec.given
            tier = review.review_document["primary"]["tier"]
            if spec.course.response == "responder":
                assert tier in ("moderate_improvement", "substantial_improvement"), spec.given
            else:
                assert tier not in ("moderate_improvement", "substantial_improvement")
            session = episode.treatment_plans.get(status="approved").sessions.get(
                number=spec.course.review_at
            )
            assert review.signed_at.date() == session.date
        if spec.stage == "discharged":
            discharge = Discharge.objects.get(episode=episode)
            assert discharge.date == episode.ended_on
            assert discharge.sessions_delivered == spec.course.sessions
            reason = "no_response" if spec.course.response == "none" else "goals_met"
            assert discharge.reason == reason
            assert discharge.followups
        else:
            assert not Discharge.objects.filter(episode=episode).exists()


def test_demo_patients_sign_in_to_their_portal_with_the_printed_passwords():
    out = StringIO()
    call_command("load_demo", stdout=out)
    printed = re.findall(r"^\s+(.+?):\s+(\S+@\S+)\s+(\S+)$", out.getvalue(), flags=re.M)
    assert [name for name, _email, _password in printed] == ["Olu Osei", "Priya Petrov"]
    _name, email, password = printed[0]
    client = Client()
    response = client.post("/portal/", {"username": email, "password": password})
    assert response.status_code == 302
    assert "Hello, Olu" in client.get("/portal/").content.decode()
    # The demo portal patients have written their diary, with an after-effect.
    for name in ("Olu", "Priya"):
        assert DiaryEntry.objects.filter(patient__given_name=name).exists(), name
        assert AdverseEvent.objects.filter(
            session__plan__episode__patient__given_name=name, reporter="patient"
        ).exists(), name
    care = client.get("/portal/care/").content.decode()
    assert "Bruising where a needle went in" in care
    assert "<svg" in care
    assert "Write your diary" in client.get("/portal/diary/").content.decode()
    events = AuditEvent.objects.count()
    again = StringIO()
    call_command("load_demo", stdout=again)
    assert AuditEvent.objects.count() == events
    assert password not in again.getvalue()


def test_the_past_courses_give_every_dashboard_panel_figures():
    """Enough finished courses in each condition group that the outcomes dashboard shows
    figures, not the small-number mark, at review, at discharge and at follow-up."""
    passwords = load()
    client = Client()
    client.post("/sign-in/", {"username": "admin", "password": passwords["admin"]})
    for slug in (
        "outcomes-review",
        "outcomes-discharge",
        "outcomes-followup-3",
        "outcomes-followup-12",
    ):
        response = client.get(f"/analytics/tables/{slug}.csv")
        body = response.getvalue().decode()
        total = next(line for line in body.splitlines() if line.startswith("All conditions"))
        cells = total.split(",")
        assert int(cells[2]) >= 5, (slug, total)
        assert "—" not in cells[3:7], (slug, total)
    quality = client.get("/analytics/tables/data-quality.csv").getvalue()
    assert "<5" not in quality.decode()
