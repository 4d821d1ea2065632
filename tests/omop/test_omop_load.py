"""Loading OMOP CSV / Parquet folders into typed DuckDB tables, and the errors for bad input."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from trialkit.errors import OmopError, TrialkitInputError
from trialkit.omop import load_folder, row_counts

PERSON = (
    "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,birth_datetime,"
    "race_concept_id,ethnicity_concept_id\n"
    "1,8507,1998,4,9,1998-04-09 00:00:00,0,0\n"
    "2,8532,2014,10,22,,0,0\n"
)
PERIOD = (
    "observation_period_id,person_id,observation_period_start_date,"
    "observation_period_end_date,period_type_concept_id\n"
    "1,1,2000-12-27,2022-09-30,44814724\n"
    "2,2,2014-10-22,2021-10-13,44814724\n"
)
MEASUREMENT = (
    "measurement_id,person_id,measurement_concept_id,measurement_date,measurement_time,"
    "measurement_type_concept_id,value_as_number,unit_source_value,range_low\n"
    "1,1,3001122,2013-05-17,2013-05-17,32817,48.1,ug/L,20\n"
    "2,1,3001122,2013-05-18,,32817,{value},ug/L,\n"
)


def _folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "cdm"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def synthea(synthea_zip: Path) -> duckdb.DuckDBPyConnection:
    return load_folder(synthea_zip)


def test_synthea27nj_loads_with_the_documented_row_counts(
    synthea: duckdb.DuckDBPyConnection,
) -> None:
    # The counts published beside the dataset (shared/datasets/README.md) and in the team's
    # survey of OMOP data sets, verified there with another loader.
    assert row_counts(synthea) == {
        "person": 28,
        "observation_period": 28,
        "visit_occurrence": 1791,
        "condition_occurrence": 470,
        "drug_exposure": 883,
        "procedure_occurrence": 1649,
        "measurement": 10040,
        "observation": 8099,
        "death": 3,
        "concept": 2294,
        "concept_ancestor": 0,
    }


def test_synthea27nj_values_are_typed(synthea: duckdb.DuckDBPyConnection) -> None:
    births = synthea.execute("SELECT min(year_of_birth), max(year_of_birth) FROM person").fetchone()
    assert births == (1938, 2022)
    first = synthea.execute(
        "SELECT measurement_date, measurement_datetime, measurement_time, value_as_number, "
        "unit_source_value FROM measurement WHERE measurement_id = 1"
    ).fetchone()
    assert first == (date(2013, 5, 17), datetime(2013, 5, 17), "2013-05-17", 48.1, "kg")
    # standard_concept is written "" in the file for non-standard concepts: NULL here.
    flags = synthea.execute(
        "SELECT standard_concept, count(*) FROM concept GROUP BY ALL ORDER BY 1 NULLS FIRST"
    ).fetchall()
    assert flags[0][0] is None
    assert {flag for flag, _ in flags} <= {None, "S", "C"}


def test_folder_with_upper_and_lower_case_names_and_a_database_file(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        PERSON__csv=PERSON,
        observation_period__CSV=PERIOD,
        Measurement__csv=MEASUREMENT.format(value="7.5"),
        NOTES__txt="ignored",
        note__csv="not a table trialkit reads",
    )
    con = load_folder(folder, tmp_path / "cdm.duckdb")
    assert row_counts(con)["measurement"] == 2
    con.close()
    again = duckdb.connect(str(tmp_path / "cdm.duckdb"))
    rows = again.execute(
        "SELECT value_as_number, range_low, measurement_time FROM measurement ORDER BY 1"
    ).fetchall()
    assert rows == [(7.5, None, None), (48.1, 20.0, "2013-05-17")]


def test_parquet_folder(tmp_path: Path) -> None:
    csv = _folder(tmp_path, person__csv=PERSON, observation_period__csv=PERIOD)
    parquet = tmp_path / "parquet"
    parquet.mkdir()
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_csv('{csv}/person.csv')) TO '{parquet}/PERSON.parquet'")
    con.execute(
        f"COPY (SELECT * FROM read_csv('{csv}/observation_period.csv', all_varchar = true)) "
        f"TO '{parquet}/observation_period.parquet'"
    )
    loaded = load_folder(parquet)
    assert loaded.execute("SELECT person_id, birth_datetime FROM person ORDER BY 1").fetchall() == [
        (1, datetime(1998, 4, 9)),
        (2, None),
    ]
    assert loaded.execute(
        "SELECT observation_period_end_date FROM observation_period WHERE person_id = 2"
    ).fetchone() == (date(2021, 10, 13),)


def test_athena_tab_separated_vocabulary_with_compact_dates(tmp_path: Path) -> None:
    concept = (
        "concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\t"
        "standard_concept\tconcept_code\tvalid_start_date\tvalid_end_date\tinvalid_reason\n"
        '3001122\tFerritin "total" [Mass/volume]\tMeasurement\tLOINC\tLab Test\tS\t2276-4\t'
        "19700101\t20991231\t\n"
    )
    folder = _folder(
        tmp_path, person__csv=PERSON, observation_period__csv=PERIOD, CONCEPT__csv=concept
    )
    rows = load_folder(folder).execute("SELECT * FROM concept").fetchall()
    assert rows == [
        (
            3001122,
            'Ferritin "total" [Mass/volume]',
            "Measurement",
            "LOINC",
            "Lab Test",
            "S",
            "2276-4",
            date(1970, 1, 1),
            date(2099, 12, 31),
            None,
        )
    ]


def test_zip_with_a_folder_inside(tmp_path: Path) -> None:
    archive = tmp_path / "cdm.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("export/PERSON.csv", PERSON)
        bundle.writestr("export/OBSERVATION_PERIOD.csv", PERIOD)
        bundle.writestr("__MACOSX/export/._PERSON.csv", "junk")
    assert row_counts(load_folder(archive))["person"] == 2


# -- bad input ------------------------------------------------------------------------------------
def test_missing_required_table(tmp_path: Path) -> None:
    folder = _folder(tmp_path, person__csv=PERSON)
    with pytest.raises(OmopError, match=r"^observation_period: required table missing"):
        load_folder(folder)


def test_missing_required_column(tmp_path: Path) -> None:
    person = PERSON.replace(",year_of_birth", "").replace(",1998,", ",").replace(",2014,", ",")
    folder = _folder(tmp_path, person__csv=person, observation_period__csv=PERIOD)
    with pytest.raises(
        OmopError, match=r"^person\.year_of_birth: required column missing from person\.csv"
    ):
        load_folder(folder)


def test_value_that_cannot_be_cast_names_table_column_row_and_value(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        person__csv=PERSON,
        observation_period__csv=PERIOD,
        measurement__csv=MEASUREMENT.format(value="high"),
    )
    with pytest.raises(
        OmopError,
        match=r"^measurement\.value_as_number: measurement\.csv data row 2: "
        r"'high' is not a valid float \(DOUBLE\)$",
    ) as caught:
        load_folder(folder)
    assert isinstance(caught.value, TrialkitInputError)
    assert isinstance(caught.value, ValueError)


def test_ragged_row_is_reported_as_duckdb_reads_it(tmp_path: Path) -> None:
    person = PERSON.replace("2,8532,2014,10,22,,0,0", "2,8532,2014,10,22,,0,0,7")
    folder = _folder(tmp_path, person__csv=person, observation_period__csv=PERIOD)
    with pytest.raises(
        OmopError,
        match=r"^person: person\.csv cannot be loaded: .*CSV Error on Line: 3; "
        r"Original Line: 2,8532,2014,10,22,,0,0,7; Expected Number of Columns: 8 Found: 9$",
    ):
        load_folder(folder)


def test_bad_date(tmp_path: Path) -> None:
    period = PERIOD.replace("2021-10-13", "13/10/2021")
    folder = _folder(tmp_path, person__csv=PERSON, observation_period__csv=period)
    with pytest.raises(
        OmopError,
        match=r"^observation_period\.observation_period_end_date: observation_period\.csv "
        r"data row 2: '13/10/2021' is not a valid date",
    ):
        load_folder(folder)


def test_empty_required_value(tmp_path: Path) -> None:
    person = PERSON.replace("2,8532,2014", "2,,2014")
    folder = _folder(tmp_path, person__csv=person, observation_period__csv=PERIOD)
    with pytest.raises(
        OmopError,
        match=r"^person\.gender_concept_id: person\.csv data row 2: a value is required",
    ):
        load_folder(folder)


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(OmopError, match="no such folder or zip file"):
        load_folder(tmp_path / "absent")
    text = tmp_path / "person.csv"
    text.write_text(PERSON)
    with pytest.raises(OmopError, match="expected a folder of CSV or Parquet files"):
        load_folder(text)


def test_two_files_for_one_table(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path, person__csv=PERSON, PERSON__parquet="x", observation_period__csv=PERIOD
    )
    with pytest.raises(OmopError, match=r"^person: two files for one table"):
        load_folder(folder)
