"""Benchmark: start-up time of the ``trialkit`` command against ``python -c pass``.

Each case is run as a new process (the console script next to this interpreter), a
number of times, interleaved with the baseline ``python -c pass`` so that both see the
same load on a shared machine; the median wall time and CPU time (user + system, which
other processes on the machine disturb less) of each are reported, and the ratios
case / baseline. The targets (issue 12) are absolute times on the reference machine:
``trialkit --help`` and ``trialkit design simon`` under 0.3 s, ``trialkit screen`` of one
bundle under 0.6 s; the ratio makes the numbers comparable across machines.

Bytecode: an installed package has its ``.pyc`` caches (pip compiles them at install;
Python writes them on first import). A warm-up run of every case, with
``PYTHONDONTWRITEBYTECODE`` removed from its environment, writes them before timing, so
that the timings do not include compiling the sources (which adds about 0.8 s here).

Run: ``uv run python bench/bench_startup.py [--repeats 15]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = (sys.executable, "-c", "pass")
TRIALKIT = str(Path(sys.executable).with_name("trialkit"))

SIMON = "design simon --p0 0.1 --p1 0.3 --alpha 0.05 --beta 0.2"
SCREEN = "screen examples/r-hlh-eligible.json --protocol r-hlh"
CASES: dict[str, tuple[tuple[str, ...], float]] = {
    # the case as typed, its command line (run from the repository root), its target (s)
    "trialkit --help": ((TRIALKIT, "--help"), 0.3),
    f"trialkit {SIMON}": ((TRIALKIT, *SIMON.split()), 0.3),
    f"trialkit {SCREEN}": ((TRIALKIT, *SCREEN.split()), 0.6),
}


def timed(command: tuple[str, ...], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of ``command``; output discarded, failure raises."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="runs of each case")
    args = parser.parse_args()

    writing = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for command, _ in CASES.values():
        timed(command, writing)

    baseline: list[tuple[float, float]] = []
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in CASES}
    for _ in range(args.repeats):
        for name, (command, _) in CASES.items():
            baseline.append(timed(BASELINE))
            timings[name].append(timed(command))
    base_wall = statistics.median(wall for wall, _ in baseline)
    base_cpu = statistics.median(cpu for _, cpu in baseline)
    print(f"load average {os.getloadavg()[0]:.2f}; {args.repeats} runs of each case")
    print(f"python -c pass: wall {base_wall * 1000:.1f} ms, CPU {base_cpu * 1000:.1f} ms (medians)")
    print(
        f"{'case':<64} {'wall (s)':>8} {'ratio':>7} {'CPU (s)':>8} {'ratio':>7}"
        f" {'target (s)':>10}  met"
    )
    for name, (_, target) in CASES.items():
        wall = statistics.median(wall for wall, _ in timings[name])
        cpu = statistics.median(cpu for _, cpu in timings[name])
        met = "yes" if wall < target else "NO"
        print(
            f"{name:<64} {wall:>8.3f} {wall / base_wall:>6.1f}x {cpu:>8.3f}"
            f" {cpu / base_cpu:>6.1f}x {target:>10.1f}  {met}"
        )


if __name__ == "__main__":
    main()
