"""Benchmark: batch screening, N bundles in one ``trialkit screen`` process.

The bundles are the 15 example patients (built with ``trialkit.testing.BundleBuilder``,
``trialkit.examples``) varied per copy: patient id, birth date moved back 0–4 years,
every laboratory concentration or count scaled by 0.8–1.2 and temperatures moved by -1.5 to +1 °C, so
that the verdicts differ. Each case runs as one process (start-up included) writing
one line per patient, timed in wall and CPU seconds (user + system: less disturbed by
other jobs on a shared machine); the baseline is the same command on one bundle, run separately
(median of several runs): N of those is what screening N patients one process each
costs. Run: ``uv run python bench/bench_batch.py [--bundles 1000]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from trialkit.examples import EXAMPLES, example

TRIALKIT = str(Path(sys.executable).with_name("trialkit"))


def varied(seed: int) -> dict[str, Any]:
    """Example patient ``seed % 15`` with its own id, birth date and laboratory values."""
    rng = random.Random(seed)
    bundle = copy.deepcopy(example(list(EXAMPLES)[seed % len(EXAMPLES)]))
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Patient":
            resource["id"] = f"batch-{seed}"
            if "birthDate" in resource:
                born = date.fromisoformat(resource["birthDate"])
                resource["birthDate"] = born.replace(year=born.year - rng.randint(0, 4)).isoformat()
            continue
        if resource.get("subject"):
            resource["subject"] = {"reference": f"Patient/batch-{seed}"}
        quantity = resource.get("valueQuantity")
        if quantity is None:
            continue
        if quantity.get("code") == "Cel":
            quantity["value"] = round(quantity["value"] + rng.uniform(-1.5, 1.0), 1)
        elif "/" in quantity.get("code", "") and quantity["code"] != "/min":  # laboratory values
            quantity["value"] = float(f"{quantity['value'] * rng.uniform(0.8, 1.2):.3g}")
    return bundle


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``command`` (exit code 1, some bundles not screened, is allowed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command} failed with exit code {done.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundles", type=int, default=1000)
    parser.add_argument("--single-runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "bundles"
        folder.mkdir()
        size = 0
        for seed in range(args.bundles):
            text = json.dumps(varied(seed))
            size += len(text)
            (folder / f"patient-{seed:05d}.json").write_text(text, encoding="utf-8")
        one = str(folder / "patient-00000.json")
        print(
            f"{args.bundles} bundles, {size / args.bundles / 1024:.1f} KiB each on average; "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        cases = {
            "--protocol r-hlh, CSV": (["--protocol", "r-hlh"], "out.csv"),
            "--all (5 protocols), JSON lines": (["--all"], "out.jsonl"),
        }
        for name, (choice, out) in cases.items():
            target = str(Path(temporary) / out)
            singles = [
                timed([TRIALKIT, "screen", one, *choice, "--json"]) for _ in range(args.single_runs)
            ]
            single = statistics.median(wall for wall, _ in singles)
            single_cpu = statistics.median(cpu for _, cpu in singles)
            batch, batch_cpu = timed(
                [TRIALKIT, "screen", str(folder), *choice, "--out", target, "--quiet"]
            )
            lines = Path(target).read_text(encoding="utf-8").splitlines()
            if out.endswith(".jsonl"):
                records = [json.loads(line) for line in lines]
                errors = sum(1 for r in records if r["error"])
                verdicts = Counter(s["verdict"] for r in records for s in r["screenings"])
            else:
                errors = sum(1 for line in lines[1:] if not line.endswith(","))
                verdicts = Counter(line.split(",")[3] for line in lines[1:])
            print(
                f"{name}: batch {batch:.2f} s wall = {args.bundles / batch:,.0f} bundles/s, "
                f"{batch_cpu:.2f} s CPU = {args.bundles / batch_cpu:,.0f} bundles/s "
                f"({len(lines)} lines, {errors} errors, {dict(sorted(verdicts.items()))}); "
                f"one bundle per process {single:.3f} s wall, {single_cpu:.3f} s CPU: "
                f"x{args.bundles} = {single * args.bundles:,.0f} s wall, ratio "
                f"{single * args.bundles / batch:.0f}x (CPU {single_cpu / batch_cpu * args.bundles:.0f}x)"
            )


if __name__ == "__main__":
    main()
