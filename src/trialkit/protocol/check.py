"""Static checks of a protocol, in the manner of OHDSI Circe's definition checkers.

A file can be valid (it loads) and still be wrong: a threshold without a
cited source, a drug class with no members, a cumulative exposure longer than
its window, two criteria that no patient can meet together (age ≥ 18 and
age < 12), visits whose windows overlap, a concept that a criterion or an
endpoint reads and no case report form captures (:mod:`trialkit.protocol.reads`),
a quantity item without a unit to show. :func:`check_protocol` lists such
problems; ``trialkit protocol check`` prints them and exits 2 on any error.
Checks that need a lower layer (the Simon design search) are passed in by the
caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any, Literal

from trialkit.errors import TrialkitInputError
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
from trialkit.protocol.endpoints import Compare, EndpointNode
from trialkit.protocol.forms import FormItem
from trialkit.protocol.model import CriterionKind, Protocol
from trialkit.protocol.reads import captured, protocol_reads
from trialkit.protocol.window import before
from trialkit.units import convert
from trialkit.vocab import Concept, Kind, ValueType, concept

__all__ = ["Checker", "Problem", "check_protocol"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of the checker: where, how serious, what."""

    level: Literal["error", "warning"]
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


Checker = Callable[[Protocol], list[Problem]]
"""A further check supplied by a lower layer (e.g. the design search)."""


def check_protocol(protocol: Protocol, extra: Iterable[Checker] = ()) -> list[Problem]:
    """Every problem found in ``protocol`` (empty when it passes)."""
    problems: list[Problem] = []
    sources = {s.id for s in protocol.sources}
    for criterion in protocol.criteria:
        where = f"criterion {criterion.id}"
        for path, node in _walk(criterion.rule, "rule"):
            problems += _node_problems(f"{where}: {path}", node)
            problems += _source_problems(f"{where}: {path}", node, sources)
        problems += _contradictions(where, _conjuncts(criterion.rule))
    # Inclusion criteria must all hold: bounds that contradict across them too.
    inclusion = [
        leaf
        for c in protocol.criteria
        if c.kind is CriterionKind.INCLUSION
        for leaf in _conjuncts(c.rule)
    ]
    reported = {p.message for p in problems}
    problems += [
        p
        for p in _contradictions("inclusion criteria together", inclusion)
        if p.message not in reported
    ]
    problems += _endpoint_problems(protocol, sources)
    problems += _schedule_problems(protocol)
    problems += _form_problems(protocol)
    for checker in extra:
        problems += checker(protocol)
    return problems


def _walk(node: Node, path: str) -> Iterator[tuple[str, Node]]:
    """``node`` and every node under it, each with its path as the file writes it."""
    yield path, node
    if node.branches is None:
        return
    key = type(node).model_fields[node.branches].alias or node.branches
    many = isinstance(getattr(node, node.branches), list)
    for index, child in enumerate(children(node)):
        yield from _walk(child, f"{path}.{key}[{index}]" if many else f"{path}.{key}")


_Found = tuple[Literal["error", "warning"], str]
"""A problem of one node: its level and its message (the caller adds where it is)."""


def _node_problems(where: str, node: Node) -> list[Problem]:
    return [Problem(level, where, message) for level, message in _CHECKS[type(node)](node)]


def _nothing(node: Node) -> list[_Found]:
    return []


def _cited(node: Measure | Score | Age) -> list[_Found]:
    if (node.source or "").strip():
        return []
    return [("error", "threshold without a cited source")]


def _drug(node: Drug) -> list[_Found]:
    found: list[_Found] = []
    item = concept(node.drug)
    if item.kind is Kind.DRUG_CLASS and not item.members:
        found.append(("error", f"drug class {node.drug} has no members"))
    if (
        node.longer_than is not None
        and node.within is not None
        and before(_ANCHOR, node.longer_than) <= before(_ANCHOR, node.within)
    ):
        found.append(
            (
                "error",
                f"an exposure longer than {node.longer_than} cannot fit in a "
                f"window of {node.within}",
            )
        )
    if node.half_lives is not None:
        members = item.members if item.kind is Kind.DRUG_CLASS else (item.key,)
        unknown = [m for m in members if concept(m).half_life is None]
        if unknown:
            found.append(
                (
                    "warning",
                    "no cited half-life for "
                    + ", ".join(unknown)
                    + " (exposures in the window stay unknown)",
                )
            )
    return found


_CHECKS: dict[type, Callable[[Any], list[_Found]]] = {
    AllOf: _nothing,
    AnyOf: _nothing,
    AtLeast: _nothing,
    Not: _nothing,
    Measure: _cited,
    Score: _cited,
    Age: _cited,
    SexNode: _nothing,
    ChildbearingPotential: _nothing,
    ConditionNode: _nothing,
    Finding: _nothing,
    Attestation: _nothing,
    Drug: _drug,
    ProcedureNode: _nothing,
    Genomic: _nothing,
}
"""One check per node type (STYLE §1): what a node can get wrong that loading does not see."""


def _endpoint_problems(protocol: Protocol, sources: set[str]) -> list[Problem]:
    """An endpoint's limit (``compare``) needs a cited source, as a criterion's threshold does."""
    problems: list[Problem] = []
    for endpoint in protocol.endpoints:
        for key, root in endpoint.nodes().items():
            pending: list[tuple[str, EndpointNode]] = [("compute", root)]
            while pending:
                path, node = pending.pop()
                where = f"endpoint {key}: {path}"
                if isinstance(node, Compare):
                    if not (node.source or "").strip():
                        problems.append(Problem("error", where, "limit without a cited source"))
                    problems += _source_problems(where, node, sources)
                for name in node.branches:
                    held = getattr(node, name)
                    items = held if isinstance(held, list) else [held]
                    pending += [
                        (f"{path}.{name}[{i}]" if isinstance(held, list) else f"{path}.{name}", c)
                        for i, c in enumerate(items)
                    ]
    return problems


def _source_problems(where: str, node: Node | EndpointNode, sources: set[str]) -> list[Problem]:
    """A threshold's ``source`` must be one of the protocol's ``sources`` ids (a citation)."""
    cited = getattr(node, "source", None)
    if cited is None or not cited.strip() or cited in sources:
        return []
    return [
        Problem(
            "error",
            where,
            f"source {cited!r} is not in sources ({', '.join(sorted(sources))}): cite a "
            "sources id, and put explanations in the criterion's notes",
        )
    ]


_ANCHOR = datetime(2001, 1, 1)  # any date: durations are compared by going back from it


def _conjuncts(node: Node) -> list[Node]:
    """The leaves that must all hold for ``node`` to hold (through nested all_of)."""
    if isinstance(node, AllOf):
        return [leaf for child in node.all_of for leaf in _conjuncts(child)]
    return [node]


def _contradictions(where: str, leaves: list[Node]) -> list[Problem]:
    """Bounds on one quantity that no value can satisfy together."""
    bounds: dict[str, list[tuple[str, float, str]]] = {}
    for leaf in leaves:
        if isinstance(leaf, Measure) and leaf.value is not None and leaf.unit is not None:
            canonical = concept(leaf.measure).unit
            assert canonical is not None
            value = convert(leaf.value, leaf.unit, canonical, leaf.measure)
            bounds.setdefault(f"{leaf.measure} (within {leaf.within})", []).append(
                (leaf.op, value, canonical)
            )
        elif isinstance(leaf, Age):
            key = f"age at first {leaf.at_first}" if leaf.at_first else "age"
            bounds.setdefault(f"{key} ({leaf.unit})", []).append((leaf.age, leaf.value, leaf.unit))
        elif isinstance(leaf, Score):
            bounds.setdefault(f"score {leaf.score}", []).append((leaf.op, leaf.value, ""))
    found: list[Problem] = []
    for name, items in bounds.items():
        lows = [(v, op) for op, v, _ in items if op in (">", ">=")]
        highs = [(v, op) for op, v, _ in items if op in ("<", "<=")]
        if not lows or not highs:
            continue
        low, low_op = max(lows, key=lambda x: (x[0], x[1] == ">"))
        high, high_op = min(highs, key=lambda x: (x[0], x[1] == "<="))
        if low > high or (low == high and (low_op == ">" or high_op == "<")):
            found.append(
                Problem(
                    "error",
                    where,
                    f"contradictory ranges: {name} {low_op} {low:g} and {high_op} {high:g}",
                )
            )
    return found


def _ucum(unit: str) -> bool:
    """Whether ``unit`` is valid UCUM (checked here, not when a protocol loads: screening
    a patient must not load the unit registry)."""
    from trialkit.units import parse_unit

    try:
        parse_unit(unit)
    except TrialkitInputError:
        return False
    return True


def _form_problems(protocol: Protocol) -> list[Problem]:
    """What the criteria and endpoints read that no form captures; items with no unit to show."""
    if not protocol.forms:
        return [
            Problem(
                "warning",
                "forms",
                "the protocol has no case report forms (trialkit.protocol/4): nothing says "
                "where the study captures what its criteria and endpoints read",
            )
        ]
    found = [
        Problem("error", f"form {form.id}: item {item.name}", message)
        for form in protocol.forms
        for item in form.items
        if item.concept is not None
        for message in unit_problems(item, concept(item.concept))
    ]
    found += [
        Problem(
            "error", f"form {form.id}: item {item.name}", f"unit {item.unit!r} is not valid UCUM"
        )
        for form in protocol.forms
        for item in form.items
        if item.type == "number" and item.unit is not None and not _ucum(item.unit)
    ]
    missing: dict[str, list[str]] = {}
    for read in protocol_reads(protocol):
        if not captured(protocol.forms, read):
            readers = missing.setdefault(read.what, [])
            if read.by not in readers:
                readers.append(read.by)
    found += [
        Problem("error", "forms", f"{what} is captured by no form; read by {', '.join(readers)}")
        for what, readers in missing.items()
    ]
    return found


def unit_problems(item: FormItem, of: Concept) -> list[str]:
    """A quantity concept's item must say the unit the form shows (a site enters values in it).

    Loading checks that a given unit is one the concept allows; a form that leaves
    it out would show the canonical unit only by default, which the form's reader
    cannot see (ferritin in µg/L where the laboratory reports ng/mL).
    """
    if of.value_type is not ValueType.QUANTITY or item.unit is not None:
        return []
    return [f"{of.key} is a quantity: give the unit the form shows (one of {', '.join(of.units)})"]


def _schedule_problems(protocol: Protocol) -> list[Problem]:
    schedule = protocol.schedule
    if schedule is None:
        return []
    found: list[Problem] = []
    # Days compare only between visits counted from the same anchor, both once or both per cycle.
    visits = sorted(schedule.visits, key=lambda v: (schedule.anchor_of(v), v.every_cycle, v.day))
    for first, second in pairwise(visits):
        if (schedule.anchor_of(first), first.every_cycle) != (
            schedule.anchor_of(second),
            second.every_cycle,
        ):
            continue
        shift = _offset(first.day, schedule.anchor_of(first))
        if shift + first.window_after >= (
            _offset(second.day, schedule.anchor_of(second)) - second.window_before
        ) and (first.day != second.day):
            found.append(
                Problem(
                    "warning",
                    f"schedule visits {first.id} and {second.id}",
                    f"windows overlap (day {first.day} +{first.window_after} reaches day "
                    f"{second.day} -{second.window_before})",
                )
            )
    return found


def _offset(day: int, anchor: str) -> int:
    """Days after the anchor's own day: from the first dose, day 1 is 0 and day -1 is -1 (no day 0)."""
    return day - 1 if anchor == "day1" and day > 0 else day
