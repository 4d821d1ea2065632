"""Benchmark: 50 simulated users on the web application's API for 60 s, on SQLite and on
PostgreSQL, against the service layer called directly in the same run.

For each engine, a new study database (R-HLH, site PAR, one research nurse, one subject
per simulated user) is served by ``trialkit serve`` in its own process on loopback.
Then, in this process:

* (a) **service**: ``trialkit.edc.entry.save_form`` called directly, one save after
  another (``--baseline`` saves), the baseline;
* (b) **web**: ``--users`` asynchronous clients (httpx2), each with its own token and
  subject, for ``--seconds``: each in turn saves a form of 5 laboratory values
  (``POST /api/v1/protocols/r-hlh/subjects/{id}/forms/hlh_diagnosis``, a new record for
  a new day) and reads its dashboard (``GET /api/v1/subjects``).

Printed per engine: saves and reads per second, p50 / p95 / p99 latency of each,
errors, the ratio of (b)'s median save to (a)'s, and a check that every save the
server acknowledged is in the database with its audit events. Target (issue 17): p95
save < 100 ms, 0 errors. PostgreSQL needs ``TRIALKIT_POSTGRES`` (scripts/services.sh).
Run: ``uv run python bench/web_bench.py [--users 50] [--seconds 60]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx2
from argon2 import PasswordHasher
from sqlalchemy import func, select

from trialkit.edc import enrolment, entry, study
from trialkit.edc.database import StudyDatabase
from trialkit.edc.schema import AuditEvent, FormInstance, Subject
from trialkit.protocol.files import _directory

PASSWORD = "bench password"
FIRST = date(2000, 1, 1)


def values(number: int) -> dict[str, tuple[str, str | None]]:
    """Five laboratory values of the R-HLH diagnosis form, varying a little."""
    return {
        "lab.ferritin": (str(800 + number % 400), "ug/L"),
        "lab.haemoglobin": (str(80 + number % 30), "g/L"),
        "lab.platelets": (str(40 + number % 100), "10*9/L"),
        "lab.triglycerides": ("3.1", "mmol/L"),
        "lab.fibrinogen": ("1.2", "g/L"),
    }


def setup(url: str, users: int) -> tuple[StudyDatabase, list[str]]:
    study._HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    db = StudyDatabase(url)
    study.init_database(db, "admin", "Admin", PASSWORD)
    text = _directory().joinpath("r-hlh.yaml").read_text(encoding="utf-8")
    study.add_protocol(db, "admin", text, "r-hlh.yaml")
    study.add_site(db, "admin", "PAR", "Paris")
    study.add_user(db, "admin", "nurse", "Nurse", PASSWORD, [("research_nurse", "PAR")])
    labels = [
        enrolment.register_subject(db, "nurse", "r-hlh", "PAR", "1990-01-01", "female")
        for _ in range(users + 1)
    ]
    return db, labels


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def service_baseline(db: StudyDatabase, label: str, saves: int) -> list[float]:
    times = []
    for number in range(saves):
        day = (FIRST + timedelta(days=number)).isoformat()
        start = time.perf_counter()
        entry.save_form(
            db, "nurse", "r-hlh", label, "hlh_diagnosis", values(number), visit_date=day
        )
        times.append(time.perf_counter() - start)
    return times


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(url: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "trialkit", "serve", "--db", url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx2.get(f"{base}/login", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)


async def simulated_user(
    base: str, label: str, until: float, saves: list[float], reads: list[float], errors: list[str]
) -> int:
    """One user's loop; returns how many saves the server acknowledged."""
    acknowledged = 0
    async with httpx2.AsyncClient(base_url=f"{base}/api/v1/", timeout=30) as client:
        made = await client.post("tokens", json={"username": "nurse", "password": PASSWORD})
        if made.status_code != 201:
            errors.append(f"token {made.status_code}")
            return 0
        client.headers["Authorization"] = f"Bearer {made.json()['token']}"
        number = 0
        while time.monotonic() < until:
            day = (FIRST + timedelta(days=number)).isoformat()
            body = {
                "values": {k: {"value": v, "unit": u} for k, (v, u) in values(number).items()},
                "visit_date": day,
            }
            start = time.perf_counter()
            response = await client.post(
                f"protocols/r-hlh/subjects/{label}/forms/hlh_diagnosis", json=body
            )
            saves.append(time.perf_counter() - start)
            if response.status_code == 200:
                acknowledged += 1
            else:
                errors.append(f"save {response.status_code}: {response.text[:120]}")
            start = time.perf_counter()
            response = await client.get("subjects")
            reads.append(time.perf_counter() - start)
            if response.status_code != 200:
                errors.append(f"read {response.status_code}")
            number += 1
    return acknowledged


async def load(
    base: str, labels: list[str], seconds: float
) -> tuple[list[int], dict[str, list[float]], list[str]]:
    until = time.monotonic() + seconds
    saves: list[float] = []
    reads: list[float] = []
    errors: list[str] = []
    acknowledged = await asyncio.gather(
        *(simulated_user(base, label, until, saves, reads, errors) for label in labels)
    )
    return list(acknowledged), {"save": saves, "read": reads}, errors


def check(db: StudyDatabase, labels: list[str], acknowledged: list[int]) -> str:
    """Every acknowledged save is there with its 5 value events."""
    with db.reading() as session:
        missing = 0
        for label, count in zip(labels, acknowledged, strict=True):
            stored = (
                session.scalar(
                    select(func.count())
                    .select_from(FormInstance)
                    .join(Subject, Subject.id == FormInstance.subject_id)
                    .where(Subject.label == label)
                )
                or 0
            )
            events = (
                session.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(
                        AuditEvent.entity_id.startswith(f"{label}/"), AuditEvent.entity == "item"
                    )
                )
                or 0
            )
            if stored < count or events < 5 * count:
                missing += 1
    return (
        "every acknowledged save present with its audit events"
        if not missing
        else (f"{missing} subjects miss acknowledged saves")
    )


def run(engine: str, url: str, users: int, seconds: float, baseline: int) -> None:
    db, labels = setup(url, users)
    direct = service_baseline(db, labels[-1], baseline)
    with served(url) as base:
        acknowledged, times, errors = asyncio.run(load(base, labels[:users], seconds))
    saves, reads = times["save"], times["read"]
    print(f"{engine}: {users} users for {seconds:g} s")
    print(
        f"  (a) service save_form, direct: median {statistics.median(direct) * 1000:.1f} ms, "
        f"p95 {percentile(direct, 0.95) * 1000:.1f} ms ({len(direct)} saves)"
    )
    for name, samples in (("save", saves), ("read", reads)):
        print(
            f"  (b) web {name}: {len(samples) / seconds:.1f}/s, p50 {percentile(samples, 0.5) * 1000:.1f} ms, "
            f"p95 {percentile(samples, 0.95) * 1000:.1f} ms, p99 {percentile(samples, 0.99) * 1000:.1f} ms"
        )
    print(f"  errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(
        f"  ratio of medians, web save / service save: {percentile(saves, 0.5) / statistics.median(direct):.1f}x"
    )
    print(f"  {check(db, labels[:users], acknowledged)} ({sum(acknowledged)} acknowledged)")
    db.dispose()


@contextmanager
def postgres_database(server: str) -> Iterator[str]:
    import psycopg

    name = f"webbench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline", type=int, default=200)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", str(Path(folder) / "web.db"), args.users, args.seconds, args.baseline)
    server = os.environ.get("TRIALKIT_POSTGRES")
    if server:
        with postgres_database(server) as url:
            run("PostgreSQL", url, args.users, args.seconds, args.baseline)
    else:
        print("PostgreSQL: not run (TRIALKIT_POSTGRES is not set)")


if __name__ == "__main__":
    main()
