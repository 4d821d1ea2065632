"""Ctrl-C and SIGTERM, sent for real: exit 128 + signal, one line, no file of the run left.

Before: Ctrl-C exited 0 with no message (Typer's ``Exit(130)`` was dropped),
SIGTERM killed the process where it stood (a hidden ``.partial`` file left),
``prescreen --all`` stopped after one protocol kept that protocol's file, and
an interrupt inside a DuckDB query waited for the query (or was a traceback).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from hostile.conftest import catches_sigterm, finish, start, wait_for
from trialkit.synth import generate_omop


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic OMOP population (every protocol's query takes a while on it)."""
    folder = tmp_path_factory.mktemp("omop")
    generate_omop(folder, 1500, 0)
    return folder


def _everything(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_prescreen_all_interrupted_after_one_protocol_leaves_nothing(
    population: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    process = start(["prescreen", "--omop", population, "--all", "--out", out / "s.csv", "--quiet"])
    # The first protocol's rows are being written: the run is inside its DuckDB work.
    wait_for(lambda: any(".partial" in p.name for p in out.iterdir()), process)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    done = finish(process, timeout=30)
    assert done.code == 130, done.err
    assert done.one_error_line() == "trialkit: interrupted (SIGINT)"
    assert _everything(out) == []


def test_synth_terminated_inside_duckdb_keeps_the_folder_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "synth"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    process = start(["synth", "omop", "--persons", "40000", "--out", out])
    wait_for(lambda: any(p.suffix == ".duckdb" for p in out.iterdir()), process)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    done = finish(process, timeout=30)
    assert done.code == 143, done.err
    assert done.one_error_line() == "trialkit: interrupted (SIGTERM)"
    assert _everything(out) == ["notes.txt"]


@pytest.fixture(scope="module")
def many_bundles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of 3,000 bundles: screening them all takes several seconds of Python."""
    folder = tmp_path_factory.mktemp("bundles")
    text = (Path(__file__).parents[2] / "examples" / "r-hlh-eligible.json").read_bytes()
    for n in range(3000):
        (folder / f"p{n:04d}.json").write_bytes(text)
    return folder


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_command_in_python_code_stops_with_128_plus_the_signal(
    signum: signal.Signals, many_bundles: Path, tmp_path: Path
) -> None:
    out = tmp_path / "screened.jsonl"
    process = start(["screen", many_bundles, "--protocol", "r-hlh", "--out", out, "--quiet"])
    wait_for(lambda: catches_sigterm(process), process)
    time.sleep(0.5)
    process.send_signal(signum)
    done = finish(process, timeout=30)
    assert done.code == 128 + signum, done.err
    assert done.one_error_line() == f"trialkit: interrupted ({signum.name})"
    assert _everything(tmp_path) == []


def test_an_interrupt_inside_a_callback_python_cannot_raise_from_is_delivered_again() -> None:
    """The handler's KeyboardInterrupt in a ``__del__`` (or an import lock's weakref callback).

    Python prints such an exception as "Exception ignored" with a traceback
    and goes on: a SIGTERM arriving during an import was lost, the command
    ran to its end (found by this file's screen test, one run in a few).
    """
    from trialkit.cli.signals import handled

    class Dying:
        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(10_000):  # the handler runs here, inside __del__
                pass

    def collect_then_wait() -> None:
        Dying()  # collected at once: its __del__ runs
        time.sleep(5)  # the signal sent again ends the sleep at once

    with handled() as received, pytest.raises(KeyboardInterrupt):
        collect_then_wait()
    assert received() == signal.SIGINT


def test_an_interrupt_duckdb_turns_into_an_error_is_still_an_interrupt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """DuckDB runs the signal handlers during a query and raises RuntimeError('Query interrupted').

    The handler's KeyboardInterrupt never reached the command: the error was a
    traceback (seen once in a few runs of the database-load interrupt test).
    """
    import trialkit.cli.prescreen as prescreen
    from trialkit.cli import run

    def interrupted_query(*args: object, **kwargs: object) -> None:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # the handler raises here, as inside DuckDB's query
        except KeyboardInterrupt:
            raise RuntimeError("Query interrupted") from None

    monkeypatch.setattr(prescreen, "load_folder", interrupted_query)
    folder = tmp_path / "omop"
    folder.mkdir()
    (folder / "person.csv").write_text("person_id\n", encoding="utf-8")
    code = run(
        [
            "prescreen",
            "--omop",
            str(folder),
            "--protocol",
            "r-hlh",
            "--out",
            str(tmp_path / "s.csv"),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 130, err
    assert err == "trialkit: interrupted (SIGINT)\n"
