"""Benchmark: FHIR load plus every score, for one realistic bundle and for 10,000 bundles.

The baseline, run in the same process, is ``orjson.loads`` of the same text (the
parser trialkit uses): the ratio says how much trialkit's reading and scoring
cost over merely parsing the JSON. Run: ``uv run python bench/bench_scores.py [--bundles N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import date, datetime, timedelta

import orjson

from trialkit.record import parse_bundle
from trialkit.scores import assess_all
from trialkit.testing import BundleBuilder

AT = datetime(2025, 6, 15, 23, 0)


def icu_stay(seed: int) -> str:
    """About 200 resources: 8 days in the ICU with daily labs, vitals every 6 h, drugs, procedures."""
    b = BundleBuilder(f"bench-{seed}", date(1960 + seed % 40, 1 + seed % 12, 1 + seed % 28), "male")
    start = AT - timedelta(days=8)
    for day in range(8):
        t = start + timedelta(days=day, hours=6)
        drift = (seed + day) % 7
        # Hospital results carry the laboratory's reference range (LLN/ULN).
        b.quantity("lab.ferritin", 4000 + 300 * drift, "ug/L", t, reference=(20, 300))
        b.quantity("lab.triglycerides", 2.5 + 0.1 * drift, "mmol/L", t, reference=(0.5, 1.7))
        b.quantity("lab.fibrinogen", 1.2 + 0.1 * drift, "g/L", t, reference=(2.0, 4.0))
        b.quantity("lab.platelets", 40 + 5 * drift, "10*9/L", t, reference=(150, 400))
        b.quantity("lab.neutrophils", 0.8 + 0.1 * drift, "10*9/L", t, reference=(1.8, 7.5))
        b.quantity("lab.leukocytes", 2.0 + 0.2 * drift, "10*9/L", t, reference=(4.0, 10.0))
        b.quantity("lab.haemoglobin", 80 + drift, "g/L", t, reference=(130, 170))
        b.quantity("lab.ast", 120 + 10 * drift, "U/L", t, reference=(10, 40))
        b.quantity("lab.alt", 90 + 10 * drift, "U/L", t, reference=(7, 56))
        b.quantity("lab.bilirubin_total", 30 + drift, "umol/L", t, reference=(3, 21))
        b.quantity("lab.creatinine", 140 + 10 * drift, "umol/L", t, reference=(60, 110))
        b.quantity("lab.pao2", 75 + drift, "mm[Hg]", t)
        b.quantity("vital.fio2", 0.4, "1", t)
        for hour in (0, 6, 12, 18):
            v = t + timedelta(hours=hour)
            b.quantity("vital.temperature", 38.0 + 0.2 * drift, "Cel", v)
            b.quantity("vital.map", 64 + drift, "mm[Hg]", v)
            b.quantity("assessment.gcs_total", 13, "1", v)
    b.flag("finding.splenomegaly", True, start)
    b.flag("finding.hepatomegaly", False, start)
    b.quantity("vital.weight", 80, "kg", start)
    b.quantity("vital.height", 178, "cm", start)
    b.procedure("procedure.mechanical_ventilation", start, status="in-progress")
    b.medication(
        "drug.norepinephrine",
        AT - timedelta(hours=20),
        AT,
        kind="MedicationAdministration",
        rate=(0.12, "ug/kg/min"),
    )
    return json.dumps(b.build())


def per_second(run: object, texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        run(text)  # type: ignore[operator]
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundles", type=int, default=10_000)
    args = parser.parse_args()
    one = icu_stay(0)
    resources = len(json.loads(one)["entry"])
    record = parse_bundle(one)
    assess_all(record, AT)  # warm caches (unit factors, vocabulary)

    samples = []
    for _ in range(200):
        started = time.perf_counter()
        assess_all(parse_bundle(one), AT)
        samples.append(time.perf_counter() - started)
    json_samples = []
    for _ in range(200):
        started = time.perf_counter()
        orjson.loads(one)
        json_samples.append(time.perf_counter() - started)
    one_ms = statistics.median(samples) * 1e3
    json_ms = statistics.median(json_samples) * 1e3

    texts = [icu_stay(seed) for seed in range(args.bundles)]
    full = per_second(lambda t: assess_all(parse_bundle(t), AT), texts)
    load_only = per_second(parse_bundle, texts)
    raw = per_second(orjson.loads, texts)

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; date {date.today().isoformat()}"
    )
    print(f"bundle: {resources} resources, {len(one) / 1024:.0f} KiB of JSON")
    print(
        f"one bundle, load + all scores: median {one_ms:.2f} ms (orjson.loads alone {json_ms:.2f} ms, ratio {one_ms / json_ms:.1f}x)"
    )
    print(f"{args.bundles} bundles, load + all scores: {full:.0f} bundles/s on one core")
    print(
        f"{args.bundles} bundles, load only: {load_only:.0f} bundles/s; orjson.loads only: {raw:.0f} bundles/s"
    )
    print(
        f"ratio end-to-end / orjson.loads: {raw / full:.1f}x; target 300 bundles/s: {'met' if full >= 300 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
