"""The PostgreSQL engine: connecting, copying, errors that name what is wrong, rows as DuckDB's.

The golden agreement (``test_golden_agreement.py``) checks every criterion and
verdict on PostgreSQL; here are the engine's own promises: an unreachable
server or a missing CDM table is a one-line input error, the schema a copy
creates is dropped on close, DECIMAL comes back as float, and the evidence of
a protocol (numbers, units, timestamps) equals DuckDB's value for value and
type for type. Also the two expressions written for PostgreSQL's sake
(``ROUND`` written out by :func:`dialects.duckdb_round`, the infusion-rate
parse) give DuckDB's values there.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlglot import exp

from sql.engines import postgres_url
from sql.test_golden_agreement import AT
from trialkit.eligibility.sql import DuckDBEngine, Engine, prescreen
from trialkit.eligibility.sql.build import col, number
from trialkit.eligibility.sql.exact import significant_sql
from trialkit.eligibility.sql.postgres import PostgresEngine
from trialkit.eligibility.sql.score_circulation import _rate_sql
from trialkit.errors import OmopError, TrialkitInputError
from trialkit.omop import connect, row_counts
from trialkit.protocol.files import builtin_protocol

psycopg = pytest.importorskip("psycopg")
pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def url() -> str:
    return postgres_url()


def _schemas(url: str) -> set[str]:
    with psycopg.connect(url) as admin:
        rows = admin.execute("SELECT nspname FROM pg_catalog.pg_namespace").fetchall()
    return {str(name) for (name,) in rows}


def test_an_unreachable_server_is_an_input_error_naming_it() -> None:
    with pytest.raises(TrialkitInputError, match=r"PostgreSQL 127\.0\.0\.1:1/trialkit: cannot"):
        PostgresEngine.connect("postgresql://nobody:secret@127.0.0.1:1/trialkit")
    with pytest.raises(TrialkitInputError, match="not a libpq URL") as error:
        PostgresEngine.connect("host=127.0.0.1 port")
    assert error.value.__cause__ is None
    assert "secret" not in str(error.value)


def test_a_missing_schema_table_or_column_is_an_omop_error_naming_it(url: str) -> None:
    with pytest.raises(OmopError, match="no schema named 'trialkit_absent'"):
        PostgresEngine.connect(url, "trialkit_absent")
    with (
        PostgresEngine.from_duckdb(connect(), url) as copy,
        psycopg.connect(url, autocommit=True) as admin,
    ):
        admin.execute(f'ALTER TABLE "{copy.schema}".measurement DROP COLUMN unit_source_value')
        with pytest.raises(OmopError, match=r"measurement\.unit_source_value: column missing"):
            PostgresEngine.connect(url, copy.schema)
        admin.execute(f'DROP TABLE "{copy.schema}".drug_exposure')
        with pytest.raises(OmopError, match=f"drug_exposure: .* missing .* '{copy.schema}'"):
            PostgresEngine.connect(url, copy.schema)


def test_a_duckdb_database_without_a_cdm_table_is_not_copied(url: str) -> None:
    con = connect()
    con.execute(exp.Drop(tables=[exp.to_table("observation")], kind="TABLE").sql(dialect="duckdb"))
    before = _schemas(url)
    with pytest.raises(OmopError, match="observation: no such table in the DuckDB database"):
        PostgresEngine.from_duckdb(con, url)
    assert _schemas(url) == before


def test_the_copy_is_a_schema_of_its_own_dropped_on_close(
    golden_db: duckdb.DuckDBPyConnection, url: str
) -> None:
    engine = PostgresEngine.from_duckdb(golden_db, url)
    assert isinstance(engine, Engine) and engine.dialect == "postgres"
    assert engine.schema in _schemas(url)
    reader = PostgresEngine.connect(url, engine.schema)  # reads the tables in place
    count = exp.select(exp.func("count", exp.Star())).from_("measurement")
    expected = golden_db.execute(count.sql(dialect="duckdb")).fetchall()
    assert reader.query(count)[1] == expected and expected[0][0] > 100
    reader.close()  # not its schema: kept
    assert engine.schema in _schemas(url)
    engine.close()
    engine.close()  # twice is harmless
    assert engine.schema not in _schemas(url)


def test_values_survive_the_copy_exactly(url: str) -> None:
    """Doubles bit for bit, the empty string apart from NULL, microseconds, quotes, commas."""
    con = connect()
    columns = [
        "measurement_id",
        "person_id",
        "measurement_concept_id",
        "measurement_date",
        "measurement_datetime",
        "measurement_type_concept_id",
        "value_as_number",
        "unit_source_value",
    ]
    rows = [
        (1, 1, 3, date(2024, 2, 29), datetime(2024, 2, 29, 23, 59, 59, 999999), 1, 0.1, ""),
        (2, 1, 3, date(1900, 1, 1), None, 1, 1 / 3, None),
        (3, 2**40, 3, date(2024, 1, 1), datetime(2024, 1, 1), 1, 5e-324, 'mg,"x"\n'),
        (4, 1, 3, date(2024, 1, 1), None, 1, -1.7976931348623157e308, "µmol/L"),
    ]
    source = exp.values([tuple(_literal(v) for v in row) for row in rows], alias="v")
    con.execute(exp.insert(exp.select("*").from_(source), "measurement", columns=columns).sql())
    with PostgresEngine.from_duckdb(con, url) as engine:
        select = exp.select(*columns).from_("measurement").order_by("measurement_id")
        assert engine.query(select) == (columns, rows)


def _literal(value: Any) -> exp.Expr:
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, float):
        return (
            number(value) if value != 5e-324 else exp.cast(exp.Literal.string("5e-324"), "DOUBLE")
        )
    if value is None:
        return exp.null()
    if isinstance(value, str):
        return exp.Literal.string(value)
    return exp.Literal.number(value)


def test_decimal_comes_back_as_float(golden_pg: PostgresEngine) -> None:
    decimal = exp.DataType.build("DECIMAL(10, 2)")
    select = exp.select(exp.Cast(this=exp.Literal.number("1.25"), to=decimal).as_("x"))
    names, rows = golden_pg.query(select)
    assert names == ["x"]
    assert rows == [(1.25,)] and type(rows[0][0]) is float


def test_temporary_tables_are_materialized_and_dropped(golden_pg: PostgresEngine) -> None:
    select = exp.select("person_id").from_("person").where(col("person_id").eq(3))
    golden_pg.materialize("trialkit_test_one", select)
    assert golden_pg.query(exp.select("*").from_("trialkit_test_one")) == (["person_id"], [(3,)])
    golden_pg.drop("trialkit_test_one")
    golden_pg.drop("trialkit_test_one")  # IF EXISTS
    with pytest.raises(psycopg.errors.UndefinedTable):
        golden_pg.query(exp.select("*").from_("trialkit_test_one"))


def test_evidence_equals_duckdbs_value_for_value_and_type_for_type(
    golden_db: duckdb.DuckDBPyConnection, golden_pg: PostgresEngine
) -> None:
    kinds: set[type] = set()
    for protocol_id in ("jak-hs-icu", "c-hlh"):  # score bounds, values, units, timestamps
        protocol = builtin_protocol(protocol_id)
        on_duckdb = prescreen(DuckDBEngine(golden_db), protocol, AT).persons
        on_postgres = prescreen(golden_pg, protocol, AT).persons
        assert [p.person_id for p in on_postgres] == [p.person_id for p in on_duckdb]
        for duck, pg in zip(on_duckdb, on_postgres, strict=True):
            assert pg.evidence.keys() == duck.evidence.keys()
            for name, value in duck.evidence.items():
                got = pg.evidence[name]
                if isinstance(value, float) and math.isnan(value):  # a hostile value, reported
                    assert isinstance(got, float) and math.isnan(got), (duck.person_id, name)
                    continue
                assert (got, type(got)) == (value, type(value)), (duck.person_id, name)
                kinds.add(type(value))
    assert {float, int, str, datetime} <= kinds


def _doubles() -> list[float]:
    """Decimal ties (2.675), exact binary ties (0.125), conversions, large and small values."""
    draw = random.Random(20261130)
    values = [2.675, -2.675, 0.125, 1234567890.125, 1e13 + 0.5, 98.6 * 5 / 9, 1 / 88.42]
    for _ in range(300):
        reported = round(draw.uniform(0, 500), draw.randint(0, 4))
        scale = draw.choice([1.0, 18.016, 0.0884, 88.42, 1 / 88.42, 1000.0, 0.001, 2.54])
        values.append(reported * scale * draw.choice([1, -1]))
        values.append(draw.uniform(-1e4, 1e4) * 10.0 ** draw.randint(-6, 14))
    return [v for v in values if v != 0]


def _values_of(engine: Engine, expression: exp.Expr, values: list[Any]) -> list[Any]:
    table = exp.values([(i, v) for i, v in enumerate(values)], alias="t", columns=["i", "x"])
    select = exp.select(col("i"), expression.as_("y")).from_(table).order_by("i")
    return [y for _, y in engine.query(select)[1]]


def test_round_gives_duckdbs_doubles_on_postgres(
    golden_db: duckdb.DuckDBPyConnection, golden_pg: PostgresEngine
) -> None:
    values = [number(v) for v in _doubles()]
    x = col("x")
    for expression in (
        significant_sql(x, 12),
        significant_sql(x, 10),
        exp.Round(this=x, decimals=exp.Literal.number(3)),
        exp.Round(this=x, decimals=exp.Literal.number(-2)),
        exp.Round(this=x),
    ):
        on_duckdb = _values_of(DuckDBEngine(golden_db), expression, values)
        assert _values_of(golden_pg, expression, values) == on_duckdb, expression.sql()
    tiny = [number(v) for v in (5e-324, -1e-300, 1e-290)]  # 10^p overflows: x as it is
    on_duckdb = _values_of(DuckDBEngine(golden_db), significant_sql(x, 12), tiny)
    assert _values_of(golden_pg, significant_sql(x, 12), tiny) == on_duckdb
    halves = [number(v) for v in (2.5, -2.5, 0.5, 0.49999999999999994, 2.0**52 + 1)]
    assert _values_of(golden_pg, exp.Round(this=x), halves) == [3, -3, 1, 0, 2.0**52 + 1]


def test_the_infusion_rate_is_parsed_alike_and_never_fails(
    golden_db: duckdb.DuckDBPyConnection, golden_pg: PostgresEngine
) -> None:
    sigs = [
        "dose 5 mg; rate 0.08 ug/kg/min",
        "rate 1e-05 mg/kg/h",
        "rate fast ug/kg/min",
        "rate inf ug/kg/min",
        "rate 1e999 ug/kg/min",
        "dose 5 mg",
        "",
        None,
    ]
    value, unit = _rate_sql()
    parsed = exp.Tuple(expressions=[value, unit])
    table = exp.values([(i, s) for i, s in enumerate(sigs)], alias="d", columns=["i", "sig"])
    select = (
        exp.select(col("i", "d"), value.as_("rate"), unit.as_("rate_unit"))
        .from_(table)
        .order_by(col("i", "d"))
    )
    assert parsed.find(exp.RegexpExtract) is not None
    rows = golden_pg.query(select)[1]
    assert rows == DuckDBEngine(golden_db).query(select)[1]
    assert [r[1:] for r in rows] == [
        (0.08, "ug/kg/min"),
        (1e-05, "mg/kg/h"),
        (None, "ug/kg/min"),
        (None, "ug/kg/min"),
        (None, "ug/kg/min"),
        (None, None),
        (None, None),
        (None, None),
    ]


def test_an_omop_folder_is_loaded_then_copied(
    golden_db: duckdb.DuckDBPyConnection, url: str, tmp_path: Path
) -> None:
    expected = row_counts(golden_db.cursor())  # it leaves a result open on its connection
    source = golden_db.cursor()
    for name in expected:
        source.table(name).write_parquet(str(tmp_path / f"{name}.parquet"))
    with PostgresEngine.from_folder(tmp_path, url) as engine:
        counts = {}
        for name in expected:
            count = exp.select(exp.func("count", exp.Star())).from_(name)
            counts[name] = engine.query(count)[1][0][0]
    assert counts == expected and expected["measurement"] > 100
    (tmp_path / "person.parquet").unlink()
    with pytest.raises(OmopError, match="person: required table missing"):
        PostgresEngine.from_folder(tmp_path, url)
