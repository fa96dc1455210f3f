"""Practitioner credentials and the licence-expiry warning."""

import datetime as dt

import pytest
from django.utils import timezone

from acucare.accounts.models import PractitionerProfile
from tests.factories import make_admin, make_practitioner, signed_in

pytestmark = pytest.mark.django_db

FORM = {
    "base_profession": "acupuncturist",
    "licence_title": "L.Ac.",
    "licence_number": "AC-001234",
    "issuing_board": "State Board of Acupuncture",
    "certifications": ["nccaom_dipl_ac", "ccaom_cnt"],
    "years_in_practice": "12",
}


def test_saving_credentials():
    doc = make_practitioner(credentials_in_force=False)
    expiry = timezone.localdate() + dt.timedelta(days=400)
    response = signed_in(doc).post(
        "/account/credentials/", {**FORM, "licence_expiry": expiry.isoformat()}
    )
    assert response.status_code == 302
    profile = PractitionerProfile.objects.get(user=doc)
    assert profile.licence_number == "AC-001234"
    assert profile.certifications == ["ccaom_cnt", "nccaom_dipl_ac"]
    assert profile.years_in_practice == 12
    assert profile.licence_expiry is None  # a first expiry date waits for the admin's check
    assert profile.pending_changes == {"licence_expiry": expiry.isoformat()}
    assert "Dipl. Ac. (NCCAOM)" in profile.certification_labels()


def test_an_expired_licence_is_flagged_on_the_profile_and_the_user_list():
    doc = make_practitioner()
    expired = timezone.localdate() - dt.timedelta(days=1)
    signed_in(doc).post("/account/credentials/", {**FORM, "licence_expiry": expired.isoformat()})
    profile = PractitionerProfile.objects.get(user=doc)
    assert profile.licence_expired()
    page = signed_in(doc).get("/account/credentials/").content.decode()
    assert "Your licence expired on" in page
    users = signed_in(make_admin()).get("/admin/users/").content.decode()
    assert "expired" in users


def test_expiry_boundaries():
    profile = PractitionerProfile(licence_expiry=dt.date(2026, 3, 31))
    assert not profile.licence_expired(dt.date(2026, 3, 31))
    assert profile.licence_expired(dt.date(2026, 4, 1))
    assert profile.licence_expires_soon(dt.date(2026, 3, 1))
    assert not profile.licence_expires_soon(dt.date(2025, 12, 1))
    assert not PractitionerProfile().licence_expired()


def test_an_unknown_certification_is_refused_next_to_the_field():
    response = signed_in(make_practitioner()).post(
        "/account/credentials/", {**FORM, "certifications": ["made_up"]}
    )
    assert 'id="id_certifications_error"' in response.content.decode()


def test_sign_in_warns_a_practitioner_whose_licence_has_expired():
    from django.test import Client

    from tests.factories import PASSWORD

    doc = make_practitioner()
    PractitionerProfile.objects.filter(user=doc).update(
        licence_expiry=timezone.localdate() - dt.timedelta(days=3)
    )
    client = Client()
    client.post("/sign-in/", {"username": doc.username, "password": PASSWORD})
    assert "Your licence expired on" in client.get("/patients/").content.decode()


def test_indemnity_cover_and_cpd_are_recorded_and_lapsed_cover_is_flagged():
    doc = make_practitioner()
    ended = timezone.localdate() - dt.timedelta(days=2)
    response = signed_in(doc).post(
        "/account/credentials/",
        {
            **FORM,
            "indemnity_insurer": "Mutual",
            "indemnity_expiry": ended.isoformat(),
            "cpd_hours_last_year": "31",
            "scope_restrictions": "No eye points.",
        },
    )
    assert response.status_code == 302
    profile = PractitionerProfile.objects.get(user=doc)
    assert (profile.cpd_hours_last_year, profile.scope_restrictions) == (31, "No eye points.")
    assert profile.indemnity_expired()
    assert "indemnity cover ended" in signed_in(doc).get("/account/credentials/").content.decode()
