"""DuckDB database files as ``--omop``: views and macros refused, half-loaded files never read.

A DuckDB file is code as well as data: a CDM table that is a view runs its
SQL on every read (a 10^10-row cross join, a read of a local file), and a
macro can shadow a built-in function the compiled query calls. trialkit reads
base tables only, and refuses a file with a CDM view or a macro before
reading anything.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from hostile.conftest import in_process, refused
from trialkit.errors import OmopError
from trialkit.omop import connect
from trialkit.omop.checks import open_database

SECONDS = 60.0


def _cdm(path: Path) -> None:
    """A small complete CDM database file (one person), as another tool might write it."""
    con = connect(path)
    con.execute(
        "INSERT INTO person (person_id, gender_concept_id, year_of_birth, race_concept_id, "
        "ethnicity_concept_id) VALUES (1, 8532, 2014, 0, 0)"
    )
    con.execute("INSERT INTO observation_period VALUES (1, 1, '2020-01-01', '2025-06-30', 32817)")
    con.close()


def _args(omop: Path, out: Path) -> list[str]:
    return ["prescreen", "--omop", str(omop), "--protocol", "rux-hlh-salvage", "--out", str(out)]


def _prescreen(omop: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """``trialkit prescreen --omop omop`` run in this process."""
    args = [*_args(omop, out), "--quiet"]
    done = in_process(*args)
    return subprocess.CompletedProcess(args, done.code, done.out, done.err)


def _prescreen_process(omop: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """In a subprocess that a timeout stops: for a file whose wrong reading would not end."""
    code = "import sys; from trialkit.cli import run; sys.exit(run(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *_args(omop, out), "--quiet"],
        capture_output=True,
        text=True,
        timeout=SECONDS * 2,
        check=False,
    )


def test_a_database_from_another_tool_is_read(tmp_path: Path) -> None:
    path = tmp_path / "cdm.duckdb"
    _cdm(path)
    result = _prescreen(path, tmp_path / "out.csv")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.csv").read_text().count("\n") == 2


def test_a_cdm_table_that_is_a_cross_join_view_is_refused_without_running_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cdm.duckdb"
    _cdm(path)
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE measurement RENAME TO measurement_rows")
    con.execute(
        "CREATE VIEW measurement AS SELECT m.* FROM measurement_rows m, "
        "range(100000) a, range(100000) b"
    )
    con.execute(
        "INSERT INTO measurement_rows (measurement_id, person_id, measurement_concept_id, "
        "measurement_date, measurement_type_concept_id, value_as_number) "
        "VALUES (1, 1, 3024929, '2025-06-01', 32817, 40)"
    )
    con.close()
    started = time.monotonic()
    refused(_prescreen_process(path, tmp_path / "out.csv"), "measurement", "view")
    assert time.monotonic() - started < SECONDS
    with pytest.raises(OmopError, match=r"^measurement: a view in cdm\.duckdb"):
        open_database(path)


def test_a_cdm_table_that_is_a_view_of_a_local_file_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text(
        "person_id,gender_concept_id,year_of_birth,race_concept_id,ethnicity_concept_id\n"
        "1,8532,2014,0,0\n"
    )
    path = tmp_path / "cdm.duckdb"
    _cdm(path)
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE person")
    con.execute(
        "CREATE VIEW person AS SELECT p.*, NULL::INT AS month_of_birth, "
        "NULL::INT AS day_of_birth, NULL::TIMESTAMP AS birth_datetime, "
        "NULL::BIGINT AS location_id, NULL::BIGINT AS provider_id, "
        "NULL::BIGINT AS care_site_id, NULL::VARCHAR AS person_source_value, "
        "NULL::VARCHAR AS gender_source_value, NULL::BIGINT AS gender_source_concept_id, "
        "NULL::VARCHAR AS race_source_value, NULL::BIGINT AS race_source_concept_id, "
        "NULL::VARCHAR AS ethnicity_source_value, "
        "NULL::BIGINT AS ethnicity_source_concept_id "
        f"FROM read_csv('{secret}', columns = {{'person_id': 'BIGINT', "
        "'gender_concept_id': 'BIGINT', 'year_of_birth': 'INT', 'race_concept_id': 'BIGINT', "
        "'ethnicity_concept_id': 'BIGINT'}, header = true) p"
    )
    con.close()
    secret.unlink()  # had the view been read, its error would name this file
    err = refused(_prescreen(path, tmp_path / "out.csv"), "person: a view in cdm.duckdb")
    assert "secret" not in err


def test_a_macro_that_shadows_a_built_in_function_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cdm.duckdb"
    _cdm(path)
    con = duckdb.connect(str(path))
    con.execute("CREATE MACRO make_date(y, m, d) AS DATE '1900-01-01'")
    con.close()
    refused(_prescreen(path, tmp_path / "out.csv"), "cdm.duckdb", "macro make_date")


_SETTINGS = """
import sys
from pathlib import Path
from trialkit.omop import connect, load_folder
from trialkit.omop.checks import open_database
from trialkit.omop.load import load_database
folder, path, new = (Path(a) for a in sys.argv[1:])
for con in (connect(), load_folder(folder), load_database(folder, new), open_database(path)):
    print(con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0])
"""


def test_no_connection_trialkit_opens_draws_duckdbs_progress_bar(tmp_path: Path) -> None:
    """DuckDB drew its bar on stdout for a query over 2 s: `prescreen --json` printed it first.

    Run in a subprocess: under pytest, DuckDB starts with the bar off.
    """
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
    path = tmp_path / "cdm.duckdb"
    _cdm(path)
    args = [str(folder), str(path), str(tmp_path / "new.duckdb")]
    result = subprocess.run(
        [sys.executable, "-c", _SETTINGS, *args], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False"] * 4
