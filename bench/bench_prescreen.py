"""Benchmark: a whole OMOP CDM population pre-screened in SQL against the five protocols.

Target (issue #4): 1,000,000 synthetic persons (about 38 million measurement
rows) against all five shipped protocols on DuckDB, two threads, in at most
30 s wall time and 6 GB peak memory, from the Parquet folder to every
person's criteria, verdict and evidence and every protocol's attrition table.

What is timed, in one process:

1. *load*: ``trialkit.omop.load_folder`` reads the Parquet folder into a
   DuckDB database file in a temporary folder, every column cast to its CDM
   5.4 type (an in-memory database would hold the uncompressed tables: about
   9 GB at 1M persons).
2. *screen*, per protocol: compile the criteria (:func:`compile_protocol`),
   run the query once into a temporary table (``DuckDBEngine.materialize``, as
   :func:`~trialkit.eligibility.sql.prescreen` does), read the attrition table
   from it (:func:`~trialkit.eligibility.sql.attrition`), and write the
   per-person rows to a Parquet file with DuckDB's ``COPY`` (one row per
   person, ordered by person). The rows do not go through Python objects:
   ``prescreen`` builds a frozen ``PersonScreening`` per person, which at 1M
   persons costs more than the SQL; ``--python-rows`` times it too.
3. *baseline*, in the same process: the in-memory evaluator
   (``screen_all`` against the five protocols) on a sample of persons read
   back with :func:`trialkit.synth.records_from_omop`; its persons per second
   against SQL's gives the ratio. The sample's verdicts are compared with
   SQL's (person by person, per protocol).
4. ``--spark``: the same five protocols on Spark in local mode
   (``SparkEngine.from_parquet`` over the same folder, materialize +
   attrition, rows written to Parquet by Spark).

Peak memory is the process's ``ru_maxrss`` after the DuckDB part (DuckDB's
``memory_limit`` is set; Spark's JVM is another process, not counted).
Run: ``uv run python bench/bench_prescreen.py --omop /tmp/omop1m`` (the folder
is generated with ``trialkit synth omop --seed 1`` when missing; ``--persons``
sets its size).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from trialkit.eligibility import screen_all
from trialkit.eligibility.sql import DuckDBEngine, Engine, prescreen
from trialkit.eligibility.sql.attrition import Attrition, attrition
from trialkit.eligibility.sql.compiler import VERDICT, compile_protocol
from trialkit.omop import load_folder
from trialkit.omop.load import find_tables
from trialkit.omop.schema import TABLES, sql_type
from trialkit.protocol import builtin_protocols
from trialkit.protocol.model import Protocol
from trialkit.synth import records_from_omop


@dataclass(frozen=True)
class Timed:
    """Wall and CPU seconds (this process, all threads) of one step."""

    wall: float
    cpu: float


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def timed(into: list[Timed]) -> Iterator[None]:
    """Append the wall and CPU time of the block to ``into``."""
    wall, cpu = time.perf_counter(), _cpu()
    yield
    into.append(Timed(time.perf_counter() - wall, _cpu() - cpu))


def peak_rss_mb() -> float:
    """The process's peak resident set size so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> list[str]:
    """What RESULTS.md needs to say about the machine and the software."""
    cpu = "unknown CPU"
    memory = "unknown RAM"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return [
        f"date {datetime.now().isoformat(timespec='seconds')}; commit {commit or '?'}",
        f"machine: {cpu}, {os.cpu_count()} cores (nproc), {memory} RAM",
        f"Python {platform.python_version()}, duckdb {duckdb.__version__}",
    ]


def load_average() -> str:
    """``uptime``'s three load averages."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def ensure_population(folder: Path, persons: int, seed: int) -> None:
    """Generate the synthetic OMOP folder with the CLI when it has no person table."""
    if (folder / "person.parquet").exists():
        return
    print(f"generating {persons:,} persons (seed {seed}) into {folder} ...", flush=True)
    command = ["trialkit", "synth", "omop", "--persons", str(persons), "--seed", str(seed)]
    subprocess.run([*command, "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)


def parquet_views(folder: Path, database: Path) -> duckdb.DuckDBPyConnection:
    """Typed views over the Parquet files, nothing loaded (``--views``).

    Each CDM table trialkit uses is a view casting every column the file has to
    its CDM type (a missing column is a typed NULL, a missing table an empty
    one), as ``load_folder`` types them; unlike ``load_folder``, a bad value
    fails the query that reads it, not the load.
    """
    files = find_tables(folder)
    con = duckdb.connect(str(database))
    for spec in TABLES:
        path = files.get(spec.name)
        present: dict[str, str] = {}
        if path is not None:
            reader = exp.Anonymous(this="read_parquet", expressions=[exp.Literal.string(str(path))])
            source: exp.Expr = exp.Table(this=reader)
            described = exp.Describe(this=exp.select(exp.Star()).from_(source.copy()))
            rows = con.execute(described.sql(dialect="duckdb")).fetchall()
            present = {str(r[0]).lower(): str(r[0]) for r in rows}
        columns = [
            exp.cast(
                exp.column(present[c.name], quoted=True) if c.name in present else exp.null(),
                sql_type(c),
            ).as_(c.name)
            for c in spec.columns
        ]
        select = exp.select(*columns)
        select = select.from_(source) if path is not None else select.where(exp.false())
        view = exp.Create(this=exp.to_table(spec.name), kind="VIEW", expression=select)
        con.execute(view.sql(dialect="duckdb"))
    return con


def setting(con: duckdb.DuckDBPyConnection, name: str, value: exp.Expr) -> None:
    """``SET name = value`` on DuckDB."""
    item = exp.SetItem(this=exp.EQ(this=exp.var(name), expression=value))
    con.execute(exp.Set(expressions=[item]).sql(dialect="duckdb"))


def count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """The number of rows of ``table``."""
    query = exp.select(exp.Count(this=exp.Star())).from_(table)
    row = con.execute(query.sql(dialect="duckdb")).fetchone()
    return 0 if row is None else int(row[0])


def _copy(query: exp.Select, file: Path) -> str:
    copy = exp.Copy(
        this=query.subquery(),
        kind=False,
        files=[exp.Literal.string(str(file))],
        params=[exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var("PARQUET"))],
    )
    return copy.sql(dialect="duckdb", identify=True)


@dataclass(frozen=True)
class Screened:
    """One protocol on the SQL engine: its step times, attrition and the sample's verdicts."""

    protocol: str
    compile: Timed
    run: Timed
    attrition: Timed
    write: Timed
    table: Attrition
    verdicts: dict[int, str]

    @property
    def total(self) -> Timed:
        steps = (self.compile, self.run, self.attrition, self.write)
        return Timed(sum(s.wall for s in steps), sum(s.cpu for s in steps))


def screen_sql(
    engine: Engine,
    protocol: Protocol,
    at: datetime,
    out: Path,
    sample: Sequence[int],
    write: Callable[[str, Path], None],
) -> Screened:
    """Compile, run into a table, attrition, rows to ``out``; the sample's verdicts kept."""
    steps: list[Timed] = []
    with timed(steps):
        compiled = compile_protocol(protocol, at)
    name = f"bench_{protocol.id.replace('-', '_')}"
    with timed(steps):
        engine.materialize(name, compiled.query)
    try:
        with timed(steps):
            table = attrition(engine, compiled, exp.to_table(name))
        with timed(steps):
            write(name, out)
        picked = (
            exp.select("person_id", VERDICT)
            .from_(name)
            .where(exp.column("person_id").isin(*[exp.Literal.number(p) for p in sample]))
        )
        verdicts = {int(p): str(v) for p, v in engine.query(picked)[1]}
    finally:
        engine.drop(name)
    compiling, running, counting, writing = steps
    return Screened(protocol.id, compiling, running, counting, writing, table, verdicts)


def duckdb_writer(con: duckdb.DuckDBPyConnection) -> Callable[[str, Path], None]:
    """Rows of a DuckDB table to a Parquet file, ordered by person."""

    def write(name: str, file: Path) -> None:
        query = exp.select("*").from_(name).order_by("person_id")
        con.execute(_copy(query, file))

    return write


def spark_writer(session: Any) -> Callable[[str, Path], None]:
    """Rows of a Spark temporary view to a Parquet folder, ordered by person."""

    def write(name: str, file: Path) -> None:
        session.table(name).orderBy("person_id").write.mode("overwrite").parquet(str(file))

    return write


def print_attrition(screened: Screened) -> None:
    table = screened.table
    print(
        f"  {screened.protocol}: {table.persons:,} persons, eligible {table.eligible:,}, "
        f"undetermined {table.undetermined:,}, ineligible {table.ineligible:,}"
    )


def sample_ids(con: duckdb.DuckDBPyConnection, size: int) -> list[int]:
    """``size`` person ids spread evenly over the person table (deterministic)."""
    query = exp.select("person_id").from_("person").order_by("person_id")
    rows = con.execute(query.sql(dialect="duckdb")).fetchall()
    step = max(1, len(rows) // size)
    return [int(r[0]) for r in rows[::step][:size]]


def in_memory(
    con: duckdb.DuckDBPyConnection, protocols: Sequence[Protocol], at: datetime, ids: list[int]
) -> tuple[Timed, Timed, dict[str, dict[int, str]]]:
    """Read back and screen the sample with the in-memory evaluator; its verdicts."""
    steps: list[Timed] = []
    with timed(steps):
        records = records_from_omop(con, ids)
    verdicts: dict[str, dict[int, str]] = {p.id: {} for p in protocols}
    with timed(steps):
        for pid, record in records.items():
            for result in screen_all(protocols, record, at):
                verdicts[result.protocol.id][pid] = result.verdict.value
    return steps[0], steps[1], verdicts


def agreement(sql: Sequence[Screened], memory: dict[str, dict[int, str]]) -> list[str]:
    lines = []
    for screened in sql:
        theirs = memory[screened.protocol]
        same = sum(1 for p, v in theirs.items() if screened.verdicts.get(p) == v)
        lines.append(f"{screened.protocol} {same}/{len(theirs)}")
    return lines


def run_spark(
    folder: Path,
    protocols: Sequence[Protocol],
    at: datetime,
    out: Path,
    sample: list[int],
    settings: tuple[str, int],
) -> list[Screened]:
    """The five protocols on Spark local mode, over the Parquet folder itself."""
    from trialkit.eligibility.sql.spark import SparkEngine, local_session

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    print(f"\nSpark local mode ({load_average()})", flush=True)
    started = time.perf_counter()
    memory, partitions = settings
    session = local_session(memory=memory, partitions=partitions)
    print(f"  driver memory {memory}, {partitions} shuffle partitions")
    print(f"  session start {time.perf_counter() - started:.1f} s", flush=True)
    try:
        opened = time.perf_counter()
        with SparkEngine.from_parquet(folder, session) as engine:
            print(f"  from_parquet {time.perf_counter() - opened:.1f} s", flush=True)
            total = 0.0
            results = []
            for protocol in protocols:
                screened = screen_sql(
                    engine,
                    protocol,
                    at,
                    out / f"spark.{protocol.id}",
                    sample,
                    spark_writer(engine.session),
                )
                total += screened.total.wall
                results.append(screened)
                print(
                    f"  {protocol.id}: {screened.total.wall:.1f} s (compile "
                    f"{screened.compile.wall:.1f}, run {screened.run.wall:.1f}, attrition "
                    f"{screened.attrition.wall:.1f}, write {screened.write.wall:.1f})",
                    flush=True,
                )
        print(f"  Spark screening, five protocols: {total:.1f} s wall ({load_average()})")
    finally:
        session.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--omop", type=Path, default=Path("/tmp/omop1m"))
    parser.add_argument("--persons", type=int, default=1_000_000, help="when generating")
    parser.add_argument("--seed", type=int, default=1, help="when generating")
    parser.add_argument("--at", default="2025-06-30", help="index day (its end)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="5GB", help="DuckDB's memory_limit")
    parser.add_argument("--sample", type=int, default=2000, help="in-memory evaluator sample")
    parser.add_argument(
        "--views", action="store_true", help="typed views over the Parquet files, no load"
    )
    parser.add_argument("--python-rows", action="store_true", help="also time prescreen()")
    parser.add_argument("--spark", action="store_true", help="also run on Spark local mode")
    parser.add_argument("--spark-memory", default="12g", help="Spark's driver memory")
    parser.add_argument("--spark-partitions", type=int, default=32, help="shuffle partitions")
    args = parser.parse_args()

    print("\n".join(machine()))
    print(f"start: {load_average()}", flush=True)
    ensure_population(args.omop, args.persons, args.seed)
    at = datetime.combine(date.fromisoformat(args.at), clock.max)
    protocols = builtin_protocols()
    scratch = Path(tempfile.mkdtemp(prefix="trialkit-bench-"))
    try:
        loads: list[Timed] = []
        with timed(loads):
            if args.views:
                con = parquet_views(args.omop, scratch / "omop.duckdb")
            else:
                con = load_folder(args.omop, scratch / "omop.duckdb")
        setting(con, "threads", exp.Literal.number(args.threads))
        setting(con, "memory_limit", exp.Literal.string(args.memory_limit))
        persons, measurements = (count(con, table) for table in ("person", "measurement"))
        print(
            f"{'views over' if args.views else 'load_folder'} {args.omop}: {persons:,} persons, "
            f"{measurements:,} measurement rows: "
            f"{loads[0].wall:.1f} s wall, {loads[0].cpu:.1f} s CPU; {load_average()}",
            flush=True,
        )
        sample = sample_ids(con, args.sample)
        engine = DuckDBEngine(con)
        screened: list[Screened] = []
        for protocol in protocols:
            result = screen_sql(
                engine, protocol, at, scratch / f"{protocol.id}.parquet", sample, duckdb_writer(con)
            )
            screened.append(result)
            print(
                f"  {protocol.id}: {result.total.wall:.2f} s wall, {result.total.cpu:.2f} s CPU "
                f"(compile {result.compile.wall:.2f}, run {result.run.wall:.2f}, attrition "
                f"{result.attrition.wall:.2f}, write {result.write.wall:.2f})",
                flush=True,
            )
        screening = Timed(sum(s.total.wall for s in screened), sum(s.total.cpu for s in screened))
        rss = peak_rss_mb()
        end_to_end = loads[0].wall + screening.wall
        print(
            f"DuckDB, {args.threads} threads, memory_limit {args.memory_limit}: "
            f"screening {screening.wall:.1f} s wall / {screening.cpu:.1f} s CPU; "
            f"load + screening {end_to_end:.1f} s; peak RSS {rss:,.0f} MB; {load_average()}"
        )
        for result in screened:
            print_attrition(result)
        print(
            f"target <= 30 s and <= 6 GB: {'met' if end_to_end <= 30 and rss <= 6144 else 'NOT met'}"
        )
        if args.python_rows:
            started = time.perf_counter()
            for protocol in protocols:
                prescreen(engine, protocol, at)
            print(
                f"prescreen() with Python rows, five protocols: {time.perf_counter() - started:.1f} s"
            )

        read, screen, verdicts = in_memory(con, protocols, at, sample)
        memory_rate = len(sample) / screen.wall
        sql_rate = persons / screening.wall
        print(
            f"in-memory evaluator, {len(sample):,} persons (one thread): read back "
            f"{read.wall:.1f} s, screen_all {screen.wall:.1f} s wall / {screen.cpu:.1f} s CPU "
            f"= {memory_rate:,.0f} persons/s ({len(sample) / screen.cpu:,.0f} per CPU second)"
        )
        print(
            f"SQL screening {sql_rate:,.0f} persons/s ({persons / screening.cpu:,.0f} per CPU "
            f"second; load + screening {persons / end_to_end:,.0f}/s); ratio SQL / in-memory "
            f"{sql_rate / memory_rate:.1f}x wall, "
            f"{(persons / screening.cpu) / (len(sample) / screen.cpu):.1f}x per CPU second, "
            f"{persons / end_to_end / memory_rate:.1f}x wall with the load"
        )
        print("verdicts agreeing on the sample: " + ", ".join(agreement(screened, verdicts)))
        con.close()
        if args.spark:
            settings = (args.spark_memory, args.spark_partitions)
            on_spark = run_spark(args.omop, protocols, at, scratch, sample, settings)
            agreeing = ", ".join(agreement(on_spark, verdicts))
            print(f"Spark verdicts agreeing on the sample: {agreeing}")
        print(f"end: {load_average()}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
