"""Protocol files: loading, errors that name file, line and field, static checks, windows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from trialkit.cli import run
from trialkit.design.protocol_check import check_design
from trialkit.errors import ProtocolError
from trialkit.protocol import parse_protocol
from trialkit.protocol.check import check_protocol
from trialkit.protocol.render import protocol_text
from trialkit.protocol.window import before, describe, split

MINIMAL = """\
format: trialkit.protocol/2
id: mini
title: Minimal protocol
registry: [{registry: ClinicalTrials.gov, id: NCT00000000}]
sponsor: Nobody
phase: "2"
study_type: interventional
population: children with HLH
index_date: day of inclusion
seed: none
sources: [{id: seed, citation: a seed text}]
arms:
  - {id: a, name: Ruxolitinib, type: experimental, interventions: [{name: Ruxolitinib, drug: drug.ruxolitinib}]}
criteria:
  - id: I1
    kind: inclusion
    text: Patient aged 0 to 22 years
    rule: {age: "<=", value: 22, unit: a, source: seed}
  - id: E1
    kind: exclusion
    text: Ferritin above 500
    rule:
      measure: lab.ferritin
      op: ">"
      value: 500
      unit: ug/L
      within: 7 d
      source: seed
endpoints: [{id: p, kind: primary, name: survival, time_point: day 28, definition: alive}]
design: {type: single_stage, n: 20, source: seed}
"""


def test_a_minimal_file_loads_and_renders() -> None:
    protocol = parse_protocol(MINIMAL, "mini.yaml")
    assert [c.id for c in protocol.criteria] == ["I1", "E1"]
    text = protocol_text(protocol)
    assert "latest Ferritin in the 7 days before the index date: > 500 ug/L" in text
    assert [p.where for p in check_protocol(protocol)] == ["forms"]  # a /2 file has no forms


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "lab.ferritin",
            "lab.feritin",
            "mini.yaml:23: criteria[1].rule: unknown concept 'lab.feritin'",
        ),
        (
            "unit: ug/L",
            "unit: mmol/L",
            "mini.yaml:23: criteria[1].rule: unit: unit 'mmol/L' cannot express Ferritin",
        ),
        ("id: E1", "id: I1", "mini.yaml:19: criteria[1].id: duplicate id 'I1'"),
        (
            "    text: Ferritin above 500\n",
            "",
            "mini.yaml:19: criteria[1].text: required field is missing",
        ),
        (
            "unit: a,",
            "unit: kg,",
            "mini.yaml:18: criteria[0].rule.unit: Input should be 'a', 'mo' or 'd'",
        ),
        (
            "within: 7 d",
            "within: a week",
            "mini.yaml:27: criteria[1].rule.within: String should match pattern",
        ),
        (
            "kind: exclusion",
            "kind: maybe",
            "mini.yaml:20: criteria[1].kind: Input should be 'inclusion' or 'exclusion'",
        ),
        (
            "    rule: {age:",
            "    rules: {age:",
            "mini.yaml:15: criteria[0].rule: required field is missing",
        ),
        (
            "measure: lab.ferritin",
            "measure_x: lab.ferritin",
            "mini.yaml:23: criteria[1].rule: not a criteria node",
        ),
        ("population: children with HLH", "population: [unclosed", "mini.yaml:9: invalid YAML"),
    ],
)
def test_bad_files_name_the_file_the_line_and_the_field(old: str, new: str, expected: str) -> None:
    assert old in MINIMAL
    with pytest.raises(ProtocolError) as error:
        parse_protocol(MINIMAL.replace(old, new, 1), "mini.yaml")
    assert str(error.value).startswith(expected), str(error.value)


def test_protocol_errors_are_input_errors_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("lab.ferritin", "lab.feritin"), encoding="utf-8")
    assert run(["protocol", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.yaml:23" in err and "Traceback" not in err


def test_check_finds_missing_sources_contradictions_and_impossible_exposures() -> None:
    text = MINIMAL.replace("source: seed}", "}", 1)
    text = text.replace(
        "  - id: E1\n",
        "  - id: I2\n    kind: inclusion\n    text: older than 30\n"
        "    rule: {age: '>', value: 30, unit: a, source: seed}\n"
        "  - id: I3\n    kind: inclusion\n    text: steroids\n"
        "    rule: {drug: drug_class.corticosteroids, within: 7 d, longer_than: 14 d}\n"
        "  - id: E1\n",
    )
    messages = [str(p) for p in check_protocol(parse_protocol(text, "x.yaml"))]
    assert "error: criterion I1: rule: threshold without a cited source" in messages
    assert any("contradictory ranges: age (a) > 30 and <= 22" in m for m in messages)
    assert any("longer than 14 d cannot fit in a window of 7 d" in m for m in messages)


def test_check_compares_a_simon_design_with_the_search() -> None:
    design = (
        "design: {type: simon_two_stage, variant: optimal, p0: 0.7, p1: 0.9, alpha: 0.1, "
        "beta: 0.2, r1: 4, n1: 6, r: 16, n: 20, assumption: true, source: assumed}"
    )
    good = parse_protocol(MINIMAL.replace(MINIMAL.splitlines()[-1], design), "x.yaml")
    assert check_design(good) == []
    bad = parse_protocol(
        MINIMAL.replace(MINIMAL.splitlines()[-1], design.replace("r: 16", "r: 15")), "x.yaml"
    )
    (problem,) = check_design(bad)
    assert "r1/n1, r/n = 4/6, 16/20; the file states 4/6, 15/20" in problem.message


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("7 d", datetime(2025, 3, 24, 12)),
        ("48 h", datetime(2025, 3, 29, 12)),
        ("1 mo", datetime(2025, 2, 28, 12)),  # 31 March - 1 month: clamped to 28 February
        ("2 mo", datetime(2025, 1, 31, 12)),
        ("1 a", datetime(2024, 3, 31, 12)),
        ("2 wk", datetime(2025, 3, 17, 12)),
    ],
)
def test_windows_count_calendar_months(duration: str, expected: datetime) -> None:
    assert before(datetime(2025, 3, 31, 12), duration) == expected


def test_durations_read_and_describe() -> None:
    assert split("21 d") == (21.0, "d")
    assert describe("1 mo") == "1 month"
    assert describe("48 h") == "48 hours"
    with pytest.raises(ValueError, match="not a duration"):
        split("three days")
