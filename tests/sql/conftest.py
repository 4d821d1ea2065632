"""Session-wide fixtures of the SQL tests: one local Spark session (it takes seconds to start)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from sql.engines import SPARK_TEST_MEMORY, unavailable


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local-mode Spark session (``trialkit.eligibility.sql.spark.local_session``)."""
    if shutil.which("java") is None:
        unavailable("no Java runtime: Spark cannot start (scripts/services.sh installs one)")
    from trialkit.eligibility.sql.spark import local_session

    session = local_session(memory=SPARK_TEST_MEMORY)
    yield session
    session.stop()
