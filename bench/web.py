"""Latency and throughput of the web application under concurrent load, on SQLite and on
PostgreSQL, with a clinic-sized database.

For each database the script migrates a fresh database, seeds 10,000 patients (one
episode each, with an intake, its screening and an approved plan) and 100,000 charted
sessions (ten per plan) with bulk_create, then starts the application under Django's
threaded server (`manage.py runserver --noreload`, DEBUG off) on 127.0.0.1 and measures,
with the same signed-in practitioner:

  /healthz                      a trivial Django view: the floor, same server and middleware
  GET  /patients/<id>/          the patient chart page
  GET  /treatment/episodes/<id>/ the episode's treatment page (plan and its ten sessions)
  GET  /outcomes/episodes/<id>/  the episode's outcomes page with its charts, for episodes
                                 of LONG sessions (100 by default: --long-sessions)
  POST /api/v1/plans/<id>/sessions  saving a session through the API (a bearer token)

Each endpoint gets a warm-up, then at most REQUESTS requests or SECONDS seconds from
CONCURRENCY client threads (keep-alive connections, Python's http.client), whichever
ends first. The client runs on the same two cores as the server, so the figures are a
floor for this machine, not a capacity plan. It prints p50, p99 and requests per second
per endpoint and whether the chart page's p50 is within 3x the floor's.

PostgreSQL: 127.0.0.1:5432 as user postgres; the script creates and drops its own
database (`acucare_bench_<pid>`). When the server is not reachable that half is
skipped with a notice (and fails when CI is set).

Run: .venv/bin/python bench/web.py [--patients N] [--sessions-per-plan N]
     [--requests N] [--seconds S] [--concurrency N] [--databases sqlite,postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"

# A chronic low back pain intake with nothing that screening refers, so the planner
# gives an acupuncture plan that sessions can be charted against.
INTAKE: dict[str, Any] = {
    "format": "acucare.intake/1",
    "patient": {"age": 54, "sex": "female"},
    "conditions": [{"icd10": "M54.50", "duration_weeks": 30}],
    "pain_sites": ["lower_back"],
    "questionnaires": {"phq9": {str(i): 0 for i in range(1, 10)}},
}
# A session charted to STRICTA: the points the plan for that intake lists.
SESSION: dict[str, Any] = {
    "modality": "manual_acupuncture",
    "points": [
        {
            "code": "BL23",
            "side": "bilateral",
            "depth_mm": 25,
            "angle": "perpendicular",
            "de_qi": "sought_obtained",
            "stimulation": "even",
        },
        {"code": "GV3", "side": "midline", "depth_tissue": "muscle", "de_qi": "not_sought"},
    ],
    "needle": {
        "gauge_mm": 0.25,
        "length_mm": 40,
        "material": "stainless_steel",
        "manufacturer": "Seirin",
        "lot": "A1234",
    },
    "retention_minutes": 20,
    "needles_in": 3,
    "needles_out": 3,
    "co_interventions": [{"kind": "exercise_advice", "detail": "Walk daily."}],
    "pain_before": 6,
    "pain_after": 4,
}


# ---------------------------------------------------------------------------------------
# Seeding (runs in a child process with ACUCARE_DATABASE_URL set: Django reads its
# settings once per process).


LONG_EPISODES = 10  # episodes given --long-sessions sessions for the outcomes page


def seed(  # noqa: PLR0915 - sets up the whole benchmark clinic step by step
    patients: int, sessions_per_plan: int, practitioners: int, long_sessions: int = 100
) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from acucare.accounts import services as account_services
    from acucare.accounts.models import PractitionerProfile, Role, User
    from acucare.assessments import services as assessment_services
    from acucare.assessments.models import Assessment
    from acucare.core.actor import Actor
    from acucare.patients.models import Episode, EpisodeCondition, Patient
    from acucare.treatment import services as treatment_services
    from acucare.treatment.models import TreatmentPlan, TreatmentSession

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()

    # One transaction: SQLite commits once instead of once per batch.
    with transaction.atomic():
        staff = []
        for n in range(practitioners):
            user = User(
                username=f"bench{n}", role=Role.PRACTITIONER, first_name="Bench", last_name=f"P{n}"
            )
            user.set_unusable_password()
            user.save()
            PractitionerProfile.objects.create(user=user, created_by=user, updated_by=user)
            staff.append(user)
        me = staff[0]
        actor = Actor(user=me, ip_address="127.0.0.1", user_agent="bench/web.py", channel="system")

        now = timezone.now()
        batch = 2000

        def tracked(by_id: int) -> dict[str, Any]:
            return {
                "created_by_id": by_id,
                "updated_by_id": by_id,
                "created_at": now,
                "updated_at": now,
            }

        patient_rows = [
            Patient(
                given_name=f"Given{n}",
                family_name=f"Family{n:05d}",
                date_of_birth=dt.date(1940 + n % 60, 1 + n % 12, 1 + n % 28),
                sex=("female", "male", "other", "unknown")[n % 4],
                phone=f"0700 {n:06d}",
                primary_practitioner=staff[n % practitioners],
                **tracked(staff[n % practitioners].pk),
            )
            for n in range(patients)
        ]
        Patient.objects.bulk_create(patient_rows, batch_size=batch)
        patient_rows = list(Patient.objects.order_by("id"))
        Episode.objects.bulk_create(
            [
                Episode(
                    patient=p,
                    complaint="Chronic low back pain",
                    **tracked(p.primary_practitioner_id),
                )
                for p in patient_rows
            ],
            batch_size=batch,
        )
        episodes = list(Episode.objects.select_related("patient").order_by("id"))
        EpisodeCondition.objects.bulk_create(
            [
                EpisodeCondition(episode=e, position=0, icd10="M54.50", duration_weeks=30)
                for e in episodes
            ],
            batch_size=batch,
        )

        # One episode through the real services gives valid documents to copy.
        template_episode = next(e for e in episodes if e.patient.primary_practitioner_id == me.pk)
        template_assessment = assessment_services.assessment_create(
            actor=actor, episode_id=template_episode.public_id, intake_document=INTAKE
        )
        plan = treatment_services.plan_generate(actor=actor, episode_id=template_episode.public_id)
        plan = treatment_services.plan_approve(
            actor=actor, plan_id=plan.public_id, version=plan.version
        )
        template_session = treatment_services.session_create(
            actor=actor, plan_id=plan.public_id, record=SESSION
        )

        others = [e for e in episodes if e.pk != template_episode.pk]
        Assessment.objects.bulk_create(
            [
                Assessment(
                    episode=e,
                    intake_document=template_assessment.intake_document,
                    screening_document=template_assessment.screening_document,
                    kb_version=template_assessment.kb_version,
                    decision=template_assessment.decision,
                    rules_applied=template_assessment.rules_applied,
                    created_by_id=e.patient.primary_practitioner_id,
                    created_at=now,
                )
                for e in others
            ],
            batch_size=batch,
        )
        assessments = dict(Assessment.objects.values_list("episode_id", "id"))
        TreatmentPlan.objects.bulk_create(
            [
                TreatmentPlan(
                    episode=e,
                    assessment_id=assessments[e.pk],
                    status=plan.status,
                    document=plan.document,
                    kb_version=plan.kb_version,
                    protocol=plan.protocol,
                    rules=plan.rules,
                    approved_at=now,
                    approved_by_id=e.patient.primary_practitioner_id,
                    **tracked(e.patient.primary_practitioner_id),
                )
                for e in others
            ],
            batch_size=batch,
        )
        copied = {
            field: getattr(template_session, field)
            for field in (
                "modality",
                "points",
                "needle",
                "electro_pairs",
                "retention_minutes",
                "needles_in",
                "needles_out",
                "co_interventions",
                "pain_before",
                "pain_after",
                "check_document",
                "kb_version",
                "status",
            )
        }
        plans = list(TreatmentPlan.objects.select_related("episode__patient").order_by("id"))
        rows: list[TreatmentSession] = []
        for p in plans:
            by = p.episode.patient.primary_practitioner_id
            first = 2 if p.pk == plan.pk else 1
            for number in range(first, sessions_per_plan + 1):
                rows.append(TreatmentSession(plan=p, number=number, **copied, **tracked(by)))
                if len(rows) >= 5000:
                    TreatmentSession.objects.bulk_create(rows)
                    rows = []
        TreatmentSession.objects.bulk_create(rows)
        # A few of my episodes run on to `long_sessions` sessions, with pain falling, for
        # the outcomes page and its charts.
        long_plans = [p for p in plans if p.episode.patient.primary_practitioner_id == me.pk][
            :LONG_EPISODES
        ]
        rows = []
        for p in long_plans:
            for number in range(sessions_per_plan + 1, long_sessions + 1):
                pain = max(1, 8 - number // 15)
                rows.append(
                    TreatmentSession(
                        plan=p,
                        number=number,
                        **{**copied, "pain_before": pain, "pain_after": max(0, pain - 2)},
                        **tracked(me.pk),
                    )
                )
        TreatmentSession.objects.bulk_create(rows, batch_size=5000)
    seeded = time.perf_counter()

    _, token = account_services.api_token_create(actor=actor, name="bench")
    client = Client()
    client.force_login(me, backend="django.contrib.auth.backends.ModelBackend")
    from django.conf import settings

    cookie_name = settings.SESSION_COOKIE_NAME
    mine = [p for p in plans if p.episode.patient.primary_practitioner_id == me.pk]
    return {
        "counts": {
            "patients": Patient.objects.count(),
            "episodes": Episode.objects.count(),
            "plans": TreatmentPlan.objects.count(),
            "sessions": TreatmentSession.objects.count(),
        },
        "migrate_s": migrated - started,
        "seed_s": seeded - migrated,
        "cookie": f"{cookie_name}={client.cookies[cookie_name].value}",
        "token": token,
        "patients": [str(p.episode.patient.public_id) for p in mine],
        "episodes": [str(p.episode.public_id) for p in mine],
        "plans": [str(p.public_id) for p in mine],
        "long_episodes": [str(p.episode.public_id) for p in long_plans],
        "long_extra": len(long_plans) * max(0, long_sessions - sessions_per_plan),
    }


# ---------------------------------------------------------------------------------------
# Load


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


@dataclass(frozen=True)
class Figures:
    label: str
    count: int
    errors: int
    p50_ms: float
    p99_ms: float
    rps: float
    first_error: str

    def line(self) -> str:
        flag = f"   {self.errors} ERRORS, first: {self.first_error}" if self.errors else ""
        return (
            f"  {self.label:<34} p50 {self.p50_ms:7.1f} ms   p99 {self.p99_ms:7.1f} ms   "
            f"{self.rps:7.1f} req/s   ({self.count} requests){flag}"
        )


def run_load(  # noqa: C901 - the load loop and its per-status counters read as one measurement
    port: int,
    label: str,
    make_request: Callable[[int], Request],
    *,
    requests: int,
    seconds: float,
    concurrency: int,
    warmup: int,
) -> Figures:
    """`requests` requests (or as many as fit in `seconds`) from `concurrency` threads,
    each on its own keep-alive connection; request i is make_request(i)."""
    lock = threading.Lock()
    next_index = iter(range(warmup + requests))
    latencies: list[float] = []
    errors: list[str] = []
    deadline = [0.0]

    def take() -> int | None:
        with lock:
            return next(next_index, None)

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            index = take()
            if index is None or (deadline[0] and time.perf_counter() > deadline[0]):
                break
            request = make_request(index)
            start = time.perf_counter()
            try:
                connection.request(
                    request.method, request.path, body=request.body, headers=request.headers
                )
                response = connection.getresponse()
                payload = response.read()
                ok = 200 <= response.status < 300
                problem = "" if ok else f"{response.status} {payload[:120]!r}"
            except (OSError, http.client.HTTPException) as error:
                problem = f"{type(error).__name__}: {error}"
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - start
            if index < warmup:
                continue
            with lock:
                if problem:
                    errors.append(problem)
                else:
                    latencies.append(elapsed)
        connection.close()

    # Warm-up on one thread (templates, caches, connections), then the measured run.
    for index in range(warmup):
        request = make_request(index)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(request.method, request.path, body=request.body, headers=request.headers)
        connection.getresponse().read()
        connection.close()
    next_index = iter(range(warmup, warmup + requests))
    started = time.perf_counter()
    deadline[0] = started + seconds
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    if not latencies:
        return Figures(label, 0, len(errors), 0.0, 0.0, 0.0, errors[0] if errors else "")
    return Figures(
        label,
        len(latencies),
        len(errors),
        statistics.median(latencies) * 1000,
        latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000,
        len(latencies) / wall,
        errors[0] if errors else "",
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    port: int
    log: Any

    def exceptions(self) -> dict[str, int]:
        """The exceptions the server logged (the last line of each traceback), counted."""
        self.log.seek(0)
        found: dict[str, int] = {}
        for line in self.log.read().decode(errors="replace").splitlines():
            if EXCEPTION_LINE.match(line):
                found[line[:160]] = found.get(line[:160], 0) + 1
        self.log.seek(0, os.SEEK_END)
        return found


EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Locked)\b.*: ")


@contextlib.contextmanager
def server(env: dict[str, str]) -> Iterator[Server]:
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below, after the server)
    process = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        give_up = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                log.seek(0)
                sys.exit(f"the server exited:\n{log.read().decode(errors='replace')}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > give_up:
                    sys.exit("the server did not answer /healthz within 60 s")
                time.sleep(0.2)
        yield Server(port, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def measure(database_label: str, url: str, args: argparse.Namespace) -> bool:
    env = {
        **os.environ,
        "ACUCARE_DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ACUCARE_DEBUG": "",
        # The client speaks plain http to 127.0.0.1; cookies are sent by hand.
        "ACUCARE_INSECURE_COOKIES": "1",
    }
    print(f"\n== {database_label}")
    seeded = subprocess.run(
        [
            PYTHON,
            __file__,
            "--seed",
            "--patients",
            str(args.patients),
            "--sessions-per-plan",
            str(args.sessions_per_plan),
            "--long-sessions",
            str(args.long_sessions),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if seeded.returncode != 0:
        sys.exit(f"seeding failed:\n{seeded.stderr[-4000:]}")
    data = json.loads(seeded.stdout.strip().splitlines()[-1])
    counts = data["counts"]
    wanted = {
        "patients": args.patients,
        "sessions": args.patients * args.sessions_per_plan + data["long_extra"],
    }
    if any(counts[kind] != number for kind, number in wanted.items()):
        sys.exit(f"seeding made {counts}, not the {wanted} asked for")
    print(
        f"  seeded {counts['patients']} patients, {counts['episodes']} episodes, "
        f"{counts['plans']} approved plans, {counts['sessions']} sessions "
        f"(migrate {data['migrate_s']:.1f} s, seed {data['seed_s']:.1f} s)"
    )
    page_headers = {"Cookie": data["cookie"], "Host": "127.0.0.1"}
    api_headers = {
        "Authorization": f"Bearer {data['token']}",
        "Content-Type": "application/json",
        "Host": "127.0.0.1",
    }
    patients, episodes, plans = data["patients"], data["episodes"], data["plans"]
    session_body = json.dumps(SESSION).encode()

    def healthz(i: int) -> Request:
        return Request("GET", "/healthz", page_headers)

    def chart(i: int) -> Request:
        return Request("GET", f"/patients/{patients[i % len(patients)]}/", page_headers)

    def treatment(i: int) -> Request:
        return Request("GET", f"/treatment/episodes/{episodes[i % len(episodes)]}/", page_headers)

    long_episodes = data["long_episodes"]

    def outcomes(i: int) -> Request:
        return Request(
            "GET", f"/outcomes/episodes/{long_episodes[i % len(long_episodes)]}/", page_headers
        )

    def save_session(i: int) -> Request:
        headers = {**api_headers, "Idempotency-Key": str(uuid.uuid4())}
        return Request(
            "POST", f"/api/v1/plans/{plans[i % len(plans)]}/sessions", headers, session_body
        )

    load = {
        "requests": args.requests,
        "seconds": args.seconds,
        "concurrency": args.concurrency,
        "warmup": 20,
    }
    print(
        f"  {args.concurrency} client threads, at most {args.requests} requests "
        f"or {args.seconds:.0f} s per endpoint, after 20 warm-up requests"
    )
    with server(env) as running:
        port = running.port
        rows = [
            run_load(port, "GET /healthz (floor)", healthz, **load),
            run_load(port, "GET /patients/<id>/ (chart)", chart, **load),
            run_load(port, "GET /treatment/episodes/<id>/", treatment, **load),
            run_load(
                port, f"GET /outcomes/episodes/<id>/ ({args.long_sessions})", outcomes, **load
            ),
            run_load(port, "POST /api/v1/plans/<id>/sessions", save_session, **load),
        ]
        logged = running.exceptions()
    for row in rows:
        print(row.line())
    for line, count in logged.items():
        print(f"  server logged {count}x: {line}")
    floor, chart_row = rows[0], rows[1]
    ratio = chart_row.p50_ms / floor.p50_ms if floor.p50_ms else float("inf")
    within = ratio <= 3
    print(f"  chart p50 is {ratio:.1f}x the floor's p50: {'within' if within else 'NOT within'} 3x")
    outcomes_row = rows[3]
    ratio = outcomes_row.p50_ms / floor.p50_ms if floor.p50_ms else float("inf")
    print(
        f"  outcomes page ({args.long_sessions} sessions) p50 is {ratio:.1f}x the floor's p50: "
        f"{'within' if ratio <= 3 else 'NOT within'} 3x"
    )
    return all(row.errors == 0 for row in rows)


def postgres_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(
            PG_ADMIN_URL.replace("postgres://", "postgresql://"), connect_timeout=5
        ):
            return True
    except psycopg.Error:
        return False


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg

    name = f"acucare_bench_{os.getpid()}"
    admin = PG_ADMIN_URL.replace("postgres://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--sessions-per-plan", type=int, default=10)
    parser.add_argument("--practitioners", type=int, default=10)
    parser.add_argument("--long-sessions", type=int, default=100)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    if args.seed:
        print(
            json.dumps(
                seed(args.patients, args.sessions_per_plan, args.practitioners, args.long_sessions)
            )
        )
        return 0

    print(
        f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; "
        "server: manage.py runserver --noreload (threaded), DEBUG off"
    )
    ok = True
    databases = args.databases.split(",")
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory(prefix="acucare-bench-") as folder:
            ok &= measure("SQLite", f"sqlite:///{folder}/bench.sqlite3", args)
    if "postgres" in databases:
        if postgres_available():
            with postgres_database() as url:
                ok &= measure("PostgreSQL 127.0.0.1:5432", url, args)
        elif os.environ.get("CI"):
            print("PostgreSQL is required in CI but not reachable at 127.0.0.1:5432")
            return 1
        else:
            print("\nNOTICE: PostgreSQL not reachable at 127.0.0.1:5432; that half was skipped.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
