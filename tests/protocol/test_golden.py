"""Golden screening cases: expected verdicts and criterion statuses, written by hand.

Each file under ``golden/<protocol>/`` holds a FHIR bundle, the index date and
the expected result (see ``golden/README.md``); the expectations are the
authors' reading of the protocol and the published definitions.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, time
from pathlib import Path

import pytest

from protocol.golden.write import all_cases, path_of, render
from trialkit.eligibility.screening import screen
from trialkit.protocol.files import builtin_ids, builtin_protocol
from trialkit.record import record_from_bundle

GOLDEN = Path(__file__).parent / "golden"
FILES = sorted(GOLDEN.glob("*/*.json"))
STATUSES = ("met", "not_met", "unknown")


def _at(text: str) -> datetime:
    if "T" in text:
        return datetime.fromisoformat(text)
    return datetime.combine(date.fromisoformat(text), time.max)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden_case(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    protocol = builtin_protocol(case["protocol"])
    result = screen(protocol, record_from_bundle(case["bundle"]), _at(case["at"]))
    got = {r.criterion.id: r.status.value for r in result.criteria}
    expected = case["expected"]["criteria"]
    assert set(expected) == set(got), "the case must state every criterion of the protocol"
    wrong = {
        cid: f"expected {expected[cid]}, got {got[cid]}: {r.outcome.reason}"
        for r in result.criteria
        if (cid := r.criterion.id) and got[cid] != expected[cid]
    }
    assert not wrong, wrong
    assert result.verdict.value == case["expected"]["verdict"]


def test_golden_files_match_their_scripts() -> None:
    cases = all_cases()
    assert {path_of(c) for c in cases} == set(FILES), (
        "run: cd tests && python -m protocol.golden.write"
    )
    for case in cases:
        assert path_of(case).read_text(encoding="utf-8") == render(case), path_of(case)


@pytest.mark.parametrize("protocol_id", builtin_ids())
def test_every_criterion_is_met_not_met_and_unknown_somewhere(protocol_id: str) -> None:
    seen: dict[str, set[str]] = defaultdict(set)
    cases = [
        json.loads(p.read_text(encoding="utf-8")) for p in GOLDEN.glob(f"{protocol_id}/*.json")
    ]
    assert len(cases) >= 10, f"{protocol_id}: at least 10 golden patients"
    for case in cases:
        for cid, status in case["expected"]["criteria"].items():
            seen[cid].add(status)
    protocol = builtin_protocol(protocol_id)
    gaps = {c.id: sorted(set(STATUSES) - seen[c.id]) for c in protocol.criteria}
    assert not {k: v for k, v in gaps.items() if v}, gaps
    verdicts = {case["expected"]["verdict"] for case in cases}
    assert verdicts == {"eligible", "ineligible", "undetermined"}
