"""Which reported values a leaf may use, in SQL exactly as the record reads them.

:func:`trialkit.record.reported.reported_measurement` keeps an OMOP result
whose value cannot be used (absent, not finite, outside the concept's
plausible range, in a unit the concept does not allow) as a result with an
unknown value. Here is the same rule over ``measurement`` rows: for each unit
the concept allows, the plausible range (canonical unit, vocabulary
``plausible``) becomes the closed interval of reported doubles that
:func:`trialkit.units.to_canonical` accepts, found by bisection over the
doubles (:func:`~trialkit.eligibility.sql.exact.smallest`), so that SQL and
Python agree on every value, boundaries included.

No arithmetic touches a value before it is known plausible: 1e308 in a unit
scaled by 1,000 would overflow, which PostgreSQL raises as an error where
DuckDB gives infinity. NaN fails ``value <= high`` on all three engines (NaN
sorts above every number in DuckDB, PostgreSQL and Spark), and so do the
infinities one of the two bounds.
"""

from __future__ import annotations

import math
import sys
from functools import cache

from sqlglot import exp

from trialkit.eligibility.sql.build import and_, case, number
from trialkit.eligibility.sql.exact import affine, converter, smallest
from trialkit.vocab import concept

__all__ = [
    "IMPLAUSIBLE",
    "NO_VALUE",
    "UNIT",
    "plausible",
    "plausible_range",
    "plausible_value",
    "unusable",
]

NO_VALUE = "no value"
UNIT = "unit not allowed"
IMPLAUSIBLE = "implausible"
"""The reasons :func:`unusable` gives (the evaluator's reason says the same at more length)."""

_LARGEST = sys.float_info.max


@cache
def plausible_range(key: str, unit: str) -> tuple[float, float] | None:
    """The reported values in ``unit`` whose canonical value is plausible: [low, high], or None.

    The canonical value is :func:`~trialkit.eligibility.sql.exact.converter`'s,
    which is :func:`trialkit.units.to_canonical`'s arithmetic; it does not
    decrease as the reported value grows, so the plausible values are an
    interval. A concept without a plausible range accepts every finite value.
    """
    bounds = concept(key).plausible
    if bounds is None:
        return (-_LARGEST, _LARGEST)
    convert = converter(affine(key, unit))
    low = smallest(lambda v: convert(v) >= bounds.low)
    above = smallest(lambda v: convert(v) > bounds.high)
    if low is None or (above is not None and above <= low):
        return None
    high = _LARGEST if above is None or above == math.inf else math.nextafter(above, -math.inf)
    return (max(low, -_LARGEST), min(high, _LARGEST))


def plausible(key: str, value: exp.Expr, unit: exp.Expr) -> exp.Expr:
    """TRUE when ``value`` in ``unit`` is a usable result of ``key``, else FALSE (never NULL)."""
    whens: list[tuple[exp.Expr, exp.Expr]] = []
    for allowed in concept(key).units:
        found = plausible_range(key, allowed)
        if found is None:
            continue
        low, high = found
        inside = and_(
            exp.GTE(this=value.copy(), expression=number(low)),
            exp.LTE(this=value.copy(), expression=number(high)),
        )
        whens.append((unit.copy().eq(exp.Literal.string(allowed)), inside))
    return exp.func("COALESCE", case(whens), exp.false())


def plausible_value(key: str, value: exp.Expr, unit: exp.Expr) -> exp.Expr:
    """``value`` when it is a usable result of ``key`` in ``unit``, else NULL."""
    return case([(plausible(key, value, unit), value.copy())])


def unusable(key: str, value: exp.Expr, unit: exp.Expr) -> exp.Expr:
    """Why ``value`` cannot be used (:data:`NO_VALUE`, :data:`UNIT`, :data:`IMPLAUSIBLE`), else NULL."""
    allowed = [exp.Literal.string(u) for u in concept(key).units]
    return case(
        [
            (value.copy().is_(exp.null()), exp.Literal.string(NO_VALUE)),
            (
                exp.func(
                    "COALESCE", exp.In(this=unit.copy(), expressions=allowed), exp.false()
                ).not_(),
                exp.Literal.string(UNIT),
            ),
            (plausible(key, value, unit).not_(), exp.Literal.string(IMPLAUSIBLE)),
        ]
    )
