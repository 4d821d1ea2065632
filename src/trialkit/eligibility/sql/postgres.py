"""PostgreSQL as a pre-screening engine, over OMOP CDM tables in one schema of a server.

A hospital's OMOP CDM often lives in PostgreSQL (the OHDSI stack's reference
database). :meth:`PostgresEngine.connect` screens the tables already there;
:meth:`PostgresEngine.from_duckdb` and :meth:`PostgresEngine.from_folder` copy
a DuckDB database or an OMOP folder into a fresh schema of their own (dropped
by :meth:`PostgresEngine.close`), which is how the agreement tests put the
same rows on every engine. psycopg 3 is optional (``pip install
'trialkit[postgres]'``); importing this module without it raises
:class:`~trialkit.errors.TrialkitInputError`.

Dialect decisions (``docs/sql.md``, "Engines: PostgreSQL"): tables are named
without a schema and found through ``search_path``, so the compiled SQL is
the same for every schema; CDM ``datetime`` columns are ``TIMESTAMP`` without
time zone, as in DuckDB, so nothing depends on the session's time zone; rows
are copied with ``COPY ... FROM STDIN (FORMAT csv)`` from the CSV DuckDB
writes (shortest round-trip doubles, NULL unquoted and the empty string
quoted, so both survive).
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import duckdb
from sqlglot import exp

from trialkit.eligibility.sql.dialects import render
from trialkit.eligibility.sql.engine import Rows, drop_table, plain, temporary_table
from trialkit.errors import OmopError, TrialkitInputError
from trialkit.omop.checks import check_rows
from trialkit.omop.load import load_folder
from trialkit.omop.model import Table
from trialkit.omop.quiet import quiet
from trialkit.omop.schema import TABLES, create_table

try:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict
except ImportError as missing:  # pragma: no cover - exercised by simulating the absence
    raise TrialkitInputError(
        "PostgreSQL engine: psycopg is not installed; install trialkit's `postgres` extra "
        "(pip install 'trialkit[postgres]')"
    ) from missing

__all__ = ["PostgresEngine"]

CONNECT_TIMEOUT = 10
"""Seconds to wait for the server when the URL sets no ``connect_timeout`` (libpq waits forever)."""

_COPY_CHUNK = 1 << 20


class PostgresEngine:
    """PostgreSQL through psycopg 3: the CDM tables of one schema, found through ``search_path``.

    The connection is in autocommit mode; each query is one statement.
    Temporary tables (:meth:`materialize`) live in the session's own
    ``pg_temp`` schema, which PostgreSQL searches first.
    """

    dialect = "postgres"

    def __init__(
        self, connection: psycopg.Connection[Any], schema: str, *, owned: bool = False
    ) -> None:
        self.connection = connection
        self.schema = schema
        """The schema the CDM tables are read from."""
        self.owned = owned
        """True when the engine created the schema, so that :meth:`close` drops it."""

    # Constructors -------------------------------------------------------------------------

    @classmethod
    def connect(cls, url: str, schema: str | None = None) -> PostgresEngine:
        """An engine over the CDM tables of ``schema`` (default: the server's ``search_path``).

        ``url`` is a libpq URL or connection string. A server that cannot be
        reached raises :class:`~trialkit.errors.TrialkitInputError`; a schema,
        table or column trialkit needs that is missing raises
        :class:`~trialkit.errors.OmopError` naming it, and so do a repeated
        key or an impossible birth date (:func:`trialkit.omop.checks.check_rows`).
        """
        connection = _open(url)
        try:
            found = _current_schema(connection) if schema is None else schema
            if found is None:
                raise OmopError(
                    f"PostgreSQL {_where(url)}: no schema on the search_path exists; "
                    "name the schema holding the OMOP CDM tables"
                )
            _require_schema(connection, found, _where(url))
            _set_search_path(connection, found)
            _require_tables(connection, found)
            engine = cls(connection, found)
            check_rows(engine.query)
        except BaseException:
            connection.close()
            raise
        return engine

    @classmethod
    def from_duckdb(cls, con: duckdb.DuckDBPyConnection, url: str) -> PostgresEngine:
        """A copy of the CDM tables of the DuckDB connection ``con`` in a new schema of ``url``.

        The schema (``trialkit_`` and a random suffix) is created with the CDM
        5.4 DDL of :mod:`trialkit.omop.schema` and dropped by :meth:`close`.
        Every CDM table trialkit uses must exist in ``con``.
        """
        source = quiet(con.cursor())  # its own results: whatever ``con`` has open stays open
        try:
            return cls._copy(source, url)
        finally:
            source.close()

    @classmethod
    def _copy(cls, source: duckdb.DuckDBPyConnection, url: str) -> PostgresEngine:
        present = _duckdb_tables(source)
        missing = [spec.name for spec in TABLES if spec.name not in present]
        if missing:
            raise OmopError(f"{', '.join(missing)}: no such table in the DuckDB database")
        connection = _open(url)
        schema = f"trialkit_{uuid.uuid4().hex}"
        engine = cls(connection, schema, owned=True)
        try:
            create = exp.Create(this=exp.Table(db=exp.to_identifier(schema)), kind="SCHEMA")
            connection.execute(create.sql(dialect="postgres", identify=True))
            with (
                tempfile.TemporaryDirectory(prefix="trialkit-postgres-") as scratch,
                connection.transaction(),
            ):
                for spec in TABLES:
                    _copy_table(source, connection, spec, schema, Path(scratch))
                    _index_table(connection, spec, schema)
            _set_search_path(connection, schema)
        except BaseException:
            engine.close()
            raise
        return engine

    @classmethod
    def from_folder(cls, source: str | Path, url: str) -> PostgresEngine:
        """An OMOP CDM folder (or zip) loaded as :func:`trialkit.omop.load_folder` reads it, copied.

        The files are read, typed and validated in DuckDB first (so the same
        file gives the same :class:`~trialkit.errors.OmopError` on every
        engine), then copied as by :meth:`from_duckdb`.
        """
        con = load_folder(source)
        try:
            return cls.from_duckdb(con, url)
        finally:
            con.close()

    # The Engine interface -----------------------------------------------------------------

    def query(self, select: exp.Expr) -> Rows:
        cursor = self.connection.execute(render(select, "postgres"))
        description = cursor.description or []
        names = [str(d.name) for d in description]
        rows = [tuple(plain(v) for v in row) for row in cursor.fetchall()]
        return names, rows

    def materialize(self, name: str, select: exp.Expr) -> None:
        self.connection.execute(render(temporary_table(name, select), "postgres"))

    def drop(self, name: str) -> None:
        self.connection.execute(render(drop_table(name), "postgres"))

    # Lifetime -----------------------------------------------------------------------------

    def close(self) -> None:
        """Drop the schema the engine created (if it did), and close the connection."""
        if self.connection.closed:
            return
        try:
            if self.owned:
                drop = exp.Drop(
                    tables=[exp.Table(db=exp.to_identifier(self.schema))],
                    kind="SCHEMA",
                    exists=True,
                    cascade=True,
                )
                self.connection.execute(drop.sql(dialect="postgres", identify=True))
        finally:
            self.connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _where(url: str) -> str:
    """The server and database of ``url`` as ``host:port/dbname`` (never its password)."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(unreadable URL)"
    host = parts.get("host") or "localhost"
    port = parts.get("port") or "5432"
    return f"{host}:{port}/{parts.get('dbname') or parts.get('user') or ''}"


def _open(url: str) -> psycopg.Connection[Any]:
    try:
        options = conninfo_to_dict(url)
    except psycopg.ProgrammingError as error:
        raise TrialkitInputError(
            f"PostgreSQL URL: not a libpq URL or connection string ({_first_line(error)})"
        ) from None
    timeout = {} if "connect_timeout" in options else {"connect_timeout": CONNECT_TIMEOUT}
    try:
        connection = psycopg.connect(url, autocommit=True, **timeout)  # type: ignore[arg-type]
    except psycopg.Error as error:
        raise TrialkitInputError(
            f"PostgreSQL {_where(url)}: cannot connect: {_first_line(error)}"
        ) from None
    # JIT compiling the thousands of expressions of one compiled protocol took longer
    # than running it (35 of 52 s for c-hlh on 20,000 persons).
    _set(connection, "jit", "off")
    return connection


def _first_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _scalar(connection: psycopg.Connection[Any], select: exp.Expr) -> Any:
    row = connection.execute(select.sql(dialect="postgres", identify=True)).fetchone()
    return None if row is None else row[0]


def _current_schema(connection: psycopg.Connection[Any]) -> str | None:
    found = _scalar(connection, exp.select(exp.func("current_schema")))
    return None if found is None else str(found)


def _require_schema(connection: psycopg.Connection[Any], schema: str, where: str) -> None:
    exists = (
        exp.select(exp.Literal.number(1))
        .from_(exp.to_table("pg_catalog.pg_namespace"))
        .where(exp.column("nspname").eq(exp.Literal.string(schema)))
    )
    if _scalar(connection, exists) is None:
        raise OmopError(f"PostgreSQL {where}: no schema named {schema!r}")


def _set(connection: psycopg.Connection[Any], name: str, value: str) -> None:
    """Set the session setting ``name`` (``set_config``: the value is a literal, not SQL)."""
    setting = exp.Anonymous(
        this="set_config",
        expressions=[exp.Literal.string(name), exp.Literal.string(value), exp.false()],
    )
    connection.execute(exp.select(setting).sql(dialect="postgres"))


def _set_search_path(connection: psycopg.Connection[Any], schema: str) -> None:
    """Unqualified table names are the schema's (temporary tables still come first)."""
    _set(connection, "search_path", exp.to_identifier(schema, quoted=True).sql(dialect="postgres"))


def _require_tables(connection: psycopg.Connection[Any], schema: str) -> None:
    """Every CDM table trialkit uses, with every column, is in ``schema``; else OmopError."""
    select = (
        exp.select("table_name", "column_name")
        .from_(exp.to_table("information_schema.columns"))
        .where(exp.column("table_schema").eq(exp.Literal.string(schema)))
    )
    present: dict[str, set[str]] = {}
    for table_name, column_name in connection.execute(
        select.sql(dialect="postgres", identify=True)
    ).fetchall():
        present.setdefault(str(table_name), set()).add(str(column_name))
    missing_tables = [spec.name for spec in TABLES if spec.name not in present]
    if missing_tables:
        raise OmopError(
            f"{', '.join(missing_tables)}: OMOP CDM table missing from PostgreSQL schema {schema!r}"
        )
    for spec in TABLES:
        missing = [c.name for c in spec.columns if c.name not in present[spec.name]]
        if missing:
            names = ", ".join(f"{spec.name}.{name}" for name in missing)
            raise OmopError(f"{names}: column missing from PostgreSQL schema {schema!r}")


def _duckdb_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The names of the tables and views of the DuckDB connection's current catalog."""
    select = exp.select("table_name").from_(exp.to_table("information_schema.tables"))
    return {str(name) for (name,) in con.execute(select.sql(dialect="duckdb")).fetchall()}


def _copy_table(
    con: duckdb.DuckDBPyConnection,
    connection: psycopg.Connection[Any],
    spec: Table,
    schema: str,
    scratch: Path,
) -> None:
    """Create ``spec`` in ``schema`` and copy the DuckDB table's rows into it, as CSV.

    The table is UNLOGGED (no write-ahead log: a copy lives as long as its engine,
    and a crash loses nothing but the copy).
    """
    create = create_table(spec, if_not_exists=False)
    create.this.this.set("db", exp.to_identifier(schema))
    create.set("properties", exp.Properties(expressions=[exp.UnloggedProperty()]))
    connection.execute(create.sql(dialect="postgres", identify=True))
    names = [column.name for column in spec.columns]
    path = scratch / f"{spec.name}.csv"
    select = exp.select(*(exp.column(n, quoted=True) for n in names)).from_(exp.to_table(spec.name))
    con.sql(select.sql(dialect="duckdb")).write_csv(str(path), header=False)
    copy = exp.Copy(
        this=exp.Schema(
            this=exp.Table(this=exp.to_identifier(spec.name), db=exp.to_identifier(schema)),
            expressions=[exp.to_identifier(n) for n in names],
        ),
        kind=True,
        files=[exp.Var(this="STDIN")],
        params=[exp.CopyParameter(this=exp.Var(this="FORMAT"), expression=exp.Var(this="csv"))],
    )
    try:
        with (
            connection.cursor() as cursor,
            cursor.copy(copy.sql(dialect="postgres", identify=True)) as pipe,
            path.open("rb") as rows,
        ):
            while chunk := rows.read(_COPY_CHUNK):
                pipe.write(chunk)
    except psycopg.errors.DataError as error:
        # A value PostgreSQL's type refuses where DuckDB's did not (a DuckDB file not
        # loaded by trialkit: a varchar longer than the CDM's length).
        context = (error.diag.context or "").strip().splitlines()
        where = context[0] if context else ""
        first = str(error).strip().splitlines()[0]
        raise OmopError(
            f"{spec.name}: cannot be copied to PostgreSQL: {first}"
            + (f" ({where[:200]})" if where else "")
        ) from None
    path.unlink()


def _index_table(connection: psycopg.Connection[Any], spec: Table, schema: str) -> None:
    """The indexes OHDSI's CDM 5.4 script gives ``spec`` that the compiled SQL can use.

    ``person_id`` and the table's own ``<domain>_concept_id`` (``OMOPCDM_postgresql_5.4_
    indices.sql``), and ``concept_ancestor`` by ancestor: each leaf selects its rows by
    concept. Created after the copy, then the table is analyzed.
    """
    names = {column.name for column in spec.columns}
    wanted = [n for n in ("person_id", f"{spec.name.split('_')[0]}_concept_id") if n in names]
    if spec.name == "concept_ancestor":
        wanted = ["ancestor_concept_id"]
    table = exp.Table(this=exp.to_identifier(spec.name), db=exp.to_identifier(schema))
    for column in wanted:
        index = exp.Create(
            kind="INDEX",
            this=exp.Index(
                table=table.copy(),
                params=exp.IndexParameters(columns=[exp.Ordered(this=exp.column(column))]),
            ),
        )
        connection.execute(index.sql(dialect="postgres", identify=True))
    connection.execute(exp.Analyze(tables=[table]).sql(dialect="postgres", identify=True))
