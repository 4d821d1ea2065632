"""The SQL engines the agreement tests run on, each holding a copy of one DuckDB test database.

``engine_of(name, con)`` gives an :class:`~trialkit.eligibility.sql.Engine` for
``name`` (``duckdb``, ``postgres``, ``spark``) over the same OMOP tables as the
DuckDB connection ``con`` (built by :mod:`sql.population`). PostgreSQL needs a
server (``TRIALKIT_POSTGRES``, a libpq URL; ``scripts/services.sh`` starts
one); Spark needs Java. Without them an engine test is skipped, unless
``TRIALKIT_REQUIRE_ENGINES`` is set (``scripts/test.sh`` sets it, so CI can
never pass by skipping an engine): then it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import pytest

from trialkit.eligibility.sql import DuckDBEngine, Engine

ENGINE_NAMES = ("duckdb", "postgres", "spark")
SERVERS = ("postgres", "spark")
"""The engines that need a server or a JVM: their tests carry the ``engine`` marker."""
SPARK_TEST_MEMORY = "8g"
"""Driver memory of the suite's one Spark context, which runs every Spark test.

Those are the golden and 20,000-person agreements and the CLI's. With the
default 4 GB, two of four clean-clone runs failed with Spark out of memory.
"""


def engine_params(*names: str) -> list[Any]:
    """Fixture params for the engines ``names``, PostgreSQL and Spark marked ``engine``."""
    return [pytest.param(n, marks=pytest.mark.engine) if n in SERVERS else n for n in names]


def unavailable(reason: str) -> None:
    """Skip (or, when engines are required, fail) the test: ``reason`` says what is missing."""
    if os.environ.get("TRIALKIT_REQUIRE_ENGINES"):
        pytest.fail(f"{reason} (TRIALKIT_REQUIRE_ENGINES is set)")
    pytest.skip(reason)


def postgres_url() -> str:
    url = os.environ.get("TRIALKIT_POSTGRES")
    if not url:
        unavailable("TRIALKIT_POSTGRES is not set: no PostgreSQL server (scripts/services.sh)")
    assert url is not None
    return url


def engine_of(name: str, con: duckdb.DuckDBPyConnection, spark: Any = None) -> Engine:
    """An engine named ``name`` holding the CDM tables of ``con`` (Spark: in ``spark``'s session)."""
    if name == "duckdb":
        return DuckDBEngine(con)
    if name == "postgres":
        from trialkit.eligibility.sql.postgres import PostgresEngine

        return PostgresEngine.from_duckdb(con, postgres_url())
    if name == "spark":
        from trialkit.eligibility.sql.spark import SparkEngine

        return SparkEngine.from_duckdb(con, spark)
    raise ValueError(name)


@contextmanager
def engine_for(request: pytest.FixtureRequest, con: duckdb.DuckDBPyConnection) -> Iterator[Engine]:
    """The engine ``request.param`` names over ``con``'s tables, for a parametrized fixture.

    The Spark session is only started for Spark; engines holding a copy
    (PostgreSQL, Spark) free it on exit.
    """
    spark = request.getfixturevalue("spark") if request.param == "spark" else None
    on = engine_of(request.param, con, spark)
    try:
        yield on
    finally:
        close = getattr(on, "close", None)
        if close is not None:
            close()
