"""The compiled AST rendered per engine, with the nodes sqlglot cannot render for one rewritten.

The compiler builds one sqlglot tree for every engine, from nodes that mean the
same on DuckDB, Spark and PostgreSQL. Where sqlglot renders a node for a
dialect as a function the engine does not have, :func:`for_dialect` rewrites
that node (in a copy) into what means the same there, and :func:`render`
renders the result; both :meth:`Compiled.sql
<trialkit.eligibility.sql.compiler.Compiled.sql>` and the engines go through
:func:`render`, so the SQL shown is the SQL run.

PostgreSQL
    ``REGEXP_EXTRACT(s, p, g)`` (DuckDB, Spark: group ``g`` of the first match,
    ``''`` without a match) has no PostgreSQL function and sqlglot 30 renders
    the name as is: it becomes ``COALESCE((REGEXP_MATCH(s, p))[g], CASE WHEN s
    IS NOT NULL THEN '' END)``. The patterns the compiler writes use the syntax
    RE2, Java and PostgreSQL's ARE read alike (classes, groups, ``+``, no
    escapes).
"""

from __future__ import annotations

from sqlglot import exp

__all__ = ["for_dialect", "render"]


def _regexp_match(node: exp.RegexpExtract) -> exp.Expr:
    text = node.this
    group = node.args.get("group") or exp.Literal.number(1)
    groups = exp.Anonymous(this="REGEXP_MATCH", expressions=[text.copy(), node.expression.copy()])
    found = exp.Bracket(this=exp.paren(groups, copy=False), expressions=[group.copy()], offset=1)
    matched_nothing = exp.Case(
        ifs=[exp.If(this=exp.not_(text.copy().is_(exp.null())), true=exp.Literal.string(""))]
    )
    return exp.Coalesce(this=found, expressions=[matched_nothing])


def _postgres(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.RegexpExtract):
        return _regexp_match(node)
    return node


def for_dialect(expression: exp.Expr, dialect: str) -> exp.Expr:
    """``expression`` with the nodes ``dialect`` cannot run rewritten (itself when there are none)."""
    if dialect == "postgres" and expression.find(exp.RegexpExtract) is not None:
        return expression.transform(_postgres)
    return expression


def render(expression: exp.Expr, dialect: str, *, pretty: bool = False) -> str:
    """``expression`` as SQL text for ``dialect``, identifiers quoted (see the module docstring)."""
    return for_dialect(expression, dialect).sql(dialect=dialect, pretty=pretty, identify=True)
