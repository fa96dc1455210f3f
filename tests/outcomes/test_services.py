"""The outcome services: bad input refused whole with the field named, one audit event
per write, once-only forms, and a discharge that closes the episode to charting."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from acucare.audit.models import AuditEvent
from acucare.core.once import DuplicateSubmission
from acucare.domain.errors import InputError
from acucare.outcomes import services
from acucare.outcomes.models import Measurement
from acucare.patients.models import EpisodeStatus
from tests.factories import actor
from tests.outcomes.factories import make_course, record
from tests.treatment.factories import make_session

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"scores": {"peg": {"1": 11}}}, "scores.peg.1"),
        ({"scores": {"peg": {"9": 1}}}, "scores.peg.9"),
        ({"scores": {"nope": {"1": 1}}}, "scores.nope"),
        ({"pgic": 8}, "pgic"),
        (
            {"medications": [{"name": "oxycodone", "dose_mg": -5, "doses_per_day": 2}]},
            "medications[0].dose_mg",
        ),
        (
            {"medications": [{"name": "oxycodone", "dose_mg": 5, "per_day": 2}]},
            "medications[0].per_day",
        ),
        ({"date": dt.date.today() + dt.timedelta(days=1)}, "date"),
        ({"scores": {}}, "scores"),
    ],
)
def test_a_bad_measurement_is_refused_whole_naming_the_field(fields, path):
    world = make_course(pains=((6, 4),))
    before = AuditEvent.objects.count()
    with pytest.raises(InputError) as caught:
        record(world, "review", **fields)
    assert caught.value.field == path
    assert not Measurement.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_measurement_records_the_sessions_delivered_and_one_audit_event():
    world = make_course(pains=((6, 4), (5, 3)))
    before = AuditEvent.objects.count()
    m = record(
        world,
        "review",
        pgic=2,
        medications=[{"name": "Oxycodone", "dose_mg": 5, "doses_per_day": 2}],
    )
    assert (m.session, m.pgic, m.medications[0]["name"]) == (2, 2, "oxycodone")
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_type, event.object_id) == (
        "create",
        "measurement",
        m.public_id,
    )


def test_follow_ups_wait_for_discharge():
    world = make_course(pains=((6, 4),))
    with pytest.raises(InputError) as caught:
        record(world, "followup")
    assert caught.value.field == "kind"


def test_a_resent_review_form_signs_once():
    world = make_course()
    key = uuid.uuid4()
    who = actor(world.practitioner)
    first = services.review_record(
        actor=who,
        episode_id=world.episode.public_id,
        decision="continue",
        reason="Better.",
        submission=key,
    )
    with pytest.raises(DuplicateSubmission) as caught:
        services.review_record(
            actor=who,
            episode_id=world.episode.public_id,
            decision="continue",
            reason="Better.",
            submission=key,
        )
    assert caught.value.object_id == first.public_id
    assert first.review_document["format"] == "acucare.review/1"
    assert first.course_document["format"] == "acucare.course/1"
    assert first.recommended == first.review_document["recommendation"]["action"]


@pytest.mark.parametrize(
    ("decision", "reason", "path"), [("carry_on", "x", "decision"), ("continue", "  ", "reason")]
)
def test_a_review_needs_a_known_decision_and_a_reason(decision, reason, path):
    world = make_course(pains=((6, 4),))
    with pytest.raises(InputError) as caught:
        services.review_record(
            actor=actor(world.practitioner),
            episode_id=world.episode.public_id,
            decision=decision,
            reason=reason,
        )
    assert caught.value.field == path


def test_the_course_document_follows_the_contract():
    world = make_course(pains=((7, 5), (6, 4)))
    record(world, "review", pgic=3)
    review = services.review_record(
        actor=actor(world.practitioner),
        episode_id=world.episode.public_id,
        decision="continue",
        reason="Early.",
    )
    points = review.course_document["timepoints"]
    assert [p["kind"] for p in points] == ["baseline", "session", "session", "review"]
    assert [p["session"] for p in points] == [0, 1, 2, 2]
    dates = [p["date"] for p in points]
    assert dates == sorted(dates)
    assert points[0]["scores"]["peg"] == {"1": 7, "2": 6, "3": 8}
    assert points[1] == {
        "kind": "session",
        "session": 1,
        "date": points[1]["date"],
        "pain_before": 7,
        "pain_after": 5,
    }
    assert points[3]["pgic"] == 3


def test_discharge_closes_the_episode_and_schedules_follow_ups():
    world = make_course()
    who = actor(world.practitioner)
    discharge = services.discharge_record(
        actor=who, episode_id=world.episode.public_id, reason="goals_met", advice="Keep walking."
    )
    world.episode.refresh_from_db()
    assert world.episode.status == EpisodeStatus.DISCHARGED
    assert discharge.sessions_delivered == 6
    assert discharge.primary_tier == (discharge.review_document["primary"]["tier"] or "")
    assert all(dt.date.fromisoformat(f["due"]) > discharge.date for f in discharge.followups)
    with pytest.raises(InputError):
        make_session(world.plan)
    with pytest.raises(InputError) as caught:
        services.review_record(
            actor=who, episode_id=world.episode.public_id, decision="continue", reason="x"
        )
    assert caught.value.field == "episode"
    assert record(world, "followup").kind == "followup"


@pytest.mark.parametrize(
    ("reason", "advice", "path"), [("better", "x", "reason"), ("goals_met", "", "advice")]
)
def test_a_discharge_needs_a_listed_reason_and_advice(reason, advice, path):
    world = make_course(pains=((6, 4),))
    with pytest.raises(InputError) as caught:
        services.discharge_record(
            actor=actor(world.practitioner),
            episode_id=world.episode.public_id,
            reason=reason,
            advice=advice,
        )
    assert caught.value.field == path
    world.episode.refresh_from_db()
    assert world.episode.status == EpisodeStatus.ACTIVE


def test_an_edited_schedule_replaces_the_derived_one():
    world = make_course(pains=((6, 4),))
    row = services.schedule_update(
        actor=actor(world.practitioner),
        plan_id=world.plan.public_id,
        version=0,
        each_session=["nrs"],
        reviews=[4],
        review_instruments=["peg", "pgic"],
        discharge_instruments=["peg"],
        followup_days=[91],
        payer="medicare",
    )
    kinds = [(t["kind"], t["session"]) for t in row.timepoints if t["kind"] == "review"]
    assert kinds == [("review", 4)]
    with pytest.raises(InputError) as caught:
        services.schedule_update(
            actor=actor(world.practitioner),
            plan_id=world.plan.public_id,
            version=row.version,
            each_session=["nope"],
            reviews=[],
            review_instruments=[],
            discharge_instruments=[],
            followup_days=[],
            payer="",
        )
    assert caught.value.field == "each_session[0]"
