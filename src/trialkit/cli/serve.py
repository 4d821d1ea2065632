"""``trialkit serve``: the trial's web application (uvicorn), on a study database or on a new
demonstration database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trialkit.cli import app

__all__ = ["serve"]


@app.command("serve")
def serve(
    db: Annotated[
        str | None,
        typer.Option("--db", help="The study database (a SQLite file or a postgresql:// URL)."),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port.", min=1, max=65535)] = 8000,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="Build the demonstration study in a new SQLite file first."),
    ] = False,
) -> None:
    """Serve the web application; ``--demo`` builds the demo study first and prints the logins."""
    import uvicorn

    from trialkit.edc.database import StudyDatabase
    from trialkit.errors import EdcError
    from trialkit.web.app import create_app

    if demo:
        from trialkit.example_study import DEMO_PASSWORD, build_demo

        path = Path(db or "trialkit-demo.db")
        if path.exists():
            raise EdcError(f"--db: {path} exists; --demo builds a new database")
        database = StudyDatabase(str(path))
        made = build_demo(database, subjects_per_protocol=2)
        typer.echo(f"demo study in {path}: {len(made)} subjects, 5 protocols, sites PAR and LYO")
        typer.echo(
            f"sign in as investigator_par, research_nurse_par, data_manager_par, monitor_par, "
            f"statistician_par (or _lyo) with the password {DEMO_PASSWORD!r}"
        )
    elif db is None:
        raise EdcError("--db: give the study database, or --demo")
    else:
        if "://" not in db and not Path(db).is_file():
            raise EdcError(f"--db: {db} does not exist (trialkit edc init creates it)")
        database = StudyDatabase(db)
    typer.echo(f"serving on http://{host}:{port}/")
    uvicorn.run(create_app(database), host=host, port=port, log_level="warning")
