"""docs/sql.md keeps up with the compiler: every node type, and exactly what is not compiled."""

from __future__ import annotations

import re
from pathlib import Path

from sql.test_golden_agreement import NOT_COMPILED
from trialkit.eligibility.sql import WALKERS
from trialkit.protocol.criteria import NODE_TYPES
from trialkit.protocol.files import builtin_protocol

DOC = Path(__file__).parents[2] / "docs" / "sql.md"


def test_every_node_type_has_a_line_in_the_mapping_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert set(WALKERS) == set(NODE_TYPES.values())
    for tag in NODE_TYPES:
        assert re.search(rf"^\| [^|]*`{tag}`", text, flags=re.M), tag


def test_the_status_table_lists_exactly_the_criteria_not_compiled() -> None:
    text = DOC.read_text(encoding="utf-8")
    for protocol_id, missing in NOT_COMPILED.items():
        line = re.search(rf"^\| {protocol_id} \| (\d+) / (\d+) \| (.*) \|$", text, flags=re.M)
        assert line is not None, protocol_id
        total = len(builtin_protocol(protocol_id).criteria)
        assert (int(line[1]), int(line[2])) == (total - len(missing), total), protocol_id
        listed = set(re.findall(r"\b([IE]\d+[a-z]?)\b", line[3]))
        assert listed == missing, protocol_id
