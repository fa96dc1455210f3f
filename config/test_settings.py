"""Settings for the test suite: production settings (DEBUG off) with test values.

pytest loads this module (pyproject.toml); anything the environment already sets wins,
so `ACUCARE_DATABASE_URL` still picks SQLite or PostgreSQL. The values are set in the
environment rather than assigned here so that a test which starts `manage.py` or the
server in a child process gets the same configuration.
"""

from __future__ import annotations

import os

os.environ.setdefault(
    "ACUCARE_SECRET_KEY", "test-only-key-never-used-outside-the-test-suite-0123456789abcdef"
)
os.environ.setdefault("ACUCARE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("ACUCARE_DATABASE_URL", "sqlite:///:memory:")
# The test client and the live server speak plain http.
os.environ.setdefault("ACUCARE_SSL_REDIRECT", "0")
os.environ.setdefault("ACUCARE_LOG_LEVEL", "WARNING")

from config.settings import *  # noqa: F403

# Templates use {% static %}; the hashed manifest exists only after collectstatic.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# No collected static folder in tests: whitenoise serves from the apps' folders.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
