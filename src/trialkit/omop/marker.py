"""The mark a DuckDB file loaded by trialkit carries: ``loading`` until its load is complete.

A load into a DuckDB file commits table after table; stopped half-way (a
failed file, Ctrl-C, SIGTERM, a full disk), the file holds some tables and
not others, and nothing in the CDM tables says so. So trialkit writes a
one-row table, ``trialkit_database``, first, with ``state`` ``loading``, and
sets it to ``complete`` as the last step of the load, followed by a
checkpoint. :func:`check_marker` refuses a file whose mark is not
``complete``.

How a trialkit file is told from another tool's: a file trialkit loaded
always has the table; a file without it was made by another tool (or by
trialkit before this mark existed) and is read as any CDM database is,
after the same checks of its tables, columns and rows.
"""

from __future__ import annotations

from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

import duckdb
from sqlglot import exp

from trialkit.errors import OmopError

__all__ = ["COMPLETE", "LOADING", "MARKER", "MARKER_SCHEMA", "check_marker", "mark"]

MARKER = "trialkit_database"
"""The table holding the mark (one row)."""
MARKER_SCHEMA = "trialkit.omop-database/1"
"""The version of the mark's columns: ``schema``, ``state``, ``trialkit_version``, ``source``,
``started``, ``completed``."""
LOADING = "loading"
COMPLETE = "complete"

_COLUMNS = (
    ("schema", "VARCHAR"),
    ("state", "VARCHAR"),
    ("trialkit_version", "VARCHAR"),
    ("source", "VARCHAR"),
    ("started", "TIMESTAMP"),
    ("completed", "TIMESTAMP"),
)


def _trialkit_version() -> str:
    try:
        return version("trialkit")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree without metadata
        return "unknown"


def mark(con: duckdb.DuckDBPyConnection, state: str, source: str) -> None:
    """Set the file's mark to ``state`` (the table is created when absent); committed at once.

    ``complete`` is followed by a checkpoint, so that the mark and every
    table before it are in the database file itself, not only in its log.
    """
    table = exp.to_table(MARKER)
    columns = [
        exp.ColumnDef(this=exp.to_identifier(name), kind=exp.DataType.build(kind))
        for name, kind in _COLUMNS
    ]
    create = exp.Create(this=exp.Schema(this=table, expressions=columns), kind="TABLE", exists=True)
    con.execute(create.sql(dialect="duckdb"))
    now = datetime.now().replace(microsecond=0)
    if state == LOADING:
        con.execute(exp.delete(MARKER).sql(dialect="duckdb"))
        row = exp.tuple_(
            exp.Literal.string(MARKER_SCHEMA),
            exp.Literal.string(LOADING),
            exp.Literal.string(_trialkit_version()),
            exp.Literal.string(source),
            exp.cast(exp.Literal.string(now.isoformat(sep=" ")), "TIMESTAMP"),
            exp.null(),
        )
        insert = exp.insert(exp.Values(expressions=[row]), MARKER)
        con.execute(insert.sql(dialect="duckdb"))
        return
    update = exp.update(
        MARKER,
        {
            "state": exp.Literal.string(state),
            "completed": exp.cast(exp.Literal.string(now.isoformat(sep=" ")), "TIMESTAMP"),
        },
    )
    con.execute(update.sql(dialect="duckdb"))
    con.execute("CHECKPOINT")


def check_marker(con: duckdb.DuckDBPyConnection, origin: str) -> None:
    """Refuse a file trialkit was loading and did not finish; accept a file without a mark.

    The mark must be a base table (a view would run code) holding one row
    whose ``state`` is ``complete``.
    """
    here = exp.and_(
        exp.column("database_name").eq(exp.func("current_database")),
        exp.column("schema_name").eq(exp.func("current_schema")),
    )
    kinds = []
    for catalog, name in (("duckdb_tables", "table_name"), ("duckdb_views", "view_name")):
        found = (
            exp.select(exp.Count(this=exp.Star()))
            .from_(exp.Anonymous(this=catalog))
            .where(exp.and_(here.copy(), exp.column(name).eq(exp.Literal.string(MARKER))))
        )
        row = con.execute(found.sql(dialect="duckdb")).fetchone()
        kinds.append(0 if row is None else int(row[0]))
    tables, views = kinds
    if views:
        raise OmopError(f"{origin}: {MARKER} is a view, not trialkit's mark of a complete load")
    if not tables:
        return
    try:
        query = exp.select("schema", "state", "started").from_(MARKER)
        rows = con.execute(query.sql(dialect="duckdb", identify=True)).fetchall()
    except duckdb.Error:
        rows = []
    if len(rows) != 1 or rows[0][1] != COMPLETE:
        state = rows[0][1] if len(rows) == 1 else f"{len(rows)} rows"
        started = f", started {rows[0][2]}" if len(rows) == 1 and rows[0][2] else ""
        raise OmopError(
            f"{origin}: an incomplete trialkit load ({MARKER} says {state!r}{started}): the "
            "load failed or was stopped; load the folder again into a new file"
        )
