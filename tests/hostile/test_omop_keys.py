"""Duplicate keys and impossible birth dates in OMOP data: refused on every engine, one line.

A duplicate ``person_id`` once inflated ``persons`` and ``eligible`` silently;
a ``month_of_birth`` of 13 raised DuckDB's ConversionException mid-query.
Each table's key (the CDM 5.4 primary keys, and one death record per person)
and the birth date's parts are checked when a folder is loaded, when a
DuckDB file, a PostgreSQL schema or a Parquet folder is opened: an
:class:`~trialkit.errors.OmopError` naming the table, the column and a value.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sql.engines import postgres_url, unavailable
from trialkit.cli import run
from trialkit.errors import OmopError, TrialkitInputError
from trialkit.omop import connect, load_folder
from trialkit.omop.checks import UNIQUE_KEYS, check_rows, duckdb_query, open_database

PERSON = (
    "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,"
    "race_concept_id,ethnicity_concept_id\n"
    "1,8532,2014,10,22,0,0\n"
    "2,8507,2010,3,4,0,0\n"
    "3,8507,2011,3,4,0,0\n"
)
PERIOD = (
    "observation_period_id,person_id,observation_period_start_date,"
    "observation_period_end_date,period_type_concept_id\n"
    "1,1,2020-01-01,2025-06-30,32817\n"
    "2,2,2020-01-01,2025-06-30,32817\n"
    "3,3,2020-01-01,2025-06-30,32817\n"
)
ROWS: dict[str, str] = {
    "visit_occurrence": "visit_occurrence_id,person_id,visit_concept_id,visit_start_date,"
    "visit_end_date,visit_type_concept_id\n{k},1,9201,2025-01-01,2025-01-02,32817\n",
    "condition_occurrence": "condition_occurrence_id,person_id,condition_concept_id,"
    "condition_start_date,condition_type_concept_id\n{k},1,4160453,2025-01-01,32817\n",
    "drug_exposure": "drug_exposure_id,person_id,drug_concept_id,drug_exposure_start_date,"
    "drug_exposure_end_date,drug_type_concept_id\n{k},1,40244464,2025-01-01,2025-01-02,32817\n",
    "procedure_occurrence": "procedure_occurrence_id,person_id,procedure_concept_id,"
    "procedure_date,procedure_type_concept_id\n{k},1,4146536,2025-01-01,32817\n",
    "measurement": "measurement_id,person_id,measurement_concept_id,measurement_date,"
    "measurement_type_concept_id,value_as_number,unit_source_value\n"
    "{k},1,3024929,2025-06-01,32817,40,10*9/L\n",
    "observation": "observation_id,person_id,observation_concept_id,observation_date,"
    "observation_type_concept_id\n{k},1,4188539,2025-06-01,32817\n",
    "death": "person_id,death_date\n{k},2025-01-01\n",
    "concept": "concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,concept_code,"
    "valid_start_date,valid_end_date\n{k},x,Measurement,LOINC,Lab Test,1-1,1970-01-01,2099-12-31\n",
}


def _folder(root: Path, **tables: str) -> Path:
    folder = root / "cdm"
    folder.mkdir(parents=True)
    files = {"person": PERSON, "observation_period": PERIOD, **tables}
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def _twice(table: str, key: int) -> str:
    """The table's CSV with the same key on two rows (and one other row)."""
    if table == "person":
        return PERSON + PERSON.splitlines()[2].replace("2,", f"{key},", 1) + "\n"
    if table == "observation_period":
        return PERIOD + f"{key},3,2019-01-01,2019-06-30,32817\n"
    template = ROWS[table]
    header, row = template.split("\n", 1)
    return f"{header}\n{row.format(k=key)}{row.format(k=key)}{row.format(k=key + 1)}"


def _refused(args: list[str]) -> str:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = run(args)
    err = stderr.getvalue()
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("trialkit: error: "), err
    return err


def test_the_keys_are_the_cdm_primary_keys_and_one_death_per_person() -> None:
    assert UNIQUE_KEYS == (
        ("person", "person_id"),
        ("observation_period", "observation_period_id"),
        ("visit_occurrence", "visit_occurrence_id"),
        ("condition_occurrence", "condition_occurrence_id"),
        ("drug_exposure", "drug_exposure_id"),
        ("procedure_occurrence", "procedure_occurrence_id"),
        ("measurement", "measurement_id"),
        ("observation", "observation_id"),
        ("concept", "concept_id"),
        ("death", "person_id"),
    )


@pytest.mark.parametrize(("table", "column"), UNIQUE_KEYS)
def test_a_duplicate_key_is_refused_at_load(table: str, column: str, tmp_path: Path) -> None:
    key = 2 if table in ("person", "observation_period", "death") else 1_000_007
    folder = _folder(tmp_path, **{table: _twice(table, key)})
    with pytest.raises(OmopError, match=rf"^{table}\.{column}: {key} is on more than one row"):
        load_folder(folder)


def test_duplicate_persons_are_refused_by_prescreen_not_counted(tmp_path: Path) -> None:
    folder = _folder(tmp_path, person=_twice("person", 2))
    out = tmp_path / "out.csv"
    args = ["prescreen", "--omop", str(folder), "--protocol", "rux-hlh-salvage", "--out", str(out)]
    err = _refused(args)
    assert err.startswith("trialkit: error: person.person_id: 2 is on more than one row"), err
    assert not out.exists()


def _bad_database(path: Path | str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB database with two measurements numbered 7 (not loaded: written directly)."""
    con = connect(path)
    con.execute(
        "INSERT INTO person (person_id, gender_concept_id, year_of_birth, "
        "race_concept_id, ethnicity_concept_id) VALUES (1, 8532, 2014, 0, 0)"
    )
    con.execute("INSERT INTO observation_period VALUES (1, 1, '2020-01-01', '2025-06-30', 32817)")
    for _ in range(2):
        con.execute(
            "INSERT INTO measurement (measurement_id, person_id, measurement_concept_id, "
            "measurement_date, measurement_type_concept_id) "
            "VALUES (7, 1, 3024929, '2025-06-01', 32817)"
        )
    return con


def test_a_duplicate_key_in_an_opened_duckdb_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cdm.duckdb"
    _bad_database(path).close()
    with pytest.raises(OmopError, match=r"^measurement\.measurement_id: 7 is on more than one row"):
        open_database(path)
    out = tmp_path / "out.csv"
    err = _refused(
        ["prescreen", "--omop", str(path), "--protocol", "rux-hlh-salvage", "--out", str(out)]
    )
    assert "measurement.measurement_id: 7" in err and not out.exists()


@pytest.mark.engine
def test_a_duplicate_key_on_postgres_is_refused(tmp_path: Path) -> None:
    url = postgres_url()
    try:
        from trialkit.eligibility.sql.postgres import PostgresEngine
    except (TrialkitInputError, ImportError) as missing:
        unavailable(str(missing))
    with PostgresEngine.from_duckdb(_bad_database(), url) as copy:
        with pytest.raises(OmopError, match=r"^measurement\.measurement_id: 7 is on more"):
            check_rows(copy.query)
        with pytest.raises(OmopError, match=r"^measurement\.measurement_id: 7 is on more"):
            PostgresEngine.connect(url, copy.schema)
        out = tmp_path / "out.csv"
        err = _refused(
            [
                "prescreen",
                "--engine",
                "postgres",
                "--omop",
                url,
                "--schema",
                copy.schema,
                "--protocol",
                "rux-hlh-salvage",
                "--out",
                str(out),
            ]
        )
        assert "measurement.measurement_id: 7" in err and not out.exists()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_duplicate_key_in_a_parquet_folder_on_spark_is_refused(
    spark: Any, tmp_path: Path
) -> None:
    from trialkit.eligibility.sql.spark import SparkEngine

    con = _bad_database()
    folder = tmp_path / "parquet"
    folder.mkdir()
    for table in ("person", "observation_period", "measurement"):
        con.table(table).write_parquet(str(folder / f"{table}.parquet"))
    with pytest.raises(OmopError, match=r"^measurement\.measurement_id: 7 is on more"):
        SparkEngine.from_parquet(folder, spark)
    con.execute("UPDATE person SET month_of_birth = 13")
    con.execute("DELETE FROM measurement")
    con.table("person").write_parquet(str(folder / "person.parquet"))
    con.table("measurement").write_parquet(str(folder / "measurement.parquet"))
    with pytest.raises(OmopError, match=r"^person\.month_of_birth: 13 \(person_id 1\)"):
        SparkEngine.from_parquet(folder, spark)


@pytest.mark.parametrize(
    ("year", "month", "day", "message"),
    [
        (2014, 13, 22, r"person\.month_of_birth: 13 \(person_id 2\) is not a month \(1 to 12\)"),
        (2014, 0, 22, r"person\.month_of_birth: 0 \(person_id 2\) is not a month"),
        (2014, 2, 29, r"person\.day_of_birth: 29 \(person_id 2\) is not a day of 2014-02"),
        (2014, 4, 31, r"person\.day_of_birth: 31 \(person_id 2\) is not a day of 2014-04"),
        (2014, 1, 0, r"person\.day_of_birth: 0 \(person_id 2\) is not a day \(1 to 31\)"),
        (2014, None, 32, r"person\.day_of_birth: 32 \(person_id 2\) is not a day \(1 to 31\)"),
        (0, 1, 1, r"person\.year_of_birth: 0 \(person_id 2\) is not a year \(1 to 9999\)"),
        (12000, 1, 1, r"person\.year_of_birth: 12000 \(person_id 2\) is not a year"),
    ],
)
def test_an_impossible_birth_date_names_the_column_the_person_and_the_value(
    year: int, month: int | None, day: int | None, message: str, tmp_path: Path
) -> None:
    parts = ",".join("" if v is None else str(v) for v in (year, month, day))
    person = PERSON.replace("2,8507,2010,3,4", f"2,8507,{parts}")
    folder = _folder(tmp_path, person=person)
    with pytest.raises(OmopError, match=f"^{message}"):
        load_folder(folder)
    out = tmp_path / "out.csv"
    err = _refused(
        ["prescreen", "--omop", str(folder), "--protocol", "rux-hlh-salvage", "--out", str(out)]
    )
    assert "Traceback" not in err and not out.exists()


def test_a_valid_29_february_and_partial_birth_dates_load(tmp_path: Path) -> None:
    person = PERSON.replace("2,8507,2010,3,4", "2,8507,2012,2,29").replace(
        "3,8507,2011,3,4", "3,8507,2011,,"
    )
    con = load_folder(_folder(tmp_path, person=person))
    try:
        check_rows(duckdb_query(con))
    finally:
        con.close()
