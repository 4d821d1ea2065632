"""``trialkit vocab``: the concept vocabulary, as a table or JSON."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from trialkit.cli import app
from trialkit.cli.common import console, print_json
from trialkit.errors import TrialkitInputError
from trialkit.vocab import Kind, vocabulary

__all__ = ["vocab_command"]


@app.command("vocab")
def vocab_command(
    kind: Annotated[
        str | None, typer.Option("--kind", help="Only concepts of this kind (lab, drug, ...).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print every row as JSON.")] = False,
) -> None:
    """List the concepts trialkit understands, with their codes and units."""
    if kind is not None and kind not in {k.value for k in Kind}:
        raise TrialkitInputError(
            f"--kind {kind!r} is not a concept kind; use one of {', '.join(k.value for k in Kind)}"
        )
    rows = [c for c in vocabulary().values() if kind is None or c.kind.value == kind]
    if as_json:
        print_json(
            {
                "schema": "trialkit.vocab/1",
                "concepts": [c.model_dump(mode="json", exclude_none=True) for c in rows],
            }
        )
        return
    table = Table(title=f"{len(rows)} concepts")
    for column in ("key", "kind", "display", "codes", "unit", "allowed units"):
        table.add_column(column)
    for c in rows:
        codes = ", ".join(f"{code.system.upper()} {code.code}" for code in c.codes)
        if c.omop_concept_id is not None:
            codes += f", OMOP {c.omop_concept_id}"
        table.add_row(c.key, c.kind.value, c.display, codes, c.unit or "", ", ".join(c.units))
    console.print(table)
