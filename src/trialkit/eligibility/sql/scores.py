"""``score`` nodes: not compiled yet (each score is a function of many inputs)."""

from __future__ import annotations

from sqlglot import exp

from trialkit.eligibility.sql.build import Build, NotCompiledError
from trialkit.protocol.criteria import Score

__all__ = ["compile_score"]


def compile_score(node: Score, build: Build, path: str) -> exp.Expr:
    """Raise :class:`NotCompiledError`: the score is not compiled to SQL yet."""
    raise NotCompiledError(
        f"score node {node.score!r} ({node.op} {node.value:g}) is not compiled to SQL yet"
    )
