"""``trialkit design simon | oc | decide | infer``: output, JSON contract and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trialkit.cli import run

DESIGN_KEYS = ["r1", "n1", "r", "n", "en0", "pet0", "alpha", "power"]
EXPLICIT = ["--r1", "3", "--n1", "13", "--r", "12", "--n", "43"]


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    assert run([*argv, "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return json.loads(captured.out)


def test_simon_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        ["design", "simon", "--p0", "0.1", "--p1", "0.3", "--alpha", "0.05", "--beta", "0.2"],
        capsys,
    )
    assert list(data) == ["optimal", "minimax", "admissible"]
    assert list(data["optimal"]) == DESIGN_KEYS
    assert list(data["minimax"]) == DESIGN_KEYS
    assert all(list(item) == DESIGN_KEYS for item in data["admissible"])
    optimal, minimax = data["optimal"], data["minimax"]
    assert [optimal[k] for k in ("r1", "n1", "r", "n")] == [1, 10, 5, 29]
    assert [minimax[k] for k in ("r1", "n1", "r", "n")] == [1, 15, 5, 25]
    assert round(optimal["en0"], 1) == 15.0
    assert round(optimal["pet0"], 2) == 0.74
    assert optimal["alpha"] < 0.05 and optimal["power"] > 0.8
    assert [item["n"] for item in data["admissible"]] == [25, 26, 27, 29]
    assert data["admissible"][0] == minimax and data["admissible"][-1] == optimal


def test_simon_json_is_stable(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["design", "simon", "--p0", "0.2", "--p1", "0.4", "--nmax", "60"]
    first = run_json(argv, capsys)
    assert run_json(argv, capsys) == first


def test_simon_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["design", "simon", "--p0", "0.2", "--p1", "0.4"]) == 0
    out = capsys.readouterr().out
    for text in ("minimax", "admissible", "optimal", "3/13", "12/43", "4/18", "10/33", "20.58"):
        assert text in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simon", "--p0", "0.3", "--p1", "0.2"], "p1=0.2 must be greater than p0=0.3"),
        (["simon", "--p0", "0.1", "--p1", "0.3", "--alpha", "1.5"], "alpha=1.5 must lie"),
        (["simon", "--p0", "0.1", "--p1", "0.3", "--alpha", "0"], "alpha=0.0 must lie"),
        (["simon", "--p0", "0.1", "--p1", "0.3", "--beta", "1"], "beta=1.0 must lie"),
        (["simon", "--p0", "0.2", "--p1", "0.25", "--nmax", "40"], "nmax=40 is too small"),
        (["simon", "--p0", "0.2", "--p1", "0.4", "--nmax", "400"], "nmax=400 must be between"),
        (["oc", "--r1", "3", "--n1", "13"], "missing --r, --n"),
        (["oc"], "no design given"),
        (["oc", *EXPLICIT, "--plot", "oc.pdf"], "must end in .png or .svg"),
        (["oc", *EXPLICIT, "--step", "0"], "step=0.0 must be positive"),
        (["oc", "--p0", "0.2", "--p1", "0.4", "--kind", "best"], "--kind 'best'"),
        (["decide", *EXPLICIT, "--x1", "14"], "x1=14 responses exceed the n1=13"),
        (["decide", *EXPLICIT, "--x1", "2", "--x2", "3"], "trial stops after stage 1"),
        (["decide", *EXPLICIT, "--x1", "5", "--x2", "31"], "x2=31 responses exceed the n2=30"),
        (["infer", *EXPLICIT, "--x1", "5", "--total", "15"], "--p0 is needed"),
        (["infer", *EXPLICIT, "--p0", "0.2", "--x1", "5"], "--total is needed"),
        (["infer", *EXPLICIT, "--p0", "0.2", "--x1", "5", "--total", "40"], "total=40"),
        (["infer", *EXPLICIT, "--p0", "0.2", "--x1", "1", "--total", "3"], "must equal x1=1"),
        (["infer", *EXPLICIT, "--p0", "0.2", "--x1", "1", "--level", "95"], "level=95.0"),
        (["oc", "--r1", "3", "--n1", "13", "--r", "2", "--n", "43"], "r=2 must be between"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["design", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("trialkit: error: ")
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_oc_json_on_a_grid(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(["design", "oc", "--p0", "0.2", "--p1", "0.4", "--step", "0.1"], capsys)
    assert data["design"] == {"r1": 3, "n1": 13, "r": 12, "n": 43}
    assert data["kind"] == "optimal"
    assert [point["p"] for point in data["points"]] == [round(0.1 * i, 1) for i in range(11)]
    at_p0 = data["points"][2]
    assert list(at_p0) == ["p", "pet", "p_promising", "en"]
    assert round(at_p0["p_promising"], 4) == 0.0496
    assert round(at_p0["en"], 2) == 20.58


def test_oc_minimax_at_listed_rates_with_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plot = tmp_path / "oc.svg"
    argv = ["design", "oc", "--p0", "0.2", "--p1", "0.4", "--kind", "minimax"]
    data = run_json([*argv, "--at", "0.2", "--at", "0.4", "--plot", str(plot)], capsys)
    assert data["design"] == {"r1": 4, "n1": 18, "r": 10, "n": 33}
    assert [point["p"] for point in data["points"]] == [0.2, 0.4]
    assert plot.read_text().lstrip().startswith("<?xml")


def test_oc_table_with_explicit_design_and_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plot = tmp_path / "oc.png"
    assert (
        run(["design", "oc", *EXPLICIT, "--from", "0.1", "--to", "0.5", "--plot", str(plot)]) == 0
    )
    out = capsys.readouterr().out
    assert "3/13, 12/43 (explicit)" in out
    assert "0.7473" in out  # PET at p = 0.2
    assert "plot written" in out
    assert plot.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("extra", "decision", "stage"),
    [
        (["--x1", "3"], "stop_for_futility", 1),
        (["--x1", "4"], "continue", 1),
        (["--x1", "4", "--x2", "8"], "not_promising", 2),
        (["--x1", "4", "--x2", "9"], "promising", 2),
    ],
)
def test_decide_json(
    extra: list[str], decision: str, stage: int, capsys: pytest.CaptureFixture[str]
) -> None:
    data = run_json(["design", "decide", *EXPLICIT, *extra], capsys)
    assert data["decision"] == decision
    assert data["stage"] == stage
    assert data["reason"]
    assert list(data) == ["design", "kind", "decision", "stage", "responses", "patients", "reason"]


def test_decide_text_from_computed_design(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["design", "decide", "--p0", "0.2", "--p1", "0.4", "--x1", "2"]) == 0
    out = capsys.readouterr().out
    assert "decision: stop for futility" in out
    assert "at most r1=3" in out


def test_infer_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        ["design", "infer", *EXPLICIT, "--p0", "0.2", "--x1", "5", "--total", "15"], capsys
    )
    assert data["stage"] == 2 and data["patients"] == 43
    assert round(data["p_value"], 5) == 0.01302
    assert data["ci"]["level"] == 0.95
    assert "Koyama & Chen 2008" in data["ci"]["method"]
    assert data["ci"]["lower"] < data["umvue"] < data["ci"]["upper"]
    assert round(data["naive"], 4) == round(15 / 43, 4)
    assert set(data) >= {"p_value", "p_value_method", "ci", "umvue", "naive"}


def test_infer_text_after_a_futility_stop(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["design", "infer", "--p0", "0.2", "--p1", "0.4", "--x1", "2", "--level", "0.9"]
    assert run(argv) == 0
    out = capsys.readouterr().out
    for text in ("p-value", "90% CI", "UMVUE", "naive proportion", "stopped after stage 1"):
        assert text in out
