"""``trialkit synth omop``: files written, bad input as one line and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialkit.cli import run
from trialkit.cli.common import console
from trialkit.omop import TABLES, load_folder


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide enough that the temporary path cannot wrap the asserted phrases."""
    monkeypatch.setattr(console, "width", 250)


def test_synth_omop_writes_one_parquet_file_per_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["synth", "omop", "--persons", "40", "--seed", "3", "--out", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {f"{t.name}.parquet" for t in TABLES}
    out = capsys.readouterr().out
    assert "measurement" in out and "--at 2025-06-30" in out
    assert load_folder(tmp_path).execute("SELECT count(*) FROM person").fetchone() == (40,)


def test_synth_omop_extract_time(tmp_path: Path) -> None:
    args = ["synth", "omop", "--persons", "20", "--out", str(tmp_path), "--extracted", "2024-01-31"]
    assert run(args) == 0
    latest = (
        load_folder(tmp_path).execute("SELECT max(measurement_date) FROM measurement").fetchone()
    )
    assert latest is not None and str(latest[0]) <= "2024-01-31"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--persons", "0"], "--persons 0"),
        (["--persons", "5", "--seed", "-2"], "--seed -2"),
        (["--persons", "5", "--extracted", "soon"], "--extracted 'soon'"),
        (["--persons", "many"], "Invalid value for '--persons'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert run(["synth", "omop", "--out", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
