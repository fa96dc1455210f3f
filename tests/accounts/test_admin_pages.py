"""The clinic admin's pages: users, roles, deactivation, clinic settings."""

import pytest

from acucare.accounts.models import ApiToken, Clinic, Role, User
from acucare.accounts.services import api_token_create
from acucare.audit.models import AuditEvent
from tests.factories import (
    actor,
    enrol_totp,
    make_admin,
    make_patient,
    make_practitioner,
    signed_in,
)

pytestmark = pytest.mark.django_db


def test_admin_creates_a_practitioner_with_a_profile():
    admin = make_admin()
    response = signed_in(admin).post(
        "/admin/users/new/",
        {
            "username": "lwong",
            "first_name": "Li",
            "last_name": "Wong",
            "role": "practitioner",
            "password": "a sufficiently long passphrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="lwong")
    assert user.role == Role.PRACTITIONER
    assert user.practitioner_profile is not None
    assert user.check_password("a sufficiently long passphrase")
    event = AuditEvent.objects.get(action="create", object_type="user")
    assert event.object_id == user.public_id
    assert "passphrase" not in str(event.detail)


def test_a_weak_password_is_shown_next_to_the_field_and_nothing_is_saved():
    response = signed_in(make_admin()).post(
        "/admin/users/new/", {"username": "lwong", "role": "reception", "password": "short"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_password_error"' in html
    assert not User.objects.filter(username="lwong").exists()


def test_duplicate_usernames_are_refused_case_insensitively():
    make_practitioner(username="mchen")
    response = signed_in(make_admin()).post(
        "/admin/users/new/",
        {"username": "MChen", "role": "reception", "password": "a sufficiently long passphrase"},
    )
    assert 'id="id_username_error"' in response.content.decode()


def test_admin_changes_a_role_and_it_is_audited():
    admin = make_admin()
    user = make_practitioner()
    client = signed_in(admin)
    assert (
        client.post(
            f"/admin/users/{user.public_id}/", {"action": "role", "role": "reception"}
        ).status_code
        == 302
    )
    user.refresh_from_db()
    assert user.role == Role.RECEPTION
    assert AuditEvent.objects.get(action="update", object_type="user").detail == {
        "role": {"from": "practitioner", "to": "reception"}
    }


def test_a_practitioner_with_patients_keeps_the_role_until_they_are_reassigned():
    admin = make_admin()
    doc = make_practitioner()
    make_patient(doc)
    response = signed_in(admin).post(
        f"/admin/users/{doc.public_id}/", {"action": "role", "role": "reception"}
    )
    assert response.status_code == 422
    assert "reassign" in response.content.decode()
    doc.refresh_from_db()
    assert doc.role == Role.PRACTITIONER


def test_deactivation_ends_access_and_revokes_tokens():
    admin = make_admin()
    doc = make_practitioner()
    doc_client = signed_in(doc)
    _row, token = api_token_create(actor=actor(doc), name="sync")
    signed_in(admin).post(f"/admin/users/{doc.public_id}/", {"action": "deactivate"})
    doc.refresh_from_db()
    assert not doc.is_active
    assert doc_client.get("/patients/").status_code == 302
    assert ApiToken.objects.get(owner=doc).revoked_at is not None
    assert (
        signed_in(admin).get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    )
    from django.test import Client

    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_an_admin_cannot_lock_themselves_out():
    admin = make_admin()
    client = signed_in(admin)
    client.post(f"/admin/users/{admin.public_id}/", {"action": "deactivate"})
    client.post(f"/admin/users/{admin.public_id}/", {"action": "role", "role": "reception"})
    admin.refresh_from_db()
    assert admin.is_active
    assert admin.role == Role.ADMIN


def test_requiring_two_factor_needs_the_admin_enrolled_first():
    admin = make_admin()
    client = signed_in(admin)
    response = client.post("/admin/clinic/", {"name": "Riverside", "require_two_factor": "on"})
    assert "Enrol two-factor authentication for your own account" in response.content.decode()
    assert not Clinic.objects.filter(require_two_factor=True).exists()
    enrol_totp(admin)
    assert (
        client.post("/admin/clinic/", {"name": "Riverside", "require_two_factor": "on"}).status_code
        == 302
    )
    clinic = Clinic.objects.get()
    assert clinic.require_two_factor
    assert clinic.name == "Riverside"


def test_admin_resets_a_lost_authenticator():
    admin = make_admin()
    doc = make_practitioner()
    enrol_totp(doc)
    signed_in(admin).post(f"/admin/users/{doc.public_id}/", {"action": "reset_two_factor"})
    doc.refresh_from_db()
    assert not doc.two_factor_enabled
    assert doc.totp_secret == ""


def test_admin_sets_a_new_password_and_weak_ones_are_refused_next_to_the_field():
    admin = make_admin()
    doc = make_practitioner()
    client = signed_in(admin)
    weak = client.post(
        f"/admin/users/{doc.public_id}/", {"action": "set_password", "password": "abc"}
    )
    assert weak.status_code == 422
    assert 'id="id_password_error"' in weak.content.decode()
    ok = client.post(
        f"/admin/users/{doc.public_id}/",
        {"action": "set_password", "password": "a brand new passphrase"},
    )
    assert ok.status_code == 302
    doc.refresh_from_db()
    assert doc.check_password("a brand new passphrase")
    assert AuditEvent.objects.filter(
        object_id=doc.public_id, detail__change="password set by admin"
    ).exists()


def test_a_user_changes_their_own_password_and_stays_signed_in():
    from tests.factories import PASSWORD

    doc = make_practitioner()
    client = signed_in(doc)
    wrong = client.post(
        "/account/password/",
        {
            "current_password": "nope",
            "new_password": "another long passphrase",
            "repeat_password": "another long passphrase",
        },
    )
    assert 'id="id_current_password_error"' in wrong.content.decode()
    differ = client.post(
        "/account/password/",
        {
            "current_password": PASSWORD,
            "new_password": "another long passphrase",
            "repeat_password": "another long passphrasf",
        },
    )
    assert 'id="id_repeat_password_error"' in differ.content.decode()
    ok = client.post(
        "/account/password/",
        {
            "current_password": PASSWORD,
            "new_password": "another long passphrase",
            "repeat_password": "another long passphrase",
        },
    )
    assert ok.status_code == 302
    doc.refresh_from_db()
    assert doc.check_password("another long passphrase")
    assert client.get("/patients/").status_code == 200


def test_an_unknown_action_is_refused():
    admin = make_admin()
    response = signed_in(admin).post(
        f"/admin/users/{make_practitioner().public_id}/", {"action": "delete"}
    )
    assert response.status_code == 422


def test_createsuperuser_makes_a_clinic_admin():
    user = User.objects.create_superuser(
        "first-admin", "admin@example.org", "a long enough passphrase"
    )
    assert user.role == Role.ADMIN


def test_user_changes_record_who_made_them():
    admin = make_admin()
    signed_in(admin).post(
        "/admin/users/new/",
        {"username": "newdesk", "role": "reception", "password": "a sufficiently long passphrase"},
    )
    user = User.objects.get(username="newdesk")
    assert (user.created_by, user.updated_by) == (admin, admin)
    other = make_admin()
    signed_in(other).post(
        f"/admin/users/{user.public_id}/", {"action": "role", "role": "practitioner"}
    )
    user.refresh_from_db()
    assert user.updated_by == other
    assert user.created_by == admin


def test_admin_sees_and_revokes_a_users_tokens():
    admin = make_admin()
    doc = make_practitioner()
    row, _token = api_token_create(actor=actor(doc), name="leaky script")
    client = signed_in(admin)
    page = client.get(f"/admin/users/{doc.public_id}/").content.decode()
    assert "leaky script" in page
    response = client.post(f"/account/tokens/{row.public_id}/revoke/")
    assert response["Location"] == f"/admin/users/{doc.public_id}/"
    row.refresh_from_db()
    assert row.revoked_at is not None
