"""``trialkit demo``: the main job on embedded defaults (scores and screening of a packaged example)."""

from __future__ import annotations

from typing import Annotated

import typer

from trialkit.cli import app
from trialkit.cli.common import console, index_time, print_json
from trialkit.cli.scores import render
from trialkit.cli.screen import render as show_screening
from trialkit.cli.screen import show_ranking
from trialkit.eligibility import screen_all
from trialkit.errors import TrialkitInputError
from trialkit.examples import DEMO, EXAMPLES, INDEX_DATE, example
from trialkit.protocol import builtin_protocols
from trialkit.record import record_from_bundle
from trialkit.scores import assess_all
from trialkit.scores.export import report_json

__all__ = ["demo_command"]


@app.command("demo")
def demo_command(
    name: Annotated[
        str, typer.Option("--example", help=f"Example patient ({', '.join(EXAMPLES)}).")
    ] = DEMO,
    as_json: Annotated[bool, typer.Option("--json", help="Print the documented JSON.")] = False,
) -> None:
    """Score a packaged synthetic patient and screen it against every protocol: no input needed.

    ``--json`` prints the scores document (``trialkit.scores/1``); the screening
    of the same patient as JSON is ``trialkit screen --all --json``.
    """
    if name not in EXAMPLES:
        raise TrialkitInputError(f"--example {name!r} is not one of {', '.join(EXAMPLES)}")
    record = record_from_bundle(example(name), origin=f"example {name}")
    at = index_time(INDEX_DATE, record)
    results = assess_all(record, at)
    if as_json:
        print_json(report_json(record, at, results))
        return
    console.print(f"[bold]trialkit demo[/bold]: example patient {name!r} (synthetic)")
    render(record, at, results)
    ranked = screen_all(builtin_protocols(), record, at)
    console.print(f"\n[bold]Screening[/bold] of {name!r} against every protocol:")
    show_ranking(ranked)
    if ranked:
        show_screening(ranked[0])
