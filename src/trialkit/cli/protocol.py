"""``trialkit protocol``: list, validate, check, show the protocols, and print their JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trialkit._wording import plural
from trialkit.cli import app
from trialkit.cli.common import console, plain, print_json, shown
from trialkit.errors import TrialkitInputError
from trialkit.protocol import Protocol, builtin_protocol, builtin_protocols, load_protocol
from trialkit.protocol.check import check_protocol
from trialkit.protocol.model import CriterionKind
from trialkit.protocol.render import protocol_text

__all__ = ["is_file", "protocol_app", "resolve"]

protocol_app = typer.Typer(
    help="Protocol files: list, validate, check, show.", no_args_is_help=True
)
app.add_typer(protocol_app, name="protocol")


def is_file(name: str) -> bool:
    """Whether a ``--protocol`` value names a file (``*.yaml`` / ``*.yml``, or a path), not an id."""
    return name.endswith((".yaml", ".yml")) or "/" in name


def resolve(name: str) -> Protocol:
    """A shipped protocol by id, or a protocol file by path (:func:`is_file`)."""
    if is_file(name):
        return load_protocol(name)
    return builtin_protocol(name)


@protocol_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """List the protocols shipped with trialkit."""
    protocols = builtin_protocols()
    rows = [
        {
            "id": p.id,
            "title": p.title,
            "registry": [f"{r.registry} {r.id}" for r in p.registry],
            "study_type": p.study_type,
            "inclusion": sum(1 for c in p.criteria if c.kind is CriterionKind.INCLUSION),
            "exclusion": sum(1 for c in p.criteria if c.kind is CriterionKind.EXCLUSION),
        }
        for p in protocols
    ]
    if as_json:
        print_json({"schema": "trialkit.protocols/1", "protocols": rows})
        return
    table = Table(title=f"{len(rows)} protocols")
    for column in ("id", "title", "registry", "inclusion", "exclusion"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]),
            str(row["title"]),
            ", ".join(row["registry"]),  # type: ignore[arg-type]
            str(row["inclusion"]),
            str(row["exclusion"]),
        )
    console.print(table)


@protocol_app.command("validate")
def validate_command(
    file: Annotated[Path, typer.Argument(help="A protocol file (YAML).")],
) -> None:
    """Validate a protocol file against the model (errors name the file, line and field)."""
    protocol = load_protocol(file)
    console.print(
        shown(f"{file}: valid protocol {protocol.id!r} ({len(protocol.criteria)} criteria)")
    )


@protocol_app.command("check")
def check_command(
    file: Annotated[str, typer.Argument(help="A protocol file (YAML), or a shipped protocol id.")],
) -> None:
    """Static checks: unsourced thresholds, contradictions, windows, design, uncaptured inputs."""
    from trialkit.design.protocol_check import check_design  # numpy: only for this command

    protocol = resolve(file)
    problems = check_protocol(protocol, extra=(check_design,))
    for problem in problems:
        style = "red" if problem.level == "error" else "yellow"
        console.print(f"[{style}]{shown(problem)}[/{style}]")
    errors = sum(1 for p in problems if p.level == "error")
    if errors:
        raise TrialkitInputError(f"{file}: {plural(errors, 'error')} found by protocol check")
    warnings = len(problems) - errors
    console.print(
        shown(f"{file}: protocol {protocol.id!r} passes its checks ({plural(warnings, 'warning')})")
    )


@protocol_app.command("show")
def show_command(
    protocol_id: Annotated[str, typer.Argument(help="A shipped protocol id, or a protocol file.")],
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the Markdown source, not rendered.")
    ] = False,
) -> None:
    """The protocol as readable text, generated from the model."""
    from rich.markdown import Markdown  # markdown-it: only for this command

    # The file's texts are the protocol's own, line breaks included; no other control
    # character (a terminal escape sequence) reaches the terminal.
    text = plain(protocol_text(resolve(protocol_id)), lines=True)
    if markdown:
        typer.echo(text, nl=False)
    else:
        console.print(Markdown(text))


@protocol_app.command("schema")
def schema_command() -> None:
    """The JSON Schema of the protocol file format (generated from the model)."""
    typer.echo(json.dumps(Protocol.model_json_schema(by_alias=True), indent=2))
