"""The CTCAE v5.0 rules on a reference (LLN, ULN or baseline) and the search over unknown ones.

Each term's rules are prepared once at import (:class:`_Plan`, one per reading
of fibrinogen's "if abnormal"); a missing LLN, ULN or baseline is explored over
every value it could take, and the result is the set of grades still possible
with the references that could change it (:mod:`trialkit.scores.ctcae`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from trialkit.errors import TrialkitInputError
from trialkit.scores.ctcae.compare import _below, _beyond
from trialkit.scores.ctcae.terms import (
    _TERMS,
    Direction,
    FibrinogenReading,
    Fixed,
    Flag,
    Multiple,
    Reference,
    Rule,
    Term,
    When,
)

# -- rules on a reference (LLN, ULN or baseline) ---------------------------------------------
#
# A scenario holds every number a rule on a reference compares: (LLN, ULN, baseline, value),
# in the term's canonical unit, with None for a reference that is not known.

_REFERENCES: tuple[Reference, ...] = ("LLN", "ULN", "baseline")
_LLN, _ULN, _BASELINE, _VALUE = 0, 1, 2, 3  # positions in a scenario
_Scenario = Sequence[float | None]

# when -> (a, b, holds): the rule applies when _below(scenario[a], scenario[b]) is ``holds``
_CONDITIONS: dict[When, tuple[int, int, bool] | None] = {
    "always": None,
    "baseline_above_uln": (_ULN, _BASELINE, True),
    "baseline_not_above_uln": (_ULN, _BASELINE, False),
    "baseline_below_lln": (_BASELINE, _LLN, True),
    "baseline_not_below_lln": (_BASELINE, _LLN, False),
    "value_below_lln": (_VALUE, _LLN, True),
}


@dataclass(frozen=True, slots=True)
class _Scale:
    """A :class:`Multiple` rule in the plain form the range search reads (built at import)."""

    rule: Multiple
    reference: int  # position of rule.reference in a scenario
    cuts: tuple[tuple[int, float, bool], ...]  # (grade, multiple, inclusive), highest grade first
    condition: tuple[int, int, bool] | None  # rule.when (see _CONDITIONS)
    uses: tuple[int, ...]  # positions of the references the rule reads, in _REFERENCES order
    inputs: tuple[str, ...]  # the analyte and those references, as the rule's item names them

    @staticmethod
    def of(rule: Multiple, analyte: str) -> _Scale:
        reference = _REFERENCES.index(rule.reference)
        condition = _CONDITIONS[rule.when]
        compared = () if condition is None else condition[:2]
        uses = tuple(sorted({reference, *compared} - {_VALUE}))
        cuts = tuple((c.grade, c.multiple, c.inclusive) for c in rule.cuts)
        inputs = (analyte, *(_REFERENCES[i] for i in uses))
        return _Scale(rule, reference, cuts, condition, uses, inputs)

    def boost(self, flags: Mapping[str, bool | None]) -> int:
        """The rule's flag grade when its flag is recorded as present, else 0."""
        flag = self.rule.flag
        if flag is None or flags.get(flag) is not True:
            return 0
        return self.rule.flag_grade or 0


def _applies(scale: _Scale, scenarios: Sequence[_Scenario]) -> list[bool]:
    """Whether the rule's baseline condition (``when``) holds, in each scenario."""
    if scale.condition is None:
        return [True] * len(scenarios)
    a, b, holds = scale.condition
    found: list[bool] = []
    for scenario in scenarios:
        x, y = scenario[a], scenario[b]
        assert x is not None and y is not None
        found.append(_below(x, y) == holds)
    return found


def _climb(scale: _Scale, direction: Direction, value: float, ref: float | None, boost: int) -> int:
    """The grade of a rule's cuts at reference ``ref``, whether the rule applies or not.

    ``boost`` is the rule's flag grade when its flag is recorded (else 0): with the value
    beyond the rule's lowest cut, the grade is at least that.
    """
    assert ref is not None
    for grade, multiple, inclusive in scale.cuts:
        if _beyond(value, multiple * ref, direction, inclusive):
            return max(grade, boost)
    return 0


# -- a term's rules, prepared once at import -------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    """A term's rules under one reading of fibrinogen's "if abnormal"."""

    term: Term
    rules: tuple[Fixed | _Scale, ...]  # in the term's order, one item each
    fixed: tuple[Fixed, ...]
    scales: tuple[_Scale, ...]
    uses: tuple[int, ...]  # every reference some rule reads, in _REFERENCES order
    flags: tuple[Flag, ...]  # the clinical findings the rules read
    partners: tuple[tuple[int, ...], ...]  # per reference: what a ``when`` compares it with


def _plan(term: Term, reading: FibrinogenReading) -> _Plan:
    rules = term.rules if reading == "baseline" else tuple(_admiral_reading(r) for r in term.rules)
    prepared = tuple(_Scale.of(r, term.analyte) if isinstance(r, Multiple) else r for r in rules)
    scales = tuple(r for r in prepared if isinstance(r, _Scale))
    partners: list[set[int]] = [set() for _ in _REFERENCES]  # other references or _VALUE
    for s in scales:
        if s.condition is not None:
            a, b, _ = s.condition
            partners[b].add(a)
            if a != _VALUE:
                partners[a].add(b)
    return _Plan(
        term=term,
        rules=prepared,
        fixed=tuple(r for r in prepared if isinstance(r, Fixed)),
        scales=scales,
        uses=tuple(sorted({i for s in scales for i in s.uses})),
        flags=tuple(s.rule.flag for s in scales if s.rule.flag is not None),
        partners=tuple(tuple(sorted(found)) for found in partners),
    )


_ADMIRAL_READING: dict[When, tuple[When, str]] = {
    "baseline_not_below_lln": ("always", "multiples of LLN"),
    "baseline_below_lln": ("value_below_lln", "decrease from baseline (value below LLN)"),
}


def _admiral_reading(rule: Rule) -> Rule:
    """Fibrinogen as admiral reads "if abnormal": × LLN always, % decrease if the value < LLN."""
    if not isinstance(rule, Multiple) or rule.when not in _ADMIRAL_READING:
        return rule
    when, name = _ADMIRAL_READING[rule.when]
    return rule.model_copy(update={"when": when, "name": name})


_READINGS: tuple[FibrinogenReading, ...] = ("baseline", "value")
_PLANS: dict[tuple[str, str], _Plan] = {
    (t.key, reading): _plan(t, reading) for t in _TERMS if t.rules for reading in _READINGS
}


def _plan_for(term: Term, reading: str) -> _Plan:
    if not term.rules:
        raise TrialkitInputError(
            f"term: {term.name} needs a neutrophil count and temperatures; "
            "use febrile_neutropenia()"
        )
    if reading not in _READINGS:
        raise TrialkitInputError(f"fibrinogen_abnormal: {reading!r} must be 'baseline' or 'value'")
    return _PLANS[(term.key, reading)]


# -- exploring missing references ------------------------------------------------------------
#
# An unknown LLN, ULN or baseline is explored over every value it could take. Why a few
# samples suffice: every comparison a rule makes with a reference r is one of
#   value vs multiple × r     (its outcome can change only at r = value / multiple),
#   value vs LLN              (only at LLN = value: fibrinogen, admiral reading),
#   baseline vs ULN or LLN    (only at baseline = the limit, when that limit is known),
# and each is constant for r below the point, at it (within the 1e-12 tolerance of equality),
# and above it. So with the other references fixed, every rule's grade is constant on each
# open interval between consecutive sorted breakpoints (and on (0, first) and (last, ∞)),
# and at a breakpoint it takes the value of the inclusive or strict edge there. One sample
# inside each interval plus the breakpoints themselves therefore meets every grade the
# reference can give, inclusive edges included.
#
# Breakpoints less than one part in a million apart (_SAME_BOUNDARY) are one boundary seen
# through floating point (20 x ULN of a value converted from ukat/L against the ULN itself):
# the sliver between them is not sampled, as no laboratory reports a value inside it and its
# grade would be an artefact of the 1e-12 tolerance. Every wider interval is sampled at a
# point far outside the tolerance band of both its ends.
#
# A rule's cut points matter only where the rule applies. When its ``when`` compares the
# explored reference with a known number k (a baseline with a known ULN), it holds on one
# side of k only (k itself included, within the tolerance), so the cut points strictly on
# the other side are dropped: the rule gives 0 there whatever its cuts say, and k stays a
# breakpoint. A ``when`` that reads known numbers only holds everywhere (all cut points are
# kept) or nowhere (none are). Dropping a breakpoint that changes no grade only merges two
# intervals on which every rule gives the same grade.
#
# The one edge that moves is a baseline against a limit when both are unknown. References
# that a rule's ``when`` compares with each other and that are all unknown form a group
# (_groups): they are sampled at the same values, the union of their breakpoints, so each
# keeps its own breakpoints and inside one interval only their order decides; and they get
# as many samples per interval as the group has members, so that every order of their values
# inside one interval, ties included, is met: for a baseline b and a limit u, (s1, s2),
# (s1, s1) and (s2, s1) give b below, equal to and above u, and holding either at s1 or s2
# the other meets both sides of the comparison. Unknowns in different groups are independent,
# so the product of the per-axis samples meets every combination of regions, and a reference
# that can change the grade with the others held anywhere changes it with them held at some
# sample (_matters).


# What a search found: the grades still possible (lowest first) and the unknown references
# that could change them. A plain pair: the search builds one per rule and per term.
_Outcome = tuple[tuple[int, ...], tuple[str, ...]]


def _explore(
    plan: _Plan, scenario: _Scenario, boosts: Sequence[int], floor: int
) -> tuple[_Outcome, tuple[_Outcome, ...]]:
    """The grades possible over every value the unknown references could take.

    Returns the term's outcome (the highest grade of any rule, at least ``floor``, the
    grade of the fixed limits) and the outcome of each of ``plan.scales``. Each rule is
    graded once per scenario and that grade serves both, so the search runs once per term.
    """
    unknown = [i for i in plan.uses if scenario[i] is None]
    if not unknown:  # every reference known: one scenario, every grade decided
        grades = [column[0] for column in _columns(plan, [scenario], unknown, boosts)]
        return ((max([floor, *grades]),), ()), tuple([((g,), ()) for g in grades])
    scenarios = list(itertools.product(*_axes(plan, scenario, unknown)))
    columns = _columns(plan, scenarios, unknown, boosts)
    floors = [floor] * len(scenarios)
    term = list(map(max, floors, *columns)) if columns else floors
    rules = tuple([_outcome(scenarios, column, unknown) for column in columns])
    return _outcome(scenarios, term, unknown), rules


def _columns(
    plan: _Plan, scenarios: Sequence[_Scenario], unknown: Sequence[int], boosts: Sequence[int]
) -> list[list[int]]:
    """The grade of each rule (one column each) in each scenario (``unknown`` is explored)."""
    value = scenarios[0][_VALUE]
    assert value is not None
    direction = plan.term.direction
    columns: list[list[int]] = []
    for scale, boost in zip(plan.scales, boosts, strict=True):
        applies = _applies(scale, scenarios)
        if scale.reference not in unknown:  # the same in every scenario: the cuts give one grade
            grade = _climb(scale, direction, value, scenarios[0][scale.reference], boost)
            columns.append([grade if holds else 0 for holds in applies])
            continue
        # The cuts read the rule's own reference only: climb them once per value it takes.
        climbed: dict[float | None, int] = {}
        column: list[int] = []
        for scenario, holds in zip(scenarios, applies, strict=True):
            if not holds:
                column.append(0)
                continue
            ref = scenario[scale.reference]
            if ref not in climbed:
                climbed[ref] = _climb(scale, direction, value, ref, boost)
            column.append(climbed[ref])
        columns.append(column)
    return columns


def _axes(
    plan: _Plan, scenario: _Scenario, unknown: Sequence[int]
) -> list[tuple[float | None, ...]]:
    """The values each number of the scenario is explored at: its own, or samples if unknown."""
    axes: list[tuple[float | None, ...]] = [(known,) for known in scenario]
    for group in _groups(plan, unknown):
        points = _breakpoints(plan, scenario, group[0])
        for i in group[1:]:
            points |= _breakpoints(plan, scenario, i)
        samples = _candidates(points, per_interval=len(group))
        for i in group:
            axes[i] = samples
    return axes


def _groups(plan: _Plan, unknown: Sequence[int]) -> list[list[int]]:
    """The unknown references, grouped with those that a rule's ``when`` compares them with."""
    groups: list[list[int]] = []
    for i in unknown:
        group = [i]
        for linked in [g for g in groups if any(j in plan.partners[i] for j in g)]:
            groups.remove(linked)
            group += linked
        groups.append(group)
    return groups


def _breakpoints(plan: _Plan, scenario: _Scenario, axis: int) -> set[float]:
    """Values of reference ``axis`` at which some rule changes its grade or whether it applies,
    with the other references as in ``scenario`` (those of its group: see _axes)."""
    points: set[float] = set()
    for s in plan.scales:
        if s.reference == axis:
            points.update(_cut_points(s, scenario, axis))
    for other in plan.partners[axis]:
        known = scenario[other]
        if known is not None:  # where the comparison with it turns
            points.add(known)
    return points


def _cut_points(scale: _Scale, scenario: _Scenario, axis: int) -> list[float]:
    """Where the rule's cuts change its grade along its reference ``axis``, where it may apply."""
    value = scenario[_VALUE]
    assert value is not None
    points = [value / multiple for _, multiple, _ in scale.cuts]
    if scale.condition is None:
        return points
    a, b, holds = scale.condition
    if axis not in (a, b):  # the condition does not read the axis
        x, y = scenario[a], scenario[b]
        if x is None or y is None or _below(x, y) == holds:
            return points
        return []  # never applies
    known = scenario[b if a == axis else a]
    if known is None:  # compared with another unknown reference
        return points
    if (a == axis) != holds:  # applies above ``known`` only
        return [p for p in points if not _below(p, known)]
    return [p for p in points if not _below(known, p)]  # applies below ``known`` only


# evenly spaced samples inside an interval, for each size of a group (see _axes)
_INSIDE = {n: tuple((j + 1) / (n + 1) for j in range(n)) for n in range(1, len(_REFERENCES) + 1)}
_SAME_BOUNDARY = 1e-6  # relative gap below which two breakpoints are one boundary (see above)


def _candidates(points: Iterable[float], per_interval: int) -> tuple[float, ...]:
    """Each breakpoint and ``per_interval`` values inside each interval they bound (see above)."""
    found = sorted([p for p in points if 0 < p < math.inf])
    if not found:
        return (1.0,)  # the grade does not depend on this reference
    inside = _INSIDE[per_interval]
    samples: list[float] = []
    low = 0.0
    for high in found:  # (0, first), then between consecutive breakpoints
        if high > low * (1 + _SAME_BOUNDARY):
            for f in inside:
                samples.append(low + (high - low) * f)
        samples.append(high)
        low = high
    for f in inside:  # (last, ∞)
        samples.append(low * (1 + 2 * f))
    return tuple(samples)


def _outcome(
    scenarios: Sequence[_Scenario], grades: Sequence[int], unknown: Sequence[int]
) -> _Outcome:
    distinct = tuple(sorted(set(grades)))
    if len(distinct) == 1:
        return distinct, ()  # no unknown reference changes the grade
    if len(unknown) == 1:  # the only unknown changes it
        return distinct, (_REFERENCES[unknown[0]],)
    missing = tuple(_REFERENCES[i] for i in unknown if _matters(scenarios, grades, i))
    return distinct, missing


def _matters(scenarios: Sequence[_Scenario], grades: Sequence[int], axis: int) -> bool:
    """Whether the grade changes along ``axis`` with the other references held fixed."""
    seen: dict[tuple[float | None, ...], int] = {}
    for scenario, grade in zip(scenarios, grades, strict=True):
        rest = (*scenario[:axis], *scenario[axis + 1 :])
        if seen.setdefault(rest, grade) != grade:
            return True
    return False
