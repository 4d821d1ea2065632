"""Fixtures for the OMOP tests: the shared OMOP data sets beside the checkout, when present."""

from __future__ import annotations

from pathlib import Path

import pytest

#: ``../shared/datasets/omop`` beside the checkout (``shared/datasets/README.md``).
SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "omop"
SYNTHEA = SPEC_DIR / "Synthea27Nj_5.4.zip"


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    if not (SPEC_DIR / "OMOP_CDMv5.4_Field_Level.csv").exists():
        pytest.skip(f"the OMOP CDM 5.4 specification CSVs are not in {SPEC_DIR}")
    return SPEC_DIR


@pytest.fixture(scope="session")
def synthea_zip() -> Path:
    if not SYNTHEA.exists():
        pytest.skip(f"Synthea27Nj_5.4.zip is not in {SPEC_DIR}")
    return SYNTHEA
