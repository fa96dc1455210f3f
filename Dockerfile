# acucare's production image: gunicorn + whitenoise, DEBUG off. The same image runs the
# web server (default command) and the background-job worker (`python manage.py worker`).
# Configuration comes only from the environment at run time (docs/operations.md);
# the settings refuse to start without ACUCARE_SECRET_KEY, ACUCARE_ALLOWED_HOSTS and
# ACUCARE_DATABASE_URL. See compose.yaml for the whole set (app, worker, PostgreSQL, Redis).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/srv/acucare/venv/bin:$PATH \
    ACUCARE_VAR_DIR=/srv/acucare/var \
    ACUCARE_STATIC_ROOT=/srv/acucare/static \
    ACUCARE_BIND=0.0.0.0:8000

# pg_dump / pg_restore for `manage.py backup` and `restore` on PostgreSQL.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /srv/acucare --shell /usr/sbin/nologin acucare

WORKDIR /srv/acucare/app

# Dependencies first (cached while only the code changes), from the hashed lock.
COPY requirements/ requirements/
RUN python -m venv /srv/acucare/venv \
    && pip install --no-cache-dir --require-hashes --no-deps -r requirements/bootstrap.txt \
    && uv pip sync --no-cache --python /srv/acucare/venv/bin/python --require-hashes requirements/lock.txt

COPY pyproject.toml README.md manage.py ./
COPY config/ config/
COPY acucare/ acucare/
COPY deploy/schedule.sh deploy/schedule.sh
RUN uv pip install --no-cache --python /srv/acucare/venv/bin/python --no-deps . \
    && ACUCARE_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
       ACUCARE_ALLOWED_HOSTS=build ACUCARE_DATABASE_URL=sqlite:////tmp/build.sqlite3 \
       python manage.py collectstatic --noinput -v 0 \
    && rm -f /tmp/build.sqlite3 \
    && mkdir -p /srv/acucare/var/documents /srv/acucare/var/backups \
    && chown -R acucare:acucare /srv/acucare/var

USER acucare
EXPOSE 8000
VOLUME ["/srv/acucare/var"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]
