"""A real OMOP extract made elsewhere (Synthea27Nj 5.4) is screened without error.

Skipped when ``../shared/datasets/omop`` is absent (as the OMOP schema test).
Every protocol runs on one loaded copy of the extract.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from trialkit.eligibility.sql import prescreen
from trialkit.omop import load_folder
from trialkit.protocol.files import builtin_ids, builtin_protocol

SYNTHEA = Path(__file__).parents[3] / "shared" / "datasets" / "omop" / "Synthea27Nj_5.4.zip"


pytestmark = pytest.mark.skipif(not SYNTHEA.exists(), reason="Synthea27Nj_5.4.zip is not available")


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = load_folder(SYNTHEA)
    yield connection
    connection.close()


@pytest.mark.parametrize("protocol_id", builtin_ids())
def test_synthea27nj_is_screened_without_error(
    protocol_id: str, con: duckdb.DuckDBPyConnection
) -> None:
    result = prescreen(con, builtin_protocol(protocol_id), datetime(2020, 1, 1, 23, 59, 59))
    assert len(result.persons) == 28
    assert all(p.verdict is not None for p in result.persons)
    assert result.attrition.persons == 28
    assert (
        result.attrition.ineligible + result.attrition.undetermined + result.attrition.eligible
        == 28
    )
