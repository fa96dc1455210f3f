"""Review-engine speed: course reviews per second in process, and `acucare review` cold start.

Target (outcomes issue 10): at least 5,000 reviews per second on one core. Each course is
a realistic episode: a baseline with PEG, PHQ-9 and RMDQ and two opioids, six sessions
with pain before and after, and a review with the same scores, PGIC and medication. The
figure is the median of several rounds of `review_document` (parse, score, review, JSON
document); `review_course` alone (on parsed courses) is printed beside it. The cold-process
figure is the median of whole `acucare review FILE` runs with a warm registry cache.
Run: .venv/bin/python bench/review.py
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _proc import time_process

PYTHON = sys.executable
ACUCARE = str(Path(PYTHON).with_name("acucare"))
TARGET_PER_SECOND = 5_000


def _courses(count: int) -> list[dict[str, Any]]:
    rng = random.Random(2008)  # fixed: the same work on every run

    def peg() -> dict[str, int]:
        return {str(i): rng.randint(0, 10) for i in (1, 2, 3)}

    def phq9() -> dict[str, int]:
        return {str(i): rng.randint(0, 3) if i < 9 else 0 for i in range(1, 10)}

    def rmdq() -> dict[str, int]:
        return {str(i): rng.randint(0, 1) for i in range(1, 25)}

    def meds() -> list[dict[str, Any]]:
        return [
            {"name": "oxycodone", "dose_mg": rng.choice([5, 10, 20]), "doses_per_day": 2},
            {"name": "tramadol", "dose_mg": 50, "doses_per_day": rng.randint(1, 4)},
        ]

    courses = []
    for _ in range(count):
        timepoints: list[dict[str, Any]] = [
            {"kind": "baseline", "date": "2026-01-05",
             "scores": {"peg": peg(), "phq9": phq9(), "rmdq": rmdq()}, "medications": meds()},
        ]  # fmt: skip
        for n in range(1, 7):
            timepoints.append(
                {"kind": "session", "session": n, "date": f"2026-01-{5 + 3 * n:02d}",
                 "pain_before": rng.randint(0, 10), "pain_after": rng.randint(0, 10)}
            )  # fmt: skip
        timepoints.append(
            {"kind": "review", "session": 6, "date": "2026-02-10",
             "scores": {"peg": peg(), "phq9": phq9(), "rmdq": rmdq()},
             "pgic": rng.randint(1, 7), "medications": meds()}
        )  # fmt: skip
        courses.append(
            {"format": "acucare.course/1", "condition": {"icd10": "M54.50"},
             "payer": rng.choice([None, "medicare"]), "timepoints": timepoints}
        )  # fmt: skip
    return courses


def _example() -> dict[str, Any]:
    """The contract's example course: baseline, one session, a review (PEG, PHQ-9, opioid)."""
    phq9 = {"1": 1, "2": 1, "3": 2, "4": 1, "5": 0, "6": 0, "7": 1, "8": 0, "9": 0}
    return {
        "format": "acucare.course/1", "condition": {"icd10": "M54.50"}, "primary": "peg",
        "payer": "medicare",
        "timepoints": [
            {"kind": "baseline", "date": "2026-01-05",
             "scores": {"peg": {"1": 7, "2": 6, "3": 8}, "phq9": phq9},
             "medications": [{"name": "oxycodone", "dose_mg": 10, "doses_per_day": 2}]},
            {"kind": "session", "session": 1, "date": "2026-01-06",
             "pain_before": 7, "pain_after": 5},
            {"kind": "review", "session": 6, "date": "2026-02-10",
             "scores": {"peg": {"1": 4, "2": 3, "3": 4}}, "pgic": 2,
             "medications": [{"name": "oxycodone", "dose_mg": 5, "doses_per_day": 2}]},
        ],
    }  # fmt: skip


def _rate(work: Any, items: list[Any], rounds: int, per_round: int) -> tuple[float, float]:
    """(reviews per wall-clock second, reviews per CPU second of this process), medians.

    On a shared, loaded machine the wall-clock rate counts time this process waited for a
    core; the CPU-time rate does not, and is what one free core would do.
    """
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        for i in range(per_round):
            work(items[i % len(items)])
        wall.append(per_round / (time.perf_counter() - start))
        cpu.append(per_round / max(time.process_time() - start_cpu, 1e-9))
    return statistics.median(wall), statistics.median(cpu)


def _show(label: str, rates: tuple[float, float]) -> None:
    print(f"{label}: {rates[0]:,.0f} reviews/s wall clock, {rates[1]:,.0f} reviews/s CPU time")


def main() -> None:
    from acucare.domain.outcomes import parse_course, review_course, review_document
    from acucare.kb import registry

    knowledge = registry()
    courses = _courses(500)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {os.cpu_count()} cores; load average {load:.1f}; python {sys.version.split()[0]}"
    )
    print("in-process, median of 5 rounds of 5,000 reviews each:")
    example = _rate(lambda c: review_document(c, knowledge), [_example()], 5, 5_000)
    _show("  review_document, the contract's example course (3 timepoints)", example)
    for name, rate in (("wall clock", example[0]), ("CPU time", example[1])):
        verdict = "meets" if rate >= TARGET_PER_SECOND else "MISSES"
        print(f"    {verdict} the {TARGET_PER_SECOND:,} reviews/s target ({name})")
    full = _rate(lambda c: review_document(c, knowledge), courses, rounds=5, per_round=5_000)
    _show(
        "  review_document, a fuller course (8 timepoints; PEG, PHQ-9, RMDQ and 2 opioids "
        "at baseline and review)",
        full,
    )
    parsed = [parse_course(c, knowledge) for c in courses]
    engine = _rate(lambda c: review_course(c, knowledge), parsed, rounds=5, per_round=5_000)
    _show("  review_course alone, on the fuller courses already parsed", engine)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "course.json"
        path.write_text(json.dumps(courses[0]), encoding="utf-8")
        rows = [
            time_process("python -c pass", [PYTHON, "-c", "pass"]),
            time_process("acucare review FILE", [ACUCARE, "review", str(path)]),
        ]
    for row in rows:
        print(row.line())


if __name__ == "__main__":
    main()
