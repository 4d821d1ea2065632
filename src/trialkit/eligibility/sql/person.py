"""``age`` and ``sex`` nodes, from the ``person`` row (and the first onset of a condition).

Age in completed years, months or days: "age ≥ k" is ``birth_date <= day - k``
(calendar months and years, clamped to the month's end, so that a 29 February
birthday is reached on 1 March, as :func:`trialkit.record.model.birth_age`
counts it), never a ``date_diff`` of years, which counts calendar boundaries.
A threshold that is not a whole number is moved to the whole age it means
(completed ages are integers: ``age > 17.5`` is ``age ≥ 18``).
"""

from __future__ import annotations

import math

from sqlglot import exp

from trialkit.eligibility.sql.build import (
    PERSON,
    Build,
    and_,
    case,
    cast,
    col,
    impossible_age,
    minus,
    not_,
)
from trialkit.eligibility.sql.events import compile_finding, diagnosis_cte
from trialkit.protocol.criteria import (
    CHILDBEARING_POTENTIAL,
    PREGNANCY,
    PUBERTY_FROM,
    Age,
    ChildbearingPotential,
    Finding,
    SexNode,
)

__all__ = ["compile_age", "compile_sex"]


def _reached(birth: exp.Expr, day: exp.Expr, count: int, unit: str) -> exp.Expr:
    """Age of at least ``count`` units: ``birth <= day - count units``."""
    return exp.LTE(this=birth.copy(), expression=cast(minus(day, f"{count} {unit}"), "DATE"))


def compile_age(node: Age, build: Build, path: str) -> exp.Expr:
    """The truth of an ``age`` node: NULL without a birth date, before birth, or when the
    birth date gives an impossible age at the index date (:func:`impossible_age`)."""
    birth = col("birth_date", PERSON)
    when: exp.Expr = build.index.copy()
    whens: list[tuple[exp.Expr, exp.Expr]] = []
    if node.at_first is not None:
        name = diagnosis_cte(build, node.at_first)
        when = col("first_onset", name)
        whens.append((when.copy().is_(exp.null()), exp.null()))
        build.explain(path, "age", [("first_onset", when.copy())])
    day = cast(when, "DATE")
    whens.append((birth.copy().is_(exp.null()), exp.null()))
    whens.append((impossible_age(birth, build.day), exp.null()))
    whens.append((exp.LT(this=day.copy(), expression=birth.copy()), exp.null()))
    unit = node.unit
    # completed ages are whole: "age > 17.5" is "age >= 18", "age < 17.5" is "not age >= 18"
    count = math.ceil(node.value) if node.age in (">=", "<") else math.floor(node.value) + 1
    reached = _reached(birth, day, count, unit)
    verdict = reached if node.age in (">=", ">") else not_(reached)
    return case(whens, verdict)


def compile_childbearing_potential(
    node: ChildbearingPotential, build: Build, path: str
) -> exp.Expr:
    """As ``_childbearing_potential``: the latest assessment; else pregnant TRUE; else a child
    before puberty FALSE."""
    sex = col("sex", PERSON)
    whens: list[tuple[exp.Expr, exp.Expr]] = [
        (
            not_(col("answer", diagnosis_cte(build, CHILDBEARING_POTENTIAL)).is_(exp.null())),
            col("answer", diagnosis_cte(build, CHILDBEARING_POTENTIAL)),
        )
    ]
    pregnant = compile_finding(Finding(finding=PREGNANCY), build, path)
    whens.append((pregnant, exp.true()))
    for value, years in PUBERTY_FROM.items():
        younger = compile_age(Age(age="<", value=years, unit="a"), build, path)
        whens.append((and_(sex.copy().eq(exp.Literal.string(value)), younger), exp.false()))
    return case(whens)


def compile_sex(node: SexNode, build: Build, path: str) -> exp.Expr:
    """``sex = 'female'`` (NULL when the sex is other or unknown)."""
    return col("sex", PERSON).eq(exp.Literal.string(node.sex))
