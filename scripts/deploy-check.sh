#!/usr/bin/env bash
# `manage.py check --deploy` with production settings (DEBUG off, a real-looking key, a
# host name, PostgreSQL, Redis): any warning fails. Nothing here connects to a service.
set -euo pipefail
key="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')"
env -u ACUCARE_DEBUG -u DJANGO_SETTINGS_MODULE \
  ACUCARE_SECRET_KEY="$key" \
  ACUCARE_ALLOWED_HOSTS="clinic.example.org" \
  ACUCARE_DATABASE_URL="postgres://acucare@127.0.0.1:5432/acucare" \
  ACUCARE_TASKS_BACKEND="redis" \
  ACUCARE_TRUST_PROXY_HEADERS="1" \
  .venv/bin/python manage.py check --deploy --fail-level WARNING
