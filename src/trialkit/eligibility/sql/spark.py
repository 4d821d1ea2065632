"""Spark (PySpark, local mode or a cluster session) as a pre-screening engine, over Parquet.

When a hospital network outgrows one machine, the same compiled SQL runs on
Spark: :class:`SparkEngine` registers the OMOP CDM tables as temporary views
read from Parquet and executes the query rendered in sqlglot's ``spark``
dialect. PySpark is optional (``pip install 'trialkit[spark]'``); importing
this module without it raises :class:`~trialkit.errors.TrialkitInputError`.

Dialect decisions (``docs/sql.md``, "Engines: Spark"): CDM ``datetime``
columns are ``TIMESTAMP_NTZ`` and sqlglot renders every ``TIMESTAMP`` cast as
``TIMESTAMP_NTZ``, so times are naive as in DuckDB; the session time zone is
UTC all the same, so that nothing depends on the machine's zone. Each engine
works in its own :meth:`~pyspark.sql.SparkSession.newSession` (one
``SparkContext``, separate temporary views and settings): two engines in one
session never see each other's tables.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from sqlglot import exp

from trialkit.eligibility.sql.dialects import render
from trialkit.eligibility.sql.engine import Rows, plain
from trialkit.errors import OmopError, TrialkitInputError
from trialkit.omop.checks import check_rows
from trialkit.omop.load import find_tables, load_folder
from trialkit.omop.model import Column, Table
from trialkit.omop.schema import TABLES, sql_type

try:
    from pyspark import StorageLevel
    from pyspark.errors import AnalysisException
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql import functions as spark_functions
    from pyspark.sql import types as spark_types
except ImportError as missing:  # pragma: no cover - exercised by simulating the absence
    raise TrialkitInputError(
        "Spark engine: pyspark is not installed; install trialkit's `spark` extra "
        "(pip install 'trialkit[spark]') and a Java runtime"
    ) from missing

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["SparkEngine", "local_session"]

_SPARK_TYPES: dict[object, spark_types.DataType] = {
    exp.DataType.Type.BIGINT: spark_types.LongType(),
    exp.DataType.Type.INT: spark_types.IntegerType(),
    exp.DataType.Type.DOUBLE: spark_types.DoubleType(),
    exp.DataType.Type.DATE: spark_types.DateType(),
    exp.DataType.Type.TIMESTAMPNTZ: spark_types.TimestampNTZType(),
    exp.DataType.Type.TEXT: spark_types.StringType(),
    exp.DataType.Type.VARCHAR: spark_types.StringType(),
}
"""The Spark type of each CDM SQL type (:func:`trialkit.omop.schema.sql_type`); VARCHAR(n) is STRING."""

_INTEGERS = (
    spark_types.ByteType,
    spark_types.ShortType,
    spark_types.IntegerType,
    spark_types.LongType,
)
_NUMBERS = (*_INTEGERS, spark_types.FloatType, spark_types.DoubleType, spark_types.DecimalType)
_ACCEPTED: dict[type[spark_types.DataType], tuple[type[spark_types.DataType], ...]] = {
    spark_types.LongType: _INTEGERS,
    spark_types.IntegerType: _INTEGERS,
    spark_types.DoubleType: _NUMBERS,
    spark_types.DateType: (spark_types.DateType,),
    spark_types.TimestampNTZType: (
        spark_types.TimestampNTZType,
        spark_types.TimestampType,
        spark_types.DateType,
    ),
    spark_types.StringType: (spark_types.StringType, spark_types.CharType, spark_types.VarcharType),
}
"""The Parquet column types each CDM type is cast from; any other type is an error."""


_SETTINGS = {
    "spark.sql.constraintPropagation.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
}
"""SQL settings of each engine's own session.

Constraint propagation (the optimizer inferring filters from every alias and
condition of the plan) grows with the product of the plan's aliases and
predicates: on c-hlh's compiled query (34 CTEs) it did not finish in 10
minutes; without it the optimizer takes seconds. The filters it would infer
are the compiler's own ``person_id`` join keys, already pushed down.

Whole-stage code generation fuses a stage into one Java class; for the
compiled protocols that class is too large for Janino, which fails after
compiling for a long time, and Spark falls back to the interpreted plan:
executing r-hlh on the golden patients took 100 s with it, 36 s without
(per-expression code generation stays on).
"""


def local_session(*, cores: int = 2, memory: str = "4g", partitions: int = 4) -> SparkSession:
    """A Spark session in local mode for pre-screening on one machine.

    ``local[cores]``, no web UI, ``partitions`` shuffle partitions (Spark's
    default 200 cost more than the work on small data; a million persons need
    more than 4, or a task's window runs out of memory), the session time
    zone UTC, driver memory ``memory`` (the executors run in the driver in
    local mode), and only errors logged. ``SPARK_LOCAL_IP`` defaults to 127.0.0.1, so that
    Spark does not resolve the machine's host name.

    Memory: a compiled protocol is one plan of dozens of sort-merge joins and
    window sorts, which run in the same task, and every sort holds at least
    one page of ``spark.buffer.pageSize`` (64 MB by default at 4 GB and
    more). With the local checkpoints of earlier screenings holding storage
    memory (Spark protects ``spark.memory.storageFraction``, half by default,
    from eviction), a task ran out of execution memory ("Unable to acquire 36
    bytes of memory, got 0", seen in CI on the 20,000-person population after
    many screenings in one session). Pages of 4 MB and a storage fraction of
    0.1 leave the joins their memory: checkpoints are kept in memory and on
    disk, so an evicted one is read from disk.
    """
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("trialkit")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", memory)
        .config("spark.buffer.pageSize", "4m")
        .config("spark.memory.storageFraction", "0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    # Errors reach the caller as exceptions; pyspark would also log each one with
    # its whole query plan (megabytes for a compiled protocol).
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return session


def spark_type(column: Column) -> spark_types.DataType:
    """The Spark type a CDM column is read as (from its SQL type in :mod:`trialkit.omop.schema`)."""
    return _SPARK_TYPES[sql_type(column).this]


def _typed(spec: Table, frame: DataFrame, origin: str) -> DataFrame:
    """The file's columns as the CDM table: matched by name in any case, cast to the CDM types."""
    present = {field.name.lower(): field for field in frame.schema.fields}
    columns = []
    for column in spec.columns:
        target = spark_type(column)
        found = present.get(column.name)
        if found is None:
            if column.required:
                raise OmopError(f"{spec.name}.{column.name}: required column missing from {origin}")
            columns.append(spark_functions.lit(None).cast(target).alias(column.name))
            continue
        if not isinstance(found.dataType, _ACCEPTED[type(target)]):
            raise OmopError(
                f"{spec.name}.{column.name}: {origin} holds {found.dataType.simpleString()}, "
                f"not a {column.datatype} ({target.simpleString()})"
            )
        columns.append(spark_functions.col(f"`{found.name}`").cast(target).alias(column.name))
    return frame.select(*columns)


def _empty(session: SparkSession, spec: Table) -> DataFrame:
    schema = spark_types.StructType(
        [
            spark_types.StructField(c.name, spark_type(c), nullable=not c.required)
            for c in spec.columns
        ]
    )
    return session.createDataFrame([], schema)


class SparkEngine:
    """Spark holding one OMOP CDM database as temporary views (see the module docstring).

    Build one with :meth:`from_parquet`, :meth:`from_duckdb` or
    :meth:`from_folder`; :meth:`close` drops its views and cached results and
    removes the Parquet copy :meth:`from_duckdb` wrote.
    """

    dialect = "spark"

    def __init__(self, session: SparkSession, scratch: Path | None = None) -> None:
        self.session = session
        self.scratch = scratch
        """The temporary Parquet copy this engine removes on :meth:`close` (None: reads in place)."""
        self._cached: dict[str, DataFrame] = {}

    @classmethod
    def from_parquet(cls, folder: str | Path, session: SparkSession) -> SparkEngine:
        """The CDM tables of a folder of Parquet files (``person.parquet``, names in any case).

        Every CDM table trialkit uses becomes a view cast to the CDM types; a
        missing required table or column, or a column of another type, is an
        :class:`OmopError` naming it, and so are a repeated key and an
        impossible birth date (:func:`trialkit.omop.checks.check_rows`); a
        missing optional table is empty.
        """
        engine = cls._over_parquet(Path(folder), session, None)
        try:
            check_rows(engine.query)
        except BaseException:
            engine.close()
            raise
        return engine

    @classmethod
    def from_duckdb(cls, con: duckdb.DuckDBPyConnection, session: SparkSession) -> SparkEngine:
        """A copy of the CDM tables of a DuckDB connection (written to a temporary Parquet folder)."""
        scratch = Path(tempfile.mkdtemp(prefix="trialkit-spark-"))
        try:
            for spec in TABLES:
                con.table(spec.name).write_parquet(str(scratch / f"{spec.name}.parquet"))
            return cls._over_parquet(scratch, session, scratch)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise

    @classmethod
    def from_folder(cls, source: str | Path, session: SparkSession) -> SparkEngine:
        """An OMOP folder or zip: Parquet read directly, CSV (or a zip) loaded through DuckDB first."""
        path = Path(source)
        if path.is_dir() and path.suffix.lower() != ".zip":
            files = find_tables(path)
            if files and all(p.suffix.lower() == ".parquet" for p in files.values()):
                return cls.from_parquet(path, session)
        elif not path.exists():
            raise OmopError(f"{path}: no such folder or zip file")
        elif path.is_file() and not zipfile.is_zipfile(path):
            raise OmopError(f"{path}: expected a folder of CSV or Parquet files, or a zip of one")
        con = load_folder(path)
        try:
            return cls.from_duckdb(con, session)
        finally:
            con.close()

    @classmethod
    def _over_parquet(
        cls, folder: Path, session: SparkSession, scratch: Path | None
    ) -> SparkEngine:
        if not folder.is_dir():
            raise OmopError(f"{folder}: not a folder of Parquet files")
        files = find_tables(folder)
        for spec in TABLES:
            path = files.get(spec.name)
            if path is None and spec.required:
                raise OmopError(
                    f"{spec.name}: required table missing: no {spec.name}.parquet in {folder}"
                )
            if path is not None and path.suffix.lower() != ".parquet":
                raise OmopError(f"{spec.name}: {path.name} is not Parquet (from_folder loads CSV)")
        own = session.newSession()
        for key, value in _SETTINGS.items():
            own.conf.set(key, value)
        frames: Mapping[str, DataFrame] = {
            spec.name: (
                _typed(spec, cls._read(own, files[spec.name]), files[spec.name].name)
                if spec.name in files
                else _empty(own, spec)
            )
            for spec in TABLES
        }
        for name, frame in frames.items():
            frame.createOrReplaceTempView(name)
        return cls(own, scratch)

    @staticmethod
    def _read(session: SparkSession, path: Path) -> DataFrame:
        try:
            return session.read.parquet(str(path))
        except AnalysisException as error:
            raise OmopError(
                f"{path.name}: cannot be read as Parquet: {_first_line(error)}"
            ) from None

    def query(self, select: exp.Expr) -> Rows:
        frame = self.session.sql(render(select, "spark"))
        names = list(frame.columns)
        with warnings.catch_warnings():
            # collect() leaves its local socket to the garbage collector (pyspark.util
            # _create_local_socket closes the file, not the socket): not ours to report.
            warnings.simplefilter("ignore", ResourceWarning)
            collected = frame.collect()
        rows = [tuple(plain(v) for v in row) for row in collected]
        return names, rows

    def materialize(self, name: str, select: exp.Expr) -> None:
        # In memory and on disk (:func:`local_session`: memory may evict it).
        frame = self.session.sql(render(select, "spark")).localCheckpoint(
            eager=True, storageLevel=StorageLevel.MEMORY_AND_DISK
        )
        frame.createOrReplaceTempView(name)
        self._cached[name] = frame

    def drop(self, name: str) -> None:
        frame = self._cached.pop(name, None)
        if frame is not None:
            _release(frame)
        self.session.catalog.dropTempView(name)

    def close(self) -> None:
        """Drop the CDM views and every materialized result; remove the temporary Parquet copy."""
        for name in list(self._cached):
            self.drop(name)
        for spec in TABLES:
            self.session.catalog.dropTempView(spec.name)
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _release(frame: DataFrame) -> None:
    """Free the blocks of a locally checkpointed frame now.

    ``DataFrame.unpersist()`` does not free them: a local checkpoint is not in
    the cache manager but in the persisted RDD under the frame's ``LogicalRDD``
    plan, which stayed until the JVM collected it. Many screenings in one
    context then filled the storage memory, and an aggregation ran out of
    memory (``AGGREGATE_OUT_OF_MEMORY``, seen in the test suite).
    """
    frame.unpersist()
    plan = frame._jdf.queryExecution().analyzed()
    if plan.getClass().getSimpleName() == "LogicalRDD":
        plan.rdd().unpersist(True)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
