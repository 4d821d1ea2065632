"""The OMOP CDM data a pre-screening reads, opened on the engine that runs it.

One function, :func:`open_omop`, for every input of ``trialkit prescreen``
(``docs/prescreen.md``, "Input"): a folder or zip of CSV / Parquet files
(loaded into DuckDB, in memory or into a new DuckDB file), a DuckDB database
file (opened read-only), a ``postgresql://`` URL (read in place), or a Parquet
folder on Spark (read in place); a folder or file on PostgreSQL or Spark is
loaded into DuckDB first and copied. The concept ids are checked on the way
in, where the data are cheapest to read: in DuckDB when they pass through it,
else on the engine (:func:`trialkit.omop.checks.check_concepts`).

Errors name the command-line option of the argument (``--omop``,
``--schema``, ``--postgres``, ``--at``), as the command reports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from trialkit.eligibility.sql.engine import ENGINES, DuckDBEngine, Engine
from trialkit.errors import OmopError, TrialkitInputError
from trialkit.omop import load_folder
from trialkit.omop.checks import ConceptCheck, Query, check_concepts, duckdb_query, open_database
from trialkit.omop.load import find_tables, load_database

__all__ = [
    "DATABASE_SUFFIXES",
    "URL_PREFIXES",
    "SparkSettings",
    "check_engine",
    "is_url",
    "latest_day",
    "open_omop",
]

DATABASE_SUFFIXES = (".duckdb", ".db")
"""The suffixes of a DuckDB database file, opened read-only as the OMOP data."""
URL_PREFIXES = ("postgresql://", "postgres://")
"""The prefixes of a PostgreSQL server's URL, read in place (``engine="postgres"``)."""

Load = Callable[..., duckdb.DuckDBPyConnection]
"""A loader of a folder or zip into DuckDB, called as :func:`trialkit.omop.load_folder` is."""


@dataclass(frozen=True, slots=True)
class SparkSettings:
    """The local Spark session's driver memory and shuffle partitions (``docs/prescreen.md``).

    A session already running keeps its own.
    """

    memory: str = "4g"
    partitions: int = 4


def check_engine(name: str) -> None:
    """Refuse an engine name that is not one of :data:`ENGINES`."""
    if name not in ENGINES:
        raise TrialkitInputError(f"--engine {name!r}: use one of {', '.join(ENGINES)}")


def is_url(omop: str | Path) -> bool:
    """Whether ``omop`` names a PostgreSQL server rather than a file or folder."""
    return str(omop).startswith(URL_PREFIXES)


@contextmanager
def open_omop(
    omop: str | Path,
    engine: str = "duckdb",
    *,
    schema: str | None = None,
    server: str | None = None,
    strict_concepts: bool = False,
    spark: SparkSettings | None = None,
    database: Path | None = None,
    load: Load = load_folder,
) -> Iterator[tuple[Engine, ConceptCheck]]:
    """The OMOP data ``omop`` on ``engine`` (duckdb, postgres or spark), and its concept check.

    ``omop`` is a folder or zip of CSV / Parquet files, a DuckDB file
    (``.duckdb`` / ``.db``), or with ``engine="postgres"`` a PostgreSQL URL
    (``schema``: where its CDM tables are, default the ``search_path``). On
    PostgreSQL a folder or file is copied into a temporary schema of
    ``server`` (a URL); on Spark, a folder of Parquet files only is read in
    place. ``database`` (DuckDB, a folder or zip): load it into this new
    DuckDB file, kept, instead of memory. ``strict_concepts``: a concept id
    missing from a non-empty CONCEPT table raises :class:`OmopError` instead
    of being listed in the check. ``load`` reads a folder or zip into DuckDB.

    Everything opened is closed, and every copy dropped, when the block ends;
    a Spark session started here is stopped.
    """
    check_engine(engine)
    with ExitStack() as stack:
        yield _open(
            str(omop), engine, schema, server, strict_concepts, spark, database, load, stack
        )


def _open(
    omop: str,
    name: str,
    schema: str | None,
    server: str | None,
    strict: bool,
    spark: SparkSettings | None,
    database: Path | None,
    load: Load,
    stack: ExitStack,
) -> tuple[Engine, ConceptCheck]:
    url = is_url(omop)
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
        con, concepts = _duckdb(Path(omop), strict, load)
        try:
            return stack.enter_context(PostgresEngine.from_duckdb(con, server)), concepts
        finally:
            con.close()
    if name == "spark":
        from trialkit.eligibility.sql.spark import SparkEngine

        path = Path(omop)
        settings = spark or SparkSettings()
        if path.is_dir() and _parquet_only(path):
            in_place = stack.enter_context(
                SparkEngine.from_parquet(path, _spark_session(stack, settings))
            )
            return in_place, _checked(in_place.query, strict)
        con, concepts = _duckdb(path, strict, load)
        try:
            copied = SparkEngine.from_duckdb(con, _spark_session(stack, settings))
            return stack.enter_context(copied), concepts
        finally:
            con.close()
    con, concepts = _duckdb(Path(omop), strict, load, database)
    stack.callback(con.close)
    return DuckDBEngine(con), concepts


def _duckdb(
    path: Path, strict: bool, load: Load, database: Path | None = None
) -> tuple[duckdb.DuckDBPyConnection, ConceptCheck]:
    """A DuckDB database file opened read-only, else a folder or zip loaded; concepts checked.

    The folder is loaded into memory, or into the new file ``database``
    (:func:`trialkit.omop.load.load_database`: created atomically, never read
    as complete unless its load finished, never overwriting another file).
    """
    if path.suffix.lower() in DATABASE_SUFFIXES:
        con = open_database(path)
    elif database is not None:
        # Strict, the loader names the file's data row of an unknown concept id.
        con = load_database(path, database, strict_concepts=strict)
    else:
        con = load(path, strict_concepts=strict)
    try:
        return con, _checked(duckdb_query(con), strict)
    except BaseException:
        con.close()
        raise


def _checked(query: Query, strict: bool) -> ConceptCheck:
    """The concept ids checked; with ``strict``, the first unknown one raises."""
    concepts = check_concepts(query)
    if strict and concepts.unknown:
        raise OmopError(concepts.unknown[0].message())
    return concepts


def _parquet_only(folder: Path) -> bool:
    files = find_tables(folder)
    return bool(files) and all(p.suffix.lower() == ".parquet" for p in files.values())


def _spark_session(stack: ExitStack, settings: SparkSettings) -> Any:
    """A local Spark session; stopped at the end unless one was already running (a test's).

    A session already running keeps its own memory and partitions.
    """
    from pyspark.sql import SparkSession

    from trialkit.eligibility.sql.spark import local_session

    running = SparkSession.getActiveSession() is not None
    session = local_session(memory=settings.memory, partitions=settings.partitions)
    if not running:
        stack.callback(session.stop)
    return session


def latest_day(engine: Engine) -> datetime:
    """The end of the latest observation period's last day: the data's own "now".

    The default index time of a pre-screening; an empty ``observation_period``
    has none (an error asking for the index time).
    """
    column = exp.column("observation_period_end_date")
    query = exp.select(exp.Max(this=column).as_("latest")).from_("observation_period")
    latest = engine.query(query)[1][0][0]
    if latest is None:
        raise TrialkitInputError("--at: observation_period is empty, give the index date")
    day = latest.date() if isinstance(latest, datetime) else latest
    assert isinstance(day, date)
    return datetime.combine(day, time.max)
