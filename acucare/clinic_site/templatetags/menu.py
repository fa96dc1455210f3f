"""`{% load menu %}` then `{% main_menu user.role %}`: the layout's main menu for a role.

The menu is the same for everyone in a role, so its links are reversed and rendered once
per role (and URL prefix) in a process, not on every page: eleven `{% url %}` tags cost
every page of a practitioner about a tenth of a millisecond (`bench/profile_pages.py`)."""

from __future__ import annotations

import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from acucare.accounts.models import Role

register = template.Library()

_STAFF = (Role.PRACTITIONER, Role.RECEPTION)
_NOT_PATIENT = (Role.PRACTITIONER, Role.RECEPTION, Role.ADMIN)
_EVERYONE = (*_NOT_PATIENT, Role.PATIENT)
# (label, URL name or path, roles that see it), in the menu's order.
MENU: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Today", "today:today", (Role.PRACTITIONER,)),
    ("Patients", "patients:list", _STAFF),
    ("Diary", "scheduling:diary", _STAFF),
    ("My credentials", "accounts:profile", (Role.PRACTITIONER,)),
    ("My working hours", "scheduling:availability", (Role.PRACTITIONER,)),
    ("Outcomes", "analytics:dashboard", (Role.PRACTITIONER, Role.ADMIN)),
    ("Users", "accounts:users", (Role.ADMIN,)),
    ("Credentials", "accounts:credentials", (Role.ADMIN,)),
    ("Clinic settings", "accounts:clinic", (Role.ADMIN,)),
    ("Hours and rooms", "scheduling:hours", (Role.ADMIN,)),
    ("Working hours", "scheduling:availability", (Role.ADMIN,)),
    ("Audit log", "audit:log", (Role.ADMIN,)),
    ("Reminders", "reminders:list", (Role.ADMIN,)),
    ("My portal", "portal:home", (Role.PATIENT,)),
    ("My care", "portal:care", (Role.PATIENT,)),
    ("My diary", "portal:diary", (Role.PATIENT,)),
    ("Learn", "/portal/learn/", (Role.PATIENT,)),
    ("Reminders", "portal:reminders", (Role.PATIENT,)),
    ("Password", "accounts:password", _EVERYONE),
    ("Two-step sign-in", "accounts:two_factor_enrol", (Role.PATIENT,)),
    ("Two-factor", "accounts:two_factor_enrol", _NOT_PATIENT),
    ("API tokens", "accounts:tokens", _NOT_PATIENT),
)


@register.simple_tag
def main_menu(role: str) -> SafeString:
    """The menu's list items for `role`."""
    return _menu(str(role), get_script_prefix(), get_urlconf())


@functools.cache
def _menu(role: str, prefix: str, urlconf: str | None) -> SafeString:
    del prefix, urlconf  # part of the cache key: `reverse` builds the links from them
    links = [
        (target if target.startswith("/") else reverse(target), label)
        for label, target, roles in MENU
        if role in roles
    ]
    return format_html_join("\n", '<li><a href="{}">{}</a></li>', links)


@receiver(setting_changed)
def _forget_menus(*, setting: str, **kwargs: object) -> None:
    """A test that changes the URLs (`override_settings`) gets menus built from them."""
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _menu.cache_clear()
