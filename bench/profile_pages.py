"""CPU cost per request of the clinic's busiest pages, through the production settings'
middleware, and where it goes.

Seeds a scratch SQLite database (or, with --postgres, one on PostgreSQL at 127.0.0.1:5432,
dropped afterwards) with bench/web.py's clinic at a small size (its ten long episodes have
100 sessions each), collects the static files, then calls the production WSGI application
in this process (no server, no sockets: what is left is the page's own work) for:

  /healthz                          the floor: the middleware around a view that reads nothing
  GET  /                            the signed-in bare view: session, user and clinic read,
                                    then a redirect to the practitioner's day
  GET  /patients/<id>/              the patient chart (a 100-session episode)
  GET  /treatment/episodes/<id>/    the treatment episode page (100 sessions)
  GET  /outcomes/episodes/<id>/     the outcomes page (100 sessions), and of an episode
                                    whose plan has no session yet
  POST /api/v1/plans/<id>/sessions  saving a session with a bearer token
  GET  /portal/                     the patient portal's home page (100 sessions)

It prints each page's CPU time per request (process time, which is fairly robust to the
machine's load) and wall time, p50 over REQUESTS requests after a warm-up, the ratio to each
floor measured before it (/healthz, the bare view), on PostgreSQL the database backend's
CPU per request, with --queries each page's SQL with its median time, and with --profile
the top functions of a cProfile of each page.

With --parts, for the outcomes pages, it times inside the page what every audited clinical
page needs whatever it shows (the access check, the audit event of the read) and the
layout on its own, beside the signed-in bare view: what a page within 3x of a bare view
would leave for what it shows.

Run: .venv/bin/python bench/profile_pages.py [--patients 200] [--requests 30]
     [--profile] [--top 25] [--queries] [--parts] [--only chart,outcomes] [--postgres]
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _clinic as clinic  # noqa: E402 (after the path is set)
import web  # noqa: E402


def wsgi_environ(
    method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        else:
            environ[f"HTTP_{key}"] = value
    return environ


def call(application: Any, request: web.Request) -> str:
    """Send `request` to the WSGI application; what is wrong with the answer, or ""."""
    answer: list[tuple[str, Any]] = []

    def start_response(line: str, headers: Any, exc_info: Any = None) -> None:
        answer.append((line, headers))

    result = application(
        wsgi_environ(request.method, request.path, request.headers, request.body or b""),
        start_response,
    )
    try:
        for _ in result:
            pass
    finally:
        close = getattr(result, "close", None)
        if close:
            close()
    line, headers = answer[0]
    location = next((value for name, value in headers if name.lower() == "location"), None)
    return request.problem(int(line.split()[0]), location)


def database_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (on the same
    machine, from /proc), or 0 on SQLite, whose work is this process's."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return web.cpu_seconds(cursor.fetchone()[0])


def measure(
    application: Any, make: Callable[[int], web.Request], requests: int, warmup: int
) -> tuple[float, float, float, float, float]:
    """p50 and minimum of CPU and wall milliseconds per request, and the database
    backend's mean CPU milliseconds per request."""
    for index in range(warmup):
        problem = call(application, make(index))
        if problem:
            sys.exit(f"{make(index).path} answered {problem}")
    cpu: list[float] = []
    wall: list[float] = []
    db_started = database_cpu()
    for index in range(warmup, warmup + requests):
        request = make(index)
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        call(application, request)
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started_wall)
    db_used = database_cpu() - db_started
    return (
        statistics.median(cpu) * 1000,
        min(cpu) * 1000,
        statistics.median(wall) * 1000,
        min(wall) * 1000,
        db_used / requests * 1000,
    )


def statement_times(
    application: Any, make: Callable[[int], web.Request], requests: int = 20
) -> list[tuple[str, float]]:
    """Each SQL statement of a request with its wall milliseconds from the call to its
    result, the median over `requests` requests. (A transaction's BEGIN and COMMIT are the
    connection's, not statements: not listed.)"""
    from django.db import connection

    times: dict[int, list[float]] = {}
    sqls: list[str] = []

    def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            times.setdefault(len(sqls), []).append(time.perf_counter() - started)
            sqls.append(sql)

    for index in range(requests):
        sqls.clear()
        with connection.execute_wrapper(timer):
            call(application, make(20_000 + index))
    return [(sql, statistics.median(times[i]) * 1000) for i, sql in enumerate(sqls)]


def profile(application: Any, make: Callable[[int], web.Request], requests: int, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for index in range(requests):
        call(application, make(10_000 + index))
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    # The project's own functions, where a change can be made.
    stats.sort_stats("cumulative").print_stats(r"/acucare/", top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# What every audited clinical page needs whatever it shows, timed inside the outcomes page
# where it looks them up: the access check and the audit event of the read. The layout is
# timed apart (`layout_cpu`).
REQUIRED_PARTS = {
    "access check": ("acucare.outcomes.selectors", "access_episode"),
    "audited read": ("acucare.outcomes.selectors", "audit_record"),
}


def part_times(
    application: Any, make: Callable[[int], web.Request], requests: int
) -> tuple[float, dict[str, float]]:
    """The page's CPU p50 in ms (`measure`, after the warm-up of the run before) and,
    inside it, each of REQUIRED_PARTS' p50 over the same requests."""
    import importlib

    spent: dict[str, list[float]] = {name: [] for name in REQUIRED_PARTS}
    restore: list[tuple[Any, str, Any]] = []

    def timed(original: Any, into: list[float]) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                into.append(time.process_time() - started)

        return run

    for name, (module_name, attribute) in REQUIRED_PARTS.items():
        module = importlib.import_module(module_name)
        restore.append((module, attribute, getattr(module, attribute)))
        setattr(module, attribute, timed(getattr(module, attribute), spent[name]))
    try:
        page = measure(application, make, requests, warmup=0)[0]
    finally:
        for module, attribute, original in restore:
            setattr(module, attribute, original)
    return page, {name: statistics.median(times) * 1000 for name, times in spent.items()}


def layout_cpu(session_cookie: str, requests: int) -> float:
    """CPU p50 in ms of the site's layout (`clinic_site/base.html`) on its own, with no
    content, for the signed-in practitioner of `session_cookie`."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.shortcuts import render
    from django.test import RequestFactory

    key = session_cookie.removeprefix(f"{settings.SESSION_COOKIE_NAME}=")
    user = get_user_model().objects.get(pk=SessionStore(session_key=key)["_auth_user_id"])
    factory = RequestFactory()
    times: list[float] = []
    for index in range(requests + 5):
        request = factory.get("/")
        request.user = user
        request.session = SessionStore()
        request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
        started = time.process_time()
        render(request, "clinic_site/base.html", {})
        if index >= 5:  # after a warm-up
            times.append(time.process_time() - started)
    return statistics.median(times) * 1000


def print_parts(
    application: Any,
    targets: dict[str, tuple[str, Callable[[int], web.Request]]],
    chosen: list[str],
    requests: int,
    bare: float | None,
) -> None:
    """For each chosen outcomes page, the parts that every audited clinical page needs
    beside the signed-in bare view's CPU (`bare`, measured here if not yet): what a page
    within 3x of a bare view leaves for what it shows."""
    make_bare = targets["bare"][1]
    if bare is None:
        bare = measure(application, make_bare, requests, 5)[0]
    session_cookie = make_bare(0).headers["Cookie"]  # the signed-in practitioner's
    for key in ("outcomes", "outcomes_empty"):
        if key not in chosen:
            continue
        label, make = targets[key]
        page, parts = part_times(application, make, requests)
        parts["layout on its own"] = layout_cpu(session_cookie, requests)
        required = bare + sum(parts.values())
        print(f"\n===== {label}: what every audited clinical page needs (CPU p50 in process)")
        print(f"  {'signed-in bare view':<22} {bare:5.2f} ms")
        for name, cpu in parts.items():
            print(f"  {name:<22} {cpu:5.2f} ms")
        print(
            f"  {'together':<22} {required:5.2f} ms = {required / bare:.1f}x the bare view; "
            f"the page {page:.2f} ms, the rest (what it shows) {page - required:.2f} ms"
        )


KEYS = (
    "healthz",
    "bare",
    "chart",
    "treatment",
    "outcomes",
    "outcomes_empty",
    "session_save",
    "portal",
)


def setup(
    patients: int, database_url: str = ""
) -> tuple[Any, dict[str, tuple[str, Callable[[int], web.Request]]]]:
    """Seed a scratch clinic (SQLite in a temporary folder unless `database_url` names an
    empty database) and return the production WSGI application and each endpoint (label,
    request maker) by key."""
    folder = tempfile.mkdtemp(prefix="acucare-profile-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    url = database_url or f"sqlite:///{folder}/profile.sqlite3"
    env = web.production_env(url, f"{folder}/static")
    env["ACUCARE_LOG_LEVEL"] = "WARNING"  # the request log is formatted still; not printed
    os.environ.clear()
    os.environ.update(env)
    data = web.seed(patients, 10, 10)
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    # The chart, treatment and portal pages of a long episode: the heaviest of each.
    long_episode = data["long_episodes"][0]
    index = data["episodes"].index(long_episode)
    data["patients"] = [data["patients"][index]]
    data["episodes"] = [long_episode]
    targets = dict(zip(KEYS, web.endpoints(data), strict=True))

    def save_session(i: int) -> web.Request:
        # A plan of a short episode, so the long episodes stay at 100 sessions.
        plan = data["plans"][1 + i % (len(data["plans"]) - 1)]
        headers = {
            "Authorization": f"Bearer {data['token']}",
            "Content-Type": "application/json",
            "Host": "127.0.0.1",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        return web.Request(
            "POST", f"/api/v1/plans/{plan}/sessions", headers, json.dumps(web.SESSION).encode()
        )

    targets["session_save"] = ("POST /api/v1/plans/<id>/sessions", save_session)
    return application, targets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--queries", action="store_true", help="print each page's SQL")
    parser.add_argument("--width", type=int, default=160, help="characters of SQL shown")
    parser.add_argument("--only", default="", help="comma-separated endpoint keys")
    parser.add_argument(
        "--parts",
        action="store_true",
        help="time, inside the outcomes pages, what every audited clinical page needs "
        "(access check, audited read, layout) against the signed-in bare view",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="a scratch PostgreSQL database on 127.0.0.1:5432 instead of SQLite",
    )
    args = parser.parse_args()
    if problem := web.too_few_patients(args.patients, 10):
        parser.error(problem)
    if not args.postgres:
        return run(args, setup(args.patients))
    with clinic.postgres_database("acucare_profile") as url:
        code = run(args, setup(args.patients, url))
        from django.db import connections

        connections.close_all()  # before the database is dropped
        return code


def run(
    args: argparse.Namespace,
    setup_done: tuple[Any, dict[str, tuple[str, Callable[[int], web.Request]]]],
) -> int:
    application, targets = setup_done
    chosen = args.only.split(",") if args.only else list(KEYS)
    load = os.getloadavg()
    print(
        f"{'PostgreSQL' if args.postgres else 'SQLite'}, "
        f"{args.patients} patients, {args.requests} requests per page after {args.warmup} "
        f"warm-up; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    floors: dict[str, float] = {}
    for key in chosen:
        label, make = targets[key]
        cpu, cpu_min, wall, wall_min, db = measure(application, make, args.requests, args.warmup)
        ratio = "".join(
            f"  {cpu / floors[floor]:4.1f}x {floor}"
            for floor in ("healthz", "bare")
            if floor in floors
        )
        if key in ("healthz", "bare"):
            floors[key] = cpu
        print(
            f"  {label:<40} CPU p50 {cpu:6.1f} ms (min {cpu_min:6.1f})   "
            f"wall p50 {wall:6.1f} ms (min {wall_min:6.1f}){ratio}"
            + (f"   database CPU {db:4.1f} ms" if args.postgres else "")
        )
    if args.queries:
        for key in chosen:
            label, make = targets[key]
            timed = statement_times(application, make)
            print(f"\n===== {label}: {len(timed)} statements (ms, median of 20 requests)")
            for sql, took in timed:
                print(f"  {took:6.2f}  {sql[: args.width]}")
    if args.parts:
        print_parts(application, targets, chosen, args.requests, floors.get("bare"))
    if args.profile:
        for key in chosen:
            label, make = targets[key]
            print(f"\n===== {label}")
            print(profile(application, make, args.requests, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
