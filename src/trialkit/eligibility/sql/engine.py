"""SQL engines a compiled protocol runs on: one small interface, one class per engine.

The compiler renders one sqlglot AST per dialect; an :class:`Engine` executes
it and returns plain Python rows. DuckDB (:class:`DuckDBEngine`, embedded) is
the default; :mod:`trialkit.eligibility.sql.postgres` and
:mod:`trialkit.eligibility.sql.spark` run the same SQL on a PostgreSQL server
and on Spark. Each engine's rows use the same Python types: ``bool`` or
``None`` for criteria, ``str`` for the verdict, ``int`` / ``float`` /
``datetime.date`` / ``datetime.datetime`` / ``str`` for evidence (a DECIMAL is
returned as ``float``), so that results compare person by person.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

import duckdb
from sqlglot import exp

from trialkit.eligibility.sql.dialects import render

__all__ = [
    "ENGINES",
    "DuckDBEngine",
    "Engine",
    "Rows",
    "as_engine",
    "drop_table",
    "plain",
    "temporary_table",
]

ENGINES: tuple[str, ...] = ("duckdb", "spark", "postgres")
"""Engine names, which are also their sqlglot dialects."""

Rows = tuple[list[str], list[tuple[Any, ...]]]
"""Column names, and the rows as tuples of plain Python values."""


@runtime_checkable
class Engine(Protocol):
    """What the pre-screening needs of a SQL engine holding OMOP CDM tables."""

    @property
    def dialect(self) -> str:
        """The sqlglot dialect the engine's SQL is rendered in (one of :data:`ENGINES`)."""
        ...

    def query(self, select: exp.Expr) -> Rows:
        """Run one SELECT; its column names and rows (values as :func:`plain`)."""
        ...

    def materialize(self, name: str, select: exp.Expr) -> None:
        """Store the result of ``select`` as the temporary table ``name`` (computed once)."""
        ...

    def drop(self, name: str) -> None:
        """Drop the temporary table ``name`` if it exists."""
        ...


def plain(value: Any) -> Any:
    """A value as the engines agree to return it (DECIMAL as float; the rest unchanged)."""
    if isinstance(value, Decimal):
        return float(value)
    return value


class DuckDBEngine:
    """DuckDB, embedded: over a connection from :func:`trialkit.omop.connect` or ``load_folder``."""

    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def query(self, select: exp.Expr) -> Rows:
        cursor = self.con.execute(render(select, "duckdb"))
        names = [str(d[0]) for d in cursor.description]
        rows = [tuple(plain(v) for v in row) for row in cursor.fetchall()]
        return names, rows

    def materialize(self, name: str, select: exp.Expr) -> None:
        self.con.execute(render(temporary_table(name, select), "duckdb"))

    def drop(self, name: str) -> None:
        # Closed (an interrupted run closes it first): its temporary tables went with it.
        with contextlib.suppress(duckdb.ConnectionException):
            self.con.execute(render(drop_table(name), "duckdb"))


def temporary_table(name: str, select: exp.Expr) -> exp.Create:
    """``CREATE TEMPORARY TABLE name AS select`` (the SQL engines' :meth:`Engine.materialize`)."""
    return exp.Create(
        this=exp.to_table(name),
        kind="TABLE",
        expression=select,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )


def drop_table(name: str) -> exp.Drop:
    """``DROP TABLE IF EXISTS name``."""
    return exp.Drop(tables=[exp.to_table(name)], kind="TABLE", exists=True)


def as_engine(target: Engine | duckdb.DuckDBPyConnection) -> Engine:
    """An engine for ``target``: a DuckDB connection is wrapped, an engine returned as is."""
    if isinstance(target, duckdb.DuckDBPyConnection):
        return DuckDBEngine(target)
    return target
