"""``trialkit screen``: one patient against one protocol (or all), with reasons and next checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trialkit.cli import app
from trialkit.cli.common import console, index_time, print_json
from trialkit.cli.protocol import resolve
from trialkit.eligibility import Screening, Truth, Verdict, screen, screen_all
from trialkit.eligibility.export import screening_json, screenings_json
from trialkit.errors import TrialkitInputError
from trialkit.protocol import builtin_protocols
from trialkit.record import read_bundle

__all__ = ["render", "screen_command", "show_ranking"]

_STATUS_STYLE = {Truth.TRUE: "green", Truth.FALSE: "red", Truth.UNKNOWN: "yellow"}
_VERDICT_STYLE = {
    Verdict.ELIGIBLE: "bold green",
    Verdict.INELIGIBLE: "bold red",
    Verdict.UNDETERMINED: "bold yellow",
}


@app.command("screen")
def screen_command(
    bundle: Annotated[Path, typer.Argument(help="FHIR R4 Bundle (JSON) of one patient.")],
    protocol: Annotated[
        str | None,
        typer.Option("--protocol", help="A shipped protocol id (see `protocol list`) or a file."),
    ] = None,
    all_protocols: Annotated[
        bool, typer.Option("--all", help="Screen against every shipped protocol, ranked.")
    ] = False,
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
    """Is the patient eligible? Every criterion met / not met / unknown, with evidence and gaps."""
    if (protocol is None) == (not all_protocols):
        raise TrialkitInputError("give either --protocol ID or --all")
    protocols = builtin_protocols() if all_protocols else (resolve(str(protocol)),)
    record = read_bundle(bundle)
    when = index_time(at, record)
    if all_protocols:
        ranked = screen_all(protocols, record, when)
        if as_json:
            print_json(screenings_json(record, when, ranked))
        else:
            show_ranking(ranked)
            for result in ranked:
                render(result)
        return
    result = screen(protocols[0], record, when)
    if as_json:
        print_json(screening_json(result))
    else:
        render(result)


def show_ranking(results: tuple[Screening, ...]) -> None:
    table = Table(title="Protocols, eligible first", title_justify="left")
    for column in ("protocol", "verdict", "met", "not met", "unknown", "next checks"):
        table.add_column(column)
    for result in results:
        table.add_row(
            result.protocol.id,
            f"[{_VERDICT_STYLE[result.verdict]}]{result.verdict.value}[/]",
            str(result.count(Truth.TRUE)),
            str(result.count(Truth.FALSE)),
            str(result.count(Truth.UNKNOWN)),
            str(len(result.next_checks)),
        )
    console.print(table)


def _short(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render(result: Screening) -> None:
    """Human output: the verdict, a table of criteria, and the next checks."""
    record, protocol = result.record, result.protocol
    age = record.age_years(result.at)
    console.print(
        f"\n[bold]{protocol.title}[/bold] ({protocol.id})\n"
        f"Patient {record.patient_id} · sex {record.sex.value} · "
        f"age {age if age is not None else 'unknown'} y · index time {result.at}"
    )
    console.print(
        f"Verdict: [{_VERDICT_STYLE[result.verdict]}]{result.verdict.value}[/] "
        f"({result.count(Truth.TRUE)} met, {result.count(Truth.FALSE)} not met, "
        f"{result.count(Truth.UNKNOWN)} unknown)"
    )
    table = Table(show_lines=True)
    for column in ("id", "status", "criterion (verbatim)", "why", "missing"):
        table.add_column(column, overflow="fold")
    for item in result.criteria:
        style = _STATUS_STYLE[item.status]
        kind = "incl." if item.criterion.kind.value == "inclusion" else "excl."
        outcome = item.outcome
        why = outcome.reason
        if outcome.evidence:
            why += "\n" + ", ".join(sorted({e.resource for e in outcome.evidence}))
        table.add_row(
            f"{item.criterion.id} ({kind})",
            f"[{style}]{item.status.value}[/]",
            _short(item.criterion.text),
            why,
            "\n".join(m.detail for m in outcome.missing),
        )
    console.print(table)
    if result.next_checks:
        console.print("[bold]Next checks[/bold] (most decisive first):")
        for number, check in enumerate(result.next_checks, 1):
            decides = f"; decides {', '.join(check.decides)}" if check.decides else ""
            console.print(
                f"  {number}. {check.detail} (criteria {', '.join(check.criteria)}{decides})"
            )
