"""Test-suite settings: hypothesis profiles, the ``engine`` marker, the one Spark session.

Locally hypothesis keeps exploring new examples (that is how it finds bugs);
in CI (``CI`` set) the same examples run every time and no deadline applies,
so a slow shared machine cannot fail a run by timing.

The ``engine`` marker (``pyproject.toml``) is on every test that needs
PostgreSQL or Spark or screens a big population: ``pytest -m "not engine"``
runs the rest in a few minutes; ``scripts/test.sh`` (CI) runs everything. A
test that asks for the Spark session is marked here; the others carry the
marker themselves (``sql.engines.engine_params`` for a parametrized engine).

Python's cyclic garbage collector is told, once the tests are collected, to
leave alone what exists then (``gc.freeze``: the imported modules, the
vocabulary, the collected items) and to run less often: sqlglot's trees are
cycles (each node knows its parent), and the full collections that compiling
and rendering a protocol triggered kept scanning that whole heap again (about
a fifth of the CPU time of the compiling tests). Garbage is still collected,
and pytest still reports an unraisable exception (a ResourceWarning of a
collected object) as an error.
"""

from __future__ import annotations

import gc
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


GC_THRESHOLD = (10_000, 10, 10)
"""Allocations between collections of the youngest generation (Python's default is 700)."""


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection left alive and make collections rarer (see the module docstring)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def pytest_unconfigure(config: pytest.Config) -> None:
    """The frozen objects go back to the collector, which frees them at exit."""
    gc.unfreeze()
