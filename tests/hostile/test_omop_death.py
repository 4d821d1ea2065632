"""A patient who died at or before the index time is never eligible, in memory and in SQL.

Death was never read: a Patient with ``deceasedDateTime`` before the index
time, or an OMOP DEATH row, was screened eligible. The rule is one for both
back-ends (:class:`trialkit.eligibility.Death`, the SQL ``deceased`` column):
the verdict is ``ineligible`` and the output says why; the criteria are
evaluated as before. Each eligible example patient is screened dead before,
exactly at and after the index time, with ``deceasedBoolean``, on every
engine.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sql.engines import ENGINE_NAMES, engine_for, engine_params
from sql.population import database
from trialkit.cli import run
from trialkit.eligibility import Verdict, screen
from trialkit.eligibility.export import screening_json
from trialkit.eligibility.sql import Engine, prescreen
from trialkit.errors import BundleError, OmopError
from trialkit.examples import example
from trialkit.omop import omop_rows
from trialkit.protocol.files import builtin_protocol
from trialkit.record import PatientRecord, record_from_bundle

CASES = ("r-hlh", "jak-hs-icu", "rux-hlh-salvage", "c-hlh", "hem-ismart-c")
"""The protocols whose example patient is eligible: the death alone changes the verdict."""


def _bundle(protocol: str, **patient: Any) -> dict[str, Any]:
    """The protocol's eligible example, with ``patient`` fields set on its Patient resource."""
    bundle = copy.deepcopy(example(f"{protocol}-eligible"))
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            entry["resource"].update(patient)
    return bundle


def _at(protocol: str) -> datetime:
    """The index time the example is eligible at: its latest entry."""
    from trialkit.cli.common import latest_entry_time

    return latest_entry_time(record_from_bundle(example(f"{protocol}-eligible")))


@pytest.mark.parametrize("protocol", CASES)
def test_a_patient_dead_by_the_index_time_is_ineligible_and_told_why(protocol: str) -> None:
    at = _at(protocol)
    alive = screen(
        builtin_protocol(protocol), record_from_bundle(example(f"{protocol}-eligible")), at
    )
    assert alive.verdict is Verdict.ELIGIBLE and alive.death is None
    for died in (at - timedelta(days=3), at):
        bundle = _bundle(protocol, deceasedDateTime=died.isoformat())
        result = screen(builtin_protocol(protocol), record_from_bundle(bundle), at)
        assert result.verdict is Verdict.INELIGIBLE
        assert result.death is not None and result.death.time == died
        assert [r.status for r in result.criteria] == [r.status for r in alive.criteria]
        shown = screening_json(result)
        assert shown["verdict"] == "ineligible"
        assert shown["deceased"]["time"] == died.isoformat()
        assert "never eligible" in shown["deceased"]["reason"]
    later = _bundle(protocol, deceasedDateTime=(at + timedelta(seconds=1)).isoformat())
    result = screen(builtin_protocol(protocol), record_from_bundle(later), at)
    assert result.verdict is Verdict.ELIGIBLE and result.death is None
    assert screening_json(result)["deceased"] is None
    undated = screen(
        builtin_protocol(protocol), record_from_bundle(_bundle(protocol, deceasedBoolean=True)), at
    )
    assert undated.verdict is Verdict.INELIGIBLE
    assert undated.death is not None and undated.death.time is None


def test_deceased_boolean_must_be_a_boolean_and_not_beside_a_date() -> None:
    with pytest.raises(BundleError, match="deceasedBoolean must be true or false"):
        record_from_bundle(_bundle("c-hlh", deceasedBoolean="yes"))
    with pytest.raises(BundleError, match="deceasedBoolean or deceasedDateTime, not both"):
        record_from_bundle(
            _bundle("c-hlh", deceasedBoolean=True, deceasedDateTime="2025-01-01T00:00:00")
        )
    alive = record_from_bundle(_bundle("c-hlh", deceasedBoolean=False))
    assert not alive.died_by(datetime(2100, 1, 1))


def test_a_dated_death_is_a_death_row_and_an_undated_one_cannot_be_written() -> None:
    record = record_from_bundle(_bundle("c-hlh", deceasedDateTime="2025-06-01T10:00:00"))
    rows = omop_rows(record, 1, extracted=datetime(2025, 7, 1))
    assert [(d.death_date.isoformat(), d.death_datetime) for d in rows.death] == [
        ("2025-06-01", datetime(2025, 6, 1, 10))
    ]
    undated = record_from_bundle(_bundle("c-hlh", deceasedBoolean=True))
    with pytest.raises(OmopError, match=r"^death\.death_date: .* deceased without a date"):
        omop_rows(undated, 1, extracted=datetime(2025, 7, 1))


def test_screen_without_at_reads_the_bundle_as_of_its_death(tmp_path: Path) -> None:
    """The default index time is the latest entry; a death after the last lab is one."""
    at = _at("c-hlh")
    path = tmp_path / "died.json"
    bundle = _bundle("c-hlh", deceasedDateTime=(at + timedelta(days=2)).isoformat())
    path.write_text(json.dumps(bundle))
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = run(["screen", str(path), "--protocol", "c-hlh", "--json"])
    assert code == 0, stderr.getvalue()
    shown = json.loads(stdout.getvalue())
    assert shown["verdict"] == "ineligible"
    assert shown["deceased"]["time"] == (at + timedelta(days=2)).isoformat()


# SQL: the same persons, on every engine ---------------------------------------------------


def _persons() -> list[tuple[str, datetime, PatientRecord, Verdict]]:
    """(protocol, index time, record, expected verdict): alive, dead before/at/after the index."""
    found = []
    for protocol in CASES:
        at = _at(protocol)
        for died, verdict in (
            (None, Verdict.ELIGIBLE),
            (at - timedelta(days=3), Verdict.INELIGIBLE),
            (at, Verdict.INELIGIBLE),
            (at + timedelta(microseconds=1), Verdict.ELIGIBLE),
        ):
            patient = {} if died is None else {"deceasedDateTime": died.isoformat()}
            found.append((protocol, at, record_from_bundle(_bundle(protocol, **patient)), verdict))
    return found


PERSONS = _persons()


@pytest.fixture(scope="module")
def deaths_db() -> Iterator[duckdb.DuckDBPyConnection]:
    con = database([record for _, _, record, _ in PERSONS])
    yield con
    con.close()


@pytest.fixture(scope="module", params=engine_params(*ENGINE_NAMES))
def engine(
    request: pytest.FixtureRequest, deaths_db: duckdb.DuckDBPyConnection
) -> Iterator[Engine]:
    with engine_for(request, deaths_db) as on:
        yield on


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("protocol", CASES)
def test_sql_reads_the_death_row_as_the_evaluator_reads_the_record(
    protocol: str, engine: Engine
) -> None:
    at = _at(protocol)
    result = prescreen(engine, builtin_protocol(protocol), at)
    rows = result.by_person()
    deceased = 0
    for person_id, (own, _, record, verdict) in enumerate(PERSONS, 1):
        bedside = screen(builtin_protocol(protocol), record, at)
        got = rows[person_id]
        assert got.verdict is bedside.verdict, (person_id, got.verdict, bedside.verdict)
        assert got.criteria == {r.criterion.id: r.status for r in bedside.criteria}
        expected_time = None if bedside.death is None else bedside.death.time
        assert got.deceased == expected_time
        deceased += bedside.death is not None
        if own == protocol:
            assert got.verdict is verdict
    assert result.attrition.deceased == deceased > 0
    assert result.attrition.ineligible >= deceased
    assert (
        result.attrition.eligible + result.attrition.undetermined + result.attrition.ineligible
        == len(PERSONS)
    )


def test_the_prescreen_file_and_summary_say_who_died(tmp_path: Path) -> None:
    protocol = "c-hlh"
    at = _at(protocol)
    con = database([record for _, _, record, _ in PERSONS])
    path = tmp_path / "cdm.duckdb"
    try:
        con.execute(f"ATTACH '{path}' AS target")
        con.execute("COPY FROM DATABASE memory TO target")
        con.execute("DETACH target")
    finally:
        con.close()
    out = tmp_path / "out.csv"
    stdout, stderr = io.StringIO(), io.StringIO()
    args = ["prescreen", "--omop", str(path), "--protocol", protocol, "--out", str(out)]
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = run([*args, "--at", at.isoformat(), "--json"])
    assert code == 0, stderr.getvalue()
    dead = [n for n, (_, _, record, _) in enumerate(PERSONS, 1) if record.died_by(at)]
    summary = json.loads(stdout.getvalue())
    assert summary["file_schema"] == "trialkit.prescreen/2"
    assert summary["protocols"][0]["deceased"] == len(dead) > 0
    reader = duckdb.connect()
    try:
        header = reader.execute(f"SELECT * FROM read_csv('{out}', header = true)").description
        names = [d[0] for d in header]
        assert names[:5] == ["person_id", "protocol", "index_time", "verdict", "deceased"]
        rows = reader.execute(
            f"SELECT person_id, verdict, deceased FROM read_csv('{out}', header = true) "
            "WHERE deceased IS NOT NULL ORDER BY person_id"
        ).fetchall()
    finally:
        reader.close()
    assert [person for person, _, _ in rows] == dead
    assert {verdict for _, verdict, _ in rows} == {"ineligible"}
