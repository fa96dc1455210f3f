"""Time the acupoint lookup and the searches on long input (issue 14, ReDoS).

The point search's code pattern had a nested repeat, `[A-Za-z]+(?:[\\s-]*[A-Za-z]+)*`,
that backtracked exponentially on a run of letters with no number: 27 letters took 6.8 s
through the web page, each extra letter doubling it. This script times the old pattern
on 16-22 letters (to show the doubling without freezing the machine) and the current
lookup and searches on up to 20,000 characters, and fails if any takes over 50 ms.

Run: .venv/bin/python bench/search_input.py
"""

from __future__ import annotations

import functools
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ACUCARE_DATABASE_URL", "sqlite:///:memory:")

import django

django.setup()

from acucare.kb import registry  # noqa: E402
from acucare.kb.records.acupoints import resolve_point_code  # noqa: E402
from acucare.patients.conditions import search_conditions  # noqa: E402
from acucare.treatment.selectors import search_points  # noqa: E402

OLD_PATTERN = re.compile(r"^\s*([A-Za-z]+(?:[\s-]*[A-Za-z]+)*)[\s.\-_]*0*(\d+)\s*$")
LIMIT_S = 0.050


def best_of(fn: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    knowledge = registry()
    print("Old pattern (for comparison), letters with no number:")
    for n in (16, 18, 20, 22):
        text = "a" * n
        seconds = best_of(functools.partial(OLD_PATTERN.match, text), runs=1)
        print(f"  {n:>6} letters  {seconds * 1000:10.1f} ms")
    worst = 0.0
    print("Current lookup and searches:")
    for text in ("a" * 27, "a" * 1_000, "a" * 20_000, "a-" * 10_000, "Ren " * 5_000):
        calls: tuple[tuple[str, Callable[[], object]], ...] = (
            ("resolve_point_code", functools.partial(resolve_point_code, knowledge, text)),
            ("search_points", functools.partial(search_points, text)),
            ("search_conditions", functools.partial(search_conditions, text)),
        )
        for label, fn in calls:
            seconds = best_of(fn)
            worst = max(worst, seconds)
            shape = f"{text[:4]!r}… x{len(text)}"
            print(f"  {label:<20} {shape:<22} {seconds * 1000:8.2f} ms")
    print(f"Worst: {worst * 1000:.2f} ms (limit {LIMIT_S * 1000:.0f} ms)")
    return 0 if worst < LIMIT_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
