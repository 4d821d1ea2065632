"""``trialkit scores``: every score computable from a FHIR bundle, with evidence."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from trialkit.cli import app
from trialkit.cli.common import console, index_time, patient_line, print_json, shown
from trialkit.record import PatientRecord, read_bundle
from trialkit.scores import Scored, assess_all
from trialkit.scores.export import entry_json, report_json
from trialkit.vocab import concept

__all__ = ["render", "scores_command"]


@app.command("scores")
def scores_command(
    bundle: Annotated[Path, typer.Argument(help="FHIR R4 Bundle (JSON) of one patient.")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Index date or date-time (a date means the end of that day). "
            "Default: the time of the bundle's most recent entry.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the documented JSON.")] = False,
) -> None:
    """Compute every clinical score the bundle allows, with components, evidence and gaps."""
    record = read_bundle(bundle)
    when = index_time(at, record)
    results = assess_all(record, when)
    if as_json:
        print_json(report_json(record, when, results))
    else:
        render(record, when, results)


def _evidence_text(scored: Scored, inputs: tuple[str, ...]) -> str:
    """The entries behind an item, one per line, escaped for Rich (``shown``)."""
    parts: list[str] = []
    for name in inputs:
        for entry in scored.evidence.get(name, ()):
            data = entry_json(entry)
            if "value" not in data:
                text = concept(entry.concept).display
            else:
                value = data["value"]
                text = f"{value:g}" if isinstance(value, float) else str(value)
                if "unit" in data:
                    text += _unit(data["unit"])
                    if data["unit"] != data.get("converted_unit"):
                        text += f" = {data['converted']:.4g}{_unit(data['converted_unit'])}"
            when = (data.get("time") or "")[:16].replace("T", " ")
            parts.append(shown(f"{text} ({when}, {data['resource']})"))
    return "\n".join(dict.fromkeys(parts))


def _unit(unit: str | None) -> str:
    return "" if unit in (None, "1") else f" {unit}"


def render(record: PatientRecord, at: datetime, results: tuple[Scored, ...]) -> None:
    """Human output: one table per score (every value from the bundle escaped, ``shown``)."""
    console.print(Text(patient_line(record, at)), soft_wrap=True)
    if not results:
        console.print("No score can be computed from this bundle.")
    for scored in results:
        result = scored.result
        table = Table(
            title=f"[bold]{shown(result.summary())}[/bold]", title_justify="left", expand=False
        )
        table.add_column("item")
        table.add_column("points", justify="right")
        table.add_column("reason")
        table.add_column("evidence")
        for item in result.items:
            points = (
                f"{item.points:g}" if item.points is not None else f"{item.low:g}–{item.high:g}"
            )
            reason = shown(item.reason) + (
                f" [red]missing: {shown(', '.join(item.missing))}[/red]" if item.missing else ""
            )
            table.add_row(shown(item.name), points, reason, _evidence_text(scored, item.inputs))
        console.print(table)
        if result.interpretation:
            console.print(f"  {shown(result.interpretation)}")
        for note in result.notes:
            console.print(f"  [dim]note: {shown(note)}[/dim]")
        console.print(f"  [dim]source: {shown(result.source)}[/dim]")
    for unknown in record.unknown_codes:
        skipped = (
            f"skipped {unknown.resource}: unknown {unknown.field} {', '.join(unknown.codings)}"
        )
        console.print(f"[yellow]{shown(skipped)}[/yellow]")
