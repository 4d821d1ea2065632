"""Endpoints in protocol files (formats trialkit.protocol/3 and /4): what is read, refused and checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trialkit.errors import ProtocolError
from trialkit.protocol import FORMAT, builtin_protocols, parse_protocol
from trialkit.protocol.check import check_protocol

DOCS = Path(__file__).parents[2] / "docs"


def _example() -> str:
    text = (DOCS / "protocol-format.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "format:" in b]
    return block


SURVIVAL = """      time_to: {procedure: procedure.hsct_allogeneic}
      competing: [{death: true}]
      from: day1
"""


def _format(version: str, text: str) -> str:
    """The example as a file of an older format: without its forms and its schedule (format 4)."""
    text = text[: text.index("forms:\n")] + text[text.index("criteria:\n") :]
    text = text[: text.index("schedule:\n")] + text[text.index("endpoints:\n") :]
    return text.replace("format: trialkit.protocol/4", f"format: trialkit.protocol/{version}")


def _with_endpoint(compute: str) -> str:
    text = _example()
    assert SURVIVAL in text
    return text.replace(SURVIVAL, compute)


def test_the_shipped_protocols_are_written_in_the_current_format() -> None:
    assert FORMAT == "trialkit.protocol/4"
    assert {p.format for p in builtin_protocols()} == {FORMAT}


def test_a_format_2_file_is_still_read_with_text_endpoints() -> None:
    text = _format("2", _example())
    with pytest.raises(ProtocolError, match=r"read from format trialkit\.protocol/3"):
        parse_protocol(text, "old.yaml")
    start = text.index("    compute:\n")
    old = text[:start] + text[start + len("    compute:\n") + len(SURVIVAL) :]
    assert parse_protocol(old, "old.yaml").endpoints[0].compute is None


@pytest.mark.parametrize("version", ["3", "4"])
def test_a_format_3_endpoint_without_code_or_reason_is_refused_naming_it(version: str) -> None:
    text = _format("3", _example()) if version == "3" else _example()
    start = text.index("    compute:\n")
    bare = text[:start] + text[start + len("    compute:\n") + len(SURVIVAL) :]
    with pytest.raises(ProtocolError, match="endpoint survival: give compute"):
        parse_protocol(bare, "bare.yaml")


@pytest.mark.parametrize(
    ("compute", "message"),
    [
        ("      value: lab.ferritin\n      day: 0\n      from: day1\n", "no day 0"),
        ("      value: lab.feritin\n      day: 7\n", "unknown concept 'lab.feritin'"),
        ("      value: condition.hlh\n      day: 7\n", "is a condition"),
        ("      score: sofa\n      day: 7\n      unit: g\n", "unit"),
        ("      all_of: [{score: sofa, day: 7}]\n", "gives a number, expected a binary"),
        (
            "      compare: {alive: true, day: 7}\n      op: '<'\n      value: 1\n",
            "expected a number",
        ),
        ("      response: wang2015-joint\n      day: 7\n      baseline_day: 7\n", "not after"),
        ("      count: adverse_events\n      term: not_a_term\n      until_day: 28\n", "CTCAE"),
        ("      time_to: {death: true}\n      competing: [{death: true}]\n", "must differ"),
        (
            "      time_to: {response: marsh2013, category: XX, days: [14]}\n",
            "not one of marsh2013",
        ),
        ("      lenght_of_stay: icu\n", "not an endpoint node: expected one of the keys value"),
    ],
)
def test_a_bad_endpoint_node_is_refused_naming_the_field(compute: str, message: str) -> None:
    with pytest.raises(ProtocolError, match=re.escape(message) if "(" in message else message):
        parse_protocol(_with_endpoint(compute), "bad.yaml")


def test_an_endpoint_limit_needs_a_cited_source() -> None:
    compute = "      compare: {value: vital.temperature, day: 2, pick: highest}\n"
    compute += "      op: '<'\n      value: 38.5\n"
    protocol = parse_protocol(_with_endpoint(compute), "limit.yaml")
    problems = [str(p) for p in check_protocol(protocol)]
    assert problems == ["error: endpoint survival: compute: limit without a cited source"]
    cited = parse_protocol(_with_endpoint(compute + "      source: henter2007\n"), "limit.yaml")
    assert check_protocol(cited) == []
    elsewhere = parse_protocol(_with_endpoint(compute + "      source: nowhere\n"), "limit.yaml")
    assert "source 'nowhere' is not in sources" in str(check_protocol(elsewhere)[0])


def test_a_comparison_must_fit_its_endpoint() -> None:
    text = _example().replace(
        "      from: day1\n",
        "      from: day1\n    comparison: {by_column: cause, test: fisher}\n",
        1,
    )
    with pytest.raises(ProtocolError, match="fisher does not compare a time"):
        parse_protocol(text, "cmp.yaml")
    gray = text.replace("test: fisher", "test: gray")
    assert parse_protocol(gray, "cmp.yaml").endpoints[0].comparison is not None
