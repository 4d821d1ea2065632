"""Markup, terminal escapes and newlines from input never act: not in tables, not in error lines.

Before: a ``[/]`` in an id or a criterion text raised Rich's ``MarkupError``,
``[bold red]FAKE ELIGIBLE[/bold red]`` in an id was rendered as styled text,
raw escape sequences reached the terminal, and a newline in an id forged a
second error line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hostile.conftest import resources
from trialkit.cli import run
from trialkit.cli.common import console
from trialkit.synth import generate_omop

MARKUP = "[/] [bold red]FAKE ELIGIBLE[/bold red]"
EVIL = f"{MARKUP} \x1b[31mred\x1b[0m \x1b]0;title\x07\u202e\nforged: line"

PROTOCOL = """\
format: trialkit.protocol/2
id: evil
title: {evil}
registry: [{{registry: Sponsor, id: {evil}}}]
sponsor: {evil}
phase: "2"
study_type: interventional
population: {evil}
index_date: {evil}
seed: {evil}
sources:
  - id: s1
    citation: {evil}
criteria:
  - id: I1
    kind: inclusion
    text: {evil}
    notes: {evil}
    rule: {{measure: lab.platelets, op: ">=", value: 50, unit: 10*9/L, within: 7 d, source: s1}}
arms: [{{id: A, name: {evil}, type: experimental}}]
endpoints: [{{id: P, kind: primary, name: {evil}, time_point: {evil}, definition: {evil}}}]
design: {{type: single_stage, n: 10, source: {evil}}}
"""


def _quoted(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A console wide enough that no value is wrapped across lines (so it can be found)."""
    monkeypatch.setattr(console, "width", 2000)


@pytest.fixture
def evil_bundle(tmp_path: Path, eligible: dict[str, Any]) -> Path:
    resources(eligible, "Patient")[0]["id"] = f"p {EVIL}"
    for number, observation in enumerate(resources(eligible, "Observation")):
        observation["id"] = f"obs{number} {EVIL}"
        observation["code"]["coding"][0]["display"] = EVIL
        if "valueQuantity" in observation:
            observation["valueQuantity"]["unit"] = EVIL  # the display unit; the code is read
    unknown = {
        "resourceType": "Observation",
        "id": f"odd {EVIL}",
        "status": "final",
        "code": {"coding": [{"system": f"urn:{EVIL}", "code": EVIL, "display": EVIL}]},
        "effectiveDateTime": "2025-06-14T08:00:00",
        "valueQuantity": {"value": 1, "code": "1"},
    }
    eligible["entry"].append({"resource": unknown})
    folder = tmp_path / "x["
    folder.mkdir()
    path = folder / "]y \x1b[31m.json"
    path.write_text(json.dumps(eligible))
    return path


@pytest.fixture
def evil_protocol(tmp_path: Path) -> Path:
    path = tmp_path / "[bold red]p[red] \x1b[2J.yaml"
    path.write_text(PROTOCOL.format(evil=_quoted(EVIL)))
    return path


def _inert(text: str) -> None:
    for control in ("\x1b", "\x07", "\u202e"):
        assert control not in text, f"{control!r} reached the output:\n{text}"
    for line in text.splitlines():
        assert not line.lstrip(" │┃|#").startswith("forged"), f"a forged line:\n{text}"


def _ran(capsys: pytest.CaptureFixture[str], args: list[str], code: int = 0) -> tuple[str, str]:
    assert run([str(a) for a in args]) == code
    out, err = capsys.readouterr()
    _inert(out)
    _inert(err)
    return out, err


@pytest.mark.usefixtures("wide")
def test_scores_and_screen_print_every_bundle_value_as_written(
    capsys: pytest.CaptureFixture[str], evil_bundle: Path, evil_protocol: Path
) -> None:
    out, _ = _ran(capsys, ["scores", evil_bundle])
    assert f"Patient p {MARKUP}" in out  # the patient id, markup shown, not applied
    assert f"obs0 {MARKUP}" in out  # a resource id in the evidence
    assert f"urn:{MARKUP}" in out  # an unknown code, reported as skipped
    out, _ = _ran(capsys, ["screen", evil_bundle, "--protocol", evil_protocol])
    assert out.count(MARKUP) >= 3  # title, patient, criterion text
    assert "FAKE ELIGIBLE" not in out.replace(MARKUP, "")
    out, _ = _ran(capsys, ["screen", evil_bundle, "--all"])
    assert f"Patient p {MARKUP}" in out


@pytest.mark.usefixtures("wide")
def test_protocol_commands_print_the_file_s_texts_and_name_as_written(
    capsys: pytest.CaptureFixture[str], evil_protocol: Path
) -> None:
    out, _ = _ran(capsys, ["protocol", "validate", evil_protocol])
    assert "[bold red]p[red]" in out
    _ran(capsys, ["protocol", "check", evil_protocol])
    out, _ = _ran(capsys, ["protocol", "show", evil_protocol, "--markdown"])
    assert out.startswith(f"# {MARKUP}")
    out, _ = _ran(capsys, ["protocol", "show", evil_protocol])
    assert "FAKE ELIGIBLE" in out


@pytest.mark.usefixtures("wide")
def test_prescreen_prints_the_protocol_and_file_names_as_written(
    capsys: pytest.CaptureFixture[str], evil_protocol: Path, tmp_path: Path
) -> None:
    population = tmp_path / "omop"
    generate_omop(population, 20, 0)
    out_file = tmp_path / "[bold red]rows[red] \x1b[2J.csv"
    out, _ = _ran(
        capsys,
        ["prescreen", "--omop", population, "--protocol", evil_protocol, "--out", out_file],
    )
    squeezed = "".join(out.split())  # the table's title wraps
    assert "".join(MARKUP.split()) in squeezed
    assert "[boldred]rows[red]\\x1b[2J.csv" in squeezed


def test_an_error_line_stays_one_line(
    capsys: pytest.CaptureFixture[str], evil_bundle: Path, tmp_path: Path, eligible: dict[str, Any]
) -> None:
    _, err = _ran(capsys, ["scores", tmp_path / f"missing {EVIL}.json"], code=2)
    assert len(err.splitlines()) == 1
    assert "\\nforged" in err  # the newline shown as an escape
    observation = resources(eligible, "Observation")[0]
    observation["id"] = f"obs {EVIL}"
    observation["valueQuantity"]["code"] = f"mg{EVIL}"
    bad = tmp_path / "bad-unit.json"
    bad.write_text(json.dumps(eligible))
    _, err = _ran(capsys, ["screen", bad, "--all"], code=2)
    assert len(err.splitlines()) == 1
    assert err.startswith(f"trialkit: error: Observation/obs {MARKUP}")
