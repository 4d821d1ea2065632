"""Inputs that would take unbounded time or memory: refused at once, with one line.

Before: ``design oc ... --n 100000000`` ran for minutes and ``design infer`` tried
to allocate 48 GiB (explicit designs had no size bound, unlike ``--nmax``);
``scores /dev/zero`` read until memory ran out; ``scores`` on a FIFO waited
forever.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hostile.conftest import EXAMPLES, trialkit
from trialkit.cli import run

EXPLICIT = ["--r1", "1", "--n1", "5", "--r", "3", "--n", "100000000"]


@pytest.mark.parametrize(
    "command",
    [["oc"], ["infer", "--x1", "2", "--total", "3", "--p0", "0.1"], ["decide", "--x1", "2"]],
    ids=["oc", "infer", "decide"],
)
def test_an_explicit_design_has_the_bound_of_nmax(command: list[str]) -> None:
    done = trialkit("design", *command, *EXPLICIT, timeout=20, memory=2**30)
    assert done.code == 2, done.err
    assert done.one_error_line() == (
        "trialkit: error: n=100000000 exceeds 300, the largest design trialkit computes (as nmax)"
    )


def test_a_device_is_refused_before_it_is_read() -> None:
    done = trialkit("scores", "/dev/zero", timeout=20, memory=2**30)
    assert done.code == 2, done.err
    assert (
        done.one_error_line()
        == "trialkit: error: /dev/zero: not a regular file (a device); give a file"
    )


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    pipe = tmp_path / "bundle.json"
    os.mkfifo(pipe)
    done = trialkit("scores", pipe, timeout=20)
    assert done.code == 2, done.err
    assert (
        done.one_error_line()
        == f"trialkit: error: {pipe}: not a regular file (a pipe); give a file"
    )
    protocol = tmp_path / "protocol.yaml"
    os.mkfifo(protocol)
    done = trialkit("screen", EXAMPLES / "r-hlh-eligible.json", "--protocol", protocol, timeout=20)
    assert done.code == 2, done.err
    assert "not a regular file (a pipe)" in done.one_error_line()


def test_a_bundle_over_256_mib_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as file:
        file.truncate(257 * 2**20)  # sparse: no disk used
    assert run(["scores", str(huge)]) == 2
    assert capsys.readouterr().err == (
        f"trialkit: error: {huge}: larger than 256 MiB, the most trialkit reads\n"
    )


def test_a_batch_folder_names_its_json_entries_that_are_not_files(tmp_path: Path) -> None:
    """Before: a FIFO (or folder, or dangling link) named *.json was skipped silently, exit 0."""
    folder = tmp_path / "ward"
    folder.mkdir()
    (folder / "b.json").write_bytes((EXAMPLES / "r-hlh-eligible.json").read_bytes())
    os.mkfifo(folder / "a.json")
    (folder / "c.json").mkdir()
    (folder / "d.json").symlink_to(tmp_path / "gone.json")
    done = trialkit("screen", folder, "--protocol", "r-hlh", timeout=20)
    assert done.code == 1, done.err
    assert "Traceback" not in done.err
    lines = [json.loads(line) for line in done.out.splitlines()]
    assert [line["file"] for line in lines] == [str(folder / f"{n}.json") for n in "abcd"]
    assert [line["error"] is None for line in lines] == [False, True, False, False]
    reasons = {
        "a": "not a regular file (a pipe)",
        "c": "not a regular file (a folder)",
        "d": "cannot read the file",
    }
    for name, reason in reasons.items():
        assert f"{folder / name}.json: {reason}" in done.err, done.err
    assert "screened 1 of 4 bundles; 3 could not be screened" in done.err
