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
    out: Annotated[Path, typer.Option("--out", help="The report to write (.html).")],
    force: Annotated[bool, typer.Option("--force", help="Replace existing files.")] = False,
) -> None:
    """Analyse a trial: every endpoint per subject, the study-level estimates, a report."""
    from trialkit.analysis.report import CohortSource, estimate_lines, render_report
    from trialkit.analysis.study import estimate_endpoints
    from trialkit.endpoints.cohort import read_cohort
    from trialkit.endpoints.dataset import adsl, adtte, evaluate_cohort, write_table

    if out.suffix.lower() != ".html":
        raise TrialkitInputError(f"--out {out}: give an .html file name")
    dataset = {
        f"{name}{suffix}": out.with_name(f"{out.stem}.{name}{suffix}")
        for name in ("adsl", "adtte")
        for suffix in (".csv", ".parquet")
    }
    for file in (out, *dataset.values()):
        check_output(f"--out {out}", file, (subjects,), force=force)
    study = resolve(protocol)
    trial = read_cohort(cohort, subjects)
    evaluated = list(evaluate_cohort(study, trial))
    estimates = estimate_endpoints(study, evaluated)
    tables = {"adsl": adsl(study, evaluated), "adtte": adtte(study, evaluated)}
    with writing(force=force) as outputs:
        for key, file in dataset.items():
            write_table(tables[key.split(".")[0]], outputs.partial(file))
        page = render_report(
            study,
            CohortSource.of(cohort, subjects),
            evaluated,
            estimates,
            files=[f.name for f in dataset.values()],
        )
        outputs.partial(out).write_text(page, encoding="utf-8")
    console.print(f"{study.id}: {len(evaluated)} subjects from {shown(str(cohort))}")
    for estimate in estimates:
        console.print(f"[bold]{shown(estimate.key)}[/bold] ({estimate.method})")
        for line in estimate_lines(estimate):
            console.print(f"  {shown(line)}")
    console.print(
        f"wrote {shown(str(out))} and {', '.join(shown(f.name) for f in dataset.values())}"
    )
