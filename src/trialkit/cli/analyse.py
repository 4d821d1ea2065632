"""``trialkit analyse``: a trial's endpoints from a cohort, the analysis dataset and the report.

Reads the protocol, the subjects table and one FHIR bundle per subject; writes
the report (HTML) and, beside it, the analysis dataset (``<stem>.adsl`` and
``<stem>.adtte``, CSV and Parquet: ``docs/analysis.md``). Every file appears
together at the end of a successful run, never half written (``docs/cli.md``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trialkit.cli import app
from trialkit.cli.common import console
from trialkit.cli.files import check_output, writing
from trialkit.cli.protocol import resolve
from trialkit.cli.text import shown
from trialkit.errors import TrialkitInputError

__all__ = ["analyse"]


@app.command("analyse")
def analyse(
    protocol: Annotated[
        str, typer.Option("--protocol", help="A shipped protocol id, or a protocol file.")
    ],
    cohort: Annotated[
        Path, typer.Option("--cohort", help="Folder of FHIR bundles, <subject_id>.json each.")
    ],
    subjects: Annotated[
        Path,
        typer.Option(
            "--subjects",
            help="Subjects table (CSV): subject_id, inclusion, day1, arm, stage, last_contact.",
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="The report to write: .html, or .pdf (WeasyPrint).")
    ],
    screening: Annotated[
        Path | None,
        typer.Option(
            "--screening",
            help="Screening log (JSON lines of a batch `trialkit screen`): the flow of patients.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing files.")] = False,
) -> None:
    """Analyse a trial: every endpoint per subject, the study-level estimates, a report."""
    from trialkit.analysis.figures import endpoint_figures
    from trialkit.analysis.flow import read_screening_log, screening_flow
    from trialkit.analysis.plots._figure import write_figure
    from trialkit.analysis.report import (
        CohortSource,
        estimate_lines,
        render_report,
        write_pdf,
    )
    from trialkit.analysis.study import estimate_endpoints
    from trialkit.endpoints.cohort import read_cohort
    from trialkit.endpoints.dataset import adsl, adtte, evaluate_cohort, write_table

    if out.suffix.lower() not in (".html", ".pdf"):
        raise TrialkitInputError(f"--out {out}: give an .html or .pdf file name")
    dataset = {
        f"{name}{suffix}": out.with_name(f"{out.stem}.{name}{suffix}")
        for name in ("adsl", "adtte")
        for suffix in (".csv", ".parquet")
    }
    inputs = (subjects, *([screening] if screening is not None else []))
    for file in (out, *dataset.values()):
        check_output(f"--out {out}", file, inputs, force=force)
    study = resolve(protocol)
    trial = read_cohort(cohort, subjects)
    evaluated = list(evaluate_cohort(study, trial))
    flow = None
    if screening is not None:
        flow = screening_flow(study, read_screening_log(screening), len(evaluated))
    estimates = estimate_endpoints(study, evaluated)
    tables = {"adsl": adsl(study, evaluated), "adtte": adtte(study, evaluated)}
    figures = endpoint_figures(study, evaluated, estimates)
    drawn = {
        figure.name: (
            out.with_name(f"{out.stem}.{figure.name}.png"),
            out.with_name(f"{out.stem}.{figure.name}.svg"),
        )
        for figure in figures
    }
    for png, svg in drawn.values():
        check_output(f"--out {out}", png, inputs, force=force)
        check_output(f"--out {out}", svg, inputs, force=force)
    shown_figures: dict[str, list[dict[str, str]]] = {}
    with writing(force=force) as outputs:
        for key, file in dataset.items():
            write_table(tables[key.split(".")[0]], outputs.partial(file))
        for figure in figures:
            png, svg = drawn[figure.name]
            hidden = outputs.partial(png)
            write_figure(figure.figure, hidden, outputs.partial(svg))
            # the page shows the PNG beside it; a PDF embeds it from where it is written now
            source = hidden.resolve().as_uri() if out.suffix.lower() == ".pdf" else png.name
            shown_figures.setdefault(figure.endpoint, []).append(
                {"src": source, "alt": figure.caption}
            )
        page = render_report(
            study,
            CohortSource.of(cohort, subjects),
            evaluated,
            estimates,
            files=[f.name for f in dataset.values()],
            figures=shown_figures,
            flow=flow,
        )
        if out.suffix.lower() == ".pdf":
            write_pdf(page, outputs.partial(out))
        else:
            outputs.partial(out).write_text(page, encoding="utf-8")
    console.print(f"{study.id}: {len(evaluated)} subjects from {shown(str(cohort))}")
    for estimate in estimates:
        console.print(f"[bold]{shown(estimate.key)}[/bold] ({estimate.method})")
        for line in estimate_lines(estimate):
            console.print(f"  {shown(line)}")
    console.print(
        f"wrote {shown(str(out))}, {', '.join(shown(f.name) for f in dataset.values())} and "
        f"{2 * len(figures)} figure files (PNG and SVG)"
    )
