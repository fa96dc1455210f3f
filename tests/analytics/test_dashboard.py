"""The outcomes dashboard: the per-course rows the outcome services keep, who sees what,
the small-number rule on the page and in CSV, and a fixed number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from acucare.audit.models import AuditEvent
from acucare.outcomes import services
from acucare.outcomes.models import CourseOutcome, OutcomeStage
from acucare.treatment.services import session_sign
from tests.analytics.factories import discharged_on, reviewed_course
from tests.factories import actor, make_admin, make_practitioner, make_reception, signed_in
from tests.outcomes.factories import make_course
from tests.workflow.test_words_not_identifiers import SNAKE, readable_text

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_review_discharge_and_follow_up_keep_the_course_outcome_rows():
    practitioner = make_practitioner()
    start = dt.date.today() - dt.timedelta(days=200)
    world = reviewed_course(practitioner, start=start)
    review = CourseOutcome.objects.get(episode=world.episode, stage=OutcomeStage.REVIEW)
    # PEG 7, 6, 8 at baseline (mean 7.0) to 3, 2, 3 (mean 2.67): a fall of 62 %.
    assert review.instrument == "peg"
    assert review.baseline == pytest.approx(7.0)
    assert review.latest == pytest.approx(2.7)  # the engine rounds to one decimal
    assert review.tier == "substantial_improvement"
    assert review.responder
    assert review.substantial
    assert review.pgic == 2
    assert review.condition == "chronic_low_back_pain"
    assert review.protocol
    assert "@" not in review.protocol
    discharge = CourseOutcome.objects.get(episode=world.episode, stage=OutcomeStage.DISCHARGE)
    assert discharge.responder
    services.measurement_record(
        actor=actor(practitioner),
        episode_id=world.episode.public_id,
        kind="followup",
        scores={"peg": {"1": 5, "2": 5, "3": 5}},
        date=discharged_on(world) + dt.timedelta(days=91),
    )
    followup = CourseOutcome.objects.get(episode=world.episode, stage=OutcomeStage.FOLLOWUP_3)
    assert followup.latest == pytest.approx(5.0)
    assert not followup.responder  # 7 → 5 is under 30 %
    assert not CourseOutcome.objects.filter(stage=OutcomeStage.FOLLOWUP_12).exists()


@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("practitioner", 200), ("reception", 403)]
)
@pytest.mark.parametrize(
    "path", ["/analytics/", "/analytics/tables/courses.csv", "/analytics/research.csv"]
)
def test_only_the_admin_and_practitioners_reach_the_dashboard(role, expected, path):
    user = {"admin": make_admin, "practitioner": make_practitioner, "reception": make_reception}[
        role
    ]()
    response = signed_in(user).get(path)
    assert response.status_code == expected
    if expected == 200:
        assert AuditEvent.objects.filter(
            actor=user,
            object_type__in=["analytics_dashboard", "analytics_table", "research_export"],
        ).exists()


def test_anonymous_is_sent_to_sign_in():
    response = Client().get("/analytics/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_an_unknown_table_is_404():
    assert signed_in(make_admin()).get("/analytics/tables/nothing.csv").status_code == 404


def _row(rows: list[list[str]], first: str) -> list[str]:
    return next(r for r in rows if r[0] == first)


def test_small_numbers_are_suppressed_on_the_page_and_in_csv():
    practitioner = make_practitioner()
    for _ in range(3):
        reviewed_course(practitioner)
    client = signed_in(make_admin())
    rows = _csv(client.get("/analytics/tables/outcomes-discharge.csv"))
    total = _row(rows, "All conditions")
    assert total[2] == "<5"  # three courses
    assert total[3:] == ["—"] * 5  # no mean or share over fewer than five
    page = client.get("/analytics/").content.decode()
    assert "&lt;5" in page


def test_five_courses_show_their_figures_and_a_practitioner_sees_only_their_own():
    mine, other = make_practitioner(), make_practitioner()
    for i in range(5):
        reviewed_course(mine, responder=i < 4)
    reviewed_course(other, responder=False)
    admin = _csv(signed_in(make_admin()).get("/analytics/tables/outcomes-discharge.csv"))
    own = _csv(signed_in(mine).get("/analytics/tables/outcomes-discharge.csv"))
    assert _row(admin, "All conditions")[2] == "6"
    total = _row(own, "All conditions")
    assert total[2] == "5"
    # 4 of 5 responders: Wilson 95 % interval 37.6 % to 96.4 %.
    assert total[4] == "80 % (38 to 96)"
    courses = _csv(signed_in(mine).get("/analytics/tables/courses.csv"))
    # One of the five dropped out (patient's choice): drop-out 20 %, suppressed count.
    assert _row(courses, "All conditions")[2:6] == ["5", "0", "<5", "<5"]


def test_the_dashboard_reads_in_a_fixed_number_of_queries():
    practitioner = make_practitioner()
    admin = signed_in(make_admin())
    reviewed_course(practitioner)
    admin.get("/analytics/")  # the first request of a session reads a little more
    with CaptureQueriesContext(connection) as few:
        assert admin.get("/analytics/").status_code == 200
    for _ in range(3):
        reviewed_course(practitioner, responder=False)
    with CaptureQueriesContext(connection) as more:
        assert admin.get("/analytics/").status_code == 200
    assert len(more) == len(few), "\n".join(q["sql"][:150] for q in more.captured_queries)


def test_every_table_exports_as_csv_with_its_columns():
    practitioner = make_practitioner()
    reviewed_course(practitioner)
    client = signed_in(practitioner)
    page = client.get("/analytics/").content.decode()
    slugs = [
        "courses",
        "outcomes-review",
        "outcomes-discharge",
        "outcomes-followup-3",
        "outcomes-followup-12",
        "benchmarks",
        "safety",
        "safety-by-kind",
        "attention",
        "data-quality",
        "trajectories",
        "funnel",
    ]
    for slug in slugs:
        assert f"/analytics/tables/{slug}.csv" in page
        rows = _csv(client.get(f"/analytics/tables/{slug}.csv"))
        assert len(rows[0]) >= 2, slug


def test_the_benchmarks_sit_beside_the_clinic_figures_with_their_caveats():
    practitioner = make_practitioner()
    for _ in range(5):
        reviewed_course(practitioner)
    rows = _csv(signed_in(practitioner).get("/analytics/tables/benchmarks.csv"))
    gerac = next(r for r in rows if r[3].startswith("GERAC low back pain"))
    assert gerac[2] == "100 % (57 to 100)"  # 5 of 5 responders
    assert gerac[4] == "47.6 %"
    assert "selected patients" in gerac[7]
    context = next(r for r in rows if r[3].startswith("Acupuncture Trialists"))
    assert context[1] == "Context only: not compared"
    assert context[2] == "—"


def test_the_dashboard_shows_words_not_identifiers():
    practitioner = make_practitioner()
    for i in range(5):
        reviewed_course(practitioner, responder=i != 0)
    for user in (practitioner, make_admin()):
        page = signed_in(user).get("/analytics/").content.decode()
        assert SNAKE.findall(readable_text(page)) == []


def test_a_course_counts_as_past_session_8_when_its_eighth_session_is_signed():
    """The data-quality panel reads the signed-session count `session_sign` keeps on the
    episode (acucare.treatment.counts), not a count of the sessions at read time."""
    practitioner = make_practitioner()
    world = make_course(practitioner, pains=((7, 5),) * 8)
    who = actor(practitioner)
    client = signed_in(make_admin())
    past = "Courses past session 8 with review questionnaires"

    def out_of() -> str:
        return _row(_csv(client.get("/analytics/tables/data-quality.csv")), past)[1]

    for session in world.sessions[:7]:
        session_sign(actor=who, session_id=session.public_id, version=session.version)
    assert out_of() == "0"
    last = world.sessions[7]
    session_sign(actor=who, session_id=last.public_id, version=last.version)
    assert out_of() == "<5"  # one course: a count from 1 to 4
