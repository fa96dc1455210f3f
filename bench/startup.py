"""Cold-process time and peak memory of the knowledge-base commands.

Target (foundation issue): under 0.3 s median on a 2-core machine. Printed beside
`python -c pass` on the same machine, the floor no Python command can beat.
Run: .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _proc import time_process

PYTHON = sys.executable
ACUCARE = str(Path(PYTHON).with_name("acucare"))


def main() -> None:
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
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


if __name__ == "__main__":
    main()
