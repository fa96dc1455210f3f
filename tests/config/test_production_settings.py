"""Production settings come from the environment and refuse an incomplete start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"
PRINT = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({name: str(getattr(settings, name, None)) for name in %r}))"
)


def load(env: dict[str, str], *names: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Import config.settings in a fresh process with exactly `env` (plus PATH)."""
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ACUCARE_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT % (list(names),)],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


PRODUCTION = {
    "ACUCARE_SECRET_KEY": KEY,
    "ACUCARE_ALLOWED_HOSTS": "clinic.example.org",
    "ACUCARE_DATABASE_URL": "postgres://acucare@db:5432/acucare",
}


def test_debug_off_without_key_hosts_or_database_refuses_and_names_all_three(
    tmp_path: Path,
) -> None:
    result = load({}, "DEBUG", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in ("ACUCARE_SECRET_KEY", "ACUCARE_ALLOWED_HOSTS", "ACUCARE_DATABASE_URL"):
        assert f"{name} is required" in result.stderr
    # No key is quietly written to disk in production.
    assert not (tmp_path / "var" / "secret-key").exists()


@pytest.mark.parametrize("missing", sorted(PRODUCTION))
def test_each_required_value_alone_is_enough_to_refuse(missing: str, tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = load(env, "DEBUG", tmp_path=tmp_path)
    assert result.returncode != 0
    assert f"{missing} is required" in result.stderr


def test_a_short_secret_key_is_refused(tmp_path: Path) -> None:
    result = load({**PRODUCTION, "ACUCARE_SECRET_KEY": "secret"}, "DEBUG", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "ACUCARE_SECRET_KEY is too weak" in result.stderr


def test_a_malformed_value_names_the_variable_and_the_allowed_values(tmp_path: Path) -> None:
    result = load({**PRODUCTION, "ACUCARE_SSL_REDIRECT": "maybe"}, "DEBUG", tmp_path=tmp_path)
    assert "ACUCARE_SSL_REDIRECT='maybe' is not a yes/no value; allowed: 1, true" in result.stderr
    result = load({**PRODUCTION, "ACUCARE_TASKS_BACKEND": "celery"}, "DEBUG", tmp_path=tmp_path)
    assert "ACUCARE_TASKS_BACKEND='celery' is not recognised; allowed: database, redis" in (
        result.stderr
    )
    result = load({**PRODUCTION, "ACUCARE_HSTS_SECONDS": "-5"}, "DEBUG", tmp_path=tmp_path)
    assert "ACUCARE_HSTS_SECONDS='-5' is too small" in result.stderr


def test_complete_production_settings_are_secure_by_default(tmp_path: Path) -> None:
    names = (
        "DEBUG",
        "ALLOWED_HOSTS",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "STORAGES",
        "TASKS",
    )
    result = load(PRODUCTION, *names, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] == "False"
    assert values["ALLOWED_HOSTS"] == "['clinic.example.org']"
    assert values["SECURE_SSL_REDIRECT"] == "True"
    assert int(values["SECURE_HSTS_SECONDS"]) >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] == "True"
    assert values["SESSION_COOKIE_SECURE"] == values["CSRF_COOKIE_SECURE"] == "True"
    assert values["SECURE_PROXY_SSL_HEADER"] == "None"
    assert "CompressedManifestStaticFilesStorage" in values["STORAGES"]
    assert "django_tasks_db.DatabaseBackend" in values["TASKS"]


def test_proxy_headers_redis_and_plain_http_come_from_the_environment(tmp_path: Path) -> None:
    env = {
        **PRODUCTION,
        "ACUCARE_TRUST_PROXY_HEADERS": "1",
        "ACUCARE_TASKS_BACKEND": "redis",
        "ACUCARE_SSL_REDIRECT": "0",
        "ACUCARE_HSTS_SECONDS": "0",
        "ACUCARE_CSRF_TRUSTED_ORIGINS": "https://clinic.example.org",
    }
    names = ("SECURE_PROXY_SSL_HEADER", "TASKS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS")
    result = load(env, *names, "CSRF_TRUSTED_ORIGINS", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["SECURE_PROXY_SSL_HEADER"] == "('HTTP_X_FORWARDED_PROTO', 'https')"
    assert "django_tasks_rq.RQBackend" in values["TASKS"]
    assert (values["SECURE_SSL_REDIRECT"], values["SECURE_HSTS_SECONDS"]) == ("False", "0")
    assert values["CSRF_TRUSTED_ORIGINS"] == "['https://clinic.example.org']"


def test_a_development_checkout_needs_nothing_and_keeps_its_key_in_var(tmp_path: Path) -> None:
    result = load({"ACUCARE_DEBUG": "1"}, "DEBUG", "SECURE_SSL_REDIRECT", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"DEBUG": "True", "SECURE_SSL_REDIRECT": "False"}
    key = tmp_path / "var" / "secret-key"
    assert key.exists()
    assert (key.stat().st_mode & 0o777) == 0o600


def test_manage_py_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    """The same check `make test` runs (scripts/deploy-check.sh), as a test."""
    result = subprocess.run(
        ["bash", "scripts/deploy-check.sh"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "ACUCARE_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_manage_py_states_the_refusal_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "ACUCARE_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("acucare refuses to start")
    assert "Traceback" not in result.stderr
