"""Session-wide fixtures of the SQL tests: the golden database, on DuckDB and on PostgreSQL.

The golden agreement and the PostgreSQL tests read the same database; it is
built, and copied to the server, once per run. The Spark session is the whole
run's (``tests/conftest.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import duckdb
import pytest

from sql.engines import postgres_url
from sql.population import database

if TYPE_CHECKING:
    from trialkit.eligibility.sql.postgres import PostgresEngine


@pytest.fixture(scope="session")
def golden_db() -> Iterator[duckdb.DuckDBPyConnection]:
    """Every golden case (and its variants) as one person of a DuckDB database."""
    from sql.test_golden_agreement import CASES

    con = database([c.record for c in CASES])
    yield con
    con.close()


@pytest.fixture(scope="session")
def golden_pg(golden_db: duckdb.DuckDBPyConnection) -> Iterator[PostgresEngine]:
    """The golden database copied into a schema of the PostgreSQL server, dropped at the end."""
    url = postgres_url()
    from trialkit.eligibility.sql.postgres import PostgresEngine

    with PostgresEngine.from_duckdb(golden_db, url) as engine:
        yield engine
