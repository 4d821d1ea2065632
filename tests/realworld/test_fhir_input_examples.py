"""Every example bundle of docs/fhir-input.md loads and screens against every protocol."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from trialkit.eligibility import Truth, screen
from trialkit.protocol import builtin_protocols
from trialkit.record import parse_bundle

DOC = Path(__file__).parents[2] / "docs" / "fhir-input.md"
BLOCKS = re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
AT = datetime(2025, 6, 15, 23, 59)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"example-{i}" for i in range(len(BLOCKS))])
def test_every_example_screens_against_every_protocol(block: str) -> None:
    bundle = json.loads(block)
    if bundle.get("resourceType") != "Bundle":
        pytest.skip("not a bundle")  # a fragment shown for one field
    record = parse_bundle(block, origin="docs/fhir-input.md")
    for protocol in builtin_protocols():
        screening = screen(protocol, record, AT)
        assert len(screening.criteria) == len(protocol.criteria)


def test_the_ips_example_closes_its_histories_as_documented() -> None:
    (block,) = [b for b in BLOCKS if "absent-unknown-uv-ips" in b]
    protocol = next(p for p in builtin_protocols() if p.id == "r-hlh")
    record = parse_bundle(block)
    status = {r.criterion.id: r for r in screen(protocol, record, AT).criteria}
    assert status["E1"].status is Truth.FALSE
    assert status["E9"].status is Truth.FALSE
    hypersensitivity = status["E4"].outcome.children[0]
    assert hypersensitivity.truth is Truth.FALSE
    bare = json.loads(block)
    bare["entry"] = [
        e
        for e in bare["entry"]
        if e["resource"]["resourceType"]
        not in ("List", "MedicationStatement", "AllergyIntolerance")
    ]
    status = {
        r.criterion.id: r for r in screen(protocol, parse_bundle(json.dumps(bare)), AT).criteria
    }
    assert status["E1"].status is Truth.UNKNOWN
    assert status["E9"].status is Truth.UNKNOWN
    assert status["E4"].outcome.children[0].truth is Truth.UNKNOWN
