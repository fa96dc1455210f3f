"""The clinic outcomes dashboard over a clinic-sized database (issue 17).

Targets: the dashboard over 10,000 patients and 100,000 sessions in a p50 under 1 s on
PostgreSQL and under 2 s on SQLite, its figures aggregated in the database.

For each database the script migrates a fresh database in a child process and seeds,
with bulk_create: 10 practitioners, 10,000 patients with one episode each (its primary
code spread over four conditions, an assessment and an approved plan copied from one
made by the real services), ten signed sessions per course (pain falling for
responders, flat for the rest, an adverse event in about one session in fifty), a
per-course outcome row at review for every course, at discharge for seven in ten and at
3 and 12 months for some, and a discharge row for each discharged course; each episode's
signed-session count is recounted after the bulk insert, as `session_sign` keeps it. It then
times, warm, ROUNDS times each:

  selectors   `acucare.analytics.selectors.dashboard` for the clinic admin (every table)
  page        GET /analytics/ as the admin: selectors, plots and the template
  page (own)  GET /analytics/ as one practitioner (their own tenth of the clinic)
  research    the de-identified research export, all 10,000 rows

and prints p50 and p95 of each, each panel's selector alone (best of three: where the
page's time goes), the number of queries of one page, and whether the page's p50 is
within the target. PostgreSQL: 127.0.0.1:5432 as user postgres; the
script creates and drops its own database; when the server is not reachable that half
is skipped with a notice (and fails when CI is set).

Run: .venv/bin/python bench/analytics.py [--patients N] [--sessions-per-course N]
     [--rounds N] [--databases sqlite,postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _clinic as clinic

if TYPE_CHECKING:
    from acucare.accounts.models import User
    from acucare.outcomes.models import CourseOutcome, Discharge
    from acucare.patients.models import Episode
    from acucare.treatment.models import TreatmentPlan

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"SQLite": 2.0, "PostgreSQL": 1.0}
CONDITIONS = ("M54.50", "M17.11", "M54.2", "G43.909")  # back, knee, neck, migraine
BATCH = 2000  # rows per bulk_create


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def seed(patients: int, per_course: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import transaction

    from acucare.outcomes.models import CourseOutcome
    from acucare.patients.models import Patient
    from acucare.treatment.models import AdverseEvent, TreatmentSession

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    # One generator, drawn from in the same order on every run: the same clinic each time.
    rng = random.Random(17)
    with transaction.atomic():
        plans, responder = _seed_courses(patients, per_course, rng)
        _seed_adverse_events(rng)
        _seed_outcomes(plans, responder, per_course, rng)
    return {
        "seed_s": time.perf_counter() - started,
        "patients": Patient.objects.count(),
        "sessions": TreatmentSession.objects.count(),
        "outcome_rows": CourseOutcome.objects.count(),
        "events": AdverseEvent.objects.count(),
    }


def _seed_courses(
    patients: int, per_course: int, rng: random.Random
) -> tuple[list[TreatmentPlan], dict[int, bool]]:
    """The staff, the patients and their episodes, one intake and plan through the real
    services copied onto every episode, and the signed sessions; returns the plans and
    which episodes respond."""
    from django.utils import timezone

    from acucare.accounts.models import Role, User
    from acucare.assessments import services as assessment_services
    from acucare.core.actor import Actor
    from acucare.treatment import services as treatment_services
    from acucare.treatment.counts import recount_signed_sessions
    from acucare.treatment.models import TreatmentPlan

    # The benchmark clinic's intake and session of bench/web.py (imported by name: the
    # bench folder is not a package for the type checker).
    web = importlib.import_module("bench.web")
    now = timezone.now()
    staff = clinic.practitioners(10)
    admin = User(username="benchadmin", role=Role.ADMIN)
    admin.set_unusable_password()
    admin.save()
    actor = Actor(user=staff[0], ip_address="127.0.0.1", user_agent="bench", channel="system")
    episodes = _seed_episodes(staff, patients, now)
    template = episodes[0]
    assessment = assessment_services.assessment_create(
        actor=actor, episode_id=template.public_id, intake_document=web.INTAKE
    )
    plan = treatment_services.plan_generate(actor=actor, episode_id=template.public_id)
    plan = treatment_services.plan_approve(
        actor=actor, plan_id=plan.public_id, version=plan.version
    )
    clinic.copy_intake_and_plan(assessment, plan, episodes[1:], now=now, batch=BATCH)
    plans = list(TreatmentPlan.objects.select_related("episode__patient").order_by("id"))
    responder = {p.episode_id: rng.random() < 0.45 for p in plans}
    _seed_sessions(plans, responder, per_course, web.SESSION, rng, now)
    recount_signed_sessions()  # what session_sign keeps, for the bulk-written sessions
    return plans, responder


def _seed_episodes(staff: list[User], patients: int, now: dt.datetime) -> list[Episode]:
    """`patients` patients spread over the staff, one episode each, its primary code spread
    over the four conditions."""
    from django.utils import timezone

    from acucare.patients.models import Episode, EpisodeCondition, Patient

    today = timezone.localdate()
    Patient.objects.bulk_create(
        [
            Patient(
                given_name=f"Given{n}",
                family_name=f"Family{n:05d}",
                date_of_birth=dt.date(1940 + n % 60, 1 + n % 12, 1 + n % 28),
                sex=("female", "male")[n % 2],
                primary_practitioner=staff[n % 10],
                **clinic.tracked(staff[n % 10].pk, now),
            )
            for n in range(patients)
        ],
        batch_size=BATCH,
    )
    Episode.objects.bulk_create(
        [
            Episode(
                patient=p,
                complaint="Chronic pain",
                started_on=today - dt.timedelta(days=120 + i % 300),
                **clinic.tracked(p.primary_practitioner_id, now),
            )
            for i, p in enumerate(Patient.objects.order_by("id"))
        ],
        batch_size=BATCH,
    )
    episodes = list(Episode.objects.select_related("patient").order_by("id"))
    EpisodeCondition.objects.bulk_create(
        [
            EpisodeCondition(episode=e, position=0, icd10=CONDITIONS[i % 4], duration_weeks=30)
            for i, e in enumerate(episodes)
        ],
        batch_size=BATCH,
    )
    return episodes


def _seed_sessions(
    plans: list[TreatmentPlan],
    responder: dict[int, bool],
    per_course: int,
    session: dict[str, Any],
    rng: random.Random,
    now: dt.datetime,
) -> None:
    """`per_course` signed sessions a course, weekly; pain falls for responders."""
    from acucare.treatment.models import TreatmentSession

    sessions: list[TreatmentSession] = []
    for p in plans:
        by = p.episode.patient.primary_practitioner_id
        fall = responder[p.episode_id]
        for number in range(1, per_course + 1):
            before = max(1, 7 - (number // 2 if fall else 0))
            sessions.append(
                TreatmentSession(
                    plan=p,
                    number=number,
                    date=p.episode.started_on + dt.timedelta(days=7 * number),
                    modality=session["modality"],
                    points=session["points"],
                    needle=session["needle"],
                    retention_minutes=20,
                    needles_in=3,
                    needles_out=3 if rng.random() > 0.002 else 2,
                    pain_before=before,
                    pain_after=max(0, before - 2),
                    kb_version=p.kb_version,
                    status="signed",
                    signed_at=now,
                    signed_by_id=by,
                    **clinic.tracked(by, now),
                )
            )
        if len(sessions) >= 5000:
            TreatmentSession.objects.bulk_create(sessions)
            sessions = []
    TreatmentSession.objects.bulk_create(sessions)


def _seed_adverse_events(rng: random.Random) -> None:
    """An adverse event in about one session in fifty."""
    from acucare.treatment.models import AdverseEvent, TreatmentSession

    ids = list(
        TreatmentSession.objects.values_list(
            "id", "plan__episode__patient__primary_practitioner_id"
        )
    )
    kinds = ("haematoma", "bleeding", "needling_pain", "tiredness", "aggravation")
    AdverseEvent.objects.bulk_create(
        [
            AdverseEvent(
                session_id=sid,
                seriousness="significant_minor" if rng.random() < 0.02 else "minor",
                mechanism="traumatic",
                type_code=rng.choice(kinds),
                needed_treatment=rng.random() < 0.05,
                avoidable="unclear",
                modality="manual",
                reporter="practitioner",
                created_by_id=by,
            )
            for sid, by in ids
            if rng.random() < 0.02
        ],
        batch_size=BATCH,
    )


def _seed_outcomes(
    plans: list[TreatmentPlan], responder: dict[int, bool], per_course: int, rng: random.Random
) -> None:
    """A per-course outcome row at review for every course, at discharge for seven in ten
    and at 3 and 12 months for some, and a discharge row for each discharged course."""
    from acucare.outcomes.models import CourseOutcome, Discharge, OutcomeStage
    from acucare.patients.conditions import read_code
    from acucare.patients.models import Episode, EpisodeCondition, EpisodeStatus

    stages = (
        (OutcomeStage.REVIEW, 1.0),
        (OutcomeStage.DISCHARGE, 0.7),
        (OutcomeStage.FOLLOWUP_3, 0.3),
        (OutcomeStage.FOLLOWUP_12, 0.15),
    )
    outcomes: list[CourseOutcome] = []
    discharges: list[Discharge] = []
    for p in plans:
        fall = responder[p.episode_id]
        for stage, chance in stages:
            if rng.random() >= chance:
                break
            outcome = _outcome(p, stage, fall, per_course, rng)
            outcomes.append(outcome)
            if stage == OutcomeStage.DISCHARGE:
                discharges.append(_discharge(p, outcome.tier, fall, per_course, rng))
    condition_by_code = {code: read_code(code).condition_id or "" for code in CONDITIONS}
    codes = dict(EpisodeCondition.objects.values_list("episode_id", "icd10"))
    for row in outcomes:
        row.condition = condition_by_code[codes[row.episode_id]]
    CourseOutcome.objects.bulk_create(outcomes, batch_size=BATCH)
    Discharge.objects.bulk_create(discharges, batch_size=BATCH)
    discharged = [d.episode.pk for d in discharges]
    Episode.objects.filter(pk__in=discharged).update(status=EpisodeStatus.DISCHARGED)


def _outcome(
    plan: TreatmentPlan, stage: str, fall: bool, per_course: int, rng: random.Random
) -> CourseOutcome:
    """The course's pain outcome at `stage`: a responder's falls by 35 to 80%."""
    from acucare.outcomes.models import CourseOutcome

    episode = plan.episode
    baseline = 7.0
    latest = round(baseline * (rng.uniform(0.2, 0.65) if fall else rng.uniform(0.8, 1.1)), 1)
    percent = 100 * (latest - baseline) / baseline
    tier = (
        "substantial_improvement"
        if percent <= -50
        else "moderate_improvement"
        if percent <= -30
        else "no_important_change"
    )
    return CourseOutcome(
        episode=episode,
        stage=stage,
        condition="",
        protocol=plan.protocol.split("@")[0],
        instrument="peg",
        baseline=baseline,
        latest=latest,
        change=latest - baseline,
        percent_change=percent,
        tier=tier,
        responder=percent <= -30,
        substantial=percent <= -50,
        pgic=2 if fall else 4,
        sessions_delivered=per_course,
        recorded_on=episode.started_on + dt.timedelta(days=7 * per_course),
    )


def _discharge(
    plan: TreatmentPlan, tier: str, fall: bool, per_course: int, rng: random.Random
) -> Discharge:
    from acucare.outcomes.models import Discharge

    episode = plan.episode
    return Discharge(
        episode=episode,
        reason="goals_met" if fall else rng.choice(["no_response", "patient_choice"]),
        date=episode.started_on + dt.timedelta(days=7 * per_course),
        sessions_delivered=per_course,
        primary_tier=tier,
        course_document={},
        review_document={},
        advice="Keep moving.",
        kb_version=plan.kb_version,
        signed_by_id=episode.patient.primary_practitioner_id,
    )


def timed(rounds: int, run: Callable[[], object]) -> list[float]:
    run()  # warm: templates, the knowledge base, the database's caches
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def panels(scope: Any) -> dict[str, float]:
    """Each panel's selector alone, warm, best of three (seconds): where the page's time
    goes."""
    from acucare.analytics import selectors
    from acucare.outcomes.models import OutcomeStage

    sessions = selectors.session_totals(scope)
    discharge = selectors.outcome_groups(scope, OutcomeStage.DISCHARGE)
    parts: dict[str, Callable[[], object]] = {
        "courses": lambda: selectors.courses_table(scope),
        "outcomes (4 stages)": lambda: [
            selectors.outcome_groups(scope, stage) for stage in selectors.STAGES
        ],
        "benchmarks": lambda: selectors.benchmark_table(discharge),
        "session totals": lambda: selectors.session_totals(scope),
        "safety": lambda: selectors.safety_figures(scope, sessions),
        "attention": lambda: selectors.attention_table(scope, sessions),
        "data quality": lambda: selectors.quality_table(scope, sessions),
        "trajectories": lambda: selectors.trajectories(scope),
        "funnel": lambda: selectors.funnel_units(scope),
    }
    return {name: min(timed(3, run)) for name, run in parts.items()}


def measure(rounds: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from acucare.accounts.models import User
    from acucare.analytics import research, selectors
    from acucare.core.actor import Actor

    admin = User.objects.get(username="benchadmin")
    practitioner = User.objects.get(username="bench3")
    scope = selectors.scope_for(Actor(user=admin))
    admin_client, own_client = Client(), Client()
    admin_client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    own_client.force_login(practitioner, backend="django.contrib.auth.backends.ModelBackend")

    def page(client: Client) -> Callable[[], object]:
        def get() -> object:
            response = client.get("/analytics/")
            assert response.status_code == 200, response.status_code
            return response

        return get

    def export() -> object:
        return sum(1 for _ in research.research_rows(scope, research.Keys.fresh()))

    with CaptureQueriesContext(connection) as queries:
        page(admin_client)()
    print(json.dumps({"queries": len(queries)}), flush=True)
    print(json.dumps({"panels": panels(scope)}), flush=True)
    runs: dict[str, tuple[int, Callable[[], object]]] = {
        "selectors": (rounds, lambda: selectors.dashboard(scope, timezone.now())),
        "page": (rounds, page(admin_client)),
        "page (own)": (rounds, page(own_client)),
        "research": (max(3, rounds // 4), export),
    }
    results = {}
    for name, (count, run) in runs.items():
        results[name] = timed(count, run)
        print(json.dumps({"times": {name: results[name]}}), flush=True)
    return {"times": results, "queries": len(queries)}


def child(args: argparse.Namespace) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ACUCARE_DEBUG", "1")
    django.setup()
    import logging

    logging.disable(logging.CRITICAL)
    print(json.dumps({"seeded": seed(args.patients, args.sessions_per_course)}), flush=True)
    measure(args.rounds)
    return 0


def run_database(label: str, url: str, args: argparse.Namespace) -> bool:
    env = {**os.environ, "ACUCARE_DATABASE_URL": url, "ACUCARE_DEBUG": "1"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            "--patients",
            str(args.patients),
            "--sessions-per-course",
            str(args.sessions_per_course),
            "--rounds",
            str(args.rounds),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    data: dict[str, Any] = {"times": {}}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            part = json.loads(line)
            data["times"].update(part.pop("times", {}))
            data.update(part)
    if done.returncode != 0 or "page" not in data["times"]:
        print(f"{label}: failed\n{done.stderr[-4000:]}")
        return False
    seeded = data["seeded"]
    print(
        f"\n{label}: {seeded['patients']} patients, {seeded['sessions']} signed sessions, "
        f"{seeded['outcome_rows']} outcome rows, {seeded['events']} adverse events "
        f"(seeded in {seeded['seed_s']:.1f} s); one page = {data['queries']} queries"
    )
    for name, seconds in data.get("panels", {}).items():
        print(f"  panel {name:<20} {seconds * 1000:8.1f} ms (best of 3)")
    for name, times in data["times"].items():
        print(
            f"  {name:<12} p50 {statistics.median(times) * 1000:8.1f} ms   "
            f"p95 {_percentile(times, 0.95) * 1000:8.1f} ms   ({len(times)} runs)"
        )
    kind = "PostgreSQL" if label.startswith("PostgreSQL") else "SQLite"
    p50 = float(statistics.median(data["times"]["page"]))
    within: bool = p50 < TARGETS[kind]
    print(
        f"  the admin's page p50 {p50:.3f} s against the target of {TARGETS[kind]:.0f} s: "
        + ("within" if within else "OVER")
    )
    return within


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--sessions-per-course", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        return child(args)
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    ok = True
    databases = args.databases.split(",")
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory(prefix="acucare-bench-analytics-") as folder:
            ok &= run_database("SQLite", f"sqlite:///{folder}/bench.sqlite3", args)
    if "postgres" in databases:
        if clinic.postgres_available():
            with clinic.postgres_database("acucare_bench_analytics") as url:
                ok &= run_database("PostgreSQL 127.0.0.1:5432", url, args)
        elif os.environ.get("CI"):
            print("PostgreSQL is required in CI but not reachable at 127.0.0.1:5432")
            return 1
        else:
            print("\nNOTICE: PostgreSQL not reachable at 127.0.0.1:5432; that half was skipped.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
