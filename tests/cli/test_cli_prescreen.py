"""``trialkit prescreen``: files equal to the SQL pre-screening and the evaluator, docs, bad input.

A 200-person synthetic population (``trialkit.synth``) is pre-screened to CSV
and Parquet; the file's rows must equal ``trialkit.eligibility.sql.prescreen``
person by person and, for a sample of persons, the in-memory evaluator's
verdicts. docs/prescreen.md is checked against real output (columns, JSON
keys). Each bad input must give exit code 2 and one line naming the table and
the column, and no file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from datetime import datetime, time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from json_shape import json_keys
from sql.engines import postgres_url, unavailable
from trialkit.cli import run
from trialkit.cli.common import console
from trialkit.cli.prescreen import FILE_SCHEMA, SUMMARY_SCHEMA
from trialkit.eligibility import Truth, screen
from trialkit.eligibility.sql import Prescreening, prescreen
from trialkit.errors import TrialkitInputError
from trialkit.omop import connect, load_folder
from trialkit.omop.checks import check_concepts, duckdb_query
from trialkit.protocol.files import builtin_ids, builtin_protocol
from trialkit.synth import EXTRACTED, generate_omop, records_from_omop

DOCS = Path(__file__).parents[2] / "docs"
AT = datetime.combine(EXTRACTED.date(), time.max)
AT_TEXT = f"{EXTRACTED:%Y-%m-%d}"
PROTOCOL = "c-hlh"
"""The protocol whose file is compared with the SQL pre-screening and the evaluator."""
QUICK = "rux-hlh-salvage"
"""The protocol of the bad-input and engine tests: quick to compile, and Spark plans it in
seconds (c-hlh's plan keeps Spark's optimizer busy for minutes)."""


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "width", 250)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("population")
    generate_omop(folder, 200, seed=1)
    return folder


@pytest.fixture(scope="module")
def expected(population: Path) -> Prescreening:
    con = load_folder(population)
    try:
        return prescreen(con, builtin_protocol(PROTOCOL), AT)
    finally:
        con.close()


@pytest.fixture(scope="module")
def csv_out(population: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The population screened against PROTOCOL to CSV, and what was printed."""
    out = tmp_path_factory.mktemp("csv") / "screened.csv"
    args = ["prescreen", "--omop", str(population), "--protocol", PROTOCOL, "--out", str(out)]
    captured = _run(args)
    return out, captured


def _run(args: list[str]) -> str:
    """Run the CLI (expecting success) and return its stdout."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = run(args)
    assert code == 0, stderr.getvalue()
    return stdout.getvalue()


def _read(path: Path, types: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The file's rows as dicts, read back by DuckDB (CSV with the given column types)."""
    con = duckdb.connect()
    try:
        if path.suffix == ".parquet":
            cursor = con.execute("SELECT * FROM read_parquet(?)", [str(path)])
        else:
            cursor = con.execute(
                "SELECT * FROM read_csv(?, header = true, auto_detect = false, columns = ?)",
                [str(path), types],
            )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def _types(path: Path) -> dict[str, str]:
    con = duckdb.connect()
    try:
        query = "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))"
        return dict(con.execute(query, [str(path)]).fetchall())
    finally:
        con.close()


@pytest.fixture(scope="module")
def parquet_all(
    population: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """Every protocol to Parquet (one file each) with ``--json``; the folder and the summary."""
    folder = tmp_path_factory.mktemp("parquet")
    args = ["prescreen", "--omop", str(population), "--all", "--at", AT_TEXT, "--json"]
    printed = _run([*args, "--out", str(folder / "screened.parquet")])
    return folder, json.loads(printed)


def test_the_file_equals_the_sql_prescreening_and_the_evaluator(
    parquet_all: tuple[Path, dict[str, Any]], expected: Prescreening, population: Path
) -> None:
    rows = _read(parquet_all[0] / f"screened.{PROTOCOL}.parquet")
    assert [r["person_id"] for r in rows] == [p.person_id for p in expected.persons]
    assert {r["protocol"] for r in rows} == {PROTOCOL}
    assert {r["index_time"] for r in rows} == {AT}
    by_person = expected.by_person()
    criteria = list(expected.compiled.criteria)
    evidence = [c.name for c in expected.compiled.evidence]
    columns = list(rows[0])
    assert columns[:5] == ["person_id", "protocol", "index_time", "verdict", "deceased"]
    assert set(columns[5:]) == {*criteria, *evidence}
    assert [c for c in columns if c in criteria] == criteria  # protocol order
    owner = {c.name: c.criterion for c in expected.compiled.evidence}
    current = None
    for column in columns[5:]:
        current = column if column in criteria else current
        assert column in criteria or owner[column] == current, column  # after its criterion
    for row in rows:
        person = by_person[row["person_id"]]
        assert person.verdict is not None and row["verdict"] == person.verdict.value
        assert row["deceased"] == person.deceased
        for criterion in criteria:
            assert Truth.of(row[criterion]) is person.criteria[criterion], (row, criterion)
        for name in evidence:
            assert row[name] == person.evidence[name], (row["person_id"], name)
    verdicts = {r["verdict"] for r in rows}
    assert {"ineligible", "undetermined"} <= verdicts, verdicts
    # The evaluator on records read back from the same files, for one person per verdict.
    sample = {r["verdict"]: r["person_id"] for r in rows}
    con = load_folder(population)
    try:
        records = records_from_omop(con, list(sample.values()))
    finally:
        con.close()
    protocol = builtin_protocol(PROTOCOL)
    for verdict, person_id in sample.items():
        bedside = screen(protocol, records[person_id], AT)
        assert bedside.verdict.value == verdict, person_id
        statuses = {r.criterion.id: r.status for r in bedside.criteria}
        assert statuses == dict(by_person[person_id].criteria), person_id


def test_the_csv_file_holds_the_same_rows_and_the_attrition_table_is_printed(
    csv_out: tuple[Path, str], parquet_all: tuple[Path, dict[str, Any]], expected: Prescreening
) -> None:
    out, printed = csv_out
    parquet = parquet_all[0] / f"screened.{PROTOCOL}.parquet"
    # Without --at, the index time is the end of the extract's last day, as --at AT_TEXT.
    assert _read(out, _types(parquet)) == _read(parquet)
    with out.open(encoding="utf-8", newline="") as handle:
        header, *lines = list(csv.reader(handle))
    assert header[:4] == ["person_id", "protocol", "index_time", "verdict"]
    values = {line[header.index(expected.compiled.criteria[0])] for line in lines}
    assert values <= {"true", "false", ""} and "false" in values
    assert {line[header.index("index_time")] for line in lines} == {
        f"{EXTRACTED:%Y-%m-%d} 23:59:59.999999"
    }
    attrition = expected.attrition
    assert f"({PROTOCOL}): 200 persons" in printed
    assert (
        f"eligible {attrition.eligible} · undetermined {attrition.undetermined} · "
        f"ineligible {attrition.ineligible}"
    ) in printed
    for row in attrition.rows:
        assert re.search(
            rf"│ {row.criterion} +│ {row.kind.value} +│ +{row.excluded} │ +{row.unknown} │"
            rf" +{row.remaining} │ +{row.passing} │",
            printed,
        ), row


def test_all_protocols_go_to_one_parquet_file_each(
    parquet_all: tuple[Path, dict[str, Any]],
) -> None:
    folder, summary = parquet_all
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"screened.{i}.parquet" for i in builtin_ids()
    )
    assert [p["id"] for p in summary["protocols"]] == list(builtin_ids())
    con = duckdb.connect()
    try:
        for item in summary["protocols"]:
            path = Path(item["file"])
            metadata = con.execute(
                "SELECT key::VARCHAR, value::VARCHAR FROM parquet_kv_metadata(?)", [str(path)]
            ).fetchall()
            assert metadata == [("trialkit.schema", FILE_SCHEMA)]
            counts = dict(
                con.execute(
                    "SELECT verdict, count(*) FROM read_parquet(?) GROUP BY verdict", [str(path)]
                ).fetchall()
            )
            assert counts.get("eligible", 0) == item["eligible"]
            assert counts.get("undetermined", 0) == item["undetermined"]
            assert counts.get("ineligible", 0) == item["ineligible"]
            assert item["persons"] == 200 == sum(counts.values())
            types = _types(path)
            assert list(types)[:4] == ["person_id", "protocol", "index_time", "verdict"]
            assert types["person_id"] == "BIGINT" and types["index_time"] == "TIMESTAMP"
    finally:
        con.close()


def test_docs_prescreen_md_describes_the_real_output(
    parquet_all: tuple[Path, dict[str, Any]],
) -> None:
    text = (DOCS / "prescreen.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```json\n(.*?)```", text, re.S)
    documented = json.loads(block)
    _, summary = parquet_all
    real = dict(summary)
    # The real run finds no unknown concept; the documented entry's shape is checked below.
    assert real["concept_check"]["unknown"] == []
    real_keys = json_keys(real) | {
        "concept_check.unknown.table",
        "concept_check.unknown.column",
        "concept_check.unknown.rows",
        "concept_check.unknown.concept_ids",
        "concept_check.unknown.first",
        "concept_check.unknown.first.concept_id",
        "concept_check.unknown.first.key",
        "concept_check.unknown.first.row_id",
    }
    assert json_keys(documented) == real_keys
    assert documented["schema"] == SUMMARY_SCHEMA and documented["file_schema"] == FILE_SCHEMA
    assert f"`{FILE_SCHEMA}`" in text and f"`{SUMMARY_SCHEMA}`" in text
    for key in {k.split(".")[-1] for k in real_keys}:
        assert re.search(rf"`[^`]*\b{key}\b[^`]*`", text), key  # in the field table
    # The documented fixed columns are the files' first columns; every evidence field of
    # every protocol's file is named in docs/sql.md's evidence table.
    folder, _ = parquet_all
    sql_doc = (DOCS / "sql.md").read_text(encoding="utf-8")
    for path in folder.iterdir():
        columns = list(_types(path))
        for column in columns[:5]:
            assert f"| `{column}` |" in text, column
        for column in columns[5:]:
            if ":" in column:
                assert f"`{column.rsplit(':', 1)[1]}`" in sql_doc, (path.name, column)


# Bad input --------------------------------------------------------------------------------


def _tiny(folder: Path, *, measurement: str | None = None, period: bool = True) -> Path:
    """A three-table OMOP folder of CSV files (two persons, two measurements, a CONCEPT table)."""
    folder.mkdir()
    (folder / "person.csv").write_text(
        "person_id,gender_concept_id,year_of_birth,race_concept_id,ethnicity_concept_id\n"
        "1,8532,1990,0,0\n2,8507,2015,0,0\n",
        encoding="utf-8",
    )
    if period:
        (folder / "observation_period.csv").write_text(
            "observation_period_id,person_id,observation_period_start_date,"
            "observation_period_end_date,period_type_concept_id\n"
            "1,1,2024-01-01,2025-06-30,32817\n2,2,2024-01-01,2025-06-30,32817\n",
            encoding="utf-8",
        )
    (folder / "concept.csv").write_text(
        "concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,concept_code,"
        "valid_start_date,valid_end_date\n"
        "3020416,Ferritin,Measurement,LOINC,Lab Test,2276-4,1970-01-01,2099-12-31\n",
        encoding="utf-8",
    )
    rows = measurement or "1,1,3020416,2025-06-01,32817,8000\n2,2,3020416,2025-06-01,32817,300\n"
    (folder / "measurement.csv").write_text(
        "measurement_id,person_id,measurement_concept_id,measurement_date,"
        "measurement_type_concept_id,value_as_number\n" + rows,
        encoding="utf-8",
    )
    return folder


def _database(path: Path, *, value_type: str = "DOUBLE", concept: int = 3020416) -> Path:
    """A DuckDB CDM file holding the tiny population, its value column retyped if asked."""
    con = connect(path)
    try:
        con.execute(
            "INSERT INTO person (person_id, gender_concept_id, year_of_birth, "
            "race_concept_id, ethnicity_concept_id) VALUES (1, 8532, 1990, 0, 0)"
        )
        con.execute(
            "INSERT INTO observation_period VALUES (1, 1, DATE '2024-01-01', "
            "DATE '2025-06-30', 32817)"
        )
        con.execute(
            "INSERT INTO concept (concept_id, concept_name, domain_id, vocabulary_id, "
            "concept_class_id, concept_code, valid_start_date, valid_end_date) VALUES "
            "(3020416, 'Ferritin', 'Measurement', 'LOINC', 'Lab Test', '2276-4', "
            "DATE '1970-01-01', DATE '2099-12-31')"
        )
        con.execute(
            "INSERT INTO measurement (measurement_id, person_id, measurement_concept_id, "
            "measurement_date, measurement_type_concept_id, value_as_number) VALUES "
            "(7, 1, ?, DATE '2025-06-01', 32817, 8000)",
            [concept],
        )
        if value_type != "DOUBLE":
            con.execute(f"ALTER TABLE measurement ALTER value_as_number TYPE {value_type}")
    finally:
        con.close()
    return path


def _refused(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert run(args) == 2, args
    err = capsys.readouterr().err
    assert err.startswith("trialkit: error: ") and err.count("\n") == 1, (args, err)
    return err


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "missing table",
            "trialkit: error: observation_period: required table missing: "
            "no observation_period.csv or observation_period.parquet in ",
        ),
        (
            "wrong type in a file",
            "trialkit: error: measurement.value_as_number: measurement.csv data row 2: "
            "'high' is not a valid float (DOUBLE)",
        ),
        (
            "wrong type in a database",
            "trialkit: error: measurement.value_as_number: cdm.duckdb holds VARCHAR, "
            "not a float (DOUBLE)",
        ),
        (
            "unknown concept in a file",
            "trialkit: error: measurement.measurement_concept_id: concept id 123 "
            "(data row 2 of measurement.csv) is not in the CONCEPT table",
        ),
        (
            "unknown concept in a database",
            "trialkit: error: measurement.measurement_concept_id: concept id 123 "
            "(measurement_id 7) is not in the CONCEPT table",
        ),
    ],
)
def test_bad_input_names_the_table_and_the_column(
    case: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown_row = "1,1,3020416,2025-06-01,32817,8000\n2,2,123,2025-06-01,32817,300\n"
    omop = {
        "missing table": lambda: _tiny(tmp_path / "omop", period=False),
        "wrong type in a file": lambda: _tiny(
            tmp_path / "omop",
            measurement="1,1,3020416,2025-06-01,32817,8000\n2,2,3020416,2025-06-01,32817,high\n",
        ),
        "wrong type in a database": lambda: _database(
            tmp_path / "cdm.duckdb", value_type="VARCHAR"
        ),
        "unknown concept in a file": lambda: _tiny(tmp_path / "omop", measurement=unknown_row),
        "unknown concept in a database": lambda: _database(tmp_path / "cdm.duckdb", concept=123),
    }[case]()
    out = tmp_path / "out.csv"
    args = ["prescreen", "--omop", str(omop), "--protocol", QUICK, "--out", str(out)]
    err = _refused([*args, "--strict-concepts"], capsys)
    assert err.startswith(message), err
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if "out" in p.name] == []


def test_an_unknown_concept_is_a_warning_without_strict_concepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    omop = _tiny(
        tmp_path / "omop",
        measurement="1,1,3020416,2025-06-01,32817,8000\n2,2,123,2025-06-01,32817,300\n"
        "3,2,0,2025-06-01,32817,1\n4,1,123,2025-06-01,32817,2\n5,1,456,2025-06-01,32817,3\n",
    )
    out = tmp_path / "out.parquet"
    args = ["prescreen", "--omop", str(omop), "--protocol", QUICK, "--out", str(out), "--json"]
    assert run(args) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        "trialkit: warning: measurement.measurement_concept_id: 3 rows with 2 concept ids not "
        "in the CONCEPT table (first: 123 at measurement_id 2) (--strict-concepts makes this "
        "an error)\n"
    )
    summary = json.loads(captured.out)
    assert summary["at"] == "2025-06-30T23:59:59.999999"  # the latest observation period end
    assert summary["concept_check"] == {
        "concepts": 1,
        "unknown": [
            {
                "table": "measurement",
                "column": "measurement_concept_id",
                "rows": 3,
                "concept_ids": 2,
                "first": {"concept_id": 123, "key": "measurement_id", "row_id": 2},
            }
        ],
    }
    assert [r["person_id"] for r in _read(out)] == [1, 2]


def test_real_and_synthetic_concept_tables_cover_their_rows(population: Path) -> None:
    """The decision of docs/omop.md ("Checks"): both pass the strict check as shipped."""
    con = load_folder(population, strict_concepts=True)
    try:
        assert check_concepts(duckdb_query(con)).unknown == ()
    finally:
        con.close()
    synthea = Path(__file__).parents[3] / "shared" / "datasets" / "omop" / "Synthea27Nj_5.4.zip"
    if synthea.exists():
        con = load_folder(synthea, strict_concepts=True)
        try:
            found = check_concepts(duckdb_query(con))
            assert found.concepts == 2294 and found.unknown == ()
        finally:
            con.close()


def test_bad_arguments_are_refused_before_any_work(
    population: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["prescreen", "--omop", str(population)]
    out = ["--out", str(tmp_path / "x.csv")]
    cases = {
        "no-such-trial": [*base, "--protocol", "no-such-trial", *out],
        "--out": [*base, "--protocol", PROTOCOL, "--out", str(tmp_path / "missing" / "x.csv")],
        "is a folder": [*base, "--protocol", PROTOCOL, "--out", str(tmp_path)],
        ".csv or .parquet": [*base, "--protocol", PROTOCOL, "--out", str(tmp_path / "x.txt")],
        "--engine": [*base, "--protocol", PROTOCOL, *out, "--engine", "oracle"],
        "--engine postgres": [
            "prescreen",
            "--omop",
            "postgresql://u@h/db",
            "--protocol",
            PROTOCOL,
            *out,
        ],
        "either --protocol ID or --all": [*base, *out],
        "--spark-memory: only with --engine spark": [
            *base,
            "--protocol",
            PROTOCOL,
            *out,
            "--spark-memory",
            "8g",
        ],
        "--spark-memory 'lots'": [
            *base,
            "--protocol",
            PROTOCOL,
            *out,
            "--engine",
            "spark",
            "--spark-memory",
            "lots",
        ],
        "--spark-partitions 0": [
            *base,
            "--protocol",
            PROTOCOL,
            *out,
            "--engine",
            "spark",
            "--spark-partitions",
            "0",
        ],
        "--at": [*base, "--protocol", PROTOCOL, *out, "--at", "30/06/2025"],
        "no such folder or zip file": [
            "prescreen",
            "--omop",
            str(tmp_path / "nowhere"),
            "--protocol",
            PROTOCOL,
            *out,
        ],
    }
    existing = tmp_path / "existing.duckdb"
    existing.write_bytes(b"kept")
    database = ["--protocol", QUICK, *out, "--database"]
    cases |= {
        "--database: only with --engine duckdb": [
            *base,
            *database,
            str(tmp_path / "new.duckdb"),
            "--engine",
            "spark",
        ],
        "--database: only with a folder or zip": [
            "prescreen",
            "--omop",
            str(existing),
            *database,
            str(tmp_path / "new.duckdb"),
        ],
        ".duckdb or .db file name": [*base, *database, str(tmp_path / "new.sqlite")],
        "exists; pass it as --omop": [*base, *database, str(existing)],
        "--database": [*base, *database, str(tmp_path / "missing" / "new.duckdb")],
    }
    for phrase, args in cases.items():
        err = _refused(args, capsys)
        assert phrase in err, (phrase, err)
    assert not (tmp_path / "x.csv").exists()
    assert not (tmp_path / "new.duckdb").exists()
    assert existing.read_bytes() == b"kept"


def test_a_folder_loaded_into_a_database_file_is_screened_again_from_it(
    population: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "cdm.duckdb"
    args = ["--protocol", QUICK, "--at", AT_TEXT, "--quiet"]
    in_memory = tmp_path / "memory.csv"
    _run(["prescreen", "--omop", str(population), *args, "--out", str(in_memory)])
    loaded = tmp_path / "loaded.csv"
    _run(
        [
            "prescreen",
            "--omop",
            str(population),
            *args,
            "--out",
            str(loaded),
            "--database",
            str(database),
        ]
    )
    again = tmp_path / "again.csv"
    _run(["prescreen", "--omop", str(database), *args, "--out", str(again)])
    assert in_memory.read_bytes() == loaded.read_bytes() == again.read_bytes()
    # A failed load leaves no database file behind.
    broken = _tiny(tmp_path / "broken", measurement="1,1,3020416,2025-06-01,32817,high\n")
    failed = tmp_path / "failed.duckdb"
    bad = [
        "prescreen",
        "--omop",
        str(broken),
        "--protocol",
        QUICK,
        "--out",
        str(tmp_path / "x.csv"),
    ]
    err = _refused([*bad, "--database", str(failed)], capsys)
    assert "measurement.value_as_number" in err
    assert not failed.exists()


# Other engines ----------------------------------------------------------------------------


def _screened(omop: str, engine: str, out: Path, *extra: str) -> bytes:
    args = ["prescreen", "--omop", omop, "--engine", engine, "--protocol", QUICK]
    _run([*args, "--out", str(out), "--quiet", *extra])
    return out.read_bytes()


@pytest.mark.engine
def test_postgres_writes_the_same_file_from_a_folder_and_from_a_url(
    population: Path, tmp_path: Path
) -> None:
    url = postgres_url()
    try:
        from trialkit.eligibility.sql.postgres import PostgresEngine
    except (TrialkitInputError, ImportError) as missing:  # psycopg is not installed
        unavailable(str(missing))
    reference = _screened(str(population), "duckdb", tmp_path / "duckdb.csv")
    copied = _screened(str(population), "postgres", tmp_path / "copied.csv", "--postgres", url)
    assert copied == reference
    con = load_folder(population)
    try:
        with PostgresEngine.from_duckdb(con, url) as server:
            in_place = _screened(
                url, "postgres", tmp_path / "in-place.csv", "--schema", server.schema
            )
    finally:
        con.close()
    assert in_place == reference


# PySpark's DataFrame.collect leaves its local socket to the garbage collector
# (pyspark/util.py _create_local_socket closes the file, not the socket): the
# ResourceWarning is PySpark's, raised whenever SparkEngine.query runs.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_spark_writes_the_same_file_from_parquet(
    spark: Any, population: Path, tmp_path: Path
) -> None:
    reference = _screened(str(population), "duckdb", tmp_path / "duckdb.csv")
    assert _screened(str(population), "spark", tmp_path / "spark.csv") == reference
