"""A synthetic population generated once per test session (a few thousand persons)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from trialkit.omop import load_folder
from trialkit.synth import SynthResult, generate_omop

from .support import PERSONS, SEED


@pytest.fixture(scope="session")
def population(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return generate_omop(tmp_path_factory.mktemp("synth") / "omop", PERSONS, SEED)


@pytest.fixture(scope="session")
def database(population: SynthResult) -> Iterator[duckdb.DuckDBPyConnection]:
    con = load_folder(population.folder)
    yield con
    con.close()
