"""The generator: deterministic files, CDM types, row counts, chunks and input errors."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from trialkit.errors import TrialkitInputError
from trialkit.omop import TABLES, connect, load_folder, row_counts
from trialkit.synth import SynthResult, generate_omop
from trialkit.synth import generate as generate_module

from .support import PERSONS, scalar

#: Rows per 1,000 persons: the bands a population of a few thousand falls in.
ROWS_PER_THOUSAND = {
    "person": (1000, 1000),
    "observation_period": (1000, 1000),
    "visit_occurrence": (1900, 2500),
    "condition_occurrence": (450, 800),
    "drug_exposure": (500, 1000),
    "procedure_occurrence": (550, 1000),
    "measurement": (33_000, 45_000),
    "observation": (900, 2300),  # two history attestations and CBP, hCG for leukaemia (2026-12)
    "death": (10, 40),
}


def _files(folder: Path) -> dict[str, bytes]:
    return {spec.name: (folder / f"{spec.name}.parquet").read_bytes() for spec in TABLES}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = generate_omop(tmp_path / "a", 400, 5)
    again = generate_omop(tmp_path / "b", 400, 5)
    other = generate_omop(tmp_path / "c", 400, 6)
    assert _files(first.folder) == _files(again.folder)
    changed = _files(other.folder)
    same = _files(first.folder)
    assert changed["measurement"] != same["measurement"]
    assert changed["person"] != same["person"]
    assert changed["concept"] == same["concept"]


def test_several_chunks_are_deterministic_and_numbered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generate_module, "CHUNK_PERSONS", 120)
    first = generate_omop(tmp_path / "a", 300, 2)
    again = generate_omop(tmp_path / "b", 300, 2)
    assert _files(first.folder) == _files(again.folder)
    con = load_folder(first.folder)
    ids = [row[0] for row in con.execute("SELECT person_id FROM person").fetchall()]
    assert ids == list(range(1, 301))


def test_two_processes_write_the_same_bytes(tmp_path: Path) -> None:
    # Separate interpreters (other hash seeds, other thread timing) and several chunks.
    script = (
        "import sys; from trialkit.synth import generate as g; g.CHUNK_PERSONS = 500; "
        "g.generate_omop(sys.argv[1], 1500, 8)"
    )
    for name in ("a", "b"):
        subprocess.run([sys.executable, "-c", script, str(tmp_path / name)], check=True)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_every_table_loads_with_every_cdm_column_typed(
    population: SynthResult, database: duckdb.DuckDBPyConnection
) -> None:
    assert row_counts(database) == population.rows
    cdm = connect()
    for spec in TABLES:
        path = population.folder / f"{spec.name}.parquet"
        written = cdm.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
        declared = cdm.execute(f"DESCRIBE {spec.name}").fetchall()
        assert [row[:2] for row in written] == [row[:2] for row in declared], spec.name


def test_rows_per_thousand_persons(population: SynthResult) -> None:
    assert population.persons == PERSONS
    for table, (low, high) in ROWS_PER_THOUSAND.items():
        rate = population.rows[table] * 1000 / PERSONS
        assert low <= rate <= high, (table, rate)
    assert population.rows["concept"] > 400
    assert population.rows["concept_ancestor"] > 500


def test_nothing_after_the_extract_time(tmp_path: Path) -> None:
    extracted = datetime(2024, 2, 29, 8, 30)
    result = generate_omop(tmp_path / "x", 200, 9, extracted=extracted)
    con = load_folder(result.folder)
    for table, column in (
        ("measurement", "measurement_datetime"),
        ("observation", "observation_datetime"),
        ("condition_occurrence", "condition_start_datetime"),
        ("drug_exposure", "drug_exposure_end_datetime"),
        ("procedure_occurrence", "procedure_datetime"),
        ("visit_occurrence", "visit_end_datetime"),
    ):
        latest = scalar(con, f"SELECT max({column}) FROM {table}")
        assert isinstance(latest, datetime)
        assert latest <= extracted, table
    assert scalar(con, "SELECT max(observation_period_end_date) FROM observation_period") == (
        extracted.date()
    )


@pytest.mark.parametrize(
    ("persons", "seed", "message"),
    [(0, 1, "--persons 0"), (10, -1, "--seed -1")],
)
def test_bad_numbers_are_input_errors(
    tmp_path: Path, persons: int, seed: int, message: str
) -> None:
    with pytest.raises(TrialkitInputError, match=message):
        generate_omop(tmp_path, persons, seed)


def test_output_that_is_a_file_is_an_input_error(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(TrialkitInputError, match="not a folder"):
        generate_omop(target, 10, 1)


def test_existing_table_files_are_replaced_and_no_staging_file_is_left(tmp_path: Path) -> None:
    generate_omop(tmp_path, 50, 1)
    result = generate_omop(tmp_path, 20, 1)
    assert load_folder(tmp_path).execute("SELECT count(*) FROM person").fetchone() == (20,)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f in result.files)
