"""The packaged CDM 5.4 table definitions equal the specification, and their DDL renders."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from trialkit.errors import OmopError
from trialkit.omop import DIALECTS, TABLES, ddl, table
from trialkit.omop.spec import TRIALKIT_TABLES, tables_from_spec


def test_tables_equal_the_cdm54_specification(spec_dir: Path) -> None:
    spec = tables_from_spec(
        spec_dir / "OMOP_CDMv5.4_Field_Level.csv", spec_dir / "OMOP_CDMv5.4_Table_Level.csv"
    )
    assert spec == TABLES


def test_tables_equal_the_raw_field_level_rows(spec_dir: Path) -> None:
    # Read here with the csv module alone, so the package's reader is not its own judge.
    with (spec_dir / "OMOP_CDMv5.4_Field_Level.csv").open(encoding="utf-8-sig") as handle:
        rows = [
            (
                r["cdmTableName"],
                r["cdmFieldName"],
                r["cdmDatatype"].lower(),
                r["isRequired"],
                r["isPrimaryKey"],
            )
            for r in csv.DictReader(handle)
            if r["cdmTableName"] in TRIALKIT_TABLES
        ]
    ours = [
        (
            t.name,
            c.name,
            c.datatype,
            "Yes" if c.required else "No",
            "Yes" if c.primary_key else "No",
        )
        for t in TABLES
        for c in t.columns
    ]
    assert sorted(rows) == sorted(ours)
    assert len(rows) == len(ours) == 160


def test_the_tables_trialkit_uses() -> None:
    assert tuple(t.name for t in TABLES) == TRIALKIT_TABLES
    assert [t.name for t in TABLES if t.required] == ["person", "observation_period"]
    assert sum(len(t.columns) for t in TABLES) == 160
    measurement = table("MEASUREMENT")
    assert measurement.column("range_low") is not None
    assert measurement.column("measurement_time").datatype == "varchar(10)"  # type: ignore[union-attr]
    assert table("drug_exposure").column("drug_exposure_end_date").required  # type: ignore[union-attr]


def test_unknown_table_is_an_omop_error() -> None:
    with pytest.raises(OmopError, match="note: not an OMOP CDM table"):
        table("note")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_ddl_renders_and_parses_back(dialect: str) -> None:
    statements = ddl(dialect)
    assert len(statements) == len(TABLES)
    for spec, statement in zip(TABLES, statements, strict=True):
        parsed = sqlglot.parse_one(statement, read=dialect)
        assert isinstance(parsed, exp.Create)
        assert parsed.this.this.name == spec.name
        assert [c.name for c in parsed.this.expressions] == list(spec.names)


def test_ddl_types_per_dialect() -> None:
    person = {d: ddl(d)[0] for d in DIALECTS}
    assert "person_id BIGINT NOT NULL" in person["duckdb"]
    assert "year_of_birth INT NOT NULL" in person["postgres"]
    assert "birth_datetime TIMESTAMP_NTZ" in person["spark"]
    assert "person_source_value VARCHAR(50)" in person["postgres"]
    measurement = ddl("postgres")[TRIALKIT_TABLES.index("measurement")]
    assert "value_as_number DOUBLE PRECISION" in measurement
    with pytest.raises(OmopError, match="dialect 'oracle'"):
        ddl("oracle")


def test_duckdb_creates_every_table_with_typed_columns() -> None:
    con = duckdb.connect()
    for statement in ddl("duckdb"):
        con.execute(statement)
    columns = con.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns"
    ).fetchall()
    assert len(columns) == 160
    kinds = {(t, c): (k, n) for t, c, k, n in columns}
    assert kinds["measurement", "range_low"] == ("DOUBLE", "YES")
    assert kinds["measurement", "measurement_time"] == ("VARCHAR", "YES")
    assert kinds["measurement", "measurement_concept_id"] == ("BIGINT", "NO")
    assert kinds["measurement", "measurement_datetime"] == ("TIMESTAMP", "YES")
    assert kinds["concept", "valid_start_date"] == ("DATE", "NO")
