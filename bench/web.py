"""Latency and throughput of the web application under concurrent load, on the
production server (gunicorn, as `make serve` runs it) against Django's runserver as the
reference, on SQLite and on PostgreSQL, with a clinic-sized database.

For each database the script migrates a fresh database, seeds 10,000 patients (one
episode each, with an intake, its screening and an approved plan) and 100,000 charted
sessions (ten per plan) with bulk_create, collects the static files, then, for each
client count (8 and 32) and each server in turn — `manage.py runserver --noreload`
(threaded) and gunicorn with config/gunicorn.py (workers from the CPU count), both with
the production settings (DEBUG off, JSON request logs, whitenoise) — measures, with the
same signed-in practitioner:

  /healthz                      a trivial Django view: the floor, same server and middleware
  GET  /                        the signed-in bare view: the practitioner's session, user and
                                clinic read by the middleware, then a redirect to their day
  GET  /patients/<id>/          the patient chart page
  GET  /treatment/episodes/<id>/ the episode's treatment page (plan and its ten sessions)
  POST /api/v1/plans/<id>/sessions  saving a session through the API (a bearer token)
  GET  /portal/                 the patient portal's home page, signed in as the patient of
                                a long episode (due questionnaires, course, alerts)

Each endpoint gets a warm-up, then at most REQUESTS requests or SECONDS seconds from the
client threads (keep-alive connections, Python's http.client, spread over up to four
forked processes), whichever ends first. The client runs on the same machine as the
server, so the figures are a floor for this machine, not a capacity plan. It prints p50,
p99 and requests per second per endpoint, the chart's throughput on gunicorn against
runserver's (target: at least 2x), whether every p99 on gunicorn at 32 clients is under
500 ms, and exits 1 on any failed request to gunicorn (runserver's failures are printed:
with a listen queue of ten connections it resets some at 32 clients).

PostgreSQL: 127.0.0.1:5432 as user postgres; the script creates and drops its own
database (`acucare_bench_<pid>`). When the server is not reachable that half is
skipped with a notice (and fails when CI is set).

Run: .venv/bin/python bench/web.py [--patients N] [--sessions-per-plan N]
     [--requests N] [--seconds S] [--concurrency 8,32] [--servers runserver,gunicorn]
     [--databases sqlite,postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import multiprocessing
import os
import re
import secrets
import shutil
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
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _clinic as clinic

if TYPE_CHECKING:
    from acucare.accounts.models import User
    from acucare.core.actor import Actor
    from acucare.patients.models import Episode
    from acucare.treatment.models import TreatmentPlan

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# A chronic low back pain intake with nothing that screening refers, so the planner
# gives an acupuncture plan that sessions can be charted against.
INTAKE: dict[str, Any] = {
    "format": "acucare.intake/1",
    "patient": {"age": 54, "sex": "female"},
    # Recorded, as the clinic must (an unrecorded status keeps the pregnancy blocks on).
    "pregnancy": {"pregnant": False},
    "conditions": [{"icd10": "M54.50", "duration_weeks": 30}],
    "pain_sites": ["lower_back"],
    # A pain baseline (PEG) as well as mood: the outcomes page then reviews the course
    # against it, as in a clinic, rather than showing that the review cannot be made.
    "questionnaires": {"peg": {"1": 7, "2": 6, "3": 6}, "phq9": {str(i): 0 for i in range(1, 10)}},
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


LONG_EPISODES = 10  # episodes charted to LONG_SESSIONS sessions, for the outcomes page
LONG_SESSIONS = 100
# Episodes whose approved plan has no session yet: the same outcomes page with nothing to
# chart, the floor of that view (access, audit, layout) against which the 100-session
# page's data and charts are weighed.
FRESH_EPISODES = 10
# The labels the figures are printed and looked up by.
HEALTHZ_LABEL = "GET /healthz (floor)"
BARE_LABEL = "GET / (signed in, bare view)"
CHART_LABEL = "GET /patients/<id>/ (chart)"
OUTCOMES_LABEL = f"GET /outcomes/episodes/<id>/ ({LONG_SESSIONS})"
OUTCOMES_EMPTY_LABEL = "GET /outcomes/episodes/<id>/ (0)"


# The fields every bulk-written session copies from the one charted through the services.
SESSION_COPIED = (
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


@dataclass(frozen=True)
class Seeded:
    """What the load needs from the seeded clinic: who signs in and whose records."""

    me: User
    actor: Actor
    plans: list[TreatmentPlan]
    long_plans: list[TreatmentPlan]
    fresh_plans: list[TreatmentPlan]


def too_few_patients(patients: int, practitioners: int) -> str:
    """Why `patients` cannot give the measured practitioner (one in `practitioners`, each
    looking after every n-th patient) the long episodes and at least one fresh episode, or
    "". With fewer, the outcomes page of an episode with no session had none to ask for."""
    least = practitioners * (LONG_EPISODES + 1)
    if patients < least:
        return (
            f"--patients must be at least {least} with {practitioners} practitioners (each "
            f"looks after every {practitioners}th patient, and the one measured needs "
            f"{LONG_EPISODES} long episodes and a fresh one), not {patients}"
        )
    return ""


def seed(patients: int, sessions_per_plan: int, practitioners: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from acucare.patients.models import Episode, Patient
    from acucare.treatment.models import TreatmentPlan, TreatmentSession

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()
    # One transaction: SQLite commits once instead of once per batch.
    with transaction.atomic():
        seeded_clinic = _seed_clinic(patients, sessions_per_plan, practitioners)
    seeded = time.perf_counter()
    _analyze()

    signed_in = _sign_in(seeded_clinic)
    me, plans, long_plans = seeded_clinic.me, seeded_clinic.plans, seeded_clinic.long_plans
    fresh = {p.pk for p in seeded_clinic.fresh_plans}
    mine = [
        p for p in plans if p.episode.patient.primary_practitioner_id == me.pk and p.pk not in fresh
    ]
    return {
        "counts": {
            "patients": Patient.objects.count(),
            "episodes": Episode.objects.count(),
            "plans": TreatmentPlan.objects.count(),
            "sessions": TreatmentSession.objects.count(),
        },
        "migrate_s": migrated - started,
        "seed_s": seeded - migrated,
        **signed_in,
        "patients": [str(p.episode.patient.public_id) for p in mine],
        "episodes": [str(p.episode.public_id) for p in mine],
        "plans": [str(p.public_id) for p in mine],
        "long_episodes": [str(p.episode.public_id) for p in long_plans],
        "long_extra": len(long_plans) * max(0, LONG_SESSIONS - sessions_per_plan),
        "fresh_episodes": [str(p.episode.public_id) for p in seeded_clinic.fresh_plans],
        "fresh_missing": len(fresh) * sessions_per_plan,
    }


def _analyze() -> None:
    """PostgreSQL: statistics for the bulk-loaded tables, as autovacuum keeps them in
    production; without, the first queries are planned blind and autovacuum's pass over a
    hundred thousand new rows runs during the first endpoints' measurements. SQLite is
    left as a clinic's file is (nothing runs ANALYZE on it)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _seed_clinic(patients: int, sessions_per_plan: int, practitioners: int) -> Seeded:
    """The practitioners, their patients and episodes, one intake and plan through the
    real services copied onto every episode, and the charted sessions."""
    from django.utils import timezone

    from acucare.assessments import services as assessment_services
    from acucare.core.actor import Actor
    from acucare.treatment import services as treatment_services
    from acucare.treatment.models import TreatmentPlan

    staff = clinic.practitioners(practitioners)
    me = staff[0]
    actor = Actor(user=me, ip_address="127.0.0.1", user_agent="bench/web.py", channel="system")
    now = timezone.now()
    batch = 2000
    episodes = _seed_episodes(staff, patients, now, batch)

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
    clinic.copy_intake_and_plan(template_assessment, plan, others, now=now, batch=batch)
    copied = {field: getattr(template_session, field) for field in SESSION_COPIED}
    plans = list(TreatmentPlan.objects.select_related("episode__patient").order_by("id"))
    mine = [p for p in plans if p.episode.patient.primary_practitioner_id == me.pk]
    # A few of my episodes run on to LONG_SESSIONS sessions, pain falling, for the
    # outcomes page and its charts; a few others have had no session yet.
    long_plans = mine[:LONG_EPISODES]
    fresh_plans = [p for p in mine[LONG_EPISODES:] if p.pk != plan.pk][:FRESH_EPISODES]
    _seed_sessions([p for p in plans if p not in fresh_plans], plan, copied, sessions_per_plan, now)
    _seed_long_sessions(long_plans, copied, sessions_per_plan, me, now)
    return Seeded(me, actor, plans, long_plans, fresh_plans)


def _seed_episodes(staff: list[User], patients: int, now: dt.datetime, batch: int) -> list[Episode]:
    """`patients` patients spread over the practitioners, one back-pain episode each."""
    from acucare.patients.models import Episode, EpisodeCondition, Patient

    count = len(staff)
    Patient.objects.bulk_create(
        [
            Patient(
                given_name=f"Given{n}",
                family_name=f"Family{n:05d}",
                date_of_birth=dt.date(1940 + n % 60, 1 + n % 12, 1 + n % 28),
                sex=("female", "male", "other", "unknown")[n % 4],
                phone=f"0700 {n:06d}",
                primary_practitioner=staff[n % count],
                **clinic.tracked(staff[n % count].pk, now),
            )
            for n in range(patients)
        ],
        batch_size=batch,
    )
    Episode.objects.bulk_create(
        [
            Episode(
                patient=p,
                complaint="Chronic low back pain",
                **clinic.tracked(p.primary_practitioner_id, now),
            )
            for p in Patient.objects.order_by("id")
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
    return episodes


def _seed_sessions(
    plans: list[TreatmentPlan],
    template: TreatmentPlan,
    copied: dict[str, Any],
    sessions_per_plan: int,
    now: dt.datetime,
) -> None:
    """`sessions_per_plan` sessions on every plan (the template plan has its first)."""
    from acucare.treatment.models import TreatmentSession

    rows: list[TreatmentSession] = []
    for p in plans:
        by = p.episode.patient.primary_practitioner_id
        first = 2 if p.pk == template.pk else 1
        for number in range(first, sessions_per_plan + 1):
            rows.append(
                TreatmentSession(plan=p, number=number, **copied, **clinic.tracked(by, now))
            )
            if len(rows) >= 5000:
                TreatmentSession.objects.bulk_create(rows)
                rows = []
    TreatmentSession.objects.bulk_create(rows)


def _seed_long_sessions(
    long_plans: list[TreatmentPlan],
    copied: dict[str, Any],
    sessions_per_plan: int,
    me: User,
    now: dt.datetime,
) -> None:
    from acucare.treatment.models import TreatmentSession

    rows = [
        TreatmentSession(
            plan=p,
            number=number,
            **{
                **copied,
                "pain_before": max(1, 8 - number // 15),
                "pain_after": max(0, 6 - number // 15),
            },
            **clinic.tracked(me.pk, now),
        )
        for p in long_plans
        for number in range(sessions_per_plan + 1, LONG_SESSIONS + 1)
    ]
    TreatmentSession.objects.bulk_create(rows, batch_size=5000)


def _sign_in(seeded: Seeded) -> dict[str, str]:
    """The practitioner's session cookie and API token, and the portal cookie of the
    patient of the first long episode (signed in as after an invitation)."""
    from django.conf import settings
    from django.test import Client

    from acucare.accounts import services as account_services
    from acucare.accounts.models import Role, User
    from acucare.portal.models import PortalAccount

    _, token = account_services.api_token_create(actor=seeded.actor, name="bench")
    client = Client()
    client.force_login(seeded.me, backend="django.contrib.auth.backends.ModelBackend")
    cookie_name = settings.SESSION_COOKIE_NAME
    portal_patient = seeded.long_plans[0].episode.patient
    portal_user = User.objects.create_user(
        username=f"portal-{portal_patient.public_id.hex[:12]}@example.org",
        password=secrets.token_urlsafe(16),
        role=Role.PATIENT,
    )
    PortalAccount.objects.create(user=portal_user, patient=portal_patient)
    portal_client = Client()
    portal_client.force_login(portal_user, backend="django.contrib.auth.backends.ModelBackend")
    return {
        "cookie": f"{cookie_name}={client.cookies[cookie_name].value}",
        "portal_cookie": f"{cookie_name}={portal_client.cookies[cookie_name].value}",
        "token": token,
    }


# ---------------------------------------------------------------------------------------
# Load


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None
    # A request answered by a redirect: the one place it must send the client to (a
    # redirect anywhere else, to the sign-in page say, is a failure).
    redirect_to: str | None = None

    def problem(self, status: int, location: str | None) -> str:
        """What is wrong with the answer, or "" for the answer expected."""
        if self.redirect_to is None:
            return "" if 200 <= status < 300 else str(status)
        if status == 302 and location == self.redirect_to:
            return ""
        return f"{status} to {location!r}, not 302 to {self.redirect_to!r}"


@dataclass(frozen=True)
class Figures:
    label: str
    count: int
    errors: int
    p50_ms: float
    p99_ms: float
    rps: float
    first_error: str
    # CPU milliseconds per answered request: the server's processes, the database's
    # (PostgreSQL's backends; SQLite runs inside the server) and the load client's.
    cpu_ms: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def line(self) -> str:
        flag = f"   {self.errors} ERRORS, first: {self.first_error}" if self.errors else ""
        server, database, client = self.cpu_ms
        # No CPU figure when nothing was measured (a run without a server to read).
        spent = (
            f"   CPU {server:5.1f} + {database:4.1f} db + {client:3.1f} client ms" if server else ""
        )
        return (
            f"  {self.label:<34} p50 {self.p50_ms:7.1f} ms   p99 {self.p99_ms:7.1f} ms   "
            f"{self.rps:7.1f} req/s   ({self.count} requests){spent}{flag}"
        )


def run_load(
    port: int,
    label: str,
    make_request: Callable[[int], Request],
    *,
    requests: int,
    seconds: float,
    concurrency: int,
    warmup: int,
    cpu: Callable[[], tuple[float, float]] | None = None,
) -> Figures:
    """`requests` requests (or as many as fit in `seconds`) from `concurrency` client
    threads, each on its own keep-alive connection (reopened when the server closes it),
    spread over up to CLIENT_PROCESSES forked processes so that the client's own GIL does
    not cap what the server is asked to do. Request i is make_request(i). `cpu` gives the
    CPU seconds the server's and the database's processes have used so far."""
    # The warm-up runs at the measured concurrency, so that every gunicorn worker (not
    # only the one or two that sequential requests would reach) has served the page and
    # touched the memory it shares with its master before the clock starts: a clinic's
    # server runs for days, and the measure is of that steady state.
    _, warmup_errors, _, _ = _drive(
        port, make_request, range(warmup), concurrency, seconds + warmup
    )
    used_before = cpu() if cpu else (0.0, 0.0)
    latencies, errors, client_cpu, wall = _drive(
        port, make_request, range(warmup, warmup + requests), concurrency, seconds
    )
    used_after = cpu() if cpu else (0.0, 0.0)
    errors = [f"(warm-up) {error}" for error in warmup_errors] + errors
    latencies.sort()
    if not latencies:
        return Figures(label, 0, len(errors), 0.0, 0.0, 0.0, errors[0] if errors else "")
    per_request = 1000 / len(latencies)
    return Figures(
        label,
        len(latencies),
        len(errors),
        statistics.median(latencies) * 1000,
        latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000,
        len(latencies) / wall,
        errors[0] if errors else "",
        (
            (used_after[0] - used_before[0]) * per_request,
            (used_after[1] - used_before[1]) * per_request,
            client_cpu * per_request,
        ),
    )


CLIENT_PROCESSES = 4


def _drive(
    port: int,
    make_request: Callable[[int], Request],
    indexes: range,
    concurrency: int,
    seconds: float,
) -> tuple[list[float], list[str], float, float]:
    """Requests make_request(i) for i in `indexes` (or as many as fit in `seconds`) from
    `concurrency` threads spread over the client processes: each request's seconds, the
    failures, the client processes' CPU seconds and the wall seconds taken."""
    processes = max(1, min(CLIENT_PROCESSES, concurrency))
    context = multiprocessing.get_context("fork")
    results: Any = context.Queue()
    started = time.perf_counter()
    deadline = started + seconds
    children = [
        context.Process(
            target=_client_process,
            args=(
                port,
                make_request,
                indexes[share::processes],
                concurrency // processes + (1 if share < concurrency % processes else 0),
                deadline,
                results,
            ),
        )
        for share in range(processes)
    ]
    for child in children:
        child.start()
    latencies: list[float] = []
    errors: list[str] = []
    client_cpu = 0.0
    for _ in children:
        got_latencies, got_errors, got_cpu = results.get(timeout=seconds + 120)
        latencies.extend(got_latencies)
        errors.extend(got_errors)
        client_cpu += got_cpu
    for child in children:
        child.join()
    return latencies, errors, client_cpu, time.perf_counter() - started


def _client_process(
    port: int,
    make_request: Callable[[int], Request],
    indexes: range,
    threads: int,
    deadline: float,
    results: Any,
) -> None:
    lock = threading.Lock()
    pending = iter(indexes)
    latencies: list[float] = []
    errors: list[str] = []

    def take() -> int | None:
        with lock:
            return next(pending, None)

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            index = take()
            if index is None or time.perf_counter() > deadline:
                break
            request = make_request(index)
            start = time.perf_counter()
            try:
                connection.request(
                    request.method, request.path, body=request.body, headers=request.headers
                )
                response = connection.getresponse()
                payload = response.read()
                problem = request.problem(response.status, response.getheader("Location"))
                if problem:
                    problem = f"{problem} {payload[:120]!r}"
            except (OSError, http.client.HTTPException) as error:
                problem = f"{type(error).__name__}: {error}"
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - start
            with lock:
                if problem:
                    errors.append(problem)
                else:
                    latencies.append(elapsed)
        connection.close()

    pool = [threading.Thread(target=worker) for _ in range(max(1, threads))]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    results.put((latencies, errors, time.process_time()))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    port: int
    log: Any
    pid: int

    def memory(self) -> str:
        """The server's processes (master and workers) and their memory: RSS counts a page
        shared by several processes in each, PSS splits it between them (Linux)."""
        pids = [self.pid, *_children(self.pid)]
        rss = pss = 0
        for pid in pids:
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                return ""
            fields = dict(line.split(":", 1) for line in rollup.splitlines()[1:])
            rss += int(fields["Rss"].split()[0])
            pss += int(fields["Pss"].split()[0])
        return (
            f"  server memory: {len(pids)} processes, RSS {rss / 1024:.0f} MiB in all, "
            f"PSS {pss / 1024:.0f} MiB (shared pages counted once)"
        )

    def cpu(self) -> tuple[float, float]:
        """CPU seconds used so far by the server's processes and by PostgreSQL's (every
        process named postgres: the bench's backends do the work, the others idle)."""
        return (
            sum(cpu_seconds(pid) for pid in [self.pid, *_children(self.pid)]),
            sum(cpu_seconds(pid) for pid in _postgres_pids()),
        )

    def exceptions(self) -> dict[str, int]:
        """The exceptions the server logged (JSON lines carry the class), counted."""
        self.log.seek(0)
        found: dict[str, int] = {}
        for line in self.log.read().decode(errors="replace").splitlines():
            kind = ""
            if line.startswith("{"):
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("exception"):
                    kind = f"{entry['exception']} ({entry.get('message', '')[:80]})"
                elif entry.get("level") in {"ERROR", "CRITICAL"}:
                    kind = str(entry.get("message", ""))[:120]
            elif EXCEPTION_LINE.match(line):
                kind = line[:160]
            if kind:
                found[kind] = found.get(kind, 0) + 1
        self.log.seek(0, os.SEEK_END)
        return found


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and of its children that have exited (0 once it
    has gone), from /proc (Linux). The children count: a recycled gunicorn worker's CPU
    stays in its master's, and a closed connection's backend's in PostgreSQL's postmaster."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime, stime, cutime, cstime: fields 14-17 of proc(5), 11-14 after the name.
    return sum(int(field) for field in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
    return found


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Locked)\b.*: ")
SERVERS = {
    "runserver": [PYTHON, "manage.py", "runserver", "--noreload", "--skip-checks"],
    "gunicorn": [str(Path(PYTHON).parent / "gunicorn"), "--config", "config/gunicorn.py"],
}


@contextlib.contextmanager
def server(kind: str, env: dict[str, str]) -> Iterator[Server]:
    """`runserver` (Django's threaded development server, the reference) or `gunicorn`
    (the production server of `make serve`: config/gunicorn.py, workers from the CPU
    count) on a free port, with the same production settings."""
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below, after the server)
    if kind == "runserver":
        argv = [*SERVERS[kind], f"127.0.0.1:{port}"]
    else:
        argv = [*SERVERS[kind], "--bind", f"127.0.0.1:{port}", "config.wsgi"]
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        give_up = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                log.seek(0)
                sys.exit(f"the server exited:\n{log.read().decode(errors='replace')[-4000:]}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > give_up:
                    sys.exit(f"{kind} did not answer /healthz within 90 s")
                time.sleep(0.2)
        yield Server(port, log, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def production_env(url: str, static_root: str) -> dict[str, str]:
    """The production settings (DEBUG off, hashed static files), over plain http."""
    # ACUCARE_WEB_WORKERS / ACUCARE_WEB_THREADS pass through: bench the gunicorn you deploy.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ACUCARE_", "DJANGO_")) or k.startswith("ACUCARE_WEB_")
    }
    env.update(
        {
            "ACUCARE_DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ACUCARE_SECRET_KEY": secrets.token_urlsafe(50),
            "ACUCARE_ALLOWED_HOSTS": "127.0.0.1",
            "ACUCARE_STATIC_ROOT": static_root,
            # The client speaks plain http to 127.0.0.1; cookies are sent by hand.
            "ACUCARE_SSL_REDIRECT": "0",
            "ACUCARE_SECURE_COOKIES": "0",
            "ACUCARE_LOG_LEVEL": "INFO",
        }
    )
    return env


def seed_database(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """Collect static files, migrate and seed (in child processes with `env`)."""
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    seeded = subprocess.run(
        [
            PYTHON,
            __file__,
            "--seed",
            "--patients",
            str(args.patients),
            "--sessions-per-plan",
            str(args.sessions_per_plan),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if seeded.returncode != 0:
        sys.exit(f"seeding failed:\n{seeded.stderr[-4000:]}")
    data: dict[str, Any] = json.loads(seeded.stdout.strip().splitlines()[-1])
    counts = data["counts"]
    wanted = {
        "patients": args.patients,
        "sessions": args.patients * args.sessions_per_plan
        + data["long_extra"]
        - data["fresh_missing"],
    }
    if any(counts[kind] != number for kind, number in wanted.items()):
        sys.exit(f"seeding made {counts}, not the {wanted} asked for")
    print(
        f"  seeded {counts['patients']} patients, {counts['episodes']} episodes, "
        f"{counts['plans']} approved plans, {counts['sessions']} sessions "
        f"(migrate {data['migrate_s']:.1f} s, seed {data['seed_s']:.1f} s)"
    )
    return data


def endpoints(data: dict[str, Any]) -> list[tuple[str, Callable[[int], Request]]]:
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

    def bare(i: int) -> Request:
        return Request("GET", "/", page_headers, redirect_to="/today/")

    def chart(i: int) -> Request:
        return Request("GET", f"/patients/{patients[i % len(patients)]}/", page_headers)

    long_episodes = data["long_episodes"]

    def outcomes(i: int) -> Request:
        path = f"/outcomes/episodes/{long_episodes[i % len(long_episodes)]}/"
        return Request("GET", path, page_headers)

    fresh_episodes = data["fresh_episodes"]

    def outcomes_empty(i: int) -> Request:
        path = f"/outcomes/episodes/{fresh_episodes[i % len(fresh_episodes)]}/"
        return Request("GET", path, page_headers)

    def treatment(i: int) -> Request:
        return Request("GET", f"/treatment/episodes/{episodes[i % len(episodes)]}/", page_headers)

    portal_headers = {"Cookie": data["portal_cookie"], "Host": "127.0.0.1"}

    def portal(i: int) -> Request:
        return Request("GET", "/portal/", portal_headers)

    def save_session(i: int) -> Request:
        headers = {**api_headers, "Idempotency-Key": str(uuid.uuid4())}
        return Request(
            "POST", f"/api/v1/plans/{plans[i % len(plans)]}/sessions", headers, session_body
        )

    return [
        (HEALTHZ_LABEL, healthz),
        (BARE_LABEL, bare),
        (CHART_LABEL, chart),
        ("GET /treatment/episodes/<id>/", treatment),
        (OUTCOMES_LABEL, outcomes),
        (OUTCOMES_EMPTY_LABEL, outcomes_empty),
        ("POST /api/v1/plans/<id>/sessions", save_session),
        (f"GET /portal/ (patient, {LONG_SESSIONS})", portal),
    ]


def measure_server(
    kind: str,
    env: dict[str, str],
    targets: list[tuple[str, Callable[[int], Request]]],
    load: dict[str, Any],
) -> list[Figures]:
    print(f"  -- {kind}, {load['concurrency']} concurrent clients")
    with server(kind, env) as running:
        rows = [
            run_load(running.port, label, make, cpu=running.cpu, **load) for label, make in targets
        ]
        logged = running.exceptions()
        memory = running.memory()
    for row in rows:
        print(row.line())
    for line, count in logged.items():
        print(f"  server logged {count}x: {line}")
    print(outcomes_ratios(rows))
    if memory:
        print(memory)
    if kind == "gunicorn" and load["concurrency"] >= 32:
        slow = [row.label for row in rows if row.p99_ms >= 500]
        verdict = "all under" if not slow else f"NOT under for {', '.join(slow)}:"
        print(f"  p99 target (< 500 ms at {load['concurrency']} clients): {verdict} 500 ms")
    return rows


def outcomes_ratios(rows: list[Figures]) -> str:
    """Issue 10's target: the 100-session outcomes page within 3x the bare view's p50.

    The bare view is the signed-in practitioner's `/`: the session, user and clinic reads
    every staff page makes before it does anything (SessionMiddleware,
    AuthenticationMiddleware, the two-factor check), then a redirect. Two more floors are
    printed beside it: /healthz, which reads nothing (no session, no user: the liveness
    probe), and the same outcomes page of an episode with no session yet (its access
    check, audit event and layout), which shows what the 100 sessions and their charts
    add."""
    by_label = {row.label: row for row in rows}
    healthz = by_label[HEALTHZ_LABEL].p50_ms
    bare = by_label[BARE_LABEL].p50_ms
    full = by_label[OUTCOMES_LABEL].p50_ms
    empty = by_label[OUTCOMES_EMPTY_LABEL].p50_ms
    verdict = "meets" if full <= 3 * bare else "does NOT meet"
    return (
        f"  outcomes page, {LONG_SESSIONS} sessions, p50: {full / bare:.1f}x the signed-in "
        f"bare view ({verdict} the 3x target), {full / healthz:.1f}x /healthz, "
        f"{full / empty:.1f}x the same page with no session"
    )


def speed_probe() -> str:
    """The CPU time of a fixed pure-Python loop, the median of five: this machine's speed
    at the moment (a virtual machine's varies with its neighbours' load, by a fifth and
    more within an hour here), so that runs on different days can be read side by side."""
    taken = []
    for _ in range(5):
        started = time.process_time()
        total = 0
        for number in range(2_000_000):
            total += number
        taken.append(time.process_time() - started)
    return (
        f"  speed probe: a fixed Python loop took {statistics.median(taken) * 1000:.0f} ms of "
        "CPU (median of five; lower is faster)"
    )


def measure(database_label: str, url: str, args: argparse.Namespace) -> bool:
    static_root = tempfile.mkdtemp(prefix="acucare-bench-static-")
    env = production_env(url, static_root)
    print(f"\n== {database_label}")
    targets = endpoints(seed_database(env, args))
    print(speed_probe())
    print(
        f"  at most {args.requests} requests or {args.seconds:.0f} s per endpoint, after a "
        "warm-up of five requests per client (at least 20) at the same concurrency; clients "
        f"in up to {CLIENT_PROCESSES} processes"
    )
    ok = True
    chart_rps: dict[tuple[str, int], float] = {}
    for concurrency in args.concurrency:
        load = {
            "requests": args.requests,
            "seconds": args.seconds,
            "concurrency": concurrency,
            # Five requests per client, at least 20 (see run_load).
            "warmup": max(20, 5 * concurrency),
        }
        for kind in args.servers:
            rows = measure_server(kind, env, targets, load)
            # The production server must answer every request. The reference's failures
            # are reported above but do not fail the run: runserver listens with a queue
            # of ten connections (Django's WSGIServer), so at 32 clients it resets some.
            if kind != "runserver":
                ok &= all(row.errors == 0 for row in rows)
            chart_rps[(kind, concurrency)] = next(r.rps for r in rows if r.label == CHART_LABEL)
    print(speed_probe())
    for concurrency in args.concurrency:
        reference = chart_rps.get(("runserver", concurrency))
        production = chart_rps.get(("gunicorn", concurrency))
        if reference and production:
            ratio = production / reference
            verdict = "meets" if ratio >= 2 else "does NOT meet"
            print(
                f"  chart throughput at {concurrency} clients: gunicorn {production:.1f} req/s, "
                f"runserver {reference:.1f} req/s = {ratio:.2f}x ({verdict} the 2x target)"
            )
    shutil.rmtree(static_root, ignore_errors=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--sessions-per-plan", type=int, default=10)
    parser.add_argument("--practitioners", type=int, default=10)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--concurrency",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[8, 32],
        help="comma-separated client counts (default 8,32)",
    )
    parser.add_argument(
        "--servers",
        type=lambda text: text.split(","),
        default=["runserver", "gunicorn"],
        help="comma-separated: runserver (the reference), gunicorn (production)",
    )
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if problem := too_few_patients(args.patients, args.practitioners):
        parser.error(problem)
    sys.path.insert(0, str(ROOT))

    if args.seed:
        print(json.dumps(seed(args.patients, args.sessions_per_plan, args.practitioners)))
        return 0

    print(
        f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; servers: "
        "manage.py runserver --noreload (threaded, the reference) and gunicorn "
        "(config/gunicorn.py, as `make serve`), both with production settings, DEBUG off"
    )
    ok = True
    databases = args.databases.split(",")
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory(prefix="acucare-bench-") as folder:
            ok &= measure("SQLite", f"sqlite:///{folder}/bench.sqlite3", args)
    if "postgres" in databases:
        if clinic.postgres_available():
            with clinic.postgres_database("acucare_bench") as url:
                ok &= measure("PostgreSQL 127.0.0.1:5432", url, args)
        elif os.environ.get("CI"):
            print("PostgreSQL is required in CI but not reachable at 127.0.0.1:5432")
            return 1
        else:
            print("\nNOTICE: PostgreSQL not reachable at 127.0.0.1:5432; that half was skipped.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
