"""Benchmark: saving a form of 20 items through the study database's service, against a
bare INSERT of the same rows, on SQLite and on PostgreSQL, in one process.

A form of 20 vocabulary quantities (every laboratory concept with a plausible range,
entered in its canonical unit, outside a visit: one new form record per save) is
saved ``--saves`` times by each of:

* (a) **bare**: one transaction that INSERTs the form record and its 20 item rows,
  and nothing else (SQLAlchemy Core, the same tables): the baseline;
* (b) **service**: ``trialkit.edc.entry.save_form``: the user's role at the site, the
  protocol, the edit checks (unit allow-list, conversion, plausible range), the form
  record, the 20 values with their canonical forms, and 20 hash-chained audit
  events, in one transaction with the chain-head lock.

The cases alternate save by save. Printed per engine: the median and p95 of each
case's wall time per save, and the ratio b / a (what the checks and the audit cost).
PostgreSQL needs ``TRIALKIT_POSTGRES`` (``scripts/services.sh``); without it only
SQLite runs. Run: ``uv run python bench/edc_bench.py [--saves 300]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import insert

from trialkit.edc import enrolment, entry, study
from trialkit.edc.database import StudyDatabase
from trialkit.edc.schema import FormInstance, ItemValue
from trialkit.protocol.files import parse_protocol
from trialkit.vocab import Kind, ValueType, vocabulary

PROTOCOL_ID = "r-hlh"
CHEAP = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
"""argon2id at a trivial cost: the bench measures saves, not password hashing."""


def twenty_labs() -> list[str]:
    """Twenty laboratory concepts with a canonical unit and a plausible range."""
    found = [
        c.key
        for c in vocabulary().values()
        if c.kind is Kind.LAB
        and c.value_type is ValueType.QUANTITY
        and c.plausible is not None
        and c.unit is not None
    ]
    return sorted(found)[:20]


def protocol_text(labs: list[str]) -> str:
    """R-HLH with one more form: the twenty laboratory values."""
    from trialkit.protocol.files import _directory

    text = _directory().joinpath(f"{PROTOCOL_ID}.yaml").read_text(encoding="utf-8")
    items = "\n".join(f"      - {{concept: {key}}}" for key in labs)
    form = f"  - id: bench_labs\n    name: Twenty laboratory values\n    items:\n{items}\n"
    text = text.replace("\nforms:\n", "\nforms:\n" + form, 1)
    parse_protocol(text, "bench")  # still a valid protocol
    return text


def values(labs: list[str], number: int) -> dict[str, str | tuple[str, str | None]]:
    vocab = vocabulary()
    found: dict[str, str | tuple[str, str | None]] = {}
    for key in labs:
        concept = vocab[key]
        assert concept.plausible is not None
        low, high = concept.plausible.low, concept.plausible.high
        middle = low + (high - low) * (0.3 + 0.4 * ((number % 7) / 7))
        found[key] = (f"{middle:.6g}", concept.unit)
    return found


def setup(url: str, labs: list[str]) -> tuple[StudyDatabase, str, int, int]:
    study._HASHER = CHEAP  # the bench measures saves, not password hashing
    db = StudyDatabase(url)
    study.init_database(db, "admin", "Admin", "bench password")
    study.add_protocol(db, "admin", protocol_text(labs), "bench.yaml")
    study.add_site(db, "admin", "PAR", "Paris")
    study.add_user(db, "admin", "nurse", "Nurse", "bench password", [("research_nurse", "PAR")])
    label = enrolment.register_subject(db, "nurse", PROTOCOL_ID, "PAR", "2015-01-01", "female")
    with db.reading() as session:
        from sqlalchemy import select

        from trialkit.edc.schema import Study, Subject

        subject_id = session.scalar(select(Subject.id).where(Subject.label == label))
        study_id = session.scalar(select(Study.id))
    assert subject_id is not None and study_id is not None
    return db, label, subject_id, study_id


def bare_save(
    db: StudyDatabase, subject_id: int, study_id: int, rows: list[dict[str, object]], sequence: int
) -> None:
    with db.engine.begin() as connection:
        instance = connection.execute(
            insert(FormInstance).returning(FormInstance.id),
            {
                "subject_id": subject_id,
                "study_id": study_id,
                "form": "bench_bare",
                "visit_instance_id": None,
                "sequence": sequence,
                "observed_on": None,
                "status": "open",
            },
        ).scalar_one()
        connection.execute(
            insert(ItemValue), [{**row, "form_instance_id": instance} for row in rows]
        )


def measure(url: str, saves: int) -> dict[str, list[float]]:
    labs = twenty_labs()
    db, label, subject_id, study_id = setup(url, labs)
    first = date(2020, 1, 1)
    times: dict[str, list[float]] = {"bare": [], "service": []}
    try:
        for number in range(saves):
            entered = values(labs, number)
            rows = [
                {
                    "item": key,
                    "entered": text,
                    "entered_unit": unit,
                    "number": float(text),
                    "text": None,
                    "unit": unit,
                }
                for key, (text, unit) in (
                    (k, v) for k, v in entered.items() if isinstance(v, tuple)
                )
            ]
            start = time.perf_counter()
            bare_save(db, subject_id, study_id, rows, number + 1)
            times["bare"].append(time.perf_counter() - start)
            start = time.perf_counter()
            entry.save_form(
                db,
                "nurse",
                PROTOCOL_ID,
                label,
                "bench_labs",
                entered,
                visit_date=(first + timedelta(days=number)).isoformat(),
            )
            times["service"].append(time.perf_counter() - start)
    finally:
        db.dispose()
    return times


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@contextmanager
def postgres_database(url: str) -> Iterator[str]:
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def report(engine: str, times: dict[str, list[float]]) -> None:
    bare, service = times["bare"], times["service"]
    print(f"{engine}: {len(bare)} saves of 20 items each")
    for name, samples in (("(a) bare INSERT", bare), ("(b) save_form", service)):
        print(
            f"  {name:18} median {statistics.median(samples) * 1000:7.2f} ms"
            f"   p95 {p95(samples) * 1000:7.2f} ms"
        )
    print(
        f"  ratio b/a: median {statistics.median(service) / statistics.median(bare):.1f}x"
        f"   p95 {p95(service) / p95(bare):.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300)
    args = parser.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        report(
            "SQLite (WAL, synchronous=FULL)", measure(str(Path(folder) / "bench.db"), args.saves)
        )
    server = os.environ.get("TRIALKIT_POSTGRES")
    if server:
        with postgres_database(server) as url:
            report("PostgreSQL", measure(url, args.saves))
    else:
        print("PostgreSQL: skipped (TRIALKIT_POSTGRES is not set)")


if __name__ == "__main__":
    main()
