"""``trialkit screen`` and ``trialkit protocol``: tables, JSON, ranking and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from trialkit.cli import run
from trialkit.cli.common import console
from trialkit.protocol import builtin_ids
from trialkit.testing import BundleBuilder

DOCS = Path(__file__).parents[2] / "docs"
EXAMPLES_DIR = Path(__file__).parents[2] / "examples"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables wide enough that the asserted phrases are not wrapped."""
    monkeypatch.setattr(console, "width", 250)


@pytest.fixture(scope="module")
def protocol_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = (DOCS / "protocol-format.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "format:" in b]
    path = tmp_path_factory.mktemp("protocols") / "worked-example.yaml"
    path.write_text(block, encoding="utf-8")
    return path


def _bundle(folder: Path, *, etoposide: bool, history: bool) -> Path:
    b = BundleBuilder("child", "2019-03-01", "female")
    b.condition("condition.hlh_primary", "2025-06-01")
    b.quantity("lab.creatinine", 30, "umol/L", "2025-06-15T07:00:00", reference=(20, 45))
    if etoposide:
        b.medication("drug.etoposide", "2025-05-01", "2025-05-20")
    if history:
        b.flag("attestation.treatment_history_reviewed", True, "2025-06-15")
    path = folder / f"child-{etoposide}-{history}.json"
    path.write_text(json.dumps(b.build()), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("etoposide", "history", "verdict"),
    [(False, True, "eligible"), (True, False, "ineligible"), (False, False, "undetermined")],
)
def test_screen_gives_the_verdict_as_json_and_as_a_table(
    protocol_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    etoposide: bool,
    history: bool,
    verdict: str,
) -> None:
    bundle = _bundle(tmp_path, etoposide=etoposide, history=history)
    args = ["screen", str(bundle), "--protocol", str(protocol_file), "--at", "2025-06-15"]
    assert run([*args, "--json"]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert data["schema"] == "trialkit.screen/1"
    assert data["verdict"] == verdict
    statuses = {c["id"]: c["status"] for c in data["criteria"]}
    assert statuses["I1"] == "met" and statuses["I2"] == "met" and statuses["E2"] == "not_met"
    assert statuses["E1"] == {"eligible": "not_met", "ineligible": "met"}.get(verdict, "unknown")
    creatinine = next(c for c in data["criteria"] if c["id"] == "E2")["evidence"][0]
    assert creatinine["value"] == 30 and creatinine["unit"] == "umol/L"
    if verdict == "undetermined":
        assert data["next_checks"][0]["item"] == "history.medications"
    else:
        assert data["next_checks"] == []
    assert run(args) == 0
    table = capsys.readouterr().out
    assert f"Verdict: {verdict}" in table
    assert "Patient aged 0 to 22 years" in table


def test_screen_refuses_bad_input_with_one_line_and_exit_2(
    protocol_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = _bundle(tmp_path, etoposide=False, history=False)
    cases = [
        ["screen", str(bundle)],
        ["screen", str(bundle), "--protocol", "no-such-trial"],
        ["screen", str(bundle), "--protocol", str(protocol_file), "--all"],
        ["screen", str(bundle), "--protocol", str(protocol_file), "--at", "15/06/2025"],
        ["screen", str(tmp_path / "missing.json"), "--protocol", str(protocol_file)],
        ["protocol", "show", "no-such-trial"],
        ["protocol", "check", str(tmp_path / "missing.yaml")],
    ]
    for args in cases:
        assert run(args) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("trialkit: error: ") and err.count("\n") == 1, (args, err)


def test_protocol_commands(protocol_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["protocol", "validate", str(protocol_file)]) == 0
    assert "valid protocol 'worked-example'" in capsys.readouterr().out
    assert run(["protocol", "check", str(protocol_file)]) == 0
    assert "passes its checks" in capsys.readouterr().out
    assert run(["protocol", "show", str(protocol_file), "--markdown"]) == 0
    assert "### E1. Previous treatment with Etoposide" in capsys.readouterr().out
    assert run(["protocol", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Protocol" and "criteria" in schema["properties"]


@pytest.mark.parametrize("protocol_id", builtin_ids())
def test_every_shipped_protocol_validates_checks_and_shows(
    protocol_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["protocol", "check", protocol_id]) == 0, capsys.readouterr().out
    assert "passes its checks" in capsys.readouterr().out
    assert run(["protocol", "show", protocol_id, "--markdown"]) == 0
    assert capsys.readouterr().out.startswith("# ")


def test_screen_all_ranks_every_shipped_protocol(capsys: pytest.CaptureFixture[str]) -> None:
    bundle = EXAMPLES_DIR / "r-hlh-eligible.json"
    assert run(["screen", str(bundle), "--all", "--at", "2025-06-15", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "trialkit.screen-all/1"
    ids = [s["protocol"]["id"] for s in data["screenings"]]
    assert sorted(ids) == sorted(builtin_ids())
    order = {"eligible": 0, "undetermined": 1, "ineligible": 2}
    ranks = [
        (order[s["verdict"]], len(s["next_checks"]) if s["verdict"] == "undetermined" else 0)
        for s in data["screenings"]
    ]
    assert ranks == sorted(ranks)
    assert run(["screen", str(bundle), "--all", "--at", "2025-06-15"]) == 0
    assert "Protocols, eligible first" in capsys.readouterr().out
