"""Plans per second in-process, and the cold-process time of `acucare plan`.

Target (planner issue): a plan in under 5 ms in-process. The in-process figures time
`plan()` alone (intake parsed and screened once, beforehand) and the whole pipeline
(parse_intake -> screen -> plan -> JSON), over the golden example intakes.
Run: .venv/bin/python bench/planning.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _proc import time_process

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "domain" / "golden" / "plans"
PYTHON = sys.executable
ACUCARE = str(Path(PYTHON).with_name("acucare"))
TARGET_MS = 5.0


def _intakes() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(GOLDEN.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            cases.append(yaml.safe_load(handle)["intake"])
    return cases


def _rate(label: str, work: Any, items: list[Any], rounds: int) -> float:
    timings: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            work(item)
        timings.append((time.perf_counter() - start) / len(items))
    per = statistics.median(timings) * 1000
    print(f"{label:<44} {per:7.3f} ms per plan   {1000 / per:8.0f} plans/s")
    return per


def main() -> None:
    from acucare.domain.intake import parse_intake
    from acucare.domain.planning import plan
    from acucare.domain.screening import screen
    from acucare.kb import registry

    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    knowledge = registry()
    documents = _intakes()
    prepared = []
    for document in documents:
        intake = parse_intake(document, knowledge)
        prepared.append((intake, screen(intake, knowledge)))
    rounds = 30
    print(f"{len(documents)} golden intakes, {rounds} rounds, median per plan:")
    plan_only = _rate(
        "plan() alone", lambda pair: plan(pair[0], pair[1], knowledge), prepared, rounds
    )

    def pipeline(document: dict[str, Any]) -> str:
        intake = parse_intake(document, knowledge)
        result = plan(intake, screen(intake, knowledge), knowledge).as_document()
        return json.dumps(result, ensure_ascii=False, indent=2)

    _rate("parse + screen + plan + JSON", pipeline, documents, rounds)
    verdict = "meets" if plan_only < TARGET_MS else "MISSES"
    print(f"plan() median {plan_only:.3f} ms: {verdict} the {TARGET_MS:g} ms target")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "intake.json"
        path.write_text(json.dumps(documents[0]), encoding="utf-8")
        print(time_process("acucare plan (cold process)", [ACUCARE, "plan", str(path)]).line())
        print(time_process("python -c pass", [PYTHON, "-c", "pass"]).line())


if __name__ == "__main__":
    main()
