"""Time whole processes: wall-clock and peak resident memory of each child."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ProcessFigures:
    label: str
    median_s: float
    p90_s: float
    peak_rss_mib: float
    runs: int
    cpu_median_s: float = 0.0  # user + system CPU time of the child
    cpu_min_s: float = 0.0  # the least CPU time of any run: the least disturbed by load

    def line(self) -> str:
        return (
            f"{self.label:<44} median {self.median_s * 1000:7.1f} ms   "
            f"p90 {self.p90_s * 1000:7.1f} ms   CPU {self.cpu_median_s * 1000:6.1f} ms "
            f"(min {self.cpu_min_s * 1000:6.1f})   "
            f"peak RSS {self.peak_rss_mib:6.1f} MiB   "
            f"({self.runs} runs)"
        )


def time_process(
    label: str,
    argv: Sequence[str],
    *,
    runs: int = 15,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
) -> ProcessFigures:
    durations: list[float] = []
    cpu: list[float] = []
    peak_kib = 0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        if stdin is not None and proc.stdin is not None:
            proc.stdin.write(stdin)
        if proc.stdin is not None:
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        durations.append(time.perf_counter() - start)
        cpu.append(usage.ru_utime + usage.ru_stime)
        peak_kib = max(peak_kib, usage.ru_maxrss)
        if os.waitstatus_to_exitcode(status) not in (0, 2):
            sys.exit(f"{label}: command failed ({' '.join(argv)})")
    durations.sort()
    return ProcessFigures(
        label,
        statistics.median(durations),
        durations[int(0.9 * (len(durations) - 1))],
        peak_kib / 1024,
        runs,
        statistics.median(cpu),
        min(cpu),
    )
