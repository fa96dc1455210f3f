"""The production path, end to end: gunicorn with the production settings (DEBUG off,
hashed static files from whitenoise) on PostgreSQL, background jobs on Redis with the
real worker. A practitioner signs in through the page, opens a chart, saves a session
through the API, and a queued backup job completes on the worker.

Needs PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379): skipped
with the reason when either is missing, and a failure when `CI` is set.
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"

pytestmark = pytest.mark.server

SEED = """
import json
from acucare.accounts import services as account_services
from tests.assessments.factories import make_assessment
from tests.factories import actor, make_episode, make_patient, make_practitioner
from tests.treatment.factories import make_plan

practitioner = make_practitioner(username="smoke.practitioner")
patient = make_patient(practitioner, given_name="Philippa", family_name="Smoketest")
episode = make_episode(patient)
make_assessment(episode)
plan = make_plan(episode, approve=True)
_, token = account_services.api_token_create(actor=actor(practitioner), name="smoke")
print(json.dumps({"patient": str(patient.public_id), "plan": str(plan.public_id),
                  "token": token, "born": patient.date_of_birth.isoformat()}))
"""


def unavailable(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} is not reachable")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def postgres_url() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    name = f"acucare_smoke_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.Error:
        unavailable("PostgreSQL at 127.0.0.1:5432")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_queue() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError:
        unavailable("Redis at 127.0.0.1:6379")
    # A queue of its own, so that parallel runs never take each other's jobs.
    queue = f"smoke-{uuid.uuid4().hex[:12]}"
    try:
        yield queue
    finally:
        for key in client.scan_iter(f"rq:*{queue}*"):
            client.delete(key)
        client.close()


@pytest.fixture
def production_env(tmp_path: Path, postgres_url: str, redis_queue: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACUCARE_", "DJANGO_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ACUCARE_SECRET_KEY": secrets.token_urlsafe(50),
            "ACUCARE_ALLOWED_HOSTS": "127.0.0.1",
            "ACUCARE_DATABASE_URL": postgres_url,
            "ACUCARE_TASKS_BACKEND": "redis",
            "ACUCARE_REDIS_URL": REDIS_URL,
            "ACUCARE_JOB_QUEUE": redis_queue,
            "ACUCARE_VAR_DIR": str(tmp_path / "var"),
            "ACUCARE_STATIC_ROOT": str(tmp_path / "static"),
            "ACUCARE_BACKUP_DIR": str(tmp_path / "backups"),
            # This test speaks plain http to 127.0.0.1; TLS is the proxy's job.
            "ACUCARE_SSL_REDIRECT": "0",
            "ACUCARE_SECURE_COOKIES": "0",
            "ACUCARE_WEB_WORKERS": "2",
            "ACUCARE_LOG_LEVEL": "INFO",
        }
    )
    return env


def manage(env: dict[str, str], *args: str, timeout: int = 300) -> str:
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


@contextlib.contextmanager
def running(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """Just enough of a browser: cookies, forms with their CSRF token, no redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(
        self,
        method: str,
        path: str,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=headers or {}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name and c.value)


def wait_until_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    give_up = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=3) as response:
                return dict(json.loads(response.read()))
        except (OSError, http.client.HTTPException):
            if time.monotonic() > give_up:
                pytest.fail(f"gunicorn never became ready:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)


def sign_in(browser: Browser) -> None:
    """Through the sign-in page, with its CSRF token."""
    from tests.factories import PASSWORD

    status, _, body = browser.request("GET", "/sign-in/")
    assert status == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert token
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": "smoke.practitioner",
            "password": PASSWORD,
        }
    ).encode()
    status, _, _ = browser.request(
        "POST", "/sign-in/", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 302, "sign-in did not redirect"


def open_chart(browser: Browser, patient: str) -> None:
    """The chart, with its static files under hashed, compressed names from whitenoise."""
    status, headers, body = browser.request("GET", f"/patients/{patient}/")
    assert status == 200
    assert b"Smoketest" in body
    assert headers["X-Request-ID"]
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', body)
    assert assets, "the chart links no static files"
    for asset in assets:
        assert re.search(rb"\.[0-9a-f]{12}\.(css|js)$", asset), asset
        status, headers, _ = browser.request(
            "GET", asset.decode(), headers={"Accept-Encoding": "gzip"}
        )
        assert status == 200
        assert headers.get("Content-Encoding") == "gzip"
        assert "max-age=315360000" in headers["Cache-Control"]


def save_session(browser: Browser, plan: str, token: str) -> None:
    from tests.treatment.factories import SESSION

    record = {k: v for k, v in SESSION.items() if v is not None}
    status, _, body = browser.request(
        "POST",
        f"/api/v1/plans/{plan}/sessions",
        json.dumps(record).encode(),
        {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    assert status == 201, body[:500]


def run_a_job(env: dict[str, str], worker_log: Path, backups: Path) -> None:
    """A backup job goes through Redis to the worker and finishes."""
    manage(env, "backup", "--enqueue")
    give_up = time.monotonic() + 120
    while "Finished" not in (listing := manage(env, "jobs")):
        assert "Failed" not in listing, listing + worker_log.read_text()[-3000:]
        assert time.monotonic() < give_up, listing + worker_log.read_text()[-3000:]
        time.sleep(0.5)
    assert "scheduled_backup" in listing
    assert "100%" in listing
    assert list(backups.glob("acucare-*.backup"))


def test_gunicorn_on_postgresql_and_redis_serves_a_clinic_journey_and_runs_a_job(
    production_env: dict[str, str], tmp_path: Path
) -> None:
    env = production_env
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    seeded = json.loads(manage(env, "shell", "-c", SEED).strip().splitlines()[-1])
    manage(
        env,
        "shell",
        "-c",
        "from acucare.accounts.models import User; from tests.factories import PASSWORD; "
        "u = User.objects.get(username='smoke.practitioner'); u.set_password(PASSWORD); u.save()",
    )

    port = free_port()
    env = {**env, "ACUCARE_BIND": f"127.0.0.1:{port}"}
    base = f"http://127.0.0.1:{port}"
    server_log, worker_log = tmp_path / "gunicorn.log", tmp_path / "worker.log"
    gunicorn = [str(BIN / "gunicorn"), "--config", "config/gunicorn.py", "config.wsgi"]
    with (
        running(gunicorn, env, server_log) as server,
        running([sys.executable, "manage.py", "worker"], env, worker_log),
    ):
        assert wait_until_ready(base, server, server_log) == {
            "status": "ready",
            "checks": {"database": "ok", "queue": "ok"},
        }
        browser = Browser(base)
        sign_in(browser)
        open_chart(browser, seeded["patient"])
        save_session(browser, seeded["plan"], seeded["token"])
        run_a_job(env, worker_log, tmp_path / "backups")

    # The server's log: JSON lines, a line per request, no patient data anywhere.
    lines = [json.loads(line) for line in server_log.read_text().splitlines() if line.strip()]
    requests = [line for line in lines if line.get("message") == "request"]
    assert {(r["method"], r["status"]) for r in requests} >= {("POST", 302), ("POST", 201)}
    assert all(r["request_id"] and r["duration_ms"] >= 0 for r in requests)
    logs = server_log.read_text() + worker_log.read_text()
    for secret in ("Philippa", "Smoketest", seeded["born"], seeded["token"]):
        assert secret not in logs
