"""docs/omop.md keeps up with the bridge: every column written and every fixed concept id."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from trialkit.omop import rows
from trialkit.omop.concepts import FIXED_CONCEPTS, UNIT_CONCEPTS

DOC = Path(__file__).parents[2] / "docs" / "omop.md"


def test_every_column_written_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = {
        table: {c.strip() for c in columns.split(",")}
        for table, columns in re.findall(r"^\| (\w+) \| ([a-z_, ]+) \|$", text, flags=re.M)
    }
    tables = set()
    for name in rows.__all__:
        row_class = getattr(rows, name)
        table = getattr(row_class, "TABLE", None)
        if table is None:
            continue
        assert documented.get(table) == {f.name for f in fields(row_class)}, table
        tables.add(table)
    assert len(tables) == 10


def test_every_fixed_concept_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for ident in FIXED_CONCEPTS:
        assert re.search(rf"^\| {ident} \| ", text, flags=re.M), ident
    assert f"{len(UNIT_CONCEPTS)} UCUM units" in text
