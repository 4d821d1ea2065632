"""``trialkit vocab``: the concept vocabulary, as a table or JSON, and its coverage gaps."""

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
    missing_standard_codes: Annotated[
        bool,
        typer.Option(
            "--missing-standard-codes",
            help="Only the concepts read by the shipped protocols that no standard code "
            "(LOINC, SNOMED CT, ICD-10, ATC, RxNorm, HGNC, ...) reaches, with the reason the "
            "vocabulary gives; attestations and drug classes excepted. Prints nothing when "
            "every such concept has a code.",
        ),
    ] = False,
) -> None:
    """List the concepts trialkit understands, with their codes and units."""
    if missing_standard_codes:
        _print_gaps(as_json)
        return
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


def _print_gaps(as_json: bool) -> None:
    # Imported here: listing the vocabulary needs no protocol.
    from trialkit.protocol.coverage import missing_standard_codes as find_gaps

    gaps = find_gaps()
    if as_json:
        print_json(
            {
                "schema": "trialkit.vocab-gaps/1",
                "concepts": [
                    {
                        "key": g.key,
                        "kind": g.kind.value,
                        "read_by": list(g.read_by),
                        "reason": g.reason,
                    }
                    for g in gaps
                ],
            }
        )
        return
    for gap in gaps:
        reason = gap.reason or "no standard code and no reason given"
        typer.echo(f"{gap.key}\t{gap.kind.value}\t{','.join(gap.read_by)}\t{reason}")
