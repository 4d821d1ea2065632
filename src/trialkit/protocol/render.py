"""Readable text of criteria trees and protocols, generated from the model (never written by hand).

The renderer is one walker over the criteria tree (STYLE §1): each node type
has one function that says in words what the node asks (``_TEXTS``, as the
evaluator's and the SQL compiler's walkers). ``trialkit protocol
show`` prints :func:`protocol_text`; screening prints :func:`rule_text` beside
each criterion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trialkit._wording import plural
from trialkit.protocol.criteria import (
    Age,
    AllOf,
    AnyOf,
    AtLeast,
    Attestation,
    ChildbearingPotential,
    ConditionNode,
    Drug,
    Finding,
    Genomic,
    Measure,
    Node,
    Not,
    ProcedureNode,
    Score,
    SexNode,
    children,
)
from trialkit.protocol.forms import FormItem
from trialkit.protocol.model import Protocol, SimonDesignSpec
from trialkit.protocol.window import describe
from trialkit.scores import SCORE_SPECS
from trialkit.units.threshold import SYMBOL
from trialkit.vocab import concept

__all__ = [
    "AGE_UNITS",
    "AGE_WORDS",
    "SYMBOLS",
    "age_span",
    "node_text",
    "protocol_text",
    "rule_text",
]

SYMBOLS = SYMBOL
"""Each comparator as printed (one table: :data:`trialkit.units.threshold.SYMBOL`)."""
AGE_WORDS = {"a": "year", "mo": "month", "d": "day"}
"""The protocol's age units as words (singular; :func:`age_span` agrees them)."""
AGE_UNITS = {unit: f"{word}s" for unit, word in AGE_WORDS.items()}


def age_span(value: float, unit: str) -> str:
    """An age in a protocol unit as words: ``1 year``, ``18 years``, ``6 months``."""
    return plural(value, AGE_WORDS[unit])


def _name(key: str) -> str:
    return concept(key).display


def _window(within: str | None, default: str = "at any time before the index date") -> str:
    return default if within is None else f"in the {describe(within)} before the index date"


def node_text(node: Node) -> str:
    """One line saying what a data node asks (logic nodes: their heading)."""
    return _TEXTS[type(node)](node)


def _all_of(node: AllOf) -> str:
    return "all of:"


def _any_of(node: AnyOf) -> str:
    return "any of:"


def _at_least(node: AtLeast) -> str:
    return f"at least {node.at_least} of:"


def _not(node: Not) -> str:
    return "not:"


def _measure_text(node: Measure) -> str:
    op = SYMBOLS[node.op]
    if node.uln is not None:
        limit = f"{op} {node.uln:g} × the upper limit of normal (the laboratory's, else for age)"
    elif node.value is not None:
        limit = f"{op} {node.value:g} {node.unit}"
    else:
        assert node.by_age is not None
        bands = [
            f"{op} {b.value:g} {node.unit} "
            + (f"below {describe(b.below)} of age" if b.below else "otherwise")
            + (f" ({b.sex.value})" if b.sex else "")
            for b in node.by_age
        ]
        limit = "; ".join(bands)
    return f"latest {_name(node.measure)} {_window(node.within)}: {limit}"


def _score_text(node: Score) -> str:
    rule = (
        f" (Karnofsky from {node.karnofsky_from_age:g} years, Lansky below)"
        if node.karnofsky_from_age is not None
        else ""
    )
    return f"{SCORE_SPECS[node.score].label}{rule} {SYMBOLS[node.op]} {node.value:g}"


def _age_text(node: Age) -> str:
    when = (
        "at the index date"
        if node.at_first is None
        else f"at the first diagnosis of {_name(node.at_first)}"
    )
    return f"age {when} {SYMBOLS[node.age]} {age_span(node.value, node.unit)}"


def _sex_text(node: SexNode) -> str:
    return f"sex is {node.sex}"


def _childbearing_text(node: ChildbearingPotential) -> str:
    return "of childbearing potential (CTFG 2020)"


def _condition_text(node: ConditionNode) -> str:
    when = "at any time before the index date" if node.ever else "at the index date"
    return f"{_name(node.condition)} {when}"


def _finding_text(node: Finding) -> str:
    return f"{_name(node.finding)} {_window(node.within, 'recorded before the index date')}"


def _attestation_text(node: Attestation) -> str:
    return f"attested: {_name(node.attestation)}"


def _procedure_text(node: ProcedureNode) -> str:
    return f"{_name(node.procedure)} {_window(node.within)}"


def _drug_text(node: Drug) -> str:
    text = f"exposure to {_name(node.drug)}"
    if node.routes is not None:
        text += " by the " + " or ".join(_name(r) for r in node.routes)
    if node.longer_than is not None:
        text += f" for more than {describe(node.longer_than)} in all"
    if node.half_lives is not None:
        assert node.within is not None
        return (
            f"{text} in the {describe(node.within)} or {node.half_lives:g} half-lives "
            "before the index date, whichever is shorter"
        )
    return f"{text} {_window(node.within)}"


def _genomic_text(node: Genomic) -> str:
    genes = " or ".join(_name(g) for g in node.gene)
    kinds = " or ".join(a.value for a in node.alteration) if node.alteration else "alteration"
    text = f"{kinds} in {genes}"
    if node.protein_change:
        text += f" ({' or '.join(node.protein_change)})"
    return text


_TEXTS: dict[type, Callable[[Any], str]] = {
    AllOf: _all_of,
    AnyOf: _any_of,
    AtLeast: _at_least,
    Not: _not,
    Measure: _measure_text,
    Score: _score_text,
    Age: _age_text,
    SexNode: _sex_text,
    ChildbearingPotential: _childbearing_text,
    ConditionNode: _condition_text,
    Finding: _finding_text,
    Attestation: _attestation_text,
    Drug: _drug_text,
    ProcedureNode: _procedure_text,
    Genomic: _genomic_text,
}
"""One text function per node type (STYLE §1): adding a node adds one entry here."""


def rule_text(node: Node, indent: str = "") -> str:
    """The whole tree as an indented outline, one node per line."""
    lines = [f"{indent}{node_text(node)}"]
    for child in children(node):
        lines.append(rule_text(child, indent + "  "))
    return "\n".join(lines)


def _line(text: str) -> str:
    """A text of the file on one line of the Markdown: its line breaks are spaces."""
    return " ".join(text.split())


def protocol_text(protocol: Protocol) -> str:
    """The protocol as readable Markdown: identifiers, design, arms, criteria, schedule, endpoints.

    Each text of the file is on one line (a line break in a title cannot start
    a line of its own).
    """
    out = [f"# {_line(protocol.title)}", ""]
    ids = ", ".join(f"{_line(r.registry)} {_line(r.id)}" for r in protocol.registry)
    out += [
        f"- id: `{protocol.id}` ({ids})",
        f"- sponsor: {_line(protocol.sponsor)}; phase {_line(protocol.phase)}; "
        f"{protocol.study_type}",
        f"- population: {_line(protocol.population)}",
        f"- index date: {_line(protocol.index_date)}",
        f"- design: {_design_text(protocol)}",
        "",
        "## Arms",
        "",
    ]
    for arm in protocol.arms:
        drugs = ", ".join(_line(i.name) for i in arm.interventions) or "no intervention"
        out.append(f"- {_line(arm.name)} ({arm.type}): {drugs}")
    for kind in ("inclusion", "exclusion"):
        out += ["", f"## {kind.capitalize()} criteria", ""]
        for criterion in protocol.criteria:
            if criterion.kind.value != kind:
                continue
            out.append(f"### {criterion.id}. {_line(criterion.text)}")
            out += ["", "```", rule_text(criterion.rule), "```"]
            for item in criterion.discrepancies:
                out.append(
                    f"- discrepancy: the source says {item.source_says!r}; {_line(item.source)} "
                    f"defines {item.published!r}; encoded: {_line(item.decision)}"
                )
            if criterion.notes:
                out.append(f"- note: {_line(criterion.notes)}")
            out.append("")
    if protocol.schedule is not None:
        schedule = protocol.schedule
        reference = _line(schedule.reference).rstrip(".")
        out += ["## Schedule of assessments", "", f"Reference: {reference}.", ""]
        if schedule.cycle_days:
            out += [f"Cycles of {schedule.cycle_days} days.", ""]
        out += [
            "| visit | day | window | assessments | forms |",
            "| --- | --- | --- | --- | --- |",
        ]
        for visit in schedule.visits:
            window = f"-{visit.window_before} / +{visit.window_after} d"
            assessments = ", ".join(_line(a) for a in visit.assessments)
            day = _visit_day(visit.day, schedule.anchor_of(visit), every_cycle=visit.every_cycle)
            forms = ", ".join(visit.forms)
            out.append(f"| {_line(visit.name)} | {day} | {window} | {assessments} | {forms} |")
        out.append("")
    if protocol.forms:
        out += ["## Forms", ""]
        for form in protocol.forms:
            records = f", records {form.records}" if form.records else ""
            repeating = (
                " (repeating" + records + ")"
                if form.repeating
                else (f" ({records[2:]})" if records else "")
            )
            out.append(
                f"- `{form.id}` {_line(form.name)}{repeating}: "
                + "; ".join(_item_text(item) for item in form.items)
            )
        out.append("")
    out += ["## Endpoints", ""]
    for endpoint in protocol.endpoints:
        out.append(
            f"- {endpoint.kind}: {_line(endpoint.name)} ({_line(endpoint.time_point)}): "
            f"{_line(endpoint.definition)}"
        )
    if protocol.discrepancies:
        out += ["", "## Discrepancies in the sources", ""]
        for item in protocol.discrepancies:
            out.append(
                f"- {item.source_says!r} vs {item.published!r} ({_line(item.source)}): "
                f"{_line(item.decision)}"
            )
    out += ["", "## Sources", ""]
    out += [
        f"- [{s.id}] {_line(s.citation)}" + (f" <{_line(s.url)}>" if s.url else "")
        for s in protocol.sources
    ]
    return "\n".join(out) + "\n"


_ANCHOR_WORDS = {"inclusion": "from inclusion", "day1": "from the first dose", "hsct": "after HSCT"}


def _visit_day(day: int, anchor: str, *, every_cycle: bool) -> str:
    """``day 7 from inclusion``, ``day 28 of every cycle``, ``day 100 after HSCT``."""
    if every_cycle:
        return f"day {day} of every cycle"
    return f"day {day} {_ANCHOR_WORDS[anchor]}"


def _item_text(item: FormItem) -> str:
    """An item as a form lists it: its name, its unit or type, ``required``."""
    if item.concept is not None:
        shown = item.concept + (f" ({item.unit})" if item.unit else "")
    elif item.type == "concept":
        shown = f"{item.id} (any {' or '.join(k.value for k in item.kinds or ())})"
    else:
        shown = f"{item.id} ({item.unit or item.type})"
    return shown + (", required" if item.required else "")


def _design_text(protocol: Protocol) -> str:
    design = protocol.design
    if isinstance(design, SimonDesignSpec):
        assumed = " (parameters assumed, not published)" if design.assumption else ""
        return (
            f"Simon two-stage, {design.variant}: p0 {design.p0:g}, p1 {design.p1:g}, "
            f"alpha {design.alpha:g}, beta {design.beta:g}; stage 1 r1/n1 = "
            f"{design.r1}/{design.n1}, overall r/n = {design.r}/{design.n}{assumed}"
        )
    if design.type == "single_stage":
        return f"single stage, {design.n} patients"
    size = f", {design.n} patients" if design.n else ""
    return f"observational cohort{size}"
