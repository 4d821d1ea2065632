"""A real OMOP extract made elsewhere (Synthea27Nj 5.4) is screened without error.

Skipped when ``../shared/datasets/omop`` is absent (as the OMOP schema test).
Only the two smaller protocols run here, to keep the suite fast; the others
differ in nothing the extract exercises (no HLH patients, an empty
``concept_ancestor``, no bridge conventions).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from trialkit.eligibility.sql import prescreen
from trialkit.omop import load_folder
from trialkit.protocol.files import builtin_protocol

SYNTHEA = Path(__file__).parents[3] / "shared" / "datasets" / "omop" / "Synthea27Nj_5.4.zip"


@pytest.mark.skipif(not SYNTHEA.exists(), reason="Synthea27Nj_5.4.zip is not available")
@pytest.mark.parametrize("protocol_id", ["rux-hlh-salvage", "c-hlh"])
def test_synthea27nj_is_screened_without_error(protocol_id: str) -> None:
    con = load_folder(SYNTHEA)
    result = prescreen(con, builtin_protocol(protocol_id), datetime(2020, 1, 1, 23, 59, 59))
    assert len(result.persons) == 28
    assert all(p.verdict is not None for p in result.persons)
    assert result.attrition.persons == 28
    assert (
        result.attrition.ineligible + result.attrition.undetermined + result.attrition.eligible
        == 28
    )
