"""``trialkit design``: trial-design statistics (placeholder module; filled by the design work)."""

from __future__ import annotations

import typer

from trialkit.cli import app

design_app = typer.Typer(help="Trial design statistics: Simon two-stage designs.", no_args_is_help=True)
app.add_typer(design_app, name="design")
