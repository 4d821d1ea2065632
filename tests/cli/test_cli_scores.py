"""``trialkit scores`` and ``trialkit demo`` on every example bundle, and on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trialkit.cli import run
from trialkit.examples import EXAMPLES, example

EXAMPLES_DIR = Path(__file__).parents[2] / "examples"


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bundles")
    paths = {}
    for name in EXAMPLES:
        path = folder / f"{name}.json"
        path.write_text(json.dumps(example(name)))
        paths[name] = path
    return paths


def test_examples_folder_matches_the_examples_module() -> None:
    for name in EXAMPLES:
        path = EXAMPLES_DIR / f"{name}.json"
        assert path.exists(), f"run: uv run python -m trialkit.examples examples ({name} missing)"
        assert json.loads(path.read_text()) == example(name), f"{path} is stale: regenerate it"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_scores_table_and_json_on_every_example(
    name: str, bundles: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["scores", str(bundles[name]), "--at", "2025-06-15"]) == 0
    table = capsys.readouterr().out
    assert "index time 2025-06-15" in table
    assert run(["scores", str(bundles[name]), "--at", "2025-06-15", "--json"]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert data["schema"] == "trialkit.scores/1"
    assert data["patient"]["id"] == name
    assert data["scores"], f"no score computed for {name}"
    for score in data["scores"]:
        assert score["summary"].startswith(score["label"])
        if score["complete"]:
            assert not score["missing"]
        for item in score["items"]:
            for evidence in item["evidence"]:
                assert evidence["resource"].split("/")[0] in {
                    "Observation",
                    "Condition",
                    "MedicationStatement",
                    "MedicationAdministration",
                    "MedicationRequest",
                    "Procedure",
                }


def test_evidence_shows_reported_and_converted_values(
    bundles: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["scores", str(bundles["r-hlh-eligible"]), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    evidence = [
        e
        for s in data["scores"]
        for i in s["items"]
        for e in i["evidence"]
        if e["concept"] == "lab.triglycerides"
    ]
    assert evidence, "the triglyceride value should be evidence of some score"
    assert evidence[0]["value"] == 342
    assert evidence[0]["unit"] == "mg/dL"
    assert evidence[0]["converted_unit"] == "mmol/L"
    assert evidence[0]["converted"] == pytest.approx(342 / 88.57, rel=1e-3)


def test_demo_runs_on_embedded_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["demo"]) == 0
    out = capsys.readouterr().out
    assert "HScore" in out
    assert "SOFA" in out


def _bad(tmp_path: Path, content: str | dict[str, Any]) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _ferritin_bundle(**changes: Any) -> dict[str, Any]:
    bundle = example("r-hlh-missing")
    resource = {
        "resourceType": "Observation",
        "id": "bad",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2276-4"}]},
        "effectiveDateTime": "2025-06-01",
        "valueQuantity": {"value": 900, "system": "http://unitsofmeasure.org", "code": "ug/L"},
    }
    resource.update(changes)
    bundle["entry"].append({"resource": {k: v for k, v in resource.items() if v is not None}})
    return bundle


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "bad.json: not valid JSON"),
        (
            {"resourceType": "Patient", "id": "x"},
            "bad.json: resourceType is 'Patient', expected 'Bundle'",
        ),
        (
            _ferritin_bundle(valueQuantity={"value": 900, "code": "mmol/L"}),
            "Observation/bad: valueQuantity: unit 'mmol/L' cannot express Ferritin",
        ),
        (
            _ferritin_bundle(valueQuantity={"value": -3, "code": "ug/L"}),
            "Observation/bad: valueQuantity: Ferritin of -3 ug/L is implausible",
        ),
        (
            _ferritin_bundle(effectiveDateTime=None),
            "Observation/bad: no date: give effectiveDateTime or effectivePeriod.start",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | dict[str, Any], message: str
) -> None:
    assert run(["scores", str(_bad(tmp_path, content))]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("trialkit: error: ")
    assert message in lines[0]


def test_missing_file_and_bad_date_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["scores", str(tmp_path / "nope.json")]) == 2
    assert "cannot read the file" in capsys.readouterr().err
    path = _bad(tmp_path, example("r-hlh-missing"))
    assert run(["scores", str(path), "--at", "15/06/2025"]) == 2
    assert "--at '15/06/2025' is not a date" in capsys.readouterr().err


def test_unknown_code_is_reported_not_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = _ferritin_bundle(code={"coding": [{"system": "http://loinc.org", "code": "99999-9"}]})
    assert run(["scores", str(_bad(tmp_path, bundle)), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["unknown_codes"] == [
        {"resource": "Observation/bad", "field": "code", "codings": ["http://loinc.org|99999-9"]}
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["scores"], "Missing argument"),
        (["nosuch"], "No such command 'nosuch'"),
        (["vocab", "--kind", "nope"], "--kind 'nope' is not a concept kind"),
        (["demo", "--example", "nobody"], "--example 'nobody' is not one of"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    assert "scores" in capsys.readouterr().out
