"""``score`` nodes: a score's range (low–high) compared as the evaluator's ``_range_truth``.

TRUE when both ends satisfy the comparison, FALSE when neither does, NULL
otherwise or when the score cannot be computed (NULL ends). Each score of
:data:`trialkit.scores.SCORE_SPECS` computes its ``(low, high)`` as its record
adapter does (a test holds :data:`SCORES` to the registry); a score without
its SQL would raise :class:`NotCompiledError` naming it, never a NULL.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from trialkit.eligibility.sql.build import COMPARATORS, Build, and_, case, not_, number, or_
from trialkit.eligibility.sql.score_formulas import (
    cockcroft_gault,
    performance_status,
    qtc_fridericia,
    schwartz_bedside,
)
from trialkit.eligibility.sql.score_hlh2004 import hlh2004
from trialkit.eligibility.sql.score_hscore import hscore
from trialkit.eligibility.sql.score_sofa import psofa, sofa
from trialkit.errors import NotCompiledError
from trialkit.protocol.criteria import Score

__all__ = ["SCORES", "compile_score"]

ScoreSql = Callable[[Score, Build, str], tuple[exp.Expr, exp.Expr]]

SCORES: dict[str, ScoreSql] = {
    "hlh2004": hlh2004,
    "hscore": hscore,
    "schwartz_bedside": schwartz_bedside,
    "cockcroft_gault": cockcroft_gault,
    "qtc_fridericia": qtc_fridericia,
    "performance": performance_status,
    "sofa": sofa,
    "psofa": psofa,
}
"""The SQL of each score of :data:`trialkit.scores.SCORE_SPECS`, by name."""


def compile_score(node: Score, build: Build, path: str) -> exp.Expr:
    """The truth of a ``score`` node over its (low, high) range."""
    make = SCORES.get(node.score)
    if make is None:
        raise NotCompiledError(f"score node {node.score!r} ({node.op} {node.value:g}) has no SQL")
    low, high = make(node, build, path)
    same = low == high
    low = build.bind(low)
    high = low.copy() if same else build.bind(high)
    op = COMPARATORS[node.op]
    low_holds = op(this=low, expression=number(node.value))
    high_holds = op(this=high, expression=number(node.value))
    missing = or_(low.copy().is_(exp.null()), high.copy().is_(exp.null()))
    return case(
        [
            (missing, exp.null()),
            (and_(low_holds, high_holds), exp.true()),
            (and_(not_(low_holds.copy()), not_(high_holds.copy())), exp.false()),
        ]
    )
