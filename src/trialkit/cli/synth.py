"""``trialkit synth omop`` (a synthetic OMOP CDM population as Parquet) and ``trialkit synth trial``
(a simulated trial cohort of FHIR bundles); both deterministic per seed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from trialkit.cli import app
from trialkit.cli.common import console, progress_bar, shown
from trialkit.cli.files import check_output, writing
from trialkit.errors import TrialkitInputError
from trialkit.omop.load import table_of
from trialkit.omop.schema import TABLES
from trialkit.synth import EXTRACTED, generate_omop
from trialkit.synth.generate import CHUNK_PERSONS
from trialkit.synth.trial import SIMULATED_TITLE, trial_files

__all__ = ["omop_command", "synth_app", "trial_command"]

synth_app = typer.Typer(help="Synthetic data sets.", no_args_is_help=True)
app.add_typer(synth_app, name="synth")


def _extract_time(text: str | None) -> datetime:
    if text is None:
        return EXTRACTED
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise TrialkitInputError(
            f"--extracted {text!r} is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDThh:mm)"
        ) from None


def _check_folder(out: Path, *, force: bool) -> None:
    """Refuse ``out`` before any work if it holds a table, in any format or case, without --force.

    Any file that would be read as a table (``person.csv``, ``PERSON.parquet``)
    is that table's file: with ``--force`` it is replaced by ``<table>.parquet``
    (the others removed, never two files for one table); a folder of such a
    name never is.
    """
    held = sorted(entry for entry in out.iterdir() if table_of(entry) is not None)
    for file in [*held, *(out / f"{spec.name}.parquet" for spec in TABLES)]:
        if file.is_dir():
            raise TrialkitInputError(
                f"--out {file}: is a folder, named as the table {table_of(file)}; "
                "never replaced, even with --force: remove or rename it"
            )
        check_output(f"--out {file}", file, force=force)


@synth_app.command("omop")
def omop_command(
    persons: Annotated[int, typer.Option("--persons", help="Number of persons.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder for the Parquet files (created if need be; a table it holds, in any "
            "format or case, is replaced only with --force).",
        ),
    ],
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed (default 0): same seed, same files.")
    ] = 0,
    extracted: Annotated[
        str | None,
        typer.Option(
            "--extracted",
            help=f"Extract time: no datum after it (default {EXTRACTED:%Y-%m-%dT%H:%M}).",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace the table files the folder holds: each table's file in any format "
            "or case (PERSON.csv) is removed once its Parquet file is written.",
        ),
    ] = False,
) -> None:
    """Write a synthetic OMOP CDM 5.4 population: one Parquet file per table, same seed same bytes.

    Mostly ordinary inpatients, a few percent with HLH-like laboratory
    pictures, ICU stays with SOFA inputs, children with leukaemia and genomic
    findings, drug histories with wash-outs; the conventions of the FHIR
    bridge (docs/omop.md). Load it with ``trialkit.omop.load_folder``.
    """
    when = _extract_time(extracted)
    if out.is_dir():
        _check_folder(out, force=force)
    created = not out.exists()
    errors = Console(stderr=True, highlight=False)
    # A bar on a terminal only: redirected, it would leave an empty line on stderr.
    with progress_bar(errors, shown=persons > CHUNK_PERSONS and errors.is_terminal) as bar:
        people = bar.add_task("persons", total=persons)
        tables = bar.add_task("tables", total=None, visible=False)

        def progress(step: str, done: int, total: int) -> None:
            if step == "persons":
                bar.update(people, completed=done)
            else:
                bar.update(tables, completed=done, total=total, visible=True)

        try:
            result = generate_omop(out, persons, seed, extracted=when, progress=progress)
        except BaseException:
            if created and out.is_dir() and not any(out.iterdir()):
                out.rmdir()
            raise
    table = Table(title=f"{result.persons:,} persons, seed {result.seed} -> {shown(result.folder)}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in result.rows.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    rate = result.persons / result.seconds if result.seconds > 0 else float("inf")
    console.print(
        f"{result.seconds:.1f} s ({rate:,.0f} persons/s); extract time "
        f"{result.extracted:%Y-%m-%dT%H:%M}: screen with --at {result.extracted:%Y-%m-%d}"
    )


@synth_app.command("trial")
def trial_command(
    protocol: Annotated[
        str, typer.Option("--protocol", help="A shipped protocol id (r-hlh, jak-hs-icu, ...).")
    ],
    subjects: Annotated[int, typer.Option("--subjects", help="Number of subjects (1 or more).")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder for subjects.csv, README.md and one <subject_id>.json bundle per subject "
            "(created; a folder that holds files is refused without --force).",
        ),
    ],
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed (default 0): same seed, same files.")
    ] = 0,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write into a folder that holds files: only a simulated cohort's folder (its "
            "README.md says so); its subjects.csv, README.md and bundles are replaced, and its "
            "bundles of subjects the new cohort does not have are removed.",
        ),
    ] = False,
) -> None:
    """Write a simulated cohort of a shipped protocol for trialkit analyse: same seed, same bytes.

    Each subject follows the protocol's schedule and endpoints (SOFA inputs,
    HLH markers and responses, temperatures, stays, infections, transplantation,
    deaths, losses to follow-up, adverse events), with a few percent of values
    left out so that unknowns occur (docs/analysis.md). No real patient.
    """
    files = trial_files(protocol, subjects, seed, str(out))
    if out.exists() and not out.is_dir():
        raise TrialkitInputError(f"--out {out}: is a file; give a folder")
    stale: list[Path] = []
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise TrialkitInputError(f"--out {out}: exists and is not empty; --force replaces it")
        readme = out / "README.md"
        if not readme.is_file() or not readme.read_bytes().startswith(SIMULATED_TITLE.encode()):
            raise TrialkitInputError(
                f"--out {out}: not a simulated cohort's folder (no README.md of "
                "trialkit synth trial); never replaced, even with --force"
            )
        stale = sorted(out.glob("*.json"))
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    names: set[str] = set()
    try:
        with writing(force=force) as outputs:
            for name, text in files:
                outputs.partial(out / name).write_text(text, encoding="utf-8")
                names.add(name)
    except BaseException:
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        raise
    for old in stale:  # a bundle without a subject would make the cohort unreadable
        if old.name not in names:
            old.unlink()
    console.print(
        f"{subjects:,} simulated subjects of {protocol}, seed {seed} -> {shown(out)} "
        f"({len(names):,} files)"
    )
