"""``trialkit screen``: one patient against one protocol (or all), with reasons and next checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from trialkit._wording import plural
from trialkit.cli import app
from trialkit.cli.common import console, index_time, patient_line, plain, print_json
from trialkit.cli.protocol import is_file, resolve
from trialkit.eligibility import Screening, Truth, Verdict, screen, screen_all
from trialkit.eligibility.evaluate import Context
from trialkit.eligibility.explain import explain
from trialkit.eligibility.export import screening_json, screenings_json
from trialkit.eligibility.screening import CriterionResult
from trialkit.errors import TrialkitInputError
from trialkit.protocol import builtin_protocols
from trialkit.protocol.model import CriterionKind
from trialkit.record import read_bundle

__all__ = ["counts_text", "render", "screen_command", "show_ranking"]

_STATUS_STYLE = {Truth.TRUE: "green", Truth.FALSE: "red", Truth.UNKNOWN: "yellow"}
_MARK = {Truth.TRUE: "✓", Truth.FALSE: "✗", Truth.UNKNOWN: "?"}
_INCLUSION_WORDS = {Truth.TRUE: "met", Truth.FALSE: "not met", Truth.UNKNOWN: "unknown"}
_EXCLUSION_WORDS = {Truth.TRUE: "present", Truth.FALSE: "absent", Truth.UNKNOWN: "unknown"}
_VERDICT_STYLE = {
    Verdict.ELIGIBLE: "bold green",
    Verdict.INELIGIBLE: "bold red",
    Verdict.UNDETERMINED: "bold yellow",
}


@app.command("screen")
def screen_command(
    bundles: Annotated[
        list[Path],
        typer.Argument(
            help="FHIR R4 Bundle (JSON) of one patient; several bundles, or folders of *.json, "
            "screen a batch: one line per patient (see --out).",
            show_default=False,
        ),
    ],
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
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Batch: write one line per patient to this file, JSON lines (.jsonl) or CSV "
            "(.csv), instead of stdout.",
        ),
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Batch: jsonl or csv (default: from the --out suffix, else jsonl).",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="Batch: no progress display and no summary.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Batch: replace the --out file if it exists.")
    ] = False,
) -> None:
    """Is the patient eligible? Every criterion met / not met / unknown, with evidence and gaps.

    Several bundles (or a folder) are screened in one process, one line per
    patient (docs/screen-json.md, "Batch screening"); a bundle that cannot be
    read is named on stderr with the reason, the others are screened, and the
    exit code is 1.
    """
    if (protocol is None) == (not all_protocols):
        raise TrialkitInputError("give either --protocol ID or --all")
    protocols = builtin_protocols() if all_protocols else (resolve(str(protocol)),)
    batch = (
        len(bundles) > 1
        or any(path.is_dir() for path in bundles)
        or out is not None
        or output_format is not None
    )
    if batch:
        from trialkit.cli.screen_batch import screen_batch

        if as_json:
            raise TrialkitInputError(
                "--json prints one patient's document; a batch writes JSON lines "
                "(--format jsonl or --out FILE.jsonl)"
            )
        read = [Path(protocol)] if protocol is not None and is_file(protocol) else []
        failed = screen_batch(
            bundles, protocols, at, out, output_format, quiet=quiet, force=force, inputs=read
        )
        if failed:
            raise typer.Exit(1)
        return
    record = read_bundle(bundles[0])
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
    """The protocols ranked: verdict, inclusions met, exclusions absent, unknown, next checks."""
    table = Table(title="Protocols, eligible first", title_justify="left")
    for column in (
        "protocol",
        "verdict",
        "inclusions met",
        "exclusions absent",
        "unknown",
        "next checks",
    ):
        table.add_column(column)
    for result in results:
        inclusions, exclusions = _by_kind(result)
        table.add_row(
            Text(plain(result.protocol.id)),
            Text(result.verdict.value, style=_VERDICT_STYLE[result.verdict]),
            f"{_count(inclusions, Truth.TRUE)}/{len(inclusions)}",
            f"{_count(exclusions, Truth.FALSE)}/{len(exclusions)}",
            str(result.count(Truth.UNKNOWN)),
            str(len(result.next_checks)),
        )
    console.print(table)


def _short(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _by_kind(result: Screening) -> tuple[list[CriterionResult], list[CriterionResult]]:
    inclusions = [r for r in result.criteria if r.criterion.kind is CriterionKind.INCLUSION]
    exclusions = [r for r in result.criteria if r.criterion.kind is CriterionKind.EXCLUSION]
    return inclusions, exclusions


def _count(results: list[CriterionResult], status: Truth) -> int:
    return sum(1 for r in results if r.status is status)


def _status_word(item: CriterionResult) -> str:
    """met / not met / unknown for an inclusion; present / absent / unknown for an exclusion."""
    words = _INCLUSION_WORDS if item.criterion.kind is CriterionKind.INCLUSION else _EXCLUSION_WORDS
    return words[item.status]


def counts_text(result: Screening) -> str:
    """``6 inclusions met; 12 exclusions absent, 1 unknown`` (only the counts that occur)."""
    parts = []
    for results, noun, words in (
        (_by_kind(result)[0], "inclusion", _INCLUSION_WORDS),
        (_by_kind(result)[1], "exclusion", _EXCLUSION_WORDS),
    ):
        if not results:
            continue
        counts = [(words[t], _count(results, t)) for t in (Truth.TRUE, Truth.FALSE, Truth.UNKNOWN)]
        shown = [(word, n) for word, n in counts if n]
        first_word, first = shown[0]
        text = f"{plural(first, noun)} {first_word}"
        parts.append(", ".join([text, *(f"{n} {word}" for word, n in shown[1:])]))
    return "; ".join(parts)


def _why(item: CriterionResult, context: Context) -> Text:
    text = Text()
    for number, line in enumerate(explain(item.criterion.rule, item.outcome, context)):
        if number:
            text.append("\n")
        text.append("  " * line.depth)
        if line.truth is not None:
            text.append(_MARK[line.truth] + " ", style=_STATUS_STYLE[line.truth])
        text.append(plain(line.text))
    return text


def render(result: Screening) -> None:
    """Human output: the verdict, a table of criteria with what decided each, the next checks.

    Values from the bundle or the protocol file go into ``Text`` (no markup) through
    ``plain`` (control characters as escapes), so that none acts on the terminal.
    """
    record, protocol = result.record, result.protocol
    context = Context(record, result.at)
    console.print()
    console.print(
        Text.assemble((plain(protocol.title), "bold"), f" ({plain(protocol.id)})"), soft_wrap=True
    )
    console.print(Text(patient_line(record, result.at)), soft_wrap=True)
    console.print(
        Text.assemble(
            "Verdict: ",
            (result.verdict.value, _VERDICT_STYLE[result.verdict]),
            f" ({counts_text(result)})",
        ),
        soft_wrap=True,
    )
    if result.death is not None:
        console.print(f"[bold red]Deceased:[/] {result.death.reason}")
    table = Table(show_lines=True)
    for column in ("id", "status", "criterion (verbatim)", "why", "missing"):
        table.add_column(column, overflow="fold")
    for item in result.criteria:
        kind = "incl." if item.criterion.kind is CriterionKind.INCLUSION else "excl."
        table.add_row(
            Text(f"{plain(item.criterion.id)} ({kind})"),
            Text(_status_word(item), style=_STATUS_STYLE[item.status]),
            Text(plain(_short(item.criterion.text))),
            _why(item, context),
            Text("\n".join(plain(m.detail) for m in item.outcome.missing)),
        )
    console.print(table)
    if result.next_checks:
        console.print(Text("Next checks", style="bold"), "(most decisive first):")
        for number, check in enumerate(result.next_checks, 1):
            decides = f"; decides {', '.join(check.decides)}" if check.decides else ""
            which = "criterion" if len(check.criteria) == 1 else "criteria"
            line = f"{check.detail} ({which} {', '.join(check.criteria)}{decides})"
            console.print(Text(f"  {number}. {plain(line)}"))
