"""``trialkit prescreen``: a whole OMOP CDM population against one protocol (or all), to a file.

The criteria compile to SQL (:mod:`trialkit.eligibility.sql`) and run on
DuckDB, PostgreSQL or Spark; each protocol's rows are written to a CSV or
Parquet file whose columns are the public contract ``trialkit.prescreen/2``
and its attrition table is printed (``docs/prescreen.md``).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import duckdb
import numpy as np
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlglot import exp

from trialkit.cli import app
from trialkit.cli.common import (
    console,
    parse_time,
    print_json,
    progress_bar,
    report,
    shown,
    warn_if_future,
)
from trialkit.cli.files import check_output, writing
from trialkit.cli.protocol import is_file, resolve
from trialkit.eligibility.sql import ENGINES, DuckDBEngine, Engine, Held, screening
from trialkit.eligibility.sql.compiler import DECEASED, VERDICT
from trialkit.errors import OmopError, TrialkitInputError
from trialkit.omop import connect, load_folder
from trialkit.omop.checks import ConceptCheck, Query, check_concepts, duckdb_query, open_database
from trialkit.omop.load import find_tables, load_database, table_of
from trialkit.omop.quiet import quiet_connect
from trialkit.protocol import builtin_protocols
from trialkit.protocol.model import OUTPUT_COLUMNS, Protocol

__all__ = ["FILE_SCHEMA", "SUMMARY_SCHEMA", "prescreen_command", "summary_json"]

FILE_SCHEMA = "trialkit.prescreen/2"
"""The version of the output file's columns (``docs/prescreen.md``; 2 added ``deceased``)."""
SUMMARY_SCHEMA = "trialkit.prescreen-summary/1"
"""The version of ``--json``'s summary (``docs/prescreen.md``)."""

_FIRST = OUTPUT_COLUMNS
assert VERDICT in _FIRST and DECEASED in _FIRST
_FORMATS = {".csv": "CSV", ".parquet": "PARQUET"}
_DATABASE_SUFFIXES = (".duckdb", ".db")
_URL_PREFIXES = ("postgresql://", "postgres://")


@dataclass(frozen=True, slots=True)
class Written:
    """One protocol's pre-screening and the file its rows went to."""

    protocol: Protocol
    result: Held
    file: Path


@app.command("prescreen")
def prescreen_command(
    omop: Annotated[
        str,
        typer.Option(
            "--omop",
            help="The OMOP CDM data: a folder or zip of CSV/Parquet files, a DuckDB file "
            "(.duckdb/.db, read-only), or with --engine postgres a postgresql:// URL.",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Output file, .csv or .parquet (with --all: one file per protocol, "
            "the protocol id before the suffix).",
        ),
    ],
    protocol: Annotated[
        str | None,
        typer.Option("--protocol", help="A shipped protocol id (see `protocol list`) or a file."),
    ] = None,
    all_protocols: Annotated[
        bool, typer.Option("--all", help="Every shipped protocol, one output file each.")
    ] = False,
    engine_name: Annotated[
        str, typer.Option("--engine", help="SQL engine: duckdb, spark or postgres.")
    ] = "duckdb",
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Index date or date-time (a date means the end of that day). "
            "Default: the end of the latest observation_period_end_date.",
        ),
    ] = None,
    schema: Annotated[
        str | None,
        typer.Option(
            "--schema", help="PostgreSQL schema of the CDM tables (default: search_path)."
        ),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--postgres",
            envvar="TRIALKIT_POSTGRES",
            help="With --engine postgres and a folder: the server (URL) to copy it into "
            "(default: $TRIALKIT_POSTGRES).",
        ),
    ] = None,
    strict_concepts: Annotated[
        bool,
        typer.Option(
            "--strict-concepts",
            help="A concept id missing from a non-empty CONCEPT table is an error, not a warning.",
        ),
    ] = False,
    spark_memory: Annotated[
        str | None,
        typer.Option(
            "--spark-memory",
            help="With --engine spark: the local session's driver memory, e.g. 12g (default 4g).",
        ),
    ] = None,
    spark_partitions: Annotated[
        int | None,
        typer.Option(
            "--spark-partitions",
            help="With --engine spark: shuffle partitions (default 4; a million persons "
            "needed 32 and 12g).",
        ),
    ] = None,
    database: Annotated[
        Path | None,
        typer.Option(
            "--database",
            help="With a folder or zip on DuckDB: load it into this new DuckDB file "
            "(.duckdb/.db), kept for later runs as --omop, instead of memory.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace output files that exist (never an input).")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the documented JSON summary, not tables.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress display.")] = False,
) -> None:
    """Pre-screen an OMOP CDM population: a row per person, criteria and evidence, to a file."""
    if (protocol is None) == (not all_protocols):
        raise TrialkitInputError("give either --protocol ID or --all")
    if engine_name not in ENGINES:
        raise TrialkitInputError(f"--engine {engine_name!r}: use one of {', '.join(ENGINES)}")
    spark = _spark_settings(engine_name, spark_memory, spark_partitions)
    _check_database(database, engine_name, omop)
    protocols = builtin_protocols() if all_protocols else (resolve(str(protocol)),)
    files = _outputs(
        out, protocols, omop, _inputs(omop, protocol), several=all_protocols, force=force
    )
    when = parse_time(at) if at is not None else None
    errors = Console(stderr=True, highlight=False)
    written: list[Written] = []
    # The files are moved into place only when every protocol is written (cli/files.py).
    with writing(force=force) as outputs, ExitStack() as stack, _progress(errors, quiet) as bar:
        loading = bar.add_task("loading the OMOP data", total=None)
        engine, concepts = _engine(
            engine_name, omop, schema, server, strict_concepts, stack, spark, database
        )
        when = when or _latest_day(engine)
        bar.update(loading, visible=False)
        steps = bar.add_task("protocols", total=len(protocols))
        for item, file in zip(protocols, files, strict=True):
            bar.update(steps, description=f"{item.id}: compiling and running")
            with screening(engine, item, when) as held:
                bar.update(steps, description=f"{item.id}: writing {shown(file.name)}")
                _write(engine, held, item, file, outputs.partial(file))
            written.append(Written(item, held, file))
            bar.advance(steps)
    for unknown in concepts.unknown:
        report(f"{unknown.summary()} (--strict-concepts makes this an error)", "warning")
    if as_json:
        print_json(summary_json(engine_name, when, concepts, written))
        return
    for done in written:
        _show(done)


@contextmanager
def _progress(errors: Console, quiet: bool) -> Iterator[Progress]:
    with progress_bar(errors, shown=not quiet and errors.is_terminal) as bar:
        yield bar


# Input ------------------------------------------------------------------------------------


def _engine(
    name: str,
    omop: str,
    schema: str | None,
    server: str | None,
    strict: bool,
    stack: ExitStack,
    spark: tuple[str, int],
    database: Path | None,
) -> tuple[Engine, ConceptCheck]:
    """The engine holding ``omop``'s CDM tables (closed, copies dropped, by ``stack``).

    The concept ids are checked where the data are cheapest to read: in
    DuckDB when the data pass through it, else on the engine.
    """
    url = omop.startswith(_URL_PREFIXES)
    if url and name != "postgres":
        raise TrialkitInputError("--omop: a PostgreSQL URL needs --engine postgres")
    if schema is not None and not (url and name == "postgres"):
        raise TrialkitInputError("--schema: only with --engine postgres and a postgresql:// URL")
    if name == "postgres":
        from trialkit.eligibility.sql.postgres import PostgresEngine

        if url:
            server_engine = stack.enter_context(PostgresEngine.connect(omop, schema))
            return server_engine, _checked(server_engine.query, strict)
        if server is None:
            raise TrialkitInputError(
                "--engine postgres with a folder or file: give --postgres URL (or set "
                "TRIALKIT_POSTGRES), the server to copy the tables into"
            )
        con, concepts = _duckdb(Path(omop), strict)
        try:
            return stack.enter_context(PostgresEngine.from_duckdb(con, server)), concepts
        finally:
            con.close()
    if name == "spark":
        from trialkit.eligibility.sql.spark import SparkEngine

        path = Path(omop)
        if path.is_dir() and _parquet_only(path):
            in_place = stack.enter_context(
                SparkEngine.from_parquet(path, _spark_session(stack, spark))
            )
            return in_place, _checked(in_place.query, strict)
        con, concepts = _duckdb(path, strict)
        try:
            copied = SparkEngine.from_duckdb(con, _spark_session(stack, spark))
            return stack.enter_context(copied), concepts
        finally:
            con.close()
    con, concepts = _duckdb(Path(omop), strict, database)
    stack.callback(con.close)
    return DuckDBEngine(con), concepts


def _duckdb(
    path: Path, strict: bool, database: Path | None = None
) -> tuple[duckdb.DuckDBPyConnection, ConceptCheck]:
    """A DuckDB database file opened read-only, else a folder or zip loaded; concepts checked.

    The folder is loaded into memory, or into the new file ``database``
    (:func:`trialkit.omop.load.load_database`: created atomically, never read
    as complete unless its load finished, never overwriting another file).
    """
    if path.suffix.lower() in _DATABASE_SUFFIXES:
        con = open_database(path)
    elif database is not None:
        # Strict, the loader names the file's data row of an unknown concept id.
        con = load_database(path, database, strict_concepts=strict)
    else:
        con = load_folder(path, strict_concepts=strict)
    try:
        return con, _checked(duckdb_query(con), strict)
    except BaseException:
        con.close()
        raise


def _check_database(database: Path | None, engine: str, omop: str) -> None:
    """``--database``: a new DuckDB file in a writable folder, for a folder or zip on DuckDB."""
    if database is None:
        return
    if engine != "duckdb":
        raise TrialkitInputError("--database: only with --engine duckdb")
    if omop.startswith(_URL_PREFIXES) or Path(omop).suffix.lower() in _DATABASE_SUFFIXES:
        raise TrialkitInputError("--database: only with a folder or zip as --omop")
    if database.suffix.lower() not in _DATABASE_SUFFIXES:
        raise TrialkitInputError(
            f"--database {database}: give a .duckdb or .db file name (so that --omop reads it)"
        )
    if database.exists():
        raise TrialkitInputError(
            f"--database {database}: exists; pass it as --omop, or give a new file name"
        )
    _writable_folder(f"--database {database}", database)


def _checked(query: Query, strict: bool) -> ConceptCheck:
    """The concept ids checked; with ``strict``, the first unknown one raises."""
    concepts = check_concepts(query)
    if strict and concepts.unknown:
        raise OmopError(concepts.unknown[0].message())
    return concepts


def _parquet_only(folder: Path) -> bool:
    files = find_tables(folder)
    return bool(files) and all(p.suffix.lower() == ".parquet" for p in files.values())


_SPARK_MEMORY = re.compile(r"^[1-9][0-9]*[mMgG]$")


def _spark_settings(engine: str, memory: str | None, partitions: int | None) -> tuple[str, int]:
    """``--spark-memory`` and ``--spark-partitions``, checked (defaults 4g and 4)."""
    if engine != "spark" and (memory is not None or partitions is not None):
        option = "--spark-memory" if memory is not None else "--spark-partitions"
        raise TrialkitInputError(f"{option}: only with --engine spark")
    if memory is not None and not _SPARK_MEMORY.match(memory):
        raise TrialkitInputError(
            f"--spark-memory {memory!r}: give a size such as 4g or 512m (a whole number, m or g)"
        )
    if partitions is not None and partitions < 1:
        raise TrialkitInputError(f"--spark-partitions {partitions}: give a number from 1")
    return memory or "4g", partitions or 4


def _spark_session(stack: ExitStack, settings: tuple[str, int]) -> Any:
    """A local Spark session; stopped at the end unless one was already running (a test's).

    A session already running keeps its own memory and partitions.
    """
    from pyspark.sql import SparkSession

    from trialkit.eligibility.sql.spark import local_session

    memory, partitions = settings
    running = SparkSession.getActiveSession() is not None
    session = local_session(memory=memory, partitions=partitions)
    if not running:
        stack.callback(session.stop)
    return session


def _latest_day(engine: Engine) -> datetime:
    """The end of the latest observation period's last day: the data's own "now"."""
    column = exp.column("observation_period_end_date")
    query = exp.select(exp.Max(this=column).as_("latest")).from_("observation_period")
    latest = engine.query(query)[1][0][0]
    if latest is None:
        raise TrialkitInputError("--at: observation_period is empty, give the index date")
    day = latest.date() if isinstance(latest, datetime) else latest
    assert isinstance(day, date)
    default = datetime.combine(day, time.max)
    # The day's start: an extract that ends today is not in the future.
    start = datetime.combine(day, time.min)
    warn_if_future(start, f"the latest end of an observation period, {day.isoformat()}")
    return default


# Output -----------------------------------------------------------------------------------


def _outputs(
    out: Path,
    protocols: tuple[Protocol, ...],
    omop: str,
    inputs: list[Path],
    *,
    several: bool,
    force: bool,
) -> list[Path]:
    """The file of each protocol, checked before any work is done (``cli/files.py``).

    In the folder of OMOP files, a name that trialkit would read as a CDM
    table (``PERSON.csv``) is an input too, existing or not: written, it would
    make the folder unreadable (two files for one table).
    """
    if out.is_dir():
        raise TrialkitInputError(f"--out {out}: is a folder; give a .csv or .parquet file name")
    if out.suffix.lower() not in _FORMATS:
        raise TrialkitInputError(f"--out {out}: give a .csv or .parquet file name")
    files = (
        [out.with_name(f"{out.stem}.{p.id}{out.suffix}") for p in protocols] if several else [out]
    )
    folder = None if omop.startswith(_URL_PREFIXES) else Path(omop)
    for file in files:
        check_output(f"--out {file}", file, inputs, force=force)
        if folder is not None and folder.is_dir() and table_of(file) is not None:
            parent = file.parent if str(file.parent) else Path(".")
            if parent.is_dir() and os.path.samefile(parent, folder):
                raise TrialkitInputError(
                    f"--out {file}: would be read as the CDM table {file.stem.lower()} of the "
                    f"input folder {folder}; give another file name"
                )
    return files


def _inputs(omop: str, protocol: str | None) -> list[Path]:
    """The files this run reads, which no output may replace (a folder: its table files)."""
    found: list[Path] = []
    if protocol is not None and is_file(protocol):
        found.append(Path(protocol))
    if omop.startswith(_URL_PREFIXES):
        return found
    source = Path(omop)
    found.append(source)
    if source.is_dir():
        found += list(find_tables(source).values())
    return found


def _writable_folder(option: str, file: Path) -> None:
    """The folder ``file`` is to be created in exists and is writable (``option`` names it)."""
    folder = file.parent if str(file.parent) else Path(".")
    if not folder.is_dir():
        raise TrialkitInputError(f"{option}: no such folder {folder}")
    if not os.access(folder, os.W_OK):
        raise TrialkitInputError(f"{option}: the folder {folder} is not writable")


def _types(held: Held) -> dict[str, exp.DataType]:
    """The SQL type of every output column, as DuckDB types the compiled query over the CDM DDL.

    The same for every engine: the file's types come from the query, not
    from the values one engine happened to return.
    """
    con = connect()
    try:
        # A relation is bound, not run: its types cost no scan of the (empty) tables.
        relation = con.sql(held.compiled.sql("duckdb"))
        described = zip(relation.columns, relation.types, strict=True)
        return {name: exp.DataType.build(str(kind), dialect="duckdb") for name, kind in described}
    finally:
        con.close()


def _columns(held: Held, types: dict[str, exp.DataType]) -> list[str]:
    """Criteria and evidence columns in the query's order (each criterion then its evidence)."""
    evidence = {c.name for c in held.compiled.evidence}
    return [name for name in types if name in evidence or name in held.compiled.kinds]


def _write(engine: Engine, held: Held, protocol: Protocol, file: Path, partial: Path) -> None:
    """The rows as ``trialkit.prescreen/2`` (``docs/prescreen.md``), written by DuckDB's COPY.

    The rows go to ``partial``, the hidden name the run moves to ``file`` once
    every protocol is written (``cli/files.py``).

    On DuckDB the COPY reads the engine's result table itself; the rows of
    another engine are fetched once, as columns, into a DuckDB relation
    that the same COPY reads, so that every engine writes the same bytes.
    """
    types = _types(held)
    columns = _columns(held, types)
    clash = set(columns) & set(_FIRST)
    if clash:
        raise TrialkitInputError(
            f"{protocol.id}: criterion id {sorted(clash)[0]!r} is a column name of the output file"
        )
    selected: list[exp.Expr] = [
        exp.column("person_id"),
        exp.Literal.string(protocol.id).as_("protocol"),
        exp.cast(exp.Literal.string(held.at.isoformat(sep=" ")), "TIMESTAMP").as_("index_time"),
        exp.cast(exp.column(VERDICT), "VARCHAR").as_(VERDICT),
        exp.cast(exp.column(DECEASED), "TIMESTAMP").as_(DECEASED),
    ]
    selected += [
        exp.cast(exp.column(name, quoted=True), types[name]).as_(
            exp.to_identifier(name, quoted=True)
        )
        for name in columns
    ]
    own = None
    try:
        if isinstance(engine, DuckDBEngine):
            con, source = engine.con, held.table.copy()
        else:
            own = con = quiet_connect()
            source = exp.to_table(f"trialkit_rows_{uuid.uuid4().hex}")
            con.register(source.name, _fetched(engine, held))
        query = exp.select(*selected).from_(source).order_by("person_id")
        con.execute(_copy(query, partial, _FORMATS[file.suffix.lower()]))
    except (duckdb.IOException, OSError) as error:
        partial.unlink(missing_ok=True)
        raise TrialkitInputError(f"--out {file}: cannot be written: {_first_line(error)}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        if own is not None:
            own.close()


def _fetched(engine: Engine, held: Held) -> dict[str, Any]:
    """The held rows of a non-DuckDB engine as one object array per column."""
    names, rows = engine.query(exp.select("*").from_(held.table.copy(), copy=False))
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return {
        name: np.array(values, dtype=object) for name, values in zip(names, columns, strict=True)
    }


def _copy(query: exp.Select, file: Path, kind: str) -> str:
    params = [exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var(kind))]
    if kind == "CSV":
        params.append(exp.CopyParameter(this=exp.var("HEADER"), expression=exp.true()))
    else:
        version = exp.PropertyEQ(
            this=exp.to_identifier("trialkit.schema", quoted=True),
            expression=exp.Literal.string(FILE_SCHEMA),
        )
        params.append(
            exp.CopyParameter(
                this=exp.var("KV_METADATA"), expression=exp.Struct(expressions=[version])
            )
        )
    copy = exp.Copy(
        this=query.subquery(),
        kind=False,
        files=[exp.Literal.string(str(file))],
        params=params,
    )
    return copy.sql(dialect="duckdb", identify=True)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# Report -----------------------------------------------------------------------------------


def summary_json(
    engine: str, at: datetime, concepts: ConceptCheck, written: list[Written]
) -> dict[str, Any]:
    """The ``--json`` summary, ``trialkit.prescreen-summary/1`` (``docs/prescreen.md``)."""
    return {
        "schema": SUMMARY_SCHEMA,
        "file_schema": FILE_SCHEMA,
        "engine": engine,
        "at": at.isoformat(),
        "concept_check": {
            "concepts": concepts.concepts,
            "unknown": [
                {
                    "table": u.table,
                    "column": u.column,
                    "rows": u.rows,
                    "concept_ids": u.ids,
                    "first": {"concept_id": u.concept_id, "key": u.key, "row_id": u.row_id},
                }
                for u in concepts.unknown
            ],
        },
        "protocols": [
            {
                "id": w.protocol.id,
                "title": w.protocol.title,
                "file": str(w.file),
                "persons": w.result.attrition.persons,
                "deceased": w.result.attrition.deceased,
                "eligible": w.result.attrition.eligible,
                "undetermined": w.result.attrition.undetermined,
                "ineligible": w.result.attrition.ineligible,
                "attrition": [
                    {
                        "criterion": row.criterion,
                        "kind": row.kind.value,
                        "excluded": row.excluded,
                        "unknown": row.unknown,
                        "remaining": row.remaining,
                        "passing": row.passing,
                        "excluded_alone": row.excluded_alone,
                        "unknown_alone": row.unknown_alone,
                    }
                    for row in w.result.attrition.rows
                ],
            }
            for w in written
        ],
    }


def _show(item: Written) -> None:
    """The attrition table of one protocol, and its totals."""
    table_of = item.result.attrition
    table = Table(
        title=shown(
            f"{item.protocol.title} ({item.protocol.id}): {table_of.persons:,} persons "
            f"at {item.result.at:%Y-%m-%d %H:%M} -> {item.file}"
        ),
        title_justify="left",
    )
    table.add_column("criterion")
    table.add_column("kind")
    for column in ("excluded", "unknown", "remaining", "passing"):
        table.add_column(column, justify="right")
    if table_of.deceased:
        table.add_row(
            "(deceased)",
            "died by the index time",
            f"{table_of.deceased:,}",
            "0",
            f"{table_of.alive:,}",
            f"{table_of.alive:,}",
        )
    for row in table_of.rows:
        table.add_row(
            shown(row.criterion),
            row.kind.value,
            f"{row.excluded:,}",
            f"{row.unknown:,}",
            f"{row.remaining:,}",
            f"{row.passing:,}",
        )
    console.print(table)
    console.print(
        f"[bold green]eligible {table_of.eligible:,}[/] · "
        f"[bold yellow]undetermined {table_of.undetermined:,}[/] · "
        f"[bold red]ineligible {table_of.ineligible:,}[/]"
    )
