"""The analysis report of a trial: every endpoint with its estimate, its method and its subjects.

An HTML page (Jinja2, ``templates/report.html.j2``) that says where its
numbers come from (the cohort's folder and subjects table, and the first
paragraph of the cohort's ``README.md`` when it has one), the study summary,
each endpoint's verbatim text, the estimate with the method and the subjects
it rests on, the endpoints that cannot be computed with the reason, and the
analysis dataset written beside it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jinja2

from trialkit.analysis.flow import Flow
from trialkit.analysis.study import EndpointEstimate
from trialkit.endpoints.dataset import DATASET_SCHEMA, EvaluatedSubject
from trialkit.errors import TrialkitInputError
from trialkit.protocol import Protocol
from trialkit.protocol.model import SimonDesignSpec

__all__ = ["CohortSource", "estimate_lines", "render_report", "write_pdf"]


@dataclass(frozen=True, slots=True)
class CohortSource:
    """Where a cohort was read from, as the report names it."""

    folder: str
    table: str
    about: str | None = None

    @staticmethod
    def of(folder: Path, table: Path) -> CohortSource:
        """The source of a cohort folder, with the first paragraph of its README.md if any."""
        readme = folder / "README.md"
        about = None
        if readme.is_file():
            text = readme.read_text(encoding="utf-8", errors="replace")
            paragraphs = [p.strip() for p in text.split("\n\n")]
            about = next((p for p in paragraphs if p and not p.startswith("#")), None)
        return CohortSource(str(folder), str(table), about)


def _percent(part: float) -> str:
    return f"{100 * part:.1f} %"


def _ci(low: float, high: float) -> str:
    return f"95 % CI {_percent(low)} to {_percent(high)}"


def estimate_lines(estimate: EndpointEstimate) -> list[str]:
    """The estimate as short readable lines (the report's and the command's)."""
    lines: list[str] = []
    if estimate.proportion is not None:
        p = estimate.proportion
        what = "with at least one event" if estimate.summary is not None else "met"
        lines.append(
            f"{what}: {p.count}/{p.total} ({_percent(p.estimate)}; {_ci(p.ci.lower, p.ci.upper)})"
        )
    if estimate.inference is not None:
        i = estimate.inference
        lines.append(
            f"after the Simon design: UMVUE {_percent(i.umvue)}, p-value {i.p_value:.4g} "
            f"(stage-wise ordering), {_ci(i.ci.lower, i.ci.upper)}"
        )
    for category, p in sorted(estimate.categories.items(), key=lambda kv: -kv[1].count):
        lines.append(
            f"{category}: {p.count}/{p.total} ({_percent(p.estimate)}; "
            f"{_ci(p.ci.lower, p.ci.upper)})"
        )
    if estimate.summary is not None:
        s = estimate.summary
        lines.append(
            f"n {s.n}: mean {s.mean:.4g} (SD {s.sd:.4g}), median {s.median:.4g} "
            f"(Q1 {s.q1:.4g}, Q3 {s.q3:.4g}), range {s.min:.4g} to {s.max:.4g}"
        )
    if estimate.events:
        counts = ", ".join(f"{name} {n}" for name, n in estimate.events.items())
        lines.append(f"subjects by outcome: {counts}")
    if estimate.median is not None:
        m = estimate.median
        shown = "not reached" if m.median is None else f"{m.median:g} days"
        lines.append(f"median time {shown} (95 % CI {_bound(m.lower)} to {_bound(m.upper)})")
    if estimate.survival is not None and len(estimate.survival.time):
        km = estimate.survival
        lines.append(f"Kaplan–Meier at day {km.time[-1]:g}: {_percent(float(km.survival[-1]))}")
    if estimate.incidence is not None and len(estimate.incidence.time):
        inc = estimate.incidence
        for index, cause in enumerate(estimate.causes):
            curve, _ = inc.of(index + 1)
            lines.append(
                f"cumulative incidence of {cause} at day {inc.time[-1]:g}: "
                f"{_percent(float(curve[-1]))}"
            )
    if estimate.compared is not None:
        lines.append(_compared_line(estimate))
    if not lines:
        lines.append("no subject with a decided value")
    return lines


def _bound(value: float | None) -> str:
    return "not reached" if value is None else f"{value:g}"


def _compared_line(estimate: EndpointEstimate) -> str:
    compared = estimate.compared
    assert compared is not None
    if compared.fisher is not None and compared.table is not None:
        (a, b), (c, d) = compared.table
        first, second = compared.groups
        return (
            f"{first}: {a}/{a + b} versus {second}: {c}/{c + d}; Fisher's exact test, "
            f"two-sided P = {compared.fisher.p_value:.3g}"
        )
    if compared.gray is not None:
        return (
            f"Gray's test, {' versus '.join(compared.groups)}: chi-square "
            f"{compared.gray.statistic:.4g} on {compared.gray.df} df, P = {compared.gray.p_value:.3g}"
        )
    return "comparison: the cohort does not have two groups to compare"


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("trialkit.analysis", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return environment.get_template("report.html.j2")


def render_report(
    protocol: Protocol,
    cohort: CohortSource,
    subjects: Sequence[EvaluatedSubject],
    estimates: Sequence[EndpointEstimate],
    files: Sequence[str] = (),
    figures: dict[str, list[dict[str, str]]] | None = None,
    flow: Flow | None = None,
) -> str:
    """The report as an HTML page (every value escaped)."""
    by_endpoint: dict[str, list[dict[str, Any]]] = {}
    for estimate in estimates:
        by_endpoint.setdefault(estimate.endpoint, []).append(
            {
                "key": estimate.key,
                "method": estimate.method,
                "lines": estimate_lines(estimate),
                "subjects": estimate.subjects,
                "unknown": estimate.unknown,
            }
        )
    endpoints = [
        {
            "id": e.id,
            "kind": e.kind,
            "name": e.name,
            "time_point": e.time_point,
            "definition": e.definition,
            "not_computed": e.not_computed,
            "estimates": by_endpoint.get(e.id, []),
            "figures": (figures or {}).get(e.id, []),
        }
        for e in protocol.endpoints
    ]
    arms = sorted(Counter(s.subject.arm or "(none)" for s in subjects).items())
    stages = sorted(Counter(s.subject.stage for s in subjects if s.subject.stage).items())
    return _template().render(
        protocol=protocol,
        version=version("trialkit"),
        cohort=cohort,
        subjects=subjects,
        design=_design(protocol),
        arms=arms,
        stages=stages,
        endpoints=endpoints,
        files=files,
        schema=DATASET_SCHEMA,
        flow=flow,
    )


def _design(protocol: Protocol) -> str:
    design = protocol.design
    if isinstance(design, SimonDesignSpec):
        return (
            f"Simon two-stage ({design.variant}): p0 {design.p0}, p1 {design.p1}, alpha "
            f"{design.alpha}, beta {design.beta}; stop after {design.n1} if responses <= "
            f"{design.r1}; promising if more than {design.r} of {design.n}"
        )
    return f"{design.type.replace('_', ' ')}" + (f", n = {design.n}" if design.n else "")


def write_pdf(page: str, file: Path) -> None:
    """The report page as a PDF (WeasyPrint, CSS paged media), its images read by their URIs.

    WeasyPrint needs Pango from the system (Debian: libpango-1.0-0, installed by
    ``scripts/services.sh`` for the tests); without it the error names the library.
    """
    try:
        import weasyprint
    except OSError as error:  # the system library is missing
        raise TrialkitInputError(
            f"{file}: a PDF needs the Pango library (Debian: libpango-1.0-0): {error}"
        ) from None
    weasyprint.HTML(string=page, base_url=str(file.parent)).write_pdf(file)
