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
QUICK = ("rux-hlh-salvage", "r-hlh")


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


def test_one_protocol_to_its_file_as_the_sql_prescreening(population: Path, tmp_path: Path) -> None:
    out = tmp_path / "screened.parquet"
    out.write_text("an older file, replaced")
    protocol = builtin_protocol(QUICK[0])
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


def test_several_protocols_and_the_default_index_time_as_the_command(
    population: Path, tmp_path: Path
) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    done = prescreen_to_files(str(population), [builtin_protocol(p) for p in QUICK], ours / "s.csv")
    assert [w.file.name for w in done.written] == [f"s.{p}.csv" for p in QUICK]
    latest = "SELECT max(observation_period_end_date) FROM observation_period"
    con = load_folder(population)
    try:
        (day,) = con.execute(latest).fetchone() or (None,)
    finally:
        con.close()
    assert done.at == datetime.combine(day, time.max)
    summary = done.summary()
    for index, protocol_id in enumerate(QUICK):
        name = f"s.{protocol_id}.csv"
        args = ["--omop", str(population), "--protocol", protocol_id, "--out", str(theirs / name)]
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
            assert run(["prescreen", *args, "--json", "--quiet"]) == 0
        command = json.loads(printed.getvalue())
        assert command["at"] == summary["at"]
        ours_only = {**summary["protocols"][index], "file": str(theirs / name)}
        assert command["protocols"] == [ours_only]
        assert (ours / name).read_bytes() == (theirs / name).read_bytes()
