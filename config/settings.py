"""Django settings for acucare. Configuration comes from ACUCARE_* environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from config.database import database_from_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ACUCARE_VAR_DIR", BASE_DIR / "var"))

DEBUG = os.environ.get("ACUCARE_DEBUG", "") == "1"


def _secret_key() -> str:
    """From the environment in production; a per-checkout random key for demo and tests."""
    key = os.environ.get("ACUCARE_SECRET_KEY")
    if key:
        return key
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h
    for h in os.environ.get("ACUCARE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "acucare.clinic_site",
    "acucare.accounts",
    "acucare.audit",
    "acucare.patients",
    "acucare.assessments",
    "acucare.treatment",
    "acucare.scheduling",
    "acucare.demo",
    "acucare.outcomes",
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "patients:list"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "acucare.accounts.middleware.ContentSecurityPolicyMiddleware",
    "acucare.accounts.middleware.HtmxSignInRedirectMiddleware",
    "acucare.accounts.middleware.IdleTimeoutMiddleware",
    "acucare.accounts.middleware.TwoFactorEnforcementMiddleware",
    "acucare.accounts.middleware.RefusalAuditMiddleware",
]

ROOT_URLCONF = "config.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": database_from_url(
        os.environ.get("ACUCARE_DATABASE_URL", f"sqlite:///{VAR_DIR / 'acucare.sqlite3'}"),
        str(BASE_DIR),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

SESSION_COOKIE_HTTPONLY = True
# Sessions end after ACUCARE_IDLE_TIMEOUT_MINUTES without a request (IdleTimeoutMiddleware)
# and in any case when the browser closes or after twelve hours.
ACUCARE_IDLE_TIMEOUT_MINUTES = int(os.environ.get("ACUCARE_IDLE_TIMEOUT_MINUTES", "15"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 12 * 60 * 60
# Sign-in throttling: this many failures for one username from one address within the
# window lock that pair for the rest of the window.
ACUCARE_LOGIN_MAX_FAILURES = int(os.environ.get("ACUCARE_LOGIN_MAX_FAILURES", "5"))
ACUCARE_LOGIN_LOCK_MINUTES = int(os.environ.get("ACUCARE_LOGIN_LOCK_MINUTES", "15"))
# ...and this many failures from one address, whatever the usernames, lock the address.
ACUCARE_LOGIN_MAX_FAILURES_PER_ADDRESS = int(
    os.environ.get("ACUCARE_LOGIN_MAX_FAILURES_PER_ADDRESS", "30")
)
# Content-Security-Policy sent with every response (ContentSecurityPolicyMiddleware):
# no inline script or style anywhere; htmx is served from our own static files.
ACUCARE_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = os.environ.get("ACUCARE_INSECURE_COOKIES", "") != "1"
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
