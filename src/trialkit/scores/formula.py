"""Formulas written once, over numbers: floats at the bedside, SQL expressions for a population.

A score's equation (Cockcroft–Gault, bedside Schwartz, Fridericia) is a
function of :data:`N`, any type with the arithmetic of a float. The score
function calls it with floats; the SQL compiler calls the same function with
:class:`trialkit.eligibility.sql.arithmetic.SqlNumber`, whose operators build
the SQL expression, so the equation and the order of its operations (which
decide the last bit of a double) are stated in one place.
"""

from __future__ import annotations

from typing import Protocol, Self, TypeVar

__all__ = ["Arithmetic", "N"]


class Arithmetic(Protocol):
    """The operations a formula may use: + − × ÷ and a power, with floats on either side."""

    def __add__(self, other: Self | float, /) -> Self: ...
    def __radd__(self, other: float, /) -> Self: ...
    def __sub__(self, other: Self | float, /) -> Self: ...
    def __rsub__(self, other: float, /) -> Self: ...
    def __mul__(self, other: Self | float, /) -> Self: ...
    def __rmul__(self, other: float, /) -> Self: ...
    def __truediv__(self, other: Self | float, /) -> Self: ...
    def __rtruediv__(self, other: float, /) -> Self: ...
    def __pow__(self, other: float, /) -> Self: ...


N = TypeVar("N", bound=Arithmetic)
"""A number in a formula: ``float``, or an SQL expression with float arithmetic."""
