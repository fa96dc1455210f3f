"""The layout's main menu: each role's links, in the clinic's words, in a fixed order, and
the signed-in person's name beside "Sign out"."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.shortcuts import render
from django.test import RequestFactory
from django.urls import reverse

from acucare.accounts.models import Role, User
from tests.clinic_fixtures import fast_password_hashing
from tests.factories import make_user

pytestmark = pytest.mark.django_db
__all__ = ["fast_password_hashing"]

ACCOUNT = [("Password", "accounts:password"), ("Two-factor", "accounts:two_factor_enrol")]
MENUS = {
    Role.PRACTITIONER: [
        ("Today", "today:today"),
        ("Patients", "patients:list"),
        ("Diary", "scheduling:diary"),
        ("My credentials", "accounts:profile"),
        ("My working hours", "scheduling:availability"),
        ("Outcomes", "analytics:dashboard"),
        *ACCOUNT,
        ("API tokens", "accounts:tokens"),
    ],
    Role.RECEPTION: [
        ("Patients", "patients:list"),
        ("Diary", "scheduling:diary"),
        *ACCOUNT,
        ("API tokens", "accounts:tokens"),
    ],
    Role.ADMIN: [
        ("Outcomes", "analytics:dashboard"),
        ("Users", "accounts:users"),
        ("Credentials", "accounts:credentials"),
        ("Clinic settings", "accounts:clinic"),
        ("Hours and rooms", "scheduling:hours"),
        ("Working hours", "scheduling:availability"),
        ("Audit log", "audit:log"),
        ("Reminders", "reminders:list"),
        *ACCOUNT,
        ("API tokens", "accounts:tokens"),
    ],
    Role.PATIENT: [
        ("My portal", "portal:home"),
        ("My care", "portal:care"),
        ("My diary", "portal:diary"),
        ("Learn", "/portal/learn/"),
        ("Reminders", "portal:reminders"),
        ("Password", "accounts:password"),
        ("Two-step sign-in", "accounts:two_factor_enrol"),
    ],
}


def layout(user: User) -> str:
    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return render(request, "clinic_site/base.html", {}).content.decode()


def menu_links(html: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)
    assert nav is not None
    return [(text, href) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav[1])]


@pytest.mark.parametrize("role", list(MENUS))
def test_each_role_sees_its_own_menu(role):
    user = make_user(role)
    expected = [
        (label, name if name.startswith("/") else reverse(name)) for label, name in MENUS[role]
    ]
    html = layout(user)
    assert menu_links(html) == expected
    assert user.display_name in html
    assert ("(" + user.get_role_display() + ")" in html) is (role != Role.PATIENT)


def test_a_second_person_in_the_same_role_gets_the_same_menu_and_their_own_name():
    first, second = make_user(Role.PRACTITIONER), make_user(Role.PRACTITIONER)
    assert menu_links(layout(first)) == menu_links(layout(second))
    assert second.display_name in layout(second)
    assert first.display_name not in layout(second)


def test_signed_out_visitors_get_the_sign_in_link_only():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    html = render(request, "clinic_site/base.html", {}).content.decode()
    assert menu_links(html) == [("Sign in", reverse("accounts:login"))]
