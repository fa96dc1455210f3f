"""FHIR: `$everything` latency for a patient with 100 sessions, and `fhir_export` time and
peak memory at several clinic sizes (issue 12: p50 under 300 ms; 10k patients / 100k
sessions under 10 minutes with flat memory).

For each size (patients, with ten charted sessions each, seeded by bench/web.py's
seeding into a fresh SQLite database, or PostgreSQL with --databases postgres) the
script runs `manage.py fhir_export DIR` in a child process with the production settings
and reports its wall time, its peak resident memory (the child's ru_maxrss) and what it
wrote. Memory that stays flat from the smallest size to the largest is the sign that the
export streams. On the largest database it then times `GET
/fhir/r4/Patient/{id}/$everything` for a patient whose episode has 100 sessions (the
seeding's long episodes), in process through Django's test client with a signed-in
practitioner: warm-up, then ROUNDS requests, p50 and p90.

Run: .venv/bin/python bench/fhir.py [--sizes 1000,5000,10000] [--rounds 30]
     [--databases sqlite,postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import _clinic as clinic
from web import (  # bench/web.py: the clinic seeding and the production environment
    PYTHON,
    ROOT,
    production_env,
)

SESSIONS_PER_PLAN = 10
P50_TARGET_MS = 300
EXPORT_TARGET_S = 600


def child(what: str, argv: list[str], env: dict[str, str]) -> str:
    """Run a child process with `env`; its standard output, or exit naming `what`."""
    done = subprocess.run(
        [PYTHON, *argv], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"{what} failed:\n{done.stderr[-4000:]}")
    return done.stdout


def seed(env: dict[str, str], patients: int) -> dict[str, Any]:
    argv = [str(ROOT / "bench" / "web.py"), "--seed", "--patients", str(patients)]
    argv += ["--sessions-per-plan", str(SESSIONS_PER_PLAN)]
    data: dict[str, Any] = json.loads(child("seeding", argv, env).strip().splitlines()[-1])
    return data


def _rss_mib(pid: int) -> float | None:
    """The process's resident memory now (Linux /proc), or None once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


class RssSampler(threading.Thread):
    """Samples a child's resident memory twice a second while it runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, float]] = []
        self.started = time.perf_counter()
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            rss = _rss_mib(self.pid)
            if rss is not None:
                self.samples.append((time.perf_counter() - self.started, rss))

    def at(self, fractions: tuple[float, ...]) -> list[tuple[float, float]]:
        """(seconds, MiB) of the sample nearest each fraction of the run's duration."""
        if not self.samples:
            return []
        end = self.samples[-1][0]
        return [min(self.samples, key=lambda s: abs(s[0] - f * end)) for f in fractions]


def export(env: dict[str, str], folder: Path) -> dict[str, Any]:
    """Run `manage.py fhir_export` once: wall time, the child's peak RSS, and its RSS at
    a tenth, a quarter, half, three quarters and the end of the run."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [PYTHON, "manage.py", "fhir_export", str(folder)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    sampler = RssSampler(child.pid)
    sampler.start()
    assert child.stdout is not None
    output = child.stdout.read()
    sampler.stop.set()
    sampler.join()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        sys.exit(f"fhir_export failed ({child.returncode}):\n{output[-2000:]}")
    sizes = {p.name: p.stat().st_size for p in folder.glob("*.ndjson")}
    lines = {}
    for path in folder.glob("*.ndjson"):
        with path.open("rb") as handle:
            lines[path.stem] = sum(1 for _ in handle)
    return {
        "seconds": seconds,
        "peak_rss_mib": usage.ru_maxrss / 1024,
        "rss_points": sampler.at((0.1, 0.25, 0.5, 0.75, 1.0)),
        "resources": sum(lines.values()),
        "lines": lines,
        "megabytes": sum(sizes.values()) / 1e6,
    }


def everything_child(rounds: int) -> None:
    """In a child with the seeded database: time $everything for a 100-session patient."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db.models import Count
    from django.test import Client

    from acucare.patients.models import Patient

    patient = (
        Patient.objects.annotate(sessions=Count("episodes__treatment_plans__sessions"))
        .filter(sessions__gte=100)
        .select_related("primary_practitioner")
        .order_by("pk")
        .first()
    )
    if patient is None:
        sys.exit("no patient with 100 sessions was seeded")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(
        patient.primary_practitioner, backend="django.contrib.auth.backends.ModelBackend"
    )
    url = f"/fhir/r4/Patient/{patient.public_id}/$everything"
    timings = []
    size = 0
    for n in range(rounds + 5):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            sys.exit(f"$everything answered {response.status_code}")
        if n >= 5:  # warm-up
            timings.append(elapsed)
        size = len(response.content)
    total = json.loads(response.content)["total"]
    timings.sort()
    print(
        "RESULT "
        + json.dumps(
            {
                "sessions": patient.sessions,
                "resources": total,
                "bytes": size,
                "p50_ms": 1000 * statistics.median(timings),
                "p90_ms": 1000 * timings[int(0.9 * (len(timings) - 1))],
                "rounds": len(timings),
            }
        )
    )


def everything(env: dict[str, str], rounds: int) -> dict[str, Any]:
    output = child(
        "$everything timing", [__file__, "--everything-child", "--rounds", str(rounds)], env
    )
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return result


def measure(label: str, make_url: Any, sizes: list[int], rounds: int) -> bool:
    print(f"\n{label}")
    ok = True
    for index, patients in enumerate(sizes):
        with make_url() as url, tempfile.TemporaryDirectory(prefix="acucare-fhir-") as folder:
            env = production_env(url, str(Path(folder) / "static"))
            data = seed(env, patients)
            counts = data["counts"]
            figures = export(env, Path(folder) / "export")
            print(
                f"  {counts['patients']:>6} patients {counts['sessions']:>7} sessions: "
                f"fhir_export {figures['seconds']:7.1f} s, peak RSS "
                f"{figures['peak_rss_mib']:6.1f} MiB, {figures['resources']} resources "
                f"({figures['megabytes']:.0f} MB; seeding took {data['seed_s']:.0f} s)"
            )
            print(
                "    RSS during the export: "
                + ", ".join(f"{mib:.1f} MiB at {sec:.0f} s" for sec, mib in figures["rss_points"])
            )
            if index == len(sizes) - 1:
                print(
                    "    lines per file: "
                    + ", ".join(f"{k} {v}" for k, v in sorted(figures["lines"].items()))
                )
                if patients >= 10_000 and figures["seconds"] >= EXPORT_TARGET_S:
                    print(f"    FAIL: over the {EXPORT_TARGET_S} s target")
                    ok = False
                timing = everything(env, rounds)
                verdict = "ok" if timing["p50_ms"] < P50_TARGET_MS else "FAIL"
                print(
                    f"  $everything ({timing['sessions']} sessions, {timing['resources']} "
                    f"resources, {timing['bytes'] / 1e6:.1f} MB): p50 "
                    f"{timing['p50_ms']:.0f} ms, p90 {timing['p90_ms']:.0f} ms over "
                    f"{timing['rounds']} requests (target p50 < {P50_TARGET_MS} ms: {verdict})"
                )
                ok &= verdict == "ok"
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1000, 5000, 10_000],
        help="comma-separated patient counts, ten sessions each (default 1000,5000,10000)",
    )
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--everything-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.everything_child:
        everything_child(args.rounds)
        return 0
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; production settings")
    ok = True
    databases = args.databases.split(",")
    if "sqlite" in databases:

        class _SQLite:
            def __enter__(self) -> str:
                self.folder = tempfile.TemporaryDirectory(prefix="acucare-fhir-db-")
                return f"sqlite:///{self.folder.name}/bench.sqlite3"

            def __exit__(self, *exc: object) -> None:
                self.folder.cleanup()

        ok &= measure("SQLite", _SQLite, args.sizes, args.rounds)
    if "postgres" in databases:
        if clinic.postgres_available():
            ok &= measure(
                "PostgreSQL 127.0.0.1:5432",
                lambda: clinic.postgres_database("acucare_bench"),
                args.sizes,
                args.rounds,
            )
        else:
            print("\nNOTICE: PostgreSQL not reachable at 127.0.0.1:5432; that half was skipped.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
