"""Criterion ids name columns of the pre-screening file: every name it would hold is unique.

A criterion is a column named by its id, and each leaf of its rule has evidence
columns ``<id>[.<path>]:<field>`` (``docs/prescreen.md``). An id such as ``I1.0``
beside a composite ``I1`` made I1's first child's evidence and I1.0's own the same
columns, and ``prescreen`` silently kept one (review 13, F3). The property: a
protocol that validates compiles to column names that differ also without
regard to case (as SQL compares them); one that is refused for its ids names the
clash.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from strategies import criteria_trees
from trialkit.eligibility.sql import compile_protocol
from trialkit.protocol import Protocol
from trialkit.protocol.model import OUTPUT_COLUMNS

IDS = ("I1", "I1.0", "i1.1", "I1.0.1", "I1.1.0", "I1.2", "E1", "E1.0", "E1.0.0")
"""Ids that are, or are not, another's id followed by a node path, in either case."""


def _protocol(rules: list[tuple[str, dict[str, object]]]) -> dict[str, Any]:
    return {
        "format": "trialkit.protocol/2",
        "id": "ids",
        "title": "Ids",
        "registry": [{"registry": "Sponsor", "id": "T1"}],
        "sponsor": "Test",
        "phase": "2",
        "study_type": "interventional",
        "population": "Adults",
        "index_date": "The day of screening",
        "seed": "none",
        "sources": [{"id": "t", "citation": "A citation"}],
        "arms": [{"id": "A", "name": "Arm A", "type": "experimental"}],
        "criteria": [
            {"id": ident, "kind": "inclusion", "text": "A criterion", "rule": rule}
            for ident, rule in rules
        ],
        "endpoints": [
            {"id": "P", "kind": "primary", "name": "R", "time_point": "d28", "definition": "R"}
        ],
        "design": {"type": "single_stage", "n": 10, "source": "t"},
    }


@st.composite
def _criteria(draw: st.DrawFn) -> list[tuple[str, dict[str, object]]]:
    ids = draw(st.lists(st.sampled_from(IDS), min_size=2, max_size=4, unique_by=str.lower))
    return [(ident, draw(criteria_trees())) for ident in ids]


@given(_criteria())
def test_a_valid_protocol_has_unique_column_names(
    criteria: list[tuple[str, dict[str, object]]],
) -> None:
    try:
        protocol = Protocol.model_validate(_protocol(criteria))
    except ValidationError as error:
        refused = str(error)
    else:
        refused = ""
    if refused:
        assert "clash" in refused, refused
        return
    compiled = compile_protocol(protocol)
    names = [*OUTPUT_COLUMNS, *compiled.criteria, *(c.name for c in compiled.evidence)]
    assert len({name.lower() for name in names}) == len(names), names
