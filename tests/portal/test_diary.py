"""The diary after a session: a day's pain, sleep and medicines stored with its MME;
after-effects recorded on the session as adverse events (reporter: patient); a serious
one alerts the practitioner at once (chart and day page); bad values name their field
and save nothing; a resent form saves once."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from acucare.audit.models import AuditEvent
from acucare.portal.models import DiaryEntry, PortalAlert
from acucare.treatment.models import AdverseEvent, SessionAmendment
from tests.clinic_fixtures import fast_password_hashing
from tests.factories import make_practitioner, signed_in
from tests.portal.factories import make_portal_patient, make_signed_session

__all__ = ["fast_password_hashing"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    owner = make_practitioner()
    patient, user = make_portal_patient(owner)
    session = make_signed_session(patient, date=timezone.localdate() - dt.timedelta(days=1))
    return owner, patient, user, session


def form(session, **changes: str) -> dict[str, str]:
    data = {
        "submission": str(uuid.uuid4()),
        "day": timezone.localdate().isoformat(),
        "pain": "4",
        "sleep_hours": "6.5",
        "sleep_quality": "6",
    }
    data.update(changes)
    return data


def url(session) -> str:
    return f"/portal/diary/{session.public_id}/"


def counts():
    return (
        DiaryEntry.objects.count(),
        AdverseEvent.objects.count(),
        SessionAmendment.objects.count(),
        PortalAlert.objects.count(),
    )


def test_a_day_with_medicines_and_a_bruise_is_stored_on_the_session(world):
    owner, patient, user, session = world
    client = signed_in(user)
    page = client.get(url(session))
    assert page.status_code == 200
    assert "Oxycodone (mg)" in page.content.decode()
    response = client.post(
        url(session),
        form(
            session,
            med_0_medicine="oxycodone",
            med_0_dose="10",
            med_0_times="2",
            effect_bruising="on",
            effect_bruising_severity="mild",
            effect_bruising_care="none",
            effect_bruising_days="3",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = DiaryEntry.objects.get()
    assert (entry.patient, entry.session, entry.pain) == (patient, session, 4)
    assert entry.sleep_hours == Decimal("6.5")
    assert entry.mme_per_day == Decimal("30.0")
    event = AdverseEvent.objects.get(session=session)
    assert (event.type_code, event.seriousness, event.reporter) == ("haematoma", "minor", "patient")
    assert event.amendment == entry.amendment
    assert event.duration_days == 3
    assert not PortalAlert.objects.exists()
    audited = AuditEvent.objects.filter(object_type="diary_entry", action="create").get()
    assert audited.patient_id == patient.public_id
    # The patient sees it, with what to do and where the advice comes from.
    care = client.get("/portal/care/").content.decode()
    assert "Bruising where a needle went in" in care
    assert "fades in a few days" in care
    assert "Where this advice comes from" in care
    # The practitioner sees the day on the chart, with its MME.
    chart = signed_in(owner).get(f"/patients/{patient.public_id}/").content.decode()
    assert "The patient&#x27;s diary" in chart or "The patient's diary" in chart
    assert "<td>30</td>" in chart


def test_a_serious_after_effect_alerts_the_practitioner_at_once(world):
    owner, patient, user, session = world
    response = signed_in(user).post(
        url(session),
        form(
            session,
            effect_dizziness="on",
            effect_dizziness_fainted="on",
            effect_dizziness_care="hospital",
        ),
    )
    assert response.status_code == 200
    assert "Your practitioner has been told" in response.content.decode()
    alert = PortalAlert.objects.get()
    assert (alert.kind, alert.patient, alert.acknowledged_at) == (
        "serious_adverse_event",
        patient,
        None,
    )
    event = AdverseEvent.objects.get(session=session)
    assert (event.seriousness, event.type_code, event.needed_treatment) == (
        "serious",
        "fainting",
        True,
    )
    staff = signed_in(owner)
    chart = staff.get(f"/patients/{patient.public_id}/").content.decode()
    assert "Serious after-effect reported" in chart
    assert "Feeling dizzy or faint" in chart
    assert "Serious after-effect reported" in staff.get("/today/").content.decode()
    session_page = staff.get(f"/treatment/sessions/{session.public_id}/").content.decode()
    assert "Reported by the patient in the portal diary" in session_page
    # The practitioner acknowledges it; it leaves the chart.
    staff.post(
        f"/portal/staff/alerts/{alert.public_id}/acknowledge/", {"note": "Called the patient."}
    )
    alert.refresh_from_db()
    assert alert.acknowledged_by == owner


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pain": "11"}, "pain"),
        ({"pain": "-1"}, "pain"),
        ({"sleep_hours": "25"}, "sleep_hours"),
        ({"sleep_hours": "lots"}, "sleep_hours"),
        ({"sleep_quality": "12"}, "sleep_quality"),
        ({"day": "2020-01-01"}, "day"),
        ({"med_0_medicine": "oxycodone", "med_0_dose": "10", "med_0_times": "30"}, "med_0_times"),
        ({"med_0_medicine": "oxycodone", "med_0_times": "2"}, "med_0_dose"),
        ({"med_1_dose": "10"}, "med_1_medicine"),
        ({"med_0_medicine": "aspirin", "med_0_dose": "10"}, "med_0_medicine"),
        (
            {"effect_bruising": "on", "effect_other": "on", "effect_other_care": "hospital"},
            "effect_other_text",
        ),
        ({"effect_soreness": "on", "effect_soreness_days": "999"}, "effect_soreness_days"),
    ],
)
def test_bad_values_name_their_field_and_save_nothing(world, changes, field):
    _owner, _patient, user, session = world
    before = counts()
    response = signed_in(user).post(url(session), form(session, **changes))
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html, re.findall(r'class="error"[^<]*<', html)
    assert counts() == before


def test_a_resent_form_saves_once(world):
    _owner, _patient, user, session = world
    client = signed_in(user)
    data = form(session, effect_tiredness="on")
    assert client.post(url(session), data).status_code == 302
    again = client.post(url(session), data, follow=True)
    assert "already sent" in again.content.decode()
    assert counts() == (1, 1, 1, 0)


def test_one_entry_a_day(world):
    _owner, _patient, user, session = world
    client = signed_in(user)
    assert client.post(url(session), form(session)).status_code == 302
    again = client.post(url(session), form(session))
    # The day written is no longer offered.
    assert again.status_code == 422
    assert DiaryEntry.objects.count() == 1


def test_another_patients_session_is_not_found(world):
    _owner, _patient, _user, session = world
    _other, other_user = make_portal_patient(make_practitioner())
    client = signed_in(other_user)
    assert client.get(url(session)).status_code == 404
    assert client.post(url(session), form(session)).status_code == 404
    assert client.get(f"/portal/diary/{uuid.uuid4()}/").status_code == 404
    assert DiaryEntry.objects.count() == 0


def test_the_diary_lists_the_sessions_and_open_days(world):
    _owner, _patient, user, session = world
    html = signed_in(user).get("/portal/diary/").content.decode()
    assert url(session) in html
    assert AuditEvent.objects.filter(object_type="portal_diary", action="read").exists()


def test_diary_pain_is_drawn_on_the_patients_and_the_staff_pain_chart(world):
    owner, _patient, user, session = world
    client = signed_in(user)
    assert client.post(url(session), form(session, pain="3")).status_code == 302
    written = f"3 on {timezone.localdate():%-d %b %Y}"
    care = client.get("/portal/care/").content.decode()
    assert "Pain in the diary between sessions (diamonds)" in care
    assert '<th scope="col">Pain in the diary</th>' in care
    assert f"<td>{written}</td>" in care
    assert "pain 3</title></polygon>" in care
    episode = session.plan.episode
    staff = signed_in(owner).get(f"/outcomes/episodes/{episode.public_id}/").content.decode()
    assert "Pain in the diary between sessions (diamonds)" in staff
    assert f"<td>{written}</td>" in staff


def test_the_diary_day_reads_one_session_however_many_the_patient_has(world):
    """The day page reads its session by id (one row and its adverse events), not every
    signed session of the patient, so its queries do not grow with the course."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from acucare.treatment.selectors import signed_session_of_patient

    _owner, patient, user, session = world
    client = signed_in(user)
    client.get(url(session))  # the first request also refreshes the sign-in session
    with CaptureQueriesContext(connection) as one:
        assert client.get(url(session)).status_code == 200
    for _ in range(3):
        make_signed_session(patient, date=timezone.localdate())
    with CaptureQueriesContext(connection) as four:
        assert client.get(url(session)).status_code == 200
    assert len(four) == len(one)
    # The session is read by its id: no query lists the patient's sessions.
    reads = [q["sql"] for q in four if 'FROM "treatment_treatmentsession"' in q["sql"]]
    ids = (session.public_id.hex, str(session.public_id))
    assert reads
    assert all(any(i in sql for i in ids) for sql in reads), reads
    with CaptureQueriesContext(connection) as read:
        found = signed_session_of_patient(patient, session.public_id)
        assert found is not None
        assert list(found.adverse_events.all()) == []
    assert len(read) == 2
    other, _other_user = make_portal_patient(make_practitioner())
    assert signed_session_of_patient(other, session.public_id) is None


def test_the_diary_list_reads_only_the_newest_sessions_and_their_days(world):
    """The diary lists the six newest signed sessions: the database returns those six
    and their diary days, not every session and day of a long course."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _owner, patient, user, oldest = world
    client = signed_in(user)
    assert client.post(url(oldest), form(oldest)).status_code == 302
    for _ in range(6):
        make_signed_session(patient, date=timezone.localdate())
    client.get("/portal/diary/")
    with CaptureQueriesContext(connection) as read:
        html = client.get("/portal/diary/").content.decode()
    assert url(oldest) not in html  # the seventh newest is not listed
    sessions = [q["sql"] for q in read if 'FROM "treatment_treatmentsession"' in q["sql"]]
    assert sessions
    assert all("LIMIT 6" in sql for sql in sessions), sessions
    days = [q["sql"] for q in read if 'FROM "portal_diaryentry"' in q["sql"]]
    assert days
    assert all('"session_id" IN' in sql for sql in days), days


def test_the_charts_diary_table_reads_its_days_in_one_query_however_many(world):
    """The chart's portal section reads only what its diary table shows (the session's
    number, not its charted points and checks) and the account's last sign-in, and no
    day reads its session or a column on its own: as many queries for three days as one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    owner, patient, user, session = world
    signed_in(user)  # the patient has signed in: the chart says when
    staff = signed_in(owner)
    chart_url = f"/patients/{patient.public_id}/"

    def day(after: int, pain: int) -> None:
        DiaryEntry.objects.create(
            patient=patient,
            session=session,
            day=session.date + dt.timedelta(days=after),
            pain=pain,
            sleep_hours=Decimal("6.5"),
            sleep_quality=4,
            mme_per_day=Decimal("22.5"),
            created_by=user,
        )

    day(0, 7)
    staff.get(chart_url)
    with CaptureQueriesContext(connection) as one:
        assert staff.get(chart_url).status_code == 200
    day(1, 6)
    day(2, 3)
    with CaptureQueriesContext(connection) as three:
        page = staff.get(chart_url).content.decode()
    assert len(three) == len(one)
    diary = [q["sql"] for q in three if 'FROM "portal_diaryentry"' in q["sql"]]
    assert diary
    assert not [sql for sql in diary if '"treatment_treatmentsession"."points"' in sql]
    rows = re.findall(
        r"<tr><td>[^<]*</td><td>(\d+)</td><td>(\d+)</td><td>6.5 h, 4/10</td><td>22.5</td>", page
    )
    assert rows == [("1", "3"), ("1", "6"), ("1", "7")]
    user.refresh_from_db()
    assert f"last signed in {timezone.localtime(user.last_login):%-d %b %Y}" in page
