"""Safety screening throughput in-process, and the cold-process time of `acucare screen`.

Target (safety issue): at least 5,000 screens per second on one core. The in-process
figures cycle through the knowledge base's example intakes (75 patients, from nothing to
report to pregnancy with a limb at risk and warfarin). "parse + screen" is what a web
request does with an intake document; "+ document" also builds the JSON-ready output.
Run: .venv/bin/python bench/screening.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _proc import time_process

from acucare.domain.intake import parse_intake
from acucare.domain.screening import screen
from acucare.kb import registry
from acucare.kb.records.safety_examples import SafetyExample

PYTHON = sys.executable
ACUCARE = str(Path(PYTHON).with_name("acucare"))
TARGET_PER_SECOND = 5000


def _rate(label: str, work: Callable[[int], object], count: int, seconds: float = 2.0) -> float:
    """Calls per second of `work(i)`, best of three timed rounds of at least `seconds`/3."""
    for i in range(count):  # warm up every case once
        work(i)
    best = 0.0
    for _ in range(3):
        calls = 0
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / 3:
            for i in range(count):
                work(i)
            calls += count
        best = max(best, calls / elapsed)
    print(f"{label:<44} {best:10,.0f} per second   ({1e6 / best:6.1f} µs each)")
    return best


def main() -> None:
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; one core used")
    knowledge = registry()
    documents = [example.intake for example in knowledge.of(SafetyExample).values()]
    intakes = [parse_intake(document, knowledge) for document in documents]
    count = len(documents)
    print(
        f"{count} example intakes, {sum(len(screen(i, knowledge).findings) for i in intakes)} "
        "findings in all"
    )
    _rate("screen (parsed intake)", lambda i: screen(intakes[i], knowledge), count)
    rate = _rate(
        "parse + screen (intake document)",
        lambda i: screen(parse_intake(documents[i], knowledge), knowledge),
        count,
    )
    _rate(
        "parse + screen + screening document",
        lambda i: screen(parse_intake(documents[i], knowledge), knowledge).as_document(),
        count,
    )
    verdict = "meets" if rate >= TARGET_PER_SECOND else "MISSES"
    print(f"parse + screen: {verdict} the {TARGET_PER_SECOND:,} per second target")

    spec_example = knowledge.of(SafetyExample)["pregnancy_spec_example"].intake
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "intake.json"
        path.write_text(json.dumps(spec_example), encoding="utf-8")
        row = time_process(
            "acucare screen (cold process, spec example)", [ACUCARE, "screen", str(path)]
        )
        print(row.line())
        row = time_process(
            "acucare screen - (standard input)",
            [ACUCARE, "screen", "-"],
            stdin=json.dumps(spec_example).encode(),
        )
        print(row.line())


if __name__ == "__main__":
    main()
