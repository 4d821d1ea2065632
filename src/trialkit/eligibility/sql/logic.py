"""Logic nodes: SQL's own three-valued ``AND`` / ``OR`` / ``NOT`` are Kleene's.

``at_least k of n`` counts the children that are TRUE and those that are NULL:
TRUE when at least k are TRUE, FALSE when fewer than k are TRUE or NULL, else
NULL (:func:`trialkit.eligibility.logic.at_least`). ``at_least 1`` is an OR
and ``at_least n`` an AND, compiled as such.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlglot import exp

from trialkit.eligibility.sql.build import Build, and_, case, flag, not_, or_
from trialkit.protocol.criteria import AllOf, AnyOf, AtLeast, Node, Not, child_path

__all__ = [
    "at_least_expression",
    "compile_all_of",
    "compile_any_of",
    "compile_at_least",
    "compile_not",
]

Walk = Callable[[Node, Build, str], exp.Expr]


def _children(nodes: Sequence[Node], build: Build, path: str, walk: Walk) -> list[exp.Expr]:
    return [walk(child, build, child_path(path, i)) for i, child in enumerate(nodes)]


def compile_all_of(node: AllOf, build: Build, path: str, walk: Walk) -> exp.Expr:
    """Kleene AND of the children."""
    return and_(*_children(node.all_of, build, path, walk))


def compile_any_of(node: AnyOf, build: Build, path: str, walk: Walk) -> exp.Expr:
    """Kleene OR of the children."""
    return or_(*_children(node.any_of, build, path, walk))


def compile_not(node: Not, build: Build, path: str, walk: Walk) -> exp.Expr:
    """Kleene NOT of the child."""
    return not_(walk(node.not_, build, child_path(path, 0)))


def _sum(items: list[exp.Expr]) -> exp.Expr:
    total = items[0]
    for item in items[1:]:
        total = exp.Add(this=total, expression=item)
    return exp.paren(total, copy=False)


def compile_at_least(node: AtLeast, build: Build, path: str, walk: Walk) -> exp.Expr:
    """TRUE with k TRUE children; FALSE when fewer than k are TRUE or NULL; else NULL."""
    items = _children(node.of, build, path, walk)
    return at_least_expression(node.at_least, items, bind=build.bind)


def at_least_expression(
    count: int, items: list[exp.Expr], *, bind: Callable[[exp.Expr], exp.Expr] | None = None
) -> exp.Expr:
    """At least ``count`` of ``items`` TRUE, in Kleene logic (:func:`~trialkit.eligibility.logic.at_least`).

    Each item is used twice (counted as TRUE and as possible): ``bind``
    (:meth:`Build.bind`) computes it once.
    """
    if count == 1:
        return or_(*items)
    if count == len(items):
        return and_(*items)
    if bind is not None:
        items = [bind(item) for item in items]
    k = exp.Literal.number(count)
    true = _sum([flag(item) for item in items])
    possible = _sum([flag(exp.func("COALESCE", item.copy(), exp.true())) for item in items])
    return case(
        [
            (exp.GTE(this=true, expression=k), exp.true()),
            (exp.LT(this=possible, expression=k.copy()), exp.false()),
        ]
    )
