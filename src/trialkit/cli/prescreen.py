"""``trialkit prescreen``: a whole OMOP CDM population against one protocol (or all), to a file.

The criteria compile to SQL (:mod:`trialkit.eligibility.sql`) and run on
DuckDB, PostgreSQL or Spark; each protocol's rows are written to a CSV or
Parquet file whose columns are the public contract ``trialkit.prescreen/2``
and its attrition table is printed (``docs/prescreen.md``). The engines and
the file writer are the library's (:mod:`trialkit.eligibility.sql.omop_source`,
:mod:`trialkit.eligibility.sql.prescreen_file`); this module reads the options,
checks them before any work, shows progress and prints the result.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

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
from trialkit.eligibility.sql.engine import Engine
from trialkit.eligibility.sql.omop_source import (
    DATABASE_SUFFIXES,
    SparkSettings,
    check_engine,
    is_url,
    latest_day,
    open_omop,
)
from trialkit.eligibility.sql.prescreen_file import (
    FILE_SCHEMA,
    SUMMARY_SCHEMA,
    Written,
    output_files,
    summary_json,
    write_protocols,
)
from trialkit.errors import TrialkitInputError
from trialkit.omop import load_folder
from trialkit.omop.load import find_tables, table_of
from trialkit.protocol import builtin_protocols
from trialkit.protocol.model import Protocol

__all__ = ["FILE_SCHEMA", "SUMMARY_SCHEMA", "prescreen_command", "summary_json"]


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
    check_engine(engine_name)
    spark = _spark_settings(engine_name, spark_memory, spark_partitions)
    _check_database(database, engine_name, omop)
    protocols = builtin_protocols() if all_protocols else (resolve(str(protocol)),)
    files = _outputs(
        out, protocols, omop, _inputs(omop, protocol), several=all_protocols, force=force
    )
    when = parse_time(at) if at is not None else None
    errors = Console(stderr=True, highlight=False)
    opened = open_omop(
        omop,
        engine_name,
        schema=schema,
        server=server,
        strict_concepts=strict_concepts,
        spark=spark,
        database=database,
        load=load_folder,  # this module's name for the loader, which a test replaces
    )
    # The files are moved into place only when every protocol is written (cli/files.py).
    with writing(force=force) as outputs, _progress(errors, quiet) as bar:
        loading = bar.add_task("loading the OMOP data", total=None)
        with opened as (engine, concepts):
            when = when or _latest_day(engine)
            bar.update(loading, visible=False)
            steps = bar.add_task("protocols", total=len(protocols))

            def tell(done: int, what: str) -> None:
                bar.update(steps, description=shown(what), completed=done)

            written = write_protocols(
                engine, protocols, files, when, staging=outputs.partial, progress=tell
            )
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


def _check_database(database: Path | None, engine: str, omop: str) -> None:
    """``--database``: a new DuckDB file in a writable folder, for a folder or zip on DuckDB."""
    if database is None:
        return
    if engine != "duckdb":
        raise TrialkitInputError("--database: only with --engine duckdb")
    if is_url(omop) or Path(omop).suffix.lower() in DATABASE_SUFFIXES:
        raise TrialkitInputError("--database: only with a folder or zip as --omop")
    if database.suffix.lower() not in DATABASE_SUFFIXES:
        raise TrialkitInputError(
            f"--database {database}: give a .duckdb or .db file name (so that --omop reads it)"
        )
    if database.exists():
        raise TrialkitInputError(
            f"--database {database}: exists; pass it as --omop, or give a new file name"
        )
    _writable_folder(f"--database {database}", database)


_SPARK_MEMORY = re.compile(r"^[1-9][0-9]*[mMgG]$")


def _spark_settings(engine: str, memory: str | None, partitions: int | None) -> SparkSettings:
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
    default = SparkSettings()
    return SparkSettings(memory or default.memory, partitions or default.partitions)


def _latest_day(engine: Engine) -> datetime:
    """The default index time (:func:`latest_day`), with a warning when it is in the future."""
    default = latest_day(engine)
    # The day's start: an extract that ends today is not in the future.
    start = datetime.combine(default.date(), time.min)
    warn_if_future(start, f"the latest end of an observation period, {default.date().isoformat()}")
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
    files = output_files(out, protocols, several=several)
    folder = None if is_url(omop) else Path(omop)
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
    if is_url(omop):
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


# Report -----------------------------------------------------------------------------------


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
