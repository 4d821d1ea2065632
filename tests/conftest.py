"""Test-suite settings: hypothesis profiles, the ``engine`` marker, the one Spark session.

Locally hypothesis keeps exploring new examples (that is how it finds bugs);
in CI (``CI`` set) the same examples run every time and no deadline applies,
so a slow shared machine cannot fail a run by timing.

The ``engine`` marker (``pyproject.toml``) is on every test that needs
PostgreSQL or Spark or screens a big population: ``pytest -m "not engine"``
runs the rest in a few minutes; ``scripts/test.sh`` (CI) runs everything. A
test that asks for the Spark session is marked here; the others carry the
marker themselves (``sql.engines.engine_params`` for a parametrized engine).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from sql.engines import SPARK_TEST_MEMORY, unavailable
from trialkit.errors import TrialkitInputError

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The run's one local Spark session (``local_session``), stopped at the end of the run.

    Every Spark test, and the command run in-process with ``--engine spark``
    (which leaves a running session running), share it: a Spark context
    takes seconds to start. Stopping one inside a test leaves py4j sockets to
    the garbage collector, whose ResourceWarnings would fail that test.
    """
    if shutil.which("java") is None:
        unavailable("no Java runtime: Spark cannot start (scripts/services.sh installs one)")
    try:
        from trialkit.eligibility.sql.spark import local_session
    except (TrialkitInputError, ImportError) as missing:  # pyspark is not installed
        unavailable(str(missing))
    session = local_session(memory=SPARK_TEST_MEMORY)
    yield session
    session.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that asks for the Spark session is an engine test."""
    for item in items:
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.engine)
