"""The patient chart's portal section: the account's last sign-in and the latest
invitation in one query, an invitation's dates only while it is open (never its link),
and only the columns the section shows of the alerts and the diary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from acucare.patients.selectors import patient_chart
from acucare.portal.models import DiaryEntry, Invitation, PortalAlert
from acucare.portal.selectors import OpenInvitation, chart_portal
from tests.factories import actor, make_episode, make_patient, make_practitioner, make_reception
from tests.portal.factories import make_portal_patient, make_signed_session

pytestmark = pytest.mark.django_db


def invitation(patient, by, *, ago: int, expires_in: int, **dates: dt.datetime) -> Invitation:
    now = timezone.now()
    return Invitation.objects.create(
        patient=patient,
        email="ada@example.org",
        digest=f"{patient.pk}-{ago}-{expires_in}-{len(dates)}",
        created_at=now - dt.timedelta(days=ago),
        expires_at=now + dt.timedelta(days=expires_in),
        created_by=by,
        **dates,
    )


def section(user, patient):
    who = actor(user)
    return chart_portal(who, patient_chart(actor=who, patient_id=patient.public_id))


def test_the_section_shows_the_latest_invitation_only_while_it_is_open():
    doc = make_practitioner()
    patient = make_patient(doc)
    status = section(doc, patient)
    assert (status.has_account, status.signed_in_last, status.open_invitation) == (
        False,
        None,
        None,
    )
    first = invitation(patient, doc, ago=3, expires_in=4)
    assert section(doc, patient).open_invitation == OpenInvitation(
        first.created_at, first.expires_at
    )
    # Reception staff see that it is open too, and no more of it than its dates.
    assert section(make_reception(), patient).open_invitation == OpenInvitation(
        first.created_at, first.expires_at
    )
    # A newer invitation that has expired hides the older one, as would a used one.
    invitation(patient, doc, ago=1, expires_in=-1)
    assert section(doc, patient).open_invitation is None
    newest = invitation(patient, doc, ago=0, expires_in=7)
    assert section(doc, patient).open_invitation == OpenInvitation(
        newest.created_at, newest.expires_at
    )
    Invitation.objects.filter(pk=newest.pk).update(used_at=timezone.now())
    assert section(doc, patient).open_invitation is None


def test_an_account_is_shown_with_its_last_sign_in_whatever_the_invitations():
    doc = make_practitioner()
    patient, user = make_portal_patient(doc)
    status = section(doc, patient)
    assert (status.has_account, status.signed_in_last, status.open_invitation) == (
        True,
        None,
        None,
    )
    user.last_login = timezone.now() - dt.timedelta(hours=5)
    user.save(update_fields=["last_login"])
    for ago in (2, 1):
        invitation(patient, doc, ago=ago, expires_in=5, withdrawn_at=timezone.now())
    status = section(doc, patient)
    assert (status.has_account, status.signed_in_last, status.open_invitation) == (
        True,
        user.last_login,
        None,
    )


def test_the_section_reads_three_queries_of_the_columns_it_shows():
    """The account and the latest invitation are one query (not two), and neither an
    invitation's digest nor its address is read; the alerts and diary days are read
    without the columns the section does not show."""
    doc = make_practitioner()
    patient, user = make_portal_patient(doc)
    session = make_signed_session(patient, date=timezone.localdate() - dt.timedelta(days=2))
    invitation(patient, doc, ago=1, expires_in=6)
    DiaryEntry.objects.create(
        patient=patient,
        session=session,
        day=session.date,
        pain=5,
        sleep_hours="7.0",
        sleep_quality=6,
        after_effects=[{"kind": "bruising"}, {"kind": "tiredness"}],
        created_by=user,
    )
    PortalAlert.objects.create(
        patient=patient, episode=make_episode(patient), kind="self_harm", detail={"answer": 1}
    )
    who = actor(doc)
    chart = patient_chart(actor=who, patient_id=patient.public_id)
    with CaptureQueriesContext(connection) as read:
        status = chart_portal(who, chart)
    assert len(read) == 3
    sql = " ".join(q["sql"] for q in read.captured_queries)
    assert '"portal_invitation"."digest"' not in sql
    assert '"portal_invitation"."email"' not in sql
    assert '"portal_portalalert"."acknowledgement"' not in sql
    assert '"portal_diaryentry"."medicines"' not in sql
    assert status.open_invitation is not None
    assert [a.detail for a in status.open_alerts] == [{"answer": 1}]
    (day,) = status.diary
    assert (day.day, day.session_number, day.pain, day.after_effects) == (
        session.date,
        session.number,
        5,
        2,
    )
