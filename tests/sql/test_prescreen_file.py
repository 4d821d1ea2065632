"""The pre-screening run from Python: ``prescreen_to_files`` writes what ``trialkit prescreen`` does."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import datetime, time
from pathlib import Path

import duckdb
import pytest

from trialkit.cli import run
from trialkit.eligibility.sql import PrescreenRun, prescreen, prescreen_to_files
from trialkit.eligibility.sql.prescreen_file import FILE_SCHEMA
from trialkit.omop import load_folder
from trialkit.protocol.files import builtin_protocol
from trialkit.synth import EXTRACTED, generate_omop

AT = datetime.combine(EXTRACTED.date(), time.max)
QUICK = "rux-hlh-salvage"
"""Quick to compile and run."""


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("population")
    generate_omop(folder, 60, seed=3)
    return folder


def _rows(file: Path) -> list[tuple[int, str]]:
    con = duckdb.connect()
    try:
        query = "SELECT person_id, verdict FROM read_parquet(?) ORDER BY person_id"
        return [(int(p), str(v)) for p, v in con.execute(query, [str(file)]).fetchall()]
    finally:
        con.close()


def test_one_protocol_to_its_file_as_the_sql_prescreening_and_the_command(
    population: Path, tmp_path: Path
) -> None:
    out = tmp_path / "screened.parquet"
    out.write_text("an older file, replaced")
    protocol = builtin_protocol(QUICK)
    done = prescreen_to_files(population, protocol, out, at=AT)
    assert isinstance(done, PrescreenRun)
    assert (done.engine, done.at, [w.file for w in done.written]) == ("duckdb", AT, [out])
    con = load_folder(population)
    try:
        expected = prescreen(con, protocol, AT)
    finally:
        con.close()
    assert done.written[0].result.attrition == expected.attrition
    assert _rows(out) == [(p.person_id, p.verdict.value) for p in expected.persons if p.verdict]
    meta = duckdb.sql(f"SELECT value FROM parquet_kv_metadata('{out}')").fetchall()
    assert (FILE_SCHEMA.encode(),) in meta
    assert sorted(p.name for p in tmp_path.iterdir()) == ["screened.parquet"]  # no hidden file
    # The command writes the same bytes and prints the same summary.
    theirs = tmp_path / "theirs" / out.name
    theirs.parent.mkdir()
    args = ["--omop", str(population), "--protocol", protocol.id, "--at", f"{AT:%Y-%m-%d}"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
        assert run(["prescreen", *args, "--out", str(theirs), "--json", "--quiet"]) == 0
    summary = done.summary()
    summary["protocols"][0]["file"] = str(theirs)
    assert json.loads(printed.getvalue()) == summary
    assert theirs.read_bytes() == out.read_bytes()


def test_several_protocols_one_file_each_at_the_latest_observation_day(
    population: Path, tmp_path: Path
) -> None:
    first = builtin_protocol(QUICK)
    second = first.model_copy(update={"id": "again"})
    done = prescreen_to_files(str(population), [first, second], tmp_path / "s.csv")
    names = [f"s.{QUICK}.csv", "s.again.csv"]
    assert [w.file.name for w in done.written] == names
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    latest = "SELECT max(observation_period_end_date) FROM observation_period"
    con = load_folder(population)
    try:
        (day,) = con.execute(latest).fetchone() or (None,)
    finally:
        con.close()
    assert done.at == datetime.combine(day, time.max)
