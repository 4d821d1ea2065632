"""``trialkit edc`` at the command line: set-up, verify, gate, export, and bad input that
gets one line on stderr, exit code 2, and changes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edc.conftest import CHEAP
from trialkit.cli import run


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TRIALKIT_PASSWORD", "a long password")
    path = str(tmp_path / "study.db")
    assert run(["edc", "init", "--db", path, "--protocol", "r-hlh"]) == 0
    assert (
        run(["edc", "site", "--db", path, "--user", "admin", "--code", "par", "--name", "P"]) == 0
    )
    return path


def events(path: str) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM audit_event").fetchone()[0])


def test_set_up_verify_gate_and_export(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user = ["--username", "dm", "--name", "Data Manager", "--role", "data_manager@PAR"]
    assert run(["edc", "user", "--db", database, "--user", "admin", *user]) == 0
    assert run(["edc", "verify", "--db", database]) == 0
    assert "audit chain intact: 6 events" in capsys.readouterr().out
    assert run(["edc", "gate", "--db", database, "--protocol", "r-hlh"]) == 0
    assert "stage 1: 0 of n1=6 enrolled" in capsys.readouterr().out
    out = tmp_path / "export"
    args = ["--db", database, "--user", "dm", "--protocol", "r-hlh", "--out", str(out)]
    assert run(["edc", "export", *args]) == 0
    assert (out / "forms" / "hlh_diagnosis.csv").read_text().startswith("subject,site,visit")
    assert (out / "odm" / "study.xml").read_bytes().startswith(b"<?xml")
    assert (out / "odm" / "clinical.xml").is_file()
    assert (out / "redcap_dictionary.csv").read_text().startswith("Variable / Field Name,")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["user", "--user", "admin", "--username", "x", "--name", "X", "--role", "chef@PAR"],
            "--role",
        ),
        (
            ["user", "--user", "admin", "--username", "x", "--name", "X", "--role", "monitor@ZZ"],
            "site",
        ),
        (["site", "--user", "admin", "--code", "par", "--name", "again"], "already exists"),
        (["site", "--user", "nobody", "--code", "LYO", "--name", "L"], "no active user"),
        (["protocol", "--user", "admin", "--protocol", "r-hlh"], "this very file"),
        (["gate", "--protocol", "c-hlh"], "not in this database"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    database: str, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = events(database)
    assert run(["edc", args[0], "--db", database, *args[1:]]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert events(database) == before


def test_a_missing_database_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.db"
    assert run(["edc", "verify", "--db", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not missing.exists()


def test_a_tampered_chain_fails_verify(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    with sqlite3.connect(database) as connection:
        connection.execute("DROP TRIGGER audit_event_no_update")
        connection.execute("UPDATE audit_event SET new = 'Q' WHERE seq = 3")
    assert run(["edc", "verify", "--db", database]) == 1
    assert "BROKEN at event 3" in capsys.readouterr().out


def test_demo_then_a_subject_through_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from trialkit.edc import study

    monkeypatch.setattr(study, "_HASHER", CHEAP)
    path = str(tmp_path / "demo.db")
    assert run(["edc", "demo", "--db", path, "--subjects", "1"]) == 0
    out = capsys.readouterr().out
    assert out.count("enrolled") == 5
    db = ["--db", path, "--protocol", "r-hlh"]
    assert run(["edc", "register", *db, "--user", "research_nurse_par", "--site", "PAR",
                "--birth-date", "2024-11-10", "--sex", "male"]) == 0  # fmt: skip
    label = capsys.readouterr().out.strip()
    assert label == "PAR-0002-S"
    subject = [*db, "--subject", label]
    enter = ["edc", "enter", *subject, "--user", "research_nurse_par", "--form", "hlh_diagnosis"]
    assert run([*enter, "--value", "vital.temperature=60 Cel", "--date", "2026-03-01"]) == 0
    assert "query: hlh_diagnosis.vital.temperature" in capsys.readouterr().out
    assert run([*enter, "--value", "lab.ferritin=12 mmol", "--date", "2026-03-01"]) == 2
    assert "cannot express Ferritin" in capsys.readouterr().err
    assert run(["edc", "screen", *subject, "--user", "investigator_par"]) == 0
    assert capsys.readouterr().out.strip() == "undetermined"
    assert run(["edc", "screen", *subject, "--user", "investigator_lyo"]) == 2
    assert "may not screen a subject at site PAR" in capsys.readouterr().err
    assert (
        run(["edc", "enrol", *subject, "--user", "investigator_par", "--date", "2026-03-01"]) == 2
    )
    assert "only an eligible subject enrols" in capsys.readouterr().err
    assert run(["edc", "decide", *db, "--user", "statistician_par"]) == 2
    assert "stage-1 subjects enrolled" in capsys.readouterr().err
    assert run(["edc", "verify", "--db", path]) == 0


def test_enter_reads_units_normal_ranges_and_plain_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from trialkit.edc import study

    monkeypatch.setattr(study, "_HASHER", CHEAP)
    path = str(tmp_path / "demo.db")
    assert run(["edc", "demo", "--db", path, "--subjects", "1"]) == 0
    capsys.readouterr()
    subject = ["--db", path, "--protocol", "hem-ismart-c", "--subject", "PAR-0001-U"]
    enter = ["edc", "enter", *subject, "--user", "research_nurse_par"]
    args = [*enter, "--form", "organ_function", "--date", "2026-03-01"]
    assert run([*args, "--value", "lab.alt=80 U/L 0-40"]) == 0
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT number, unit, reference_low, reference_high FROM item_value "
            "WHERE item = 'lab.alt' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert row == (80.0, "U/L", 0.0, 40.0)
    deviation = [*enter, "--form", "protocol_deviation"]
    values = ["--value", "date=2026-03-01", "--value", "category=visit_window"]
    values += ["--value", "description=visit two days late", "--value", "important=no"]
    assert run([*deviation, *values]) == 0, capsys.readouterr().err
