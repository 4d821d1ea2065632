"""How CTCAE v5.0 values are compared with their limits.

Values and limits are equal within 12 significant digits (admiral compares
after ``signif()``), and a fixed limit CTCAE prints in the unit the laboratory
reported is compared in that unit (docs/clinical-decisions.md §9.3).
"""

from __future__ import annotations

import math

from trialkit.scores.ctcae.terms import Direction
from trialkit.units import Quantity, Threshold
from trialkit.units.threshold import COMPARE, NEGATION, SYMBOL

_SIGNIFICANT = 12  # digits shown, and the relative tolerance of equality below
_SIG_FORMAT = f".{_SIGNIFICANT}g"
_REL_TOL = 10.0**-_SIGNIFICANT  # admiral compares after signif(); equal within 1e-12 is equal

_LOW = Direction.LOW  # a module global is faster to read than an enum member


# Two numbers within a relative 1e-12 of each other are the same (math.isclose with
# _REL_TOL): a relative tolerance instead of rounding to 12 digits gives the same boundaries
# at a fraction of the cost, and _below and _beyond run in the inner loop of every range search.


def _below(a: float, b: float) -> bool:
    return a < b and not math.isclose(a, b, rel_tol=_REL_TOL)


def _beyond(value: float, limit: float, direction: Direction, inclusive: bool) -> bool:
    if math.isclose(value, limit, rel_tol=_REL_TOL):
        return inclusive
    return value < limit if direction is _LOW else value > limit


def _op(direction: Direction, inclusive: bool, holds: bool = True) -> str:
    low = direction is Direction.LOW
    if holds:
        return ("≤" if inclusive else "<") if low else ("≥" if inclusive else ">")
    return (">" if inclusive else "≥") if low else ("<" if inclusive else "≤")


def _num(x: float) -> str:
    """``x`` as compared (12 significant digits), shown with 6."""
    return f"{float(format(x, _SIG_FORMAT)):.6g}"


def _compared_with(quantity: Quantity, threshold: Threshold) -> tuple[bool, str]:
    """Whether ``quantity`` meets a printed limit, and the comparison as shown: ``0.8 10*9/L < 1 10*9/L``.

    In the reported unit when CTCAE prints the limit in it (docs/clinical-decisions.md §9.3).
    """
    value, bound = threshold.compared(quantity)
    holds = COMPARE[bound.comparator](value, bound.limit)
    op = SYMBOL[bound.comparator] if holds else SYMBOL[NEGATION[bound.comparator]]
    return holds, f"{_num(value)} {bound.unit} {op} {_num(bound.limit)} {bound.unit}"
