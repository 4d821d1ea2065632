"""The compiled AST rendered per engine, with the nodes sqlglot cannot render for one rewritten.

The compiler builds one sqlglot tree for every engine, from nodes that mean the
same on DuckDB, Spark and PostgreSQL. Where sqlglot renders a node for a
dialect as a function the engine does not have, :func:`render` uses a
generator of that dialect that writes the node as what means the same there
(sqlglot's own extension point: a generator subclass with more
``TRANSFORMS``). Both :meth:`Compiled.sql
<trialkit.eligibility.sql.compiler.Compiled.sql>` and the engines go through
:func:`render`, so the SQL shown is the SQL run.

PostgreSQL
    ``ROUND(x, p)`` of a DOUBLE (every ``ROUND`` the compiler writes) does not
    exist there (only ``ROUND(numeric, int)``, and the NUMERIC cast of a double
    keeps 15 digits), and ``ROUND(x)`` rounds half to even: both are written out
    as the arithmetic DuckDB's ``ROUND`` computes (:func:`duckdb_round`), which
    gives DuckDB's doubles. The compiled SQL keeps ``ROUND`` for DuckDB, whose
    planner takes 1.5 to 2 times as long over the written-out form.

    ``REGEXP_EXTRACT(s, p, g)`` (DuckDB, Spark: group ``g`` of the first match,
    ``''`` without a match) has no PostgreSQL function and sqlglot 30 renders
    the name as is: it becomes ``COALESCE((REGEXP_MATCH(s, p))[g], CASE WHEN s
    IS NOT NULL THEN '' END)``. The patterns the compiler writes use the syntax
    RE2, Java and PostgreSQL's ARE read alike (classes, groups, ``+``, no
    escapes).

Spark
    ``ROUND(x, p)`` needs a constant ``p`` (``DATATYPE_MISMATCH.NON_FOLDABLE_INPUT``
    for the significant-digit rounding) and rounds the shortest decimal of the
    double half up (2.675 -> 2.68, where DuckDB gives 2.67): written out as
    :func:`duckdb_round`, as for PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from sqlglot import exp
from sqlglot.generator import Generator
from sqlglot.generators.postgres import PostgresGenerator
from sqlglot.generators.spark import SparkGenerator

__all__ = ["duckdb_round", "render"]


def duckdb_round(value: exp.Expr, places: exp.Expr | None = None) -> exp.Expr:
    """DuckDB's ``ROUND(value, places)`` of a DOUBLE in plain arithmetic, half away from zero.

    DuckDB computes ``std::round(x * 10^p) / 10^p``, or ``std::round(x / 10^-p) *
    10^-p`` for p < 0 (``RoundOperatorPrecision``, DuckDB 1.x ``round.cpp``);
    multiplying or dividing by ``10^0`` is exact, so both branches are one
    expression. ``std::round(|y|)`` is ``FLOOR(|y|)`` plus one when the fraction
    ``|y| - FLOOR(|y|)`` (exact) is at least 0.5; ``FLOOR(|y| + 0.5)`` would be
    shorter but rounds the sum for |y| >= 2**52 and for 0.5 - 2**-54. Where ``10^p``
    overflows (p > 308: 12 digits of |x| < 1e-297) DuckDB returns ``x``, and so does
    this (PostgreSQL would raise an error); an ``x * 10^p`` beyond 1.8e308 is an error.
    """
    ten, zero, half = (_double(10), _double(0), _double(0.5))
    scaled: exp.Expr = value.copy()
    up: exp.Expr | None = None
    down: exp.Expr | None = None
    if places is not None:
        negated = exp.Neg(this=exp.paren(places.copy(), copy=False))
        up = exp.Pow(
            this=ten.copy(), expression=exp.Greatest(this=places.copy(), expressions=[zero.copy()])
        )
        down = exp.Pow(
            this=ten.copy(), expression=exp.Greatest(this=negated, expressions=[zero.copy()])
        )
        scaled = exp.Div(
            this=exp.paren(exp.Mul(this=scaled, expression=up), copy=False), expression=down
        )
    whole = exp.Floor(this=exp.Abs(this=scaled.copy()))
    fraction = exp.Sub(this=exp.Abs(this=scaled.copy()), expression=whole.copy())
    half_or_more = exp.Case(
        ifs=[exp.If(this=exp.GTE(this=fraction, expression=half), true=exp.Literal.number(1))],
        default=exp.Literal.number(0),
    )
    magnitude = exp.paren(exp.Add(this=whole, expression=half_or_more), copy=False)
    result: exp.Expr = exp.Mul(this=exp.Sign(this=scaled), expression=magnitude)
    if places is None or up is None or down is None:
        return result
    result = exp.Mul(
        this=exp.paren(exp.Div(this=result, expression=up.copy()), copy=False),
        expression=down.copy(),
    )
    overflows = exp.GT(this=places.copy(), expression=exp.Literal.number(308))
    return exp.Case(ifs=[exp.If(this=overflows, true=value.copy())], default=result)


def _double(value: float) -> exp.Expr:
    return exp.Cast(this=exp.Literal.number(repr(value)), to=exp.DataType.build("DOUBLE"))


def _round(generator: Generator, node: exp.Round) -> str:
    return generator.sql(duckdb_round(node.this, node.args.get("decimals")))


def _regexp_match(node: exp.RegexpExtract) -> exp.Expr:
    text = node.this
    group = node.args.get("group") or exp.Literal.number(1)
    groups = exp.Anonymous(this="REGEXP_MATCH", expressions=[text.copy(), node.expression.copy()])
    found = exp.Bracket(this=exp.paren(groups, copy=False), expressions=[group.copy()], offset=1)
    matched_nothing = exp.Case(
        ifs=[exp.If(this=exp.not_(text.copy().is_(exp.null())), true=exp.Literal.string(""))]
    )
    return exp.Coalesce(this=found, expressions=[matched_nothing])


class _PostgresGenerator(PostgresGenerator):
    TRANSFORMS: ClassVar[dict[type[exp.Expr], Callable[..., str]]] = {
        **PostgresGenerator.TRANSFORMS,
        exp.RegexpExtract: lambda self, node: self.sql(_regexp_match(node)),
        exp.Round: _round,
    }


class _SparkGenerator(SparkGenerator):
    TRANSFORMS: ClassVar[dict[type[exp.Expr], Callable[..., str]]] = {
        **SparkGenerator.TRANSFORMS,
        exp.Round: _round,
    }


_GENERATORS: dict[str, type[Generator]] = {
    "postgres": _PostgresGenerator,
    "spark": _SparkGenerator,
}
"""Dialects whose generator trialkit extends; the others render with sqlglot's own."""


def render(expression: exp.Expr, dialect: str, *, pretty: bool = False) -> str:
    """``expression`` as SQL text for ``dialect``, identifiers quoted (see the module docstring)."""
    generator = _GENERATORS.get(dialect)
    if generator is None:
        return expression.sql(dialect=dialect, pretty=pretty, identify=True)
    return generator(dialect=dialect, pretty=pretty, identify=True).generate(expression)
