"""Constants and helpers of the synthetic-population tests."""

from __future__ import annotations

import duckdb

#: Persons and seed of the shared population: large enough for the distribution bands.
PERSONS = 4000
SEED = 11


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    """The single value of a query (tests write SQL as text; product code builds it with sqlglot)."""
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def column(con: duckdb.DuckDBPyConnection, sql: str) -> list[object]:
    """The first column of every row of a query."""
    return [row[0] for row in con.execute(sql).fetchall()]
