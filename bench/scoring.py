"""Scoring speed: PHQ-9 scores per second in process, and `acucare score` cold start.

Target (instruments issue): at least 20,000 PHQ-9 scores per second on one core. The
cold-process figure is the median of several whole `acucare score phq9 FILE` runs with
the registry cache warm, printed beside `python -c pass`.
Run: .venv/bin/python bench/scoring.py
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _proc import time_process

PYTHON = sys.executable
ACUCARE = str(Path(PYTHON).with_name("acucare"))
TARGET_PER_SECOND = 20_000


def _answer_sets(count: int) -> list[dict[str, int]]:
    rng = random.Random(2009)  # fixed: the same work on every run
    return [{str(n): rng.randint(0, 3) for n in range(1, 10)} for _ in range(count)]


def in_process(instrument: str = "phq9", rounds: int = 7, per_round: int = 50_000) -> float:
    from acucare.domain.scoring import score
    from acucare.kb import registry

    knowledge = registry()
    answers = _answer_sets(1_000)
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for i in range(per_round):
            score(knowledge, instrument, answers[i % 1_000])
        rates.append(per_round / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    rate = in_process()
    verdict = "meets" if rate >= TARGET_PER_SECOND else "MISSES"
    print(f"in-process PHQ-9 scoring: {rate:,.0f} scores/s (median of 7 rounds of 50,000)")
    print(f"  {verdict} the {TARGET_PER_SECOND:,} scores/s target")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.json"
        path.write_text(json.dumps(_answer_sets(1)[0]), encoding="utf-8")
        rows = [
            time_process("python -c pass", [PYTHON, "-c", "pass"]),
            time_process("acucare score phq9 FILE", [ACUCARE, "score", "phq9", str(path)]),
            time_process("acucare instruments --json", [ACUCARE, "instruments", "--json"]),
        ]
    for row in rows:
        print(row.line())


if __name__ == "__main__":
    main()
