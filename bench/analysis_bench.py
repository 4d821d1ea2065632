"""Benchmark: analysing a simulated trial of 10,000 subjects, against loading its records alone.

A cohort of ``jak-hs-icu`` (the protocol with the most endpoint values: SOFA at
days 0, 7 and 28, stays, infections, adverse events, laboratory values) is
simulated once into a temporary folder (``trialkit.synth.trial``, seed 0). Then,
in this one process and in turns (each case ``--repeats`` times, alternating):

* (a) **load**: ``read_cohort`` and every record (``Cohort.records()``: each FHIR
  bundle read and parsed into a ``PatientRecord``), the baseline;
* (b) **analyse**: the same loading, every endpoint value of every subject
  (``evaluate_cohort``) and the study-level estimates (``estimate_endpoints``);
  plots, the report and the analysis dataset's files are left out.

Printed: wall and CPU seconds of each (the best of the repeats), (b) also in its
two parts (loading with the per-subject endpoints; the estimates), and the ratio
b / a in CPU time. Target (issue 15): (b) under 60 s on one core. ``--profile`` also
runs (b) once under cProfile and prints the top functions by cumulative time.
Run: ``uv run python bench/analysis_bench.py [--subjects 10000] [--repeats 2]``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from pathlib import Path

from trialkit.analysis.study import estimate_endpoints
from trialkit.endpoints.cohort import read_cohort
from trialkit.endpoints.dataset import evaluate_cohort
from trialkit.protocol import builtin_protocol
from trialkit.synth.trial import write_trial

PROTOCOL = "jak-hs-icu"


def load(folder: Path) -> dict[str, tuple[float, float]]:
    """(a): every record of the cohort read and parsed."""
    clock = _Clock()
    cohort = read_cohort(folder, folder / "subjects.csv")
    for _ in cohort.records():
        pass
    clock.lap("load")
    return clock.laps


def analyse(folder: Path) -> dict[str, tuple[float, float]]:
    """(b): (a) with every endpoint value of every subject, then the study-level estimates;
    the two parts timed apart."""
    clock = _Clock()
    protocol = builtin_protocol(PROTOCOL)
    cohort = read_cohort(folder, folder / "subjects.csv")
    evaluated = list(evaluate_cohort(protocol, cohort))
    clock.lap("load + endpoints per subject")
    estimate_endpoints(protocol, evaluated)
    clock.lap("estimate_endpoints")
    return clock.laps


class _Clock:
    """Wall and CPU (process) seconds of each lap since the previous one."""

    def __init__(self) -> None:
        self.laps: dict[str, tuple[float, float]] = {}
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.laps[name] = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / PROTOCOL
        start = time.perf_counter()
        written = write_trial(PROTOCOL, args.subjects, folder, seed=0)
        size = sum(p.stat().st_size for p in written)
        print(
            f"simulated {args.subjects:,} subjects of {PROTOCOL} in "
            f"{time.perf_counter() - start:.1f} s: {size / 2**20:.0f} MiB, "
            f"{size / args.subjects / 1024:.1f} KiB per bundle; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        runs: list[tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]] = []
        for _ in range(args.repeats):
            runs.append((load(folder), analyse(folder)))
        best_load = min(runs, key=lambda r: sum(c for _, c in r[0].values()))[0]
        best = min(runs, key=lambda r: sum(c for _, c in r[1].values()))[1]
        base_wall, base = best_load["load"]
        total_wall = sum(w for w, _ in best.values())
        total = sum(c for _, c in best.values())
        print("| case | wall (s) | CPU (s) | ratio to (a), CPU |")
        print("| --- | ---: | ---: | ---: |")
        print(f"| (a) load every record | {base_wall:.1f} | {base:.1f} | 1.00x |")
        for name, (wall, cpu) in best.items():
            print(f"| (b) part: {name} | {wall:.1f} | {cpu:.1f} | {cpu / base:.2f}x |")
        print(
            f"| (b) load + endpoints + estimates | {total_wall:.1f} | {total:.1f} | "
            f"{total / base:.2f}x |"
        )
        print(f"target: (b) under 60 s on one core: {'met' if total < 60 else 'NOT met'}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(analyse, folder)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
