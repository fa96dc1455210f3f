"""The e-mail and site-address settings (ACUCARE_EMAIL_*, ACUCARE_SITE_URL): read from
the environment, and a wrong value refused with the variable and what it accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.config.test_production_settings import PRODUCTION, load

NAMES = (
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_HOST_USER",
    "DEFAULT_FROM_EMAIL",
    "ACUCARE_SITE_URL",
)


def settings_of(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    result = load(env, *NAMES, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_production_sends_through_the_configured_smtp_server(tmp_path: Path) -> None:
    env = {
        **PRODUCTION,
        "ACUCARE_EMAIL_HOST": "smtp.clinic.example.org",
        "ACUCARE_EMAIL_USE_TLS": "yes",
        "ACUCARE_EMAIL_USER": "acucare",
        "ACUCARE_EMAIL_FROM": "Harbour Clinic <desk@clinic.example.org>",
        "ACUCARE_SITE_URL": "https://clinic.example.org/",
    }
    assert settings_of(env, tmp_path) == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.clinic.example.org",
        "EMAIL_PORT": "587",
        "EMAIL_USE_TLS": "True",
        "EMAIL_USE_SSL": "False",
        "EMAIL_HOST_USER": "acucare",
        "DEFAULT_FROM_EMAIL": "Harbour Clinic <desk@clinic.example.org>",
        "ACUCARE_SITE_URL": "https://clinic.example.org",
    }


def test_the_defaults_local_mail_server_in_production_console_in_development(
    tmp_path: Path,
) -> None:
    production = settings_of(PRODUCTION, tmp_path)
    assert production["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (production["EMAIL_HOST"], production["EMAIL_PORT"]) == ("localhost", "25")
    assert production["ACUCARE_SITE_URL"] == ""
    development = settings_of({"ACUCARE_DEBUG": "1"}, tmp_path)
    assert development["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert development["ACUCARE_SITE_URL"] == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ACUCARE_EMAIL_PORT", "70000", "is not a port number; allowed: an integer from 1 to"),
        ("ACUCARE_EMAIL_PORT", "smtp", "is not a whole number; allowed: an integer"),
        ("ACUCARE_EMAIL_USE_TLS", "maybe", "is not a yes/no value; allowed: 1, true"),
        ("ACUCARE_EMAIL_FROM", "desk", "is not an e-mail address; allowed: name@host or"),
        ("ACUCARE_EMAIL_FROM", "Desk <desk at clinic>", "is not an e-mail address"),
        ("ACUCARE_SITE_URL", "clinic.example.org", "is not a site address; allowed: https://"),
        ("ACUCARE_SITE_URL", "https://clinic.example.org/acucare", "without a path"),
        ("ACUCARE_SITE_URL", "ftp://clinic.example.org", "is not a site address"),
    ],
)
def test_a_wrong_value_names_the_variable_and_what_it_accepts(
    name: str, value: str, message: str, tmp_path: Path
) -> None:
    result = load({**PRODUCTION, name: value}, "DEBUG", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name}={value!r}" in result.stderr or name in result.stderr
    assert message in result.stderr


def test_tls_and_ssl_together_are_refused(tmp_path: Path) -> None:
    env = {**PRODUCTION, "ACUCARE_EMAIL_USE_TLS": "1", "ACUCARE_EMAIL_USE_SSL": "1"}
    result = load(env, "DEBUG", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "ACUCARE_EMAIL_USE_TLS and ACUCARE_EMAIL_USE_SSL are both on" in result.stderr
