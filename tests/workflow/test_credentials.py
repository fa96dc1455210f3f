"""Credentials (issue 15, item 13): an expired licence refuses signing at the service, the
API and the page; the clinic admin sees and verifies every practitioner's licence,
indemnity and scope (audited); a practitioner cannot extend their own expiry alone."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from acucare.accounts import services as accounts
from acucare.accounts.models import PractitionerProfile
from acucare.audit.models import AuditEvent
from acucare.domain.errors import ConflictError, InputError
from acucare.treatment import services
from acucare.treatment.models import SessionStatus
from tests.factories import actor, make_admin, make_practitioner, signed_in
from tests.treatment.factories import episode_with_assessment, make_plan, make_session

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
EXPIRED = TODAY - dt.timedelta(days=3)
RENEWED = TODAY + dt.timedelta(days=365)


def expire(doc, when=EXPIRED):
    PractitionerProfile.objects.filter(user=doc).update(licence_expiry=when)


def _charted(doc):
    episode, _ = episode_with_assessment(doc)
    return doc, make_session(make_plan(episode, approve=True))


@pytest.fixture
def charted():
    return _charted(make_practitioner())


def verified(doc):
    """The clinic admin checks the documents: what waits takes effect."""
    profile = PractitionerProfile.objects.get(user=doc)
    accounts.credentials_verify(
        actor=actor(make_admin()),
        practitioner_id=doc.public_id,
        seen=profile.updated_at.isoformat(),
    )


@pytest.fixture
def charted_new():
    """A practitioner whose credentials are not recorded yet."""
    return _charted(make_practitioner(credentials_in_force=False))


def test_an_expired_licence_refuses_signing_in_the_service(charted):
    doc, session = charted
    expire(doc)
    with pytest.raises(InputError) as refused:
        services.session_sign(actor=actor(doc), session_id=session.public_id, version=1)
    assert refused.value.field == "licence"
    assert f"expired on {EXPIRED:%d %b %Y}" in refused.value.message
    session.refresh_from_db()
    assert session.status != SessionStatus.SIGNED


def test_the_last_day_of_a_licence_still_signs(charted):
    doc, session = charted
    expire(doc, TODAY)
    PractitionerProfile.objects.filter(user=doc).update(indemnity_expiry=TODAY)
    signed = services.session_sign(actor=actor(doc), session_id=session.public_id, version=1)
    assert signed.status == SessionStatus.SIGNED


def test_the_api_refuses_with_the_field_and_the_reason(charted):
    doc, session = charted
    expire(doc)
    response = signed_in(doc).post(
        f"/api/v1/sessions/{session.public_id}/sign",
        data=json.dumps({"version": 1}),
        content_type="application/json",
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "licence"
    assert "cannot be signed" in error["message"]


def test_the_page_says_so_instead_of_offering_to_sign(charted):
    doc, session = charted
    expire(doc)
    client = signed_in(doc)
    url = f"/treatment/sessions/{session.public_id}/"
    page = client.get(url).content.decode()
    assert "Signing is refused." in page
    assert f'action="{url}sign/"' not in page
    posted = client.post(url + "sign/", {"version": 1})
    assert posted.status_code == 422
    assert "cannot be signed" in posted.content.decode()


def save_credentials(doc, **fields):
    values = {
        "base_profession": "acupuncturist",
        "licence_title": "L.Ac.",
        "licence_number": "AC-1",
        "issuing_board": "Board",
        **fields,
    }
    return signed_in(doc).post("/account/credentials/", values)


def test_a_practitioner_cannot_extend_their_own_expiry(charted_new):
    doc, session = charted_new
    save_credentials(doc, licence_expiry=EXPIRED.isoformat())
    verified(doc)
    assert PractitionerProfile.objects.get(user=doc).licence_expiry == EXPIRED
    response = save_credentials(doc, licence_expiry=RENEWED.isoformat())
    assert response.status_code == 302
    profile = PractitionerProfile.objects.get(user=doc)
    assert profile.licence_expiry == EXPIRED  # still in force
    assert profile.pending_changes == {"licence_expiry": RENEWED.isoformat()}
    page = signed_in(doc).get("/account/credentials/").content.decode()
    assert "Awaiting the clinic admin" in page
    assert f"Licence expiry: {EXPIRED:%-d %b %Y} → {RENEWED:%-d %b %Y}" in page
    assert f'value="{RENEWED.isoformat()}"' in page or RENEWED.strftime("%d/%m/%Y") in page
    with pytest.raises(InputError, match="waits for the clinic admin"):
        services.session_sign(actor=actor(doc), session_id=session.public_id, version=1)
    # Saving again with nothing changed keeps the proposal waiting.
    save_credentials(doc, licence_expiry=RENEWED.isoformat(), cpd_hours_last_year="30")
    assert PractitionerProfile.objects.get(user=doc).pending_changes == {
        "licence_expiry": RENEWED.isoformat()
    }


def test_an_earlier_expiry_takes_effect_at_once():
    doc = make_practitioner(credentials_in_force=False)
    save_credentials(doc, licence_expiry=RENEWED.isoformat(), scope_restrictions="No eye points.")
    verified(doc)
    sooner = TODAY + dt.timedelta(days=10)
    save_credentials(doc, licence_expiry=sooner.isoformat(), scope_restrictions="")
    profile = PractitionerProfile.objects.get(user=doc)
    assert profile.licence_expiry == sooner
    # Lifting a limit on practice widens it: that waits.
    assert profile.scope_restrictions == "No eye points."
    assert profile.pending_changes == {"scope_restrictions": ""}


def test_the_admin_sees_and_verifies_the_renewal(charted_new):
    doc, session = charted_new
    cover = {"indemnity_insurer": "Mutual", "indemnity_expiry": RENEWED.isoformat()}
    save_credentials(doc, licence_expiry=EXPIRED.isoformat(), **cover)
    verified(doc)
    save_credentials(doc, licence_expiry=RENEWED.isoformat(), **cover)
    admin = make_admin()
    client = signed_in(admin)
    page = client.get("/admin/credentials/").content.decode()
    assert doc.display_name in page
    assert f"Expired {EXPIRED:%-d %b %Y}" in page
    assert "Mutual" in page
    assert "Changes awaiting your verification" in page
    profile = PractitionerProfile.objects.get(user=doc)
    seen = profile.updated_at.isoformat()
    stale = client.post(
        "/admin/credentials/",
        {"practitioner": str(doc.public_id), "action": "verify", "seen": "2000-01-01"},
    )
    assert stale.status_code == 409
    assert "reload" in stale.content.decode()
    done = client.post(
        "/admin/credentials/",
        {"practitioner": str(doc.public_id), "action": "verify", "seen": seen},
    )
    assert done.status_code == 302
    profile.refresh_from_db()
    assert (profile.licence_expiry, profile.pending_changes) == (RENEWED, {})
    assert profile.verified_by == admin
    event = AuditEvent.objects.filter(object_type="practitioner_profile", actor=admin).latest("id")
    assert event.detail == {
        "change": "verify",
        "licence_expiry": [EXPIRED.isoformat(), RENEWED.isoformat()],
    }
    assert AuditEvent.objects.filter(
        object_type="practitioner_profile", action="list", actor=admin
    ).exists()
    assert "Verified by" in client.get("/admin/credentials/").content.decode()
    signed = services.session_sign(actor=actor(doc), session_id=session.public_id, version=1)
    assert signed.status == SessionStatus.SIGNED


def test_the_admin_declines_a_change():
    doc = make_practitioner()
    save_credentials(doc, licence_expiry=EXPIRED.isoformat())
    save_credentials(doc, licence_expiry=RENEWED.isoformat())
    admin = make_admin()
    profile = PractitionerProfile.objects.get(user=doc)
    declined = accounts.credentials_verify(
        actor=actor(admin),
        practitioner_id=doc.public_id,
        seen=profile.updated_at.isoformat(),
        accept=False,
    )
    assert (declined.licence_expiry, declined.pending_changes) == (EXPIRED, {})
    assert declined.verified_at is None
    with pytest.raises(InputError, match="no changes awaiting"):
        accounts.credentials_verify(
            actor=actor(admin),
            practitioner_id=doc.public_id,
            seen=declined.updated_at.isoformat(),
            accept=False,
        )
    with pytest.raises(ConflictError):
        accounts.credentials_verify(actor=actor(admin), practitioner_id=doc.public_id, seen="")


def test_only_the_admin_verifies():
    doc = make_practitioner()
    profile = PractitionerProfile.objects.get(user=doc)
    with pytest.raises(PermissionDenied):
        accounts.credentials_verify(
            actor=actor(doc), practitioner_id=doc.public_id, seen=profile.updated_at.isoformat()
        )
    assert signed_in(doc).get("/admin/credentials/").status_code == 403
    bad = signed_in(make_admin()).post(
        "/admin/credentials/", {"practitioner": str(doc.public_id), "action": "approve"}
    )
    assert bad.status_code == 422
    assert "Choose verify or decline." in bad.content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"licence_expiry": None}, "licence", "No licence expiry date is recorded"),
        ({"indemnity_expiry": None}, "indemnity", "No professional indemnity cover"),
        ({"indemnity_expiry": EXPIRED}, "indemnity", f"lapsed on {EXPIRED:%d %b %Y}"),
    ],
)
def test_a_missing_expiry_or_a_lapsed_indemnity_refuses_signing(charted, fields, field, words):
    doc, session = charted
    PractitionerProfile.objects.filter(user=doc).update(**fields)
    with pytest.raises(InputError) as refused:
        services.session_sign(actor=actor(doc), session_id=session.public_id, version=1)
    assert refused.value.field == field
    assert words in refused.value.message
    assert "cannot be signed" in refused.value.message
    session.refresh_from_db()
    assert session.status != SessionStatus.SIGNED
    page = signed_in(doc).get(f"/treatment/sessions/{session.public_id}/").content.decode()
    assert "Signing is refused." in page
    assert words in page


def test_no_credentials_at_all_refuse_signing(charted):
    doc, session = charted
    PractitionerProfile.objects.filter(user=doc).delete()
    with pytest.raises(InputError, match="No licence expiry date is recorded"):
        services.session_sign(actor=actor(doc), session_id=session.public_id, version=1)


def test_a_lapsed_indemnity_renewal_waits_for_the_admin(charted):
    doc, session = charted
    PractitionerProfile.objects.filter(user=doc).update(indemnity_expiry=EXPIRED)
    response = save_credentials(
        doc,
        licence_expiry=RENEWED.isoformat(),
        indemnity_insurer="Test Mutual",
        indemnity_expiry=RENEWED.isoformat(),
    )
    assert response.status_code == 302
    profile = PractitionerProfile.objects.get(user=doc)
    assert profile.indemnity_expiry == EXPIRED
    with pytest.raises(InputError, match="waits for the clinic admin"):
        services.session_sign(actor=actor(doc), session_id=session.public_id, version=1)
    accounts.credentials_verify(
        actor=actor(make_admin()),
        practitioner_id=doc.public_id,
        seen=profile.updated_at.isoformat(),
    )
    signed = services.session_sign(actor=actor(doc), session_id=session.public_id, version=1)
    assert signed.status == SessionStatus.SIGNED


def test_a_first_expiry_date_waits_for_the_admin(charted_new):
    """Signing is refused while no expiry is recorded; a date typed in by the practitioner
    would lift that unchecked, so a first expiry date waits like a renewal. Other first
    entries (the licence number, a limit on practice) take effect at once."""
    doc, session = charted_new
    save_credentials(
        doc,
        licence_expiry=RENEWED.isoformat(),
        indemnity_insurer="Mutual",
        indemnity_expiry=RENEWED.isoformat(),
    )
    profile = PractitionerProfile.objects.get(user=doc)
    assert (profile.licence_expiry, profile.indemnity_expiry) == (None, None)
    assert (profile.licence_number, profile.indemnity_insurer) == ("AC-1", "Mutual")
    assert profile.pending_changes == {
        "licence_expiry": RENEWED.isoformat(),
        "indemnity_expiry": RENEWED.isoformat(),
    }
    with pytest.raises(InputError) as refused:
        services.session_sign(actor=actor(doc), session_id=session.public_id, version=1)
    assert refused.value.field == "licence"
    verified(doc)
    signed = services.session_sign(actor=actor(doc), session_id=session.public_id, version=1)
    assert signed.status == SessionStatus.SIGNED
