"""Cold-process time, CPU time and peak memory of the `acucare` commands.

Targets: the knowledge-base commands under 0.3 s median wall time (foundation issue);
`acucare plan` under 0.2 s of CPU in a cold process (issue 16), with the bytecode that
`make install` compiles. Printed beside `python -c pass` on the same machine, the floor
no Python command can beat. CPU time is the figure to compare across runs: wall time
grows with whatever else the machine is doing.
Run: .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _proc import ProcessFigures, time_process

PYTHON = sys.executable
ACUCARE = str(Path(PYTHON).with_name("acucare"))
# A chronic low back pain intake: the plan path runs intake parsing, screening, planning
# and the planned session's check.
INTAKE = {
    "format": "acucare.intake/1",
    "patient": {"age": 54, "sex": "female"},
    "conditions": [{"icd10": "M54.50", "duration_weeks": 30}],
    "pain_sites": ["lower_back"],
    "questionnaires": {"peg": {"1": 7, "2": 6, "3": 8}},
}
PLAN_CPU_TARGET = 0.2


def plan_rows() -> list[ProcessFigures]:
    intake = json.dumps(INTAKE).encode()
    with tempfile.TemporaryDirectory() as empty_cache:
        return [
            time_process("acucare plan", [ACUCARE, "plan", "-"], stdin=intake),
            # No bytecode anywhere (as an install that did not compile it, first run).
            time_process(
                "acucare plan (no bytecode: first run)",
                [ACUCARE, "plan", "-"],
                stdin=intake,
                runs=3,
                env={"PYTHONPYCACHEPREFIX": empty_cache, "PYTHONDONTWRITEBYTECODE": "1"},
            ),
        ]


def main() -> None:
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; load average {load}")
    # First: a cold process with no registry cache (full pydantic validation).
    rows = [
        time_process("python -c pass", [PYTHON, "-c", "pass"]),
        time_process(
            "acucare kb check (no cache: full validation)",
            [ACUCARE, "kb", "check"],
            runs=5,
            env={"ACUCARE_NO_KB_CACHE": "1"},
        ),
        time_process("acucare kb check", [ACUCARE, "kb", "check"]),
        time_process("acucare kb points --json", [ACUCARE, "kb", "points", "--json"]),
    ]
    for row in rows:
        print(row.line())
    target = 0.3
    worst = max(r.median_s for r in rows[2:])
    verdict = "meets" if worst < target else "MISSES"
    print(f"slowest cached command median {worst * 1000:.1f} ms: {verdict} the {target}s target")
    plan_figures = plan_rows()
    for row in plan_figures:
        print(row.line())
    cpu = plan_figures[0].cpu_median_s
    verdict = "meets" if cpu < PLAN_CPU_TARGET else "MISSES"
    print(f"acucare plan CPU median {cpu * 1000:.1f} ms: {verdict} the {PLAN_CPU_TARGET}s target")


if __name__ == "__main__":
    main()
