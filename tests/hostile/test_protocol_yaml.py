"""Hostile protocol files: refused with one line naming the line and the reason, in seconds.

Before: nested aliases took minutes and gigabytes; a tag was a ``ConstructorError``
traceback, an integer of 5,000 digits a ``ValueError`` traceback; a key given twice
silently kept the last; ``within: 99999999 d`` passed ``validate`` and ``check`` and
broke ``screen`` with ``OverflowError``; ``value: 1e999`` passed; a criterion id
``verdict`` passed and broke ``prescreen``; a threshold's ``source:`` not in
``sources`` passed ``check``; a criterion ``I1.0`` beside a composite ``I1`` passed,
and ``prescreen`` wrote I1's first child's evidence in the columns ``I1.0:*`` and
dropped I1.0's own (review 13, F3).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile.conftest import EXAMPLES, in_process, trialkit
from trialkit.cli import run
from trialkit.synth import generate_omop

BASE = """\
format: trialkit.protocol/2
id: tiny
title: Tiny
registry: [{registry: Sponsor, id: T1}]
sponsor: Test
phase: "2"
study_type: interventional
population: Adults
index_date: The day of screening
seed: none
sources: [{id: s1, citation: A citation}]
criteria:
  - id: I1
    kind: inclusion
    text: Platelets at least 50
    rule: {measure: lab.platelets, op: ">=", value: 50, unit: 10*9/L, within: 7 d, source: s1}
arms: [{id: A, name: Arm A, type: experimental}]
endpoints: [{id: P, kind: primary, name: Response, time_point: day 28, definition: Response}]
design: {type: single_stage, n: 10, source: s1}
"""

SPOILED = {
    "tag": (("population: Adults", "population: !foo Adults"), ":8: YAML tags (!foo)"),
    "python tag": (
        ("population: Adults", "population: !!python/object/apply:os.system ['true']"),
        ":8: YAML tags (!!python/object/apply:os.system)",
    ),
    "long integer": (("n: 10,", f"n: {'9' * 5000},"), ":19: an integer of 5000 digits"),
    "duplicate key": (
        ("sponsor: Test", "sponsor: Test\nsponsor: Other"),
        ":6: duplicate key 'sponsor' (first on line 5)",
    ),
    "nested duplicate": (
        ("    kind: inclusion", "    kind: inclusion\n    kind: exclusion"),
        ":15: duplicate key 'kind' (first on line 14)",
    ),
    "alias": (
        ("population: Adults", "population: &a Adults\nnotes: *a"),
        ":8: YAML anchors and aliases",
    ),
    "window before year 1": (
        ("within: 7 d", "within: 99999999 d"),
        ":16: criteria[0].rule.within: '99999999 d' is longer than 200 years",
    ),
    "infinite value": (
        ("value: 50,", "value: 1e999,"),
        ":16: criteria[0].rule.value: Input should be a finite number",
    ),
    "not a number": (
        ("value: 50,", "value: .nan,"),
        ":16: criteria[0].rule.value: Input should be a finite number",
    ),
    "id verdict": (
        ("- id: I1", "- id: verdict"),
        ":13: criteria[0].id: criterion id 'verdict' is a column",
    ),
    "id person_id": (
        ("- id: I1", "- id: PERSON_ID"),
        ":13: criteria[0].id: criterion id 'PERSON_ID' is a column",
    ),
}


def _file(tmp_path: Path, old: str, new: str) -> Path:
    assert old in BASE
    path = tmp_path / "spoiled.yaml"
    path.write_text(BASE.replace(old, new))
    return path


@pytest.mark.parametrize("case", sorted(SPOILED))
def test_validate_and_check_refuse_with_one_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (old, new), expected = SPOILED[case]
    path = _file(tmp_path, old, new)
    for command in ("validate", "check"):
        assert run(["protocol", command, str(path)]) == 2, case
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert err.startswith(f"trialkit: error: {path}{expected}"), err


def test_two_criterion_ids_differing_in_case_are_one_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    second = BASE.split("criteria:\n")[1].split("arms:")[0].replace("- id: I1", "- id: i1")
    path = tmp_path / "case.yaml"
    path.write_text(BASE.replace("arms:", second + "arms:"))
    assert run(["protocol", "validate", str(path)]) == 2
    assert "criterion ids 'I1' and 'i1' differ only in case" in capsys.readouterr().err


LEAF = "{measure: lab.platelets, op: '>=', value: 50, unit: 10*9/L, within: 7 d, source: s1}"
HAEMOGLOBIN = "{measure: lab.haemoglobin, op: '<', value: 70, unit: g/L, within: 7 d, source: s1}"
CLASHES = {
    # name: (I1's rule, the other criterion's id, the clashing path, the other listed first)
    "review F3": (f"{{any_of: [{LEAF}, {LEAF}]}}", "I1.0", "I1.0", False),
    "listed first": (f"{{any_of: [{LEAF}, {LEAF}]}}", "I1.1", "I1.1", True),
    "case": (f"{{all_of: [{LEAF}, {LEAF}]}}", "i1.1", "I1.1", False),
    "not": (f"{{not: {LEAF}}}", "I1.0", "I1.0", False),
    "nested": (
        f"{{any_of: [{LEAF}, {{at_least: 1, of: [{LEAF}, {LEAF}]}}]}}",
        "I1.1.0",
        "I1.1.0",
        False,
    ),
    "inner node": (f"{{any_of: [{LEAF}, {{not: {LEAF}}}]}}", "I1.1", "I1.1", False),
}
"""Each makes an evidence column name ``<path>:<field>`` belong to both criteria."""


def _clashing(tmp_path: Path, case: str) -> Path:
    rule, other, _, first = CLASHES[case]
    composite = BASE.replace(
        'rule: {measure: lab.platelets, op: ">=", value: 50, unit: 10*9/L, within: 7 d, source: s1}',
        f"rule: {rule}",
    )
    second = f"  - {{id: {other}, kind: exclusion, text: Anaemia, rule: {HAEMOGLOBIN}}}\n"
    if first:
        text = composite.replace("criteria:\n", "criteria:\n" + second)
    else:
        text = composite.replace("arms:", second + "arms:")
    path = tmp_path / "clash.yaml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def tiny_population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("population")
    generate_omop(folder, 5, 1)
    return folder


@pytest.mark.parametrize("case", sorted(CLASHES))
def test_a_criterion_id_that_is_another_criterions_node_path_is_refused(
    case: str, tmp_path: Path, tiny_population: Path
) -> None:
    _, other, clash, _ = CLASHES[case]
    path = _clashing(tmp_path, case)
    out = tmp_path / "out.csv"
    commands = [
        ["protocol", "validate", path],
        ["protocol", "check", path],
        ["screen", EXAMPLES / "r-hlh-eligible.json", "--protocol", path],
        ["prescreen", "--omop", tiny_population, "--protocol", path, "--out", out],
    ]
    for command in commands:
        done = in_process(*command)
        assert done.code == 2, (command, done.out, done.err)
        line = done.one_error_line()
        assert f"criterion ids 'I1' and '{other}' clash" in line, line
        assert f"'{clash}:<field>'" in line, line
    assert not out.exists()


def test_a_dotted_id_that_is_no_node_path_of_another_criterion_is_valid(
    tmp_path: Path, tiny_population: Path
) -> None:
    # hem-ismart-c names its criteria E27.1 … E27.6 and has no E27; and I1 has no node 2.
    path = _clashing(tmp_path, "review F3")
    path.write_text(path.read_text().replace("id: I1.0,", "id: I1.2,"))
    assert in_process("protocol", "validate", path).code == 0
    out = tmp_path / "out.csv"
    done = in_process("prescreen", "--omop", tiny_population, "--protocol", path, "--out", out)
    assert done.code == 0, done.err
    header = out.read_text().splitlines()[0].split(",")
    assert len(header) == len({name.lower() for name in header})
    assert {"I1.0:value", "I1.1:value", "I1.2", "I1.2:value"} <= set(header)


def test_check_refuses_a_threshold_source_that_is_not_a_sources_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, "within: 7 d, source: s1}", "within: 7 d, source: nowhere}")
    assert run(["protocol", "validate", str(path)]) == 0
    assert run(["protocol", "check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "source 'nowhere' is not in sources (s1)" in " ".join(out.split())
    assert err.strip() == f"trialkit: error: {path}: 1 error found by protocol check"


def test_a_refused_window_is_refused_by_screen_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, "within: 7 d", "within: 99999999 d")
    bundle = EXAMPLES / "r-hlh-eligible.json"
    assert run(["screen", str(bundle), "--protocol", str(path)]) == 2
    assert "is longer than 200 years" in capsys.readouterr().err


def test_nested_aliases_are_refused_in_seconds_within_1_gb(tmp_path: Path) -> None:
    # A criterion of 9**7 (4.8 million) valid leaves, written in 1 KB: each level nine aliases.
    leaf = "{measure: lab.platelets, op: '>=', value: 50, unit: 10*9/L, within: 7 d, source: s1}"
    levels = [f"x0: &a0 {leaf}"]
    levels += [f"x{i}: &a{i} {{any_of: [{', '.join([f'*a{i - 1}'] * 9)}]}}" for i in range(1, 8)]
    rule = (
        'rule: {measure: lab.platelets, op: ">=", value: 50, unit: 10*9/L, within: 7 d, source: s1}'
    )
    bomb = BASE.replace(rule, "rule: *a7")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(levels) + "\n" + bomb)
    for command in (["protocol", "validate", path], ["protocol", "show", path]):
        done = trialkit(*command, timeout=20, memory=2**30)
        assert done.code == 2, done.err
        assert "YAML anchors and aliases (&a0, *a0)" in done.one_error_line()
