"""SQL expressions with Python's arithmetic, to run a score's formula over a population.

:mod:`trialkit.scores.formula` states each equation once as a function of
numbers; called with :class:`SqlNumber` it builds the SQL. Every constant
becomes a DOUBLE literal (:func:`~trialkit.eligibility.sql.build.number`: a
bare ``0.413`` is NUMERIC in PostgreSQL, and decimal arithmetic would not give
Python's doubles) and every operation keeps the formula's order, so the engines
compute the doubles Python computes.
"""

from __future__ import annotations

from sqlglot import exp

from trialkit.eligibility.sql.build import number

__all__ = ["SqlNumber"]


def _sql(value: SqlNumber | float) -> exp.Expr:
    if isinstance(value, SqlNumber):
        return exp.paren(value.sql.copy(), copy=False)
    return number(value)


class SqlNumber:
    """A numeric SQL expression; ``+ - * / **`` with another one or a float build the SQL."""

    __slots__ = ("sql",)

    def __init__(self, sql: exp.Expr) -> None:
        self.sql = sql

    def _binary(
        self, kind: type[exp.Binary], left: SqlNumber | float, right: SqlNumber | float
    ) -> SqlNumber:
        return SqlNumber(kind(this=_sql(left), expression=_sql(right)))

    def __add__(self, other: SqlNumber | float, /) -> SqlNumber:
        return self._binary(exp.Add, self, other)

    def __radd__(self, other: float, /) -> SqlNumber:
        return self._binary(exp.Add, other, self)

    def __sub__(self, other: SqlNumber | float, /) -> SqlNumber:
        return self._binary(exp.Sub, self, other)

    def __rsub__(self, other: float, /) -> SqlNumber:
        return self._binary(exp.Sub, other, self)

    def __mul__(self, other: SqlNumber | float, /) -> SqlNumber:
        return self._binary(exp.Mul, self, other)

    def __rmul__(self, other: float, /) -> SqlNumber:
        return self._binary(exp.Mul, other, self)

    def __truediv__(self, other: SqlNumber | float, /) -> SqlNumber:
        return self._binary(exp.Div, self, other)

    def __rtruediv__(self, other: float, /) -> SqlNumber:
        return self._binary(exp.Div, other, self)

    def __pow__(self, other: float, /) -> SqlNumber:
        return SqlNumber(exp.Pow(this=_sql(self), expression=_sql(other)))
