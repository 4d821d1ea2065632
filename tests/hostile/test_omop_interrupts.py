"""Interrupted and concurrent ``prescreen`` runs: no partial output, no half-made database.

Real signals (SIGTERM, SIGINT) are sent to a ``trialkit prescreen``
subprocess while it loads a folder into ``--database`` or writes the files of
``--all``. Afterwards no output file of the unfinished run may exist, nor any
hidden partial file, and the database file is either absent or complete
(what a later ``--omop FILE`` run reads must be the whole population). Two
runs given the same new ``--database`` leave one complete database: the
loser is refused with one line and never removes the winner's file.
"""

from __future__ import annotations

import contextlib
import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from trialkit.cli import prescreen as prescreen_cli
from trialkit.cli import run
from trialkit.errors import OmopError
from trialkit.omop import load_folder, row_counts
from trialkit.omop.checks import open_database
from trialkit.omop.load import load_database
from trialkit.omop.marker import MARKER
from trialkit.synth import generate_omop

PERSONS = 20_000
"""Enough persons for a load of a few seconds, so that a signal lands inside it."""
QUICK = "rux-hlh-salvage"
_RUN = "import sys; from trialkit.cli import run; sys.exit(run(sys.argv[1:]))"


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A synthetic population as CSV files (slower to load than Parquet), and its row counts."""
    parquet = tmp_path_factory.mktemp("parquet")
    generate_omop(parquet, PERSONS, seed=3)
    folder = tmp_path_factory.mktemp("csv")
    con = duckdb.connect()
    try:
        for path in sorted(parquet.glob("*.parquet")):
            target = folder / f"{path.stem}.csv"
            con.execute(f"COPY (SELECT * FROM read_parquet('{path}')) TO '{target}' (HEADER)")
    finally:
        con.close()
    loaded = load_folder(folder)
    try:
        return folder, row_counts(loaded)
    finally:
        loaded.close()


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _RUN, *args, "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(folder: Path, started: str, timeout: float = 120.0) -> None:
    """Until a file whose name starts with ``started`` (or ``.`` + it) is in ``folder``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.name.lstrip(".").startswith(started) for p in folder.iterdir()):
            return
        time.sleep(0.02)
    raise AssertionError(f"no {started}* file in {folder} within {timeout} s")


def _complete_or_absent(database: Path, counts: dict[str, int]) -> None:
    """The database file is absent, or refused, or holds every row of the population."""
    if not database.exists():
        return
    try:
        con = open_database(database)
    except OmopError:
        return
    try:
        assert row_counts(con) == counts, "a half-loaded database is read as if complete"
    finally:
        con.close()


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_the_database_load_leaves_no_half_made_database(
    sent: signal.Signals, population: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    folder, counts = population
    database = tmp_path / "cdm.duckdb"
    out = tmp_path / "out.csv"
    args = ["prescreen", "--omop", str(folder), "--database", str(database)]
    process = _start([*args, "--protocol", QUICK, "--out", str(out)])
    _wait_for(tmp_path, "cdm.duckdb")
    time.sleep(0.5)
    process.send_signal(sent)
    _, err = process.communicate(timeout=120)
    assert "Traceback" not in err, err
    _complete_or_absent(database, counts)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    # Nothing of the run is left: the same name can be loaded again.
    if not database.exists():
        load_database(folder, database).close()
        _complete_or_absent(database, counts)


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT])
def test_prescreen_all_interrupted_writes_no_file(
    sent: signal.Signals, population: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    folder, _ = population
    out = tmp_path / "out"
    out.mkdir()
    args = ["prescreen", "--omop", str(folder), "--all", "--out", str(out / "screened.csv")]
    process = _start(args)
    _wait_for(out, "screened.")
    time.sleep(0.2)
    process.send_signal(sent)
    _, err = process.communicate(timeout=120)
    assert "Traceback" not in err, err
    assert sorted(p.name for p in out.iterdir()) == []


def _cli(args: list[str]) -> tuple[int, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = run(args)
    return code, stderr.getvalue()


def test_the_loser_of_a_race_for_a_new_database_never_touches_the_winners_file(
    population: tuple[Path, dict[str, int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both runs passed the "exists" check; the winner created the file first."""
    folder, counts = population
    database = tmp_path / "cdm.duckdb"
    load_database(folder, database).close()  # the winner's finished load
    before = database.read_bytes()
    monkeypatch.setattr(prescreen_cli, "_check_database", lambda *args: None)
    out = tmp_path / "out.csv"
    args = ["prescreen", "--omop", str(folder), "--database", str(database)]
    code, err = _cli([*args, "--protocol", QUICK, "--out", str(out), "--quiet"])
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith(f"trialkit: error: {database}: exists"), err
    assert database.read_bytes() == before
    assert not out.exists()
    _complete_or_absent(database, counts)


def test_two_runs_with_the_same_new_database_leave_one_complete_database(
    population: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    folder, counts = population
    database = tmp_path / "cdm.duckdb"
    runs = [
        _start(
            [
                "prescreen",
                "--omop",
                str(folder),
                "--database",
                str(database),
                "--protocol",
                QUICK,
                "--out",
                str(tmp_path / f"out{n}.csv"),
            ]
        )
        for n in (1, 2)
    ]
    results = [(p.wait(timeout=300), p.communicate()[1]) for p in runs]
    assert sorted(code for code, _ in results) == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert loser.count("\n") == 1 and "exists" in loser, loser
    assert database.exists()
    con = open_database(database)
    try:
        assert row_counts(con) == counts
    finally:
        con.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_failed_library_load_into_a_file_is_marked_incomplete(tmp_path: Path) -> None:
    folder = tmp_path / "cdm"
    folder.mkdir()
    (folder / "person.csv").write_text(
        "person_id,gender_concept_id,year_of_birth,race_concept_id,ethnicity_concept_id\n"
        "1,8532,2014,0,0\n"
    )
    (folder / "observation_period.csv").write_text(
        "observation_period_id,person_id,observation_period_start_date,"
        "observation_period_end_date,period_type_concept_id\n1,1,2020-01-01,2025-06-30,32817\n"
    )
    (folder / "measurement.csv").write_text(
        "measurement_id,person_id,measurement_concept_id,measurement_date,"
        "measurement_type_concept_id,value_as_number\n1,1,3024929,2025-06-01,32817,high\n"
    )
    database = tmp_path / "cdm.duckdb"
    with pytest.raises(OmopError, match="value_as_number"):
        load_folder(folder, database)
    # person and observation_period are loaded, measurement is not: refused, not read.
    with pytest.raises(OmopError, match=r"^cdm\.duckdb: an incomplete trialkit load"):
        open_database(database)
    (folder / "measurement.csv").unlink()
    complete = tmp_path / "complete.duckdb"
    load_folder(folder, complete).close()
    open_database(complete).close()
    con = duckdb.connect(str(complete), read_only=True)
    try:
        assert con.execute(f"SELECT state FROM {MARKER}").fetchall() == [("complete",)]
    finally:
        con.close()


def test_an_empty_file_and_a_marker_view_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    empty.write_bytes(b"")
    with pytest.raises(OmopError, match=r"empty\.duckdb: empty"):
        open_database(empty)
    faked = tmp_path / "faked.duckdb"
    con = duckdb.connect(str(faked))
    con.execute(f"CREATE VIEW {MARKER} AS SELECT 'complete' AS state")
    con.close()
    with pytest.raises(OmopError, match=rf"faked\.duckdb: {MARKER} is a view"):
        open_database(faked)
