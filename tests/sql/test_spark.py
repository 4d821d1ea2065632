"""The Spark engine: Parquet read into typed CDM views, the optional extra, rows as DuckDB's.

The golden agreement (every criterion, verdict and attrition table against the
evaluator) runs on Spark through ``test_golden_agreement.ENGINES``; here: the
loading rules of :class:`~trialkit.eligibility.sql.spark.SparkEngine`
(required tables, column types, names in any case, empty optional tables,
views private to one engine, the temporary copy removed), the message without
pyspark, and values equal to DuckDB's in value and Python type.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlglot import exp

from sql.population import database
from sql.test_golden_agreement import AT, CASES
from trialkit.eligibility.sql import DuckDBEngine, prescreen
from trialkit.errors import OmopError, TrialkitInputError
from trialkit.omop.schema import TABLES
from trialkit.protocol.files import builtin_protocol

pytest.importorskip("pyspark")

from trialkit.eligibility.sql.spark import SparkEngine

PROTOCOL = "rux-hlh-salvage"
"""A small protocol (12 CTEs): diagnoses, drugs and a cumulative exposure."""


@pytest.fixture(scope="module")
def small_db() -> Iterator[duckdb.DuckDBPyConnection]:
    """The golden patients of one protocol, and a person without a birth date."""
    records = [c.record for c in CASES if c.protocol in (PROTOCOL, "c-hlh")]
    records += [next(c.record for c in CASES if c.record.birth_date is None)]
    con = database(records)
    yield con
    con.close()


@pytest.fixture
def parquet(small_db: duckdb.DuckDBPyConnection, tmp_path: Path) -> Path:
    """``small_db`` as a folder of Parquet files, one per CDM table."""
    for spec in TABLES:
        small_db.table(spec.name).write_parquet(str(tmp_path / f"{spec.name}.parquet"))
    return tmp_path


def _count(engine: SparkEngine | DuckDBEngine, table: str) -> int:
    _, rows = engine.query(exp.select(exp.Count(this=exp.Star()).as_("n")).from_(table))
    return int(rows[0][0])


def test_importing_the_sql_package_does_not_import_pyspark() -> None:
    code = "import sys, trialkit.eligibility.sql; assert 'pyspark' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_without_pyspark_the_import_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "pyspark" or m.startswith("pyspark.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "trialkit.eligibility.sql.spark")
    with pytest.raises(TrialkitInputError, match=r"`spark` extra"):
        importlib.import_module("trialkit.eligibility.sql.spark")


def test_parquet_tables_are_read_in_any_case_and_missing_optional_ones_are_empty(
    parquet: Path, spark: Any, small_db: duckdb.DuckDBPyConnection
) -> None:
    (parquet / "person.parquet").rename(parquet / "PERSON.parquet")
    (parquet / "death.parquet").unlink()
    with SparkEngine.from_parquet(parquet, spark) as engine:
        assert _count(engine, "person") == _count(DuckDBEngine(small_db), "person")
        assert _count(engine, "death") == 0
        names, _ = engine.query(exp.select("*").from_("death"))
        assert names == [c.name for c in next(t for t in TABLES if t.name == "death").columns]


def test_a_missing_required_table_is_named(parquet: Path, spark: Any) -> None:
    (parquet / "observation_period.parquet").unlink()
    with pytest.raises(OmopError, match=r"^observation_period: required table missing"):
        SparkEngine.from_parquet(parquet, spark)


def test_a_column_of_another_type_is_named(parquet: Path, spark: Any) -> None:
    con = duckdb.connect()
    rows = con.read_parquet(str(parquet / "measurement.parquet"))
    typed = rows.project("* REPLACE (CAST(measurement_date AS VARCHAR) AS measurement_date)")
    typed.write_parquet(str(parquet / "measurement.parquet"))
    con.close()
    with pytest.raises(OmopError, match=r"^measurement\.measurement_date: .*string.*date"):
        SparkEngine.from_parquet(parquet, spark)


def test_a_missing_required_column_is_named(parquet: Path, spark: Any) -> None:
    con = duckdb.connect()
    rows = con.read_parquet(str(parquet / "person.parquet"))
    rows.project("* EXCLUDE (year_of_birth)").write_parquet(str(parquet / "person.parquet"))
    con.close()
    with pytest.raises(OmopError, match=r"^person\.year_of_birth: required column missing"):
        SparkEngine.from_parquet(parquet, spark)


def test_two_engines_in_one_session_keep_their_own_tables(
    small_db: duckdb.DuckDBPyConnection, spark: Any
) -> None:
    one = database([CASES[0].record])
    try:
        first = SparkEngine.from_duckdb(small_db, spark)
        second = SparkEngine.from_duckdb(one, spark)
        scratch = first.scratch
        assert scratch is not None and scratch.exists()
        assert _count(second, "person") == 1
        assert _count(first, "person") == _count(DuckDBEngine(small_db), "person") > 1
        first.close()
        assert not scratch.exists()
        assert _count(second, "person") == 1
        second.close()
    finally:
        one.close()


def test_values_are_the_python_types_duckdb_returns(
    small_db: duckdb.DuckDBPyConnection, spark: Any
) -> None:
    literals = {
        "yes": exp.true(),
        "unknown": exp.cast(exp.null(), "BOOLEAN"),
        "count": exp.cast(exp.Literal.number(3), "BIGINT"),
        "ratio": exp.cast(exp.Literal.number("0.1"), "DOUBLE"),
        "decimal": exp.cast(exp.Literal.number("2.50"), "DECIMAL(10, 2)"),
        "day": exp.cast(exp.Literal.string("2024-02-29"), "DATE"),
        "time": exp.cast(exp.Literal.string("2024-02-29 23:59:59.999999"), "TIMESTAMP"),
        "text": exp.Literal.string("tentative"),
    }
    select = exp.select(*(v.as_(k) for k, v in literals.items()))
    with SparkEngine.from_duckdb(small_db, spark) as engine:
        on_spark = engine.query(select)
    on_duckdb = DuckDBEngine(small_db).query(select)
    assert on_spark == on_duckdb
    assert [type(v) for v in on_spark[1][0]] == [type(v) for v in on_duckdb[1][0]]
    assert on_spark[1][0][4:7] == (
        2.5,
        date(2024, 2, 29),
        datetime(2024, 2, 29, 23, 59, 59, 999999),
    )


def test_every_column_of_a_screening_equals_duckdbs_in_value_and_type(
    small_db: duckdb.DuckDBPyConnection, spark: Any
) -> None:
    protocol = builtin_protocol(PROTOCOL)
    with SparkEngine.from_duckdb(small_db, spark) as engine:
        on_spark = prescreen(engine, protocol, AT)
    on_duckdb = prescreen(small_db, protocol, AT)
    assert on_spark.attrition == on_duckdb.attrition
    assert len(on_spark.persons) == len(on_duckdb.persons) > 2
    for got, want in zip(on_spark.persons, on_duckdb.persons, strict=True):
        assert got == want
        assert [type(v) for v in got.evidence.values()] == [type(v) for v in want.evidence.values()]
    values = [v for p in on_duckdb.persons for v in p.evidence.values()]
    assert {type(v) for v in values} >= {str, datetime}, "evidence of more than one kind"


def test_a_csv_folder_is_loaded_through_duckdb(
    small_db: duckdb.DuckDBPyConnection, spark: Any, tmp_path: Path
) -> None:
    for spec in TABLES:
        small_db.table(spec.name).write_csv(str(tmp_path / f"{spec.name}.csv"))
    with SparkEngine.from_folder(tmp_path, spark) as engine:
        assert engine.scratch is not None
        assert _count(engine, "measurement") == _count(DuckDBEngine(small_db), "measurement")
    with pytest.raises(OmopError, match="no such folder"):
        SparkEngine.from_folder(tmp_path / "absent", spark)


def test_a_dropped_result_frees_its_checkpoint(
    small_db: duckdb.DuckDBPyConnection, spark: Any
) -> None:
    persistent = spark.sparkContext._jsc.getPersistentRDDs
    with SparkEngine.from_duckdb(small_db, spark) as engine:
        before = persistent().size()
        engine.materialize("held", exp.select("person_id").from_("person"))
        assert persistent().size() == before + 1
        engine.drop("held")
        assert persistent().size() == before
