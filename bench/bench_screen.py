"""Benchmark: screening one already-loaded patient against all five protocols.

Target (issue: protocols as code): median under 5 ms per patient for the five
protocols together. The baseline, run in the same process, is ``assess_all``
(every clinical score of the patient, which screening also needs in part): the
ratio says what the criteria trees cost over the scores. Each example patient
of ``trialkit.examples`` is screened; the record is loaded once, outside the
timing. Run: ``uv run python bench/bench_screen.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import date, datetime
from datetime import time as clock

from trialkit.eligibility import screen, screen_all
from trialkit.examples import EXAMPLES, INDEX_DATE, example
from trialkit.protocol import builtin_protocols
from trialkit.record import record_from_bundle
from trialkit.scores import assess_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    protocols = builtin_protocols()
    at = datetime.combine(date.fromisoformat(INDEX_DATE), clock.max)
    records = [record_from_bundle(example(name)) for name in EXAMPLES]
    for record in records:  # warm caches (vocabulary, unit factors)
        for protocol in protocols:
            screen(protocol, record, at)
    screening: list[float] = []
    scores: list[float] = []
    for _ in range(args.repeats):
        for record in records:
            started = time.perf_counter()
            screen_all(protocols, record, at)
            screening.append(time.perf_counter() - started)
            started = time.perf_counter()
            assess_all(record, at)
            scores.append(time.perf_counter() - started)
    median = statistics.median(screening) * 1e3
    base = statistics.median(scores) * 1e3
    p95 = statistics.quantiles(screening, n=20)[-1] * 1e3
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; date {date.today().isoformat()}"
    )
    print(
        f"{len(records)} example patients x {args.repeats} repeats, "
        f"{len(protocols)} protocols ({', '.join(p.id for p in protocols)})"
    )
    print(f"screen against all protocols: median {median:.2f} ms, p95 {p95:.2f} ms per patient")
    print(
        f"baseline assess_all (every score once): median {base:.2f} ms; ratio {median / base:.1f}x"
    )
    print(f"target median < 5 ms: {'met' if median < 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
