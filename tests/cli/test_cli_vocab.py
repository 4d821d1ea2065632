"""``trialkit vocab --missing-standard-codes``: the protocol concepts no standard code reaches."""

from __future__ import annotations

import json

import pytest

from trialkit.cli import run
from trialkit.protocol.coverage import missing_standard_codes


def test_missing_standard_codes_prints_one_line_per_gap(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["vocab", "--missing-standard-codes"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    gaps = missing_standard_codes()
    assert [line.split("\t")[0] for line in lines] == [g.key for g in gaps]
    for line, gap in zip(lines, gaps, strict=True):
        _key, kind, read_by, reason = line.split("\t")
        assert (kind, read_by.split(",")) == (gap.kind.value, list(gap.read_by))
        assert reason == (gap.reason or "no standard code and no reason given")


def test_missing_standard_codes_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["vocab", "--missing-standard-codes", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "trialkit.vocab-gaps/1"
    assert [c["key"] for c in data["concepts"]] == [g.key for g in missing_standard_codes()]
    assert all(set(c) == {"key", "kind", "read_by", "reason"} for c in data["concepts"])
