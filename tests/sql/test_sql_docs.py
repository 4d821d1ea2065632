"""docs/sql.md keeps up with the compiler: every node type has its line."""

from __future__ import annotations

import re
from pathlib import Path

from trialkit.eligibility.sql import WALKERS
from trialkit.protocol.criteria import NODE_TYPES

DOC = Path(__file__).parents[2] / "docs" / "sql.md"


def test_every_node_type_has_a_line_in_the_mapping_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert set(WALKERS) == set(NODE_TYPES.values())
    for tag in NODE_TYPES:
        assert re.search(rf"^\| [^|]*`{tag}`", text, flags=re.M), tag
