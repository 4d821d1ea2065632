"""CTCAE v5.0 grade of one laboratory value: :func:`grade`, one item per rule.

The grade is the highest grade whose condition holds; a missing LLN, ULN or
baseline leaves the grades still possible (:mod:`trialkit.scores.ctcae.references`).
The conventions (docs/clinical-decisions.md §4, §9.3, §9.7) are told in
:mod:`trialkit.scores.ctcae`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from trialkit.errors import TrialkitInputError
from trialkit.scores.ctcae.compare import _beyond, _compared_with, _num, _op
from trialkit.scores.ctcae.references import (
    _REFERENCES,
    _applies,
    _explore,
    _Outcome,
    _Plan,
    _plan_for,
    _Scale,
    _Scenario,
)
from trialkit.scores.ctcae.terms import (
    SOURCE,
    Direction,
    FibrinogenReading,
    Fixed,
    Term,
    find_term,
)
from trialkit.scores.result import Item, ScoreResult
from trialkit.units import Quantity


def _fixed(rule: Fixed, quantity: Quantity, direction: Direction) -> tuple[int, str]:
    for cut in rule.cuts:
        holds, shown = _compared_with(quantity, cut.threshold(direction))
        if holds:
            return cut.grade, f"{shown} → grade {cut.grade}"
    _, shown = _compared_with(quantity, rule.cuts[-1].threshold(direction))
    return 0, f"{shown}: no grade from this rule"


def _times(multiple: float, name: str) -> str:
    return name if multiple == 1 else f"{multiple:g} × {name}"


def _explain(
    scale: _Scale, direction: Direction, unit: str, scenario: _Scenario, grade: int
) -> str:
    """Why a rule with every input known gives ``grade``."""
    rule = scale.rule
    lln, uln, base, value = scenario
    assert value is not None
    shown = f"{_num(value)} {unit}"
    if not _applies(scale, [scenario])[0]:
        if rule.when == "baseline_above_uln":
            return f"does not apply: baseline {_num(base or 0)} ≤ ULN {_num(uln or 0)} {unit}"
        if rule.when == "baseline_not_above_uln":
            return f"does not apply: baseline {_num(base or 0)} > ULN {_num(uln or 0)} {unit}"
        if rule.when == "baseline_below_lln":
            return f"does not apply: baseline {_num(base or 0)} ≥ LLN {_num(lln or 0)} {unit}"
        if rule.when == "baseline_not_below_lln":
            return f"does not apply: baseline {_num(base or 0)} < LLN {_num(lln or 0)} {unit}"
        return f"does not apply: {shown} ≥ LLN {_num(lln or 0)} {unit}"
    ref = scenario[scale.reference]
    assert ref is not None
    for cut in rule.cuts:
        limit = cut.multiple * ref
        if _beyond(value, limit, direction, cut.inclusive):
            text = (
                f"{shown} {_op(direction, cut.inclusive)} {_times(cut.multiple, rule.reference)} "
                f"({_num(limit)} {unit}) → grade {cut.grade}"
            )
            if grade > cut.grade and rule.flag is not None:
                text += f"; {rule.flag.replace('_', ' ')} recorded → grade {grade}"
            return text
    last = rule.cuts[-1]
    limit = last.multiple * ref
    op = _op(direction, last.inclusive, holds=False)
    return f"{shown} {op} {_times(last.multiple, rule.reference)} ({_num(limit)} {unit}) → grade 0"


def _check(field: str, quantity: Quantity, concept: str) -> None:
    if quantity.concept != concept:
        raise TrialkitInputError(
            f"{field}: {quantity} is a {quantity.concept} value, expected {concept}"
        )
    if not math.isfinite(quantity.value) or quantity.value < 0:
        raise TrialkitInputError(f"{field}: {quantity} must be a finite value >= 0")


def _check_limit(field: str, limit: float | None, unit: str) -> None:
    if limit is not None and (not math.isfinite(limit) or limit <= 0):
        raise TrialkitInputError(f"{field}: {limit} {unit} must be a finite value > 0")


def grade(
    term: str,
    value: Quantity,
    *,
    lln: float | None = None,
    uln: float | None = None,
    baseline: Quantity | None = None,
    symptomatic: bool | None = None,
    transfusion_indicated: bool | None = None,
    fibrinogen_abnormal: FibrinogenReading = "baseline",
) -> ScoreResult:
    """The CTCAE v5.0 grade of ``term`` (its CTCAE name or key) for one laboratory ``value``.

    ``lln``/``uln`` are the laboratory's limits in ``find_term(term).unit`` (the
    concept's canonical unit); ``baseline`` is the patient's value before
    treatment. ``symptomatic`` (hypokalemia) and ``transfusion_indicated``
    (anaemia) are recorded clinical findings; None counts as not recorded (the
    lab grade, decision §9.7). ``fibrinogen_abnormal`` chooses whose
    abnormality turns on the fibrinogen %-decrease rule (module docstring).

    The result's ``low``/``high`` are the lowest and highest grades still
    possible, ``category`` is ``"grade N"`` when decided, ``possible`` lists the
    open grades otherwise, and ``missing`` names the inputs that could decide it
    ("LLN", "ULN", "baseline"). Each item is one rule, reported beside the grade
    (``counts=False``): the grade is the highest of them, not their sum.
    """
    plan = _plan_for(find_term(term), fibrinogen_abnormal)
    flags = {"symptomatic": symptomatic, "transfusion_indicated": transfusion_indicated}
    return _grade(plan, value, lln, uln, baseline, flags)


def _grade(
    plan: _Plan,
    value: Quantity,
    lln: float | None,
    uln: float | None,
    baseline: Quantity | None,
    flags: Mapping[str, bool | None],
    notes: tuple[str, ...] = (),
) -> ScoreResult:
    """:func:`grade` once the term and reading are resolved; ``notes`` follow the term's note."""
    item = plan.term
    _check("value", value, item.concept)
    _check_limit("lln", lln, item.unit)
    _check_limit("uln", uln, item.unit)
    if lln is not None and uln is not None and lln > uln:
        raise TrialkitInputError(f"lln: {lln} {item.unit} is above uln {uln} {item.unit}")
    if baseline is not None:
        _check("baseline", baseline, item.concept)
    canonical = value.to(item.unit) if plan.scales else value.value
    scenario = (lln, uln, None if baseline is None else baseline.to(item.unit), canonical)
    judged = [_fixed(r, value, item.direction) for r in plan.fixed]  # (grade, reason) each
    floor = max([found for found, _ in judged], default=0)
    boosts = [s.boost(flags) for s in plan.scales] if plan.flags else [0] * len(plan.scales)
    outcome, scaled = _explore(plan, scenario, boosts, floor)
    items = _items(plan, judged, scaled, scenario, flags)
    grades, missing = outcome
    low, high = grades[0], grades[-1]
    decided = low == high
    return ScoreResult(
        score=f"ctcae.{item.key}",
        label=f"CTCAE v5.0 {item.name} grade",
        source=SOURCE,
        low=float(low),
        high=float(high),
        items=items,
        missing=missing,
        category=f"grade {low}" if decided else None,
        possible=() if decided else tuple([f"grade {g}" for g in grades]),
        interpretation=_criterion(item, low) if decided else None,
        notes=(item.clinical, *notes),
    )


def _criterion(item: Term, grade: int) -> str:
    if grade == 0:
        return "Grade 0: no adverse event (not beyond the grade 1 limit)"
    return f"Grade {grade}: {item.criteria[grade - 1]}"


def _items(
    plan: _Plan,
    judged: Sequence[tuple[int, str]],
    scaled: Sequence[_Outcome],
    scenario: _Scenario,
    flags: Mapping[str, bool | None],
) -> tuple[Item, ...]:
    """One item per rule, in the term's order, from the fixed rules' (grade, reason) and the
    outcomes of the rules on a reference."""
    term = plan.term
    fixed, scales = iter(judged), iter(scaled)
    items: list[Item] = []
    for rule in plan.rules:
        if isinstance(rule, Fixed):
            found, reason = next(fixed)
            items.append(Item.decided(rule.name, found, reason, (term.analyte,), counts=False))
        else:
            items.append(_scale_item(term, rule, next(scales), scenario, flags))
    return tuple(items)


def _scale_item(
    item: Term,
    scale: _Scale,
    outcome: _Outcome,
    scenario: _Scenario,
    flags: Mapping[str, bool | None],
) -> Item:
    rule = scale.rule
    inputs = scale.inputs
    if rule.flag is not None and flags.get(rule.flag) is not None:
        inputs = (*inputs, rule.flag)
    grades, missing = outcome
    low, high = grades[0], grades[-1]
    unknown = [_REFERENCES[i] for i in scale.uses if scenario[i] is None]
    if not unknown:
        reason = _explain(scale, item.direction, item.unit, scenario, low)
        return Item.decided(rule.name, low, reason, inputs, counts=False)
    if low == high:
        reason = f"grade {low} whatever the {' and '.join(unknown)}"
    else:
        reason = f"{' and '.join(unknown)} unknown: grade {low}–{high} possible"
    return Item.undecided(rule.name, low, high, reason, inputs, missing, counts=False)
