"""Comparisons of a reported value with a limit, exactly as the bedside evaluator makes them.

The record keeps a value converted to the concept's canonical unit as
``round12(scale * value + offset)`` (:func:`trialkit.units.convert`: 12
significant digits, so that 100.4 °F is 38.0 °C). A database holds the value
*as reported*. Rather than repeat the rounding in SQL (engines round doubles
differently from Python, and PostgreSQL has no ``ROUND(double, n)``), the
compiler moves the comparison to the reported unit: the converted value is a
non-decreasing function of the reported one, so ``converted(v) >= limit``
holds exactly from the smallest double ``v`` for which it holds, found here by
bisection over the doubles. The SQL then compares the column with a constant, and agrees with
Python on every double, boundaries included.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Mapping
from functools import cache

from sqlglot import exp

from trialkit.eligibility.sql.build import COMPARATORS, case, number
from trialkit.units import Comparator, Quantity, Threshold, conversion
from trialkit.vocab import concept

__all__ = [
    "SIGNIFICANT",
    "affine",
    "compare_reported",
    "converted",
    "converter",
    "holds_in_unit",
    "round12",
    "round12_sql",
    "significant_sql",
    "smallest",
    "threshold_in_unit",
]

SIGNIFICANT = 12
"""Significant digits a converted value keeps (as :func:`trialkit.units.convert`)."""

Affine = tuple[float, float]


def round12(value: float) -> float:
    """``value`` rounded to 12 significant digits, as :func:`trialkit.units.convert` rounds."""
    if value == 0.0 or not math.isfinite(value):
        return value
    return round(value, SIGNIFICANT - 1 - math.floor(math.log10(abs(value))))


def converter(affine: Affine) -> Callable[[float], float]:
    """The record's conversion of a reported value: ``round12(scale * v + offset)``."""
    scale, offset = affine
    if scale == 1.0 and offset == 0.0:
        return lambda v: v
    return lambda v: round12(scale * v + offset)


def _ordinal(value: float) -> int:
    bits: int = struct.unpack("<q", struct.pack("<d", value))[0]
    return bits if bits >= 0 else -(bits & 0x7FFF_FFFF_FFFF_FFFF)


def _from_ordinal(ordinal: int) -> float:
    bits = ordinal if ordinal >= 0 else (-ordinal) | -0x8000_0000_0000_0000
    value: float = struct.unpack("<d", struct.pack("<q", bits))[0]
    return value


_LOW, _HIGH = _ordinal(-math.inf), _ordinal(math.inf)


def smallest(holds: Callable[[float], bool]) -> float | None:
    """The smallest double for which the non-decreasing predicate ``holds``; None if none does."""
    if not holds(math.inf):
        return None
    low, high = _LOW, _HIGH  # holds(high) is known true
    while low < high:
        middle = (low + high) // 2
        if holds(_from_ordinal(middle)):
            high = middle
        else:
            low = middle + 1
    return _from_ordinal(low)


@cache
def _threshold(affine: Affine, limit: float, strict: bool) -> float | None:
    convert = converter(affine)
    if strict:
        return smallest(lambda v: convert(v) > limit)
    return smallest(lambda v: convert(v) >= limit)


def _converted_compare(value: exp.Expr, op: Comparator, limit: float, affine: Affine) -> exp.Expr:
    if affine == (1.0, 0.0):
        return COMPARATORS[op](this=value.copy(), expression=number(limit))
    if affine[0] <= 0:
        raise ValueError(f"a unit conversion must have a positive scale, got {affine}")
    # converted(v) >= L  <=>  v >= t_ge;   converted(v) > L  <=>  v >= t_gt
    threshold = _threshold(affine, limit, op in (">", "<="))
    upward = op in (">=", ">")
    if threshold is None or threshold == -math.inf:
        always = threshold is not None  # the predicate holds for every value, or for none
        return case(
            [(value.copy().is_(exp.null()), exp.null())], exp.Boolean(this=always == upward)
        )
    if upward:
        return exp.GTE(this=value.copy(), expression=number(threshold))
    return exp.LT(this=value.copy(), expression=number(threshold))


def compare_reported(
    key: str,
    value: exp.Expr,
    unit: exp.Expr,
    op: Comparator,
    canonical_limit: float,
    exact: Mapping[str, float],
) -> exp.Expr:
    """``value`` (in ``unit``, as reported) compared with a limit, as the evaluator compares it.

    ``exact`` gives the limit in the units where the evaluator compares the
    reported number itself (the threshold's own unit); in any other allowed
    unit the converted value is compared with ``canonical_limit``. A unit the
    concept does not allow gives NULL (unknown).
    """
    item = concept(key)
    assert item.unit is not None
    whens: list[tuple[exp.Expr, exp.Expr]] = []
    for reported, limit in exact.items():
        same: exp.Expr = COMPARATORS[op](this=value.copy(), expression=number(limit))
        whens.append((unit.copy().eq(exp.Literal.string(reported)), same))
    for allowed in item.units:
        if allowed in exact:
            continue
        test = _converted_compare(value, op, canonical_limit, affine(key, allowed))
        whens.append((unit.copy().eq(exp.Literal.string(allowed)), test))
    return case(whens)


@cache
def affine(key: str, unit: str) -> Affine:
    """The record's conversion of ``unit`` to the concept's canonical unit, as (scale, offset)."""
    item = concept(key)
    assert item.unit is not None
    if unit == item.unit:
        return (1.0, 0.0)
    return conversion(unit, item.unit, item.molar_mass)


def _reported_threshold(
    key: str, unit: str, holds: Callable[[Quantity], bool], increasing: bool
) -> float | None:
    """The smallest reported value from which ``holds`` (or, decreasing, its negation) is true."""
    if increasing:
        return smallest(lambda v: holds(Quantity(v, unit, key)))
    return smallest(lambda v: not holds(Quantity(v, unit, key)))


def holds_in_unit(
    key: str,
    value: exp.Expr,
    unit: exp.Expr,
    holds: Callable[[Quantity], bool],
    *,
    increasing: bool,
) -> exp.Expr:
    """``holds(Quantity(value, unit))`` as SQL, for a predicate monotone in the value.

    ``holds`` is the score's own Python comparison (``Limit.holds``, a band of
    points...), true from a threshold upwards (``increasing``) or up to one.
    Its threshold in each allowed unit is found once by bisection over the
    doubles, so the SQL agrees with it on every value; a unit the concept does
    not allow gives NULL.
    """
    return _in_unit(
        key,
        value,
        unit,
        lambda allowed: _reported_threshold(key, allowed, holds, increasing),
        increasing,
    )


@cache
def _threshold_constant(key: str, unit: str, threshold: Threshold) -> float | None:
    return _reported_threshold(key, unit, threshold.holds, threshold.upward)


def threshold_in_unit(key: str, value: exp.Expr, unit: exp.Expr, threshold: Threshold) -> exp.Expr:
    """``threshold.holds(Quantity(value, unit))`` as SQL; its per-unit constants found once."""
    return _in_unit(
        key,
        value,
        unit,
        lambda allowed: _threshold_constant(key, allowed, threshold),
        threshold.upward,
    )


def _in_unit(
    key: str,
    value: exp.Expr,
    unit: exp.Expr,
    constant: Callable[[str], float | None],
    increasing: bool,
) -> exp.Expr:
    whens: list[tuple[exp.Expr, exp.Expr]] = []
    for allowed in concept(key).units:
        threshold = constant(allowed)
        if threshold is None:  # never true (increasing) / always true (decreasing)
            test: exp.Expr = exp.Boolean(this=not increasing)
        elif threshold == -math.inf:  # always true (increasing) / never true (decreasing)
            test = exp.Boolean(this=increasing)
        elif increasing:
            test = exp.GTE(this=value.copy(), expression=number(threshold))
        else:
            test = exp.LT(this=value.copy(), expression=number(threshold))
        if isinstance(test, exp.Boolean):
            test = case([(value.copy().is_(exp.null()), exp.null())], test)
        whens.append((unit.copy().eq(exp.Literal.string(allowed)), test))
    return case(whens)


def converted(key: str, value: exp.Expr, unit: exp.Expr, target: str) -> exp.Expr:
    """``Quantity(value, unit, key).to(target)`` as SQL: the record's affine map, 12 digits.

    The rounding to 12 significant digits is SQL's ``ROUND``; an engine may
    round a tie in the last digit differently from Python (only a value exactly
    on a threshold could then be read on the other side).
    """
    item = concept(key)
    whens: list[tuple[exp.Expr, exp.Expr]] = []
    for allowed in item.units:
        scale, offset = (
            (1.0, 0.0) if allowed == target else conversion(allowed, target, item.molar_mass)
        )
        if (scale, offset) == (1.0, 0.0):
            result: exp.Expr = value.copy()
        else:
            product: exp.Expr = exp.Mul(this=number(scale), expression=value.copy())
            if offset:
                product = exp.Add(this=product, expression=number(offset))
            result = round12_sql(product)
        whens.append((unit.copy().eq(exp.Literal.string(allowed)), result))
    return case(whens)


def round12_sql(value: exp.Expr) -> exp.Expr:
    """``value`` to 12 significant digits, as the record converts (:func:`significant_sql`)."""
    return significant_sql(value, SIGNIFICANT)


def significant_sql(value: exp.Expr, digits: int) -> exp.Expr:
    """``ROUND(x, digits - 1 - FLOOR(LOG10(ABS(x))))``: ``digits`` significant digits, 0 kept.

    DuckDB's ``ROUND`` (which :func:`trialkit.eligibility.sql.dialects.render` writes out for
    PostgreSQL) is Python's ``round`` but for a tie within a unit in the last place of
    ``x * 10^p`` (on 12 digits about 2 in 100,000 random doubles) and exact binary ties
    like 0.125, rounded half away from zero.
    """
    magnitude = exp.Anonymous(this="LOG10", expressions=[exp.Abs(this=value.copy())])
    places = exp.Sub(this=exp.Literal.number(digits - 1), expression=exp.Floor(this=magnitude))
    rounded = exp.Round(
        this=value.copy(), decimals=exp.Cast(this=places, to=exp.DataType.build("INT"))
    )
    return case([(value.copy().eq(0), value.copy())], rounded)
