"""Django settings for acucare. Configuration comes from ACUCARE_* environment variables.

Two modes. With ACUCARE_DEBUG=1 (a development checkout, `make demo`) missing values get
convenient defaults: a per-checkout random key in var/, local hosts, SQLite in var/. With
DEBUG off (the default, and what production runs) the secret key, allowed hosts and the
database must be given, and the settings refuse to load without them: no key is ever
written to disk. docs/operations.md lists every variable.
"""

from __future__ import annotations

import secrets
import zoneinfo
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from config.database import database_from_url
from config.env import Environment

BASE_DIR = Path(__file__).resolve().parent.parent
env = Environment()
VAR_DIR = Path(env.string("ACUCARE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.boolean("ACUCARE_DEBUG", False)


def _development_secret_key() -> str:
    """A per-checkout random key for a development checkout (DEBUG on) only."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


_PRODUCTION = "when ACUCARE_DEBUG is off (production)"
if DEBUG:
    SECRET_KEY = env.string("ACUCARE_SECRET_KEY", "") or _development_secret_key()
    ALLOWED_HOSTS = env.words("ACUCARE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    _database_url = env.string("ACUCARE_DATABASE_URL", f"sqlite:///{VAR_DIR / 'acucare.sqlite3'}")
else:
    SECRET_KEY = env.required(
        "ACUCARE_SECRET_KEY", f"{_PRODUCTION}: a random string of at least 50 characters"
    )
    if SECRET_KEY and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
        env.problems.append(
            "ACUCARE_SECRET_KEY is too weak: use at least 50 random characters "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    ALLOWED_HOSTS = env.words("ACUCARE_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        env.problems.append(
            f"ACUCARE_ALLOWED_HOSTS is required {_PRODUCTION}: the host names the clinic "
            "is served under, comma-separated (e.g. clinic.example.org)"
        )
    _database_url = env.required(
        "ACUCARE_DATABASE_URL",
        f"{_PRODUCTION}: postgres://user:password@host:5432/name or sqlite:////absolute/path",
    )
    env.refuse_if_incomplete()

CSRF_TRUSTED_ORIGINS = env.words("ACUCARE_CSRF_TRUSTED_ORIGINS")

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
    "acucare.today",
    "ninja",  # its static files: the API documentation's vendored Swagger UI
    "acucare.demo",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "acucare.jobs",
    "acucare.operations",
    "acucare.outcomes",
    "acucare.portal",
    "acucare.education",
    "acucare.fhir",
    "acucare.documents",
    "acucare.analytics",
    "acucare.reminders",
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "patients:list"

MIDDLEWARE = [
    # First, so that every request (redirects and refusals included) is logged with its
    # request id, status and duration.
    "acucare.operations.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
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
    # A patient's portal account stays in the portal (docs/portal.md).
    "acucare.portal.middleware.PatientBoundaryMiddleware",
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

DATABASES = {"default": database_from_url(_database_url, str(BASE_DIR))}
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
# The clinic's time zone (an IANA name such as "Europe/London" or "America/New_York"):
# "today", diary days, bookings, date checks and every time shown are in it. Times are
# stored in UTC whatever it is.
TIME_ZONE = env.string("ACUCARE_TIME_ZONE", "UTC")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as _error:
    raise ImproperlyConfigured(
        f"ACUCARE_TIME_ZONE: '{TIME_ZONE}' is not an IANA time zone name (e.g. Europe/London)."
    ) from _error
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT: Path | None = Path(env.string("ACUCARE_STATIC_ROOT", str(VAR_DIR / "static")))
# Stored documents (exports, uploads): kept on disk here and included in backups.
MEDIA_ROOT = Path(env.string("ACUCARE_DOCUMENTS_DIR", str(VAR_DIR / "documents")))
MEDIA_URL = "documents/"
# The letterhead of letters and reports (docs/documents.md); the clinic's name is the
# clinic settings row's.
ACUCARE_CLINIC_ADDRESS = env.string("ACUCARE_CLINIC_ADDRESS", "").replace("\\n", "\n")
ACUCARE_CLINIC_PHONE = env.string("ACUCARE_CLINIC_PHONE", "")
ACUCARE_CLINIC_EMAIL = env.string("ACUCARE_CLINIC_EMAIL", "")
ACUCARE_DOCUMENT_LOGO = env.string("ACUCARE_DOCUMENT_LOGO", "")
ACUCARE_DOCUMENT_COLOUR = env.string("ACUCARE_DOCUMENT_COLOUR", "#1f4e79")
# whitenoise serves the collected static files with hashed names and gzip/brotli copies
# (`manage.py collectstatic`, which `make serve` runs). A development checkout serves
# them from the apps' folders as they are.
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 0 if DEBUG else 60 * 60
# A development checkout serves static files straight from the apps (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
# Sessions end after ACUCARE_IDLE_TIMEOUT_MINUTES without a request (IdleTimeoutMiddleware)
# and in any case when the browser closes or after twelve hours.
ACUCARE_IDLE_TIMEOUT_MINUTES = env.integer("ACUCARE_IDLE_TIMEOUT_MINUTES", 15, minimum=1)

# The crisis resources the patient portal shows when a patient reports thoughts of
# self-harm (docs/portal.md): the locale picks an entry of the shipped list, and a clinic
# may supply its own YAML file of the same shape, which replaces or adds locales.
ACUCARE_CRISIS_LOCALE = env.string("ACUCARE_CRISIS_LOCALE", "en-gb")
ACUCARE_CRISIS_RESOURCES_FILE = env.string("ACUCARE_CRISIS_RESOURCES_FILE", "")
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 12 * 60 * 60
# Sign-in throttling: this many failures for one username from one address within the
# window lock that pair for the rest of the window.
ACUCARE_LOGIN_MAX_FAILURES = env.integer("ACUCARE_LOGIN_MAX_FAILURES", 5, minimum=1)
ACUCARE_LOGIN_LOCK_MINUTES = env.integer("ACUCARE_LOGIN_LOCK_MINUTES", 15, minimum=1)
# ...and this many failures from one address, whatever the usernames, lock the address.
ACUCARE_LOGIN_MAX_FAILURES_PER_ADDRESS = env.integer(
    "ACUCARE_LOGIN_MAX_FAILURES_PER_ADDRESS", 30, minimum=1
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

# Transport security (production; each can be turned off for a plain-http test set-up).
# Behind a TLS-terminating proxy set ACUCARE_TRUST_PROXY_HEADERS=1 so that Django reads
# X-Forwarded-Proto (the proxy must overwrite it) and redirects and cookies work.
SESSION_COOKIE_SECURE = env.boolean("ACUCARE_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.boolean("ACUCARE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env.integer("ACUCARE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("ACUCARE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env.boolean("ACUCARE_HSTS_PRELOAD", not DEBUG)
if env.boolean("ACUCARE_TRUST_PROXY_HEADERS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
# /healthz and /readyz answer over plain http too: a load balancer probes the backend
# directly, not through the TLS front.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Background jobs (acucare.jobs, docs/operations.md): django-tasks on the database by
# default (worker: `manage.py worker`), on Redis through RQ in production.
ACUCARE_TASKS_BACKEND = env.choice(
    "ACUCARE_TASKS_BACKEND", "database", ("database", "redis", "immediate")
)
ACUCARE_REDIS_URL = env.string("ACUCARE_REDIS_URL", "redis://127.0.0.1:6379/0")
# The queue's name: two installations sharing one Redis (or one test run beside another)
# keep their jobs apart by giving each its own name.
ACUCARE_JOB_QUEUE = env.string("ACUCARE_JOB_QUEUE", "default")
TASKS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "redis": "django_tasks_rq.RQBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[ACUCARE_TASKS_BACKEND],
        "QUEUES": [ACUCARE_JOB_QUEUE],
    }
}
RQ_QUEUES = {ACUCARE_JOB_QUEUE: {"URL": ACUCARE_REDIS_URL, "DEFAULT_TIMEOUT": 60 * 60}}

# E-mail: invitations and reminders (docs/operations.md), sent by background jobs
# through Django's SMTP backend. Without ACUCARE_EMAIL_HOST a development checkout
# prints e-mails on the console; production sends through the machine's own mail
# server (localhost:25) unless given another.
_email_host = env.string("ACUCARE_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and not _email_host
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = _email_host or "localhost"
EMAIL_USE_TLS = env.boolean("ACUCARE_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env.boolean("ACUCARE_EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "ACUCARE_EMAIL_USE_TLS and ACUCARE_EMAIL_USE_SSL are both on; allowed: one of them "
        "(STARTTLS, usually port 587, or TLS from the start, usually port 465) or neither"
    )
EMAIL_PORT = env.port("ACUCARE_EMAIL_PORT", 587 if EMAIL_USE_TLS else 465 if EMAIL_USE_SSL else 25)
EMAIL_HOST_USER = env.string("ACUCARE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env.string("ACUCARE_EMAIL_PASSWORD", "")
EMAIL_TIMEOUT = env.integer("ACUCARE_EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env.email_address("ACUCARE_EMAIL_FROM", "acucare@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address patients open the site at (https://clinic.example.org): reminder e-mails
# link to the portal under it. Reminders are not sent without it.
ACUCARE_SITE_URL = env.site_url("ACUCARE_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")
# Appointment reminders go out this many hours before the appointment (docs/portal.md).
ACUCARE_REMINDER_HOURS = env.integer("ACUCARE_REMINDER_HOURS", 24, minimum=1)

# Backups (docs/operations.md): `manage.py backup` and the nightly job write here and
# keep this many archives; ACUCARE_BACKUP_KEY (a Fernet key) encrypts them.
ACUCARE_BACKUP_DIR = Path(env.string("ACUCARE_BACKUP_DIR", str(VAR_DIR / "backups")))
ACUCARE_BACKUP_KEEP = env.integer("ACUCARE_BACKUP_KEEP", 14, minimum=1)
ACUCARE_BACKUP_KEY = env.string("ACUCARE_BACKUP_KEY", "")

# JSON lines on standard error, one object per event (acucare.operations.logging):
# a line per request with its id, user id, status and duration; never patient data.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "acucare.operations.logging.RequestContextFilter"}},
    "formatters": {"json": {"()": "acucare.operations.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request"],
        }
    },
    "root": {"handlers": ["console"], "level": env.string("ACUCARE_LOG_LEVEL", "INFO").upper()},
    "loggers": {
        # Our request lines replace these: runserver's own lines carry query strings.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}
