"""A threshold as a clinical source prints it: comparator and limit in each unit printed, and where.

Every score and band table of trialkit states its limits with this one type:
HLH-2004's "fasting triglycerides ≥ 3.0 mmol/L (i.e., ≥ 265 mg/dL)" is
``Threshold.parse(">= 3.0 mmol/L; >= 265 mg/dL", source=...)``. A limit the
source prints in two units is two boundaries, not one: 265 mg/dL is 2.992
mmol/L. A value is compared in the unit the laboratory reported whenever the
source prints the limit in a unit of that dimension, else converted to the
first unit printed (decision §9.3 of docs/clinical-decisions.md,
:func:`trialkit.units.comparable`). Each unit keeps the comparator the source
prints beside it: Vincent 1996 prints SOFA's 4-point bilirubin as "> 12.0
mg/dL (> 204 µmol/L)" while its 3-point band ends at 11.9 mg/dL and at 204
µmol/L, so the edge is ``>= 12.0 mg/dL; > 204 umol/L``.

A converted value carries float noise (92 g/L is 9.200000000000001 g/dL); it
is compared to 10 significant digits, which no laboratory reports, so a
printed boundary stays exact (:func:`tidy_near`).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, cast

from trialkit.units.quantity import Quantity, comparable

__all__ = ["COMPARE", "NEGATION", "SYMBOL", "Bound", "Comparator", "Threshold", "tidy_near"]

Comparator = Literal["<", "<=", ">", ">="]
"""The four comparators, spelt as in the protocol files and the scores' tables."""

COMPARE: Mapping[Comparator, Callable[[float, float], bool]] = MappingProxyType(
    {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
)
"""Each comparator as a function of (value, limit)."""

SYMBOL: Mapping[Comparator, str] = MappingProxyType({"<": "<", "<=": "≤", ">": ">", ">=": "≥"})
"""Each comparator as printed for a reader."""

NEGATION: Mapping[Comparator, Comparator] = MappingProxyType(
    {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}
)
"""The comparator that holds exactly where the other does not."""

_BOUND = re.compile(r"^\s*(<=|>=|<|>)\s*([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s+(\S+)\s*$")


def tidy_near(value: float, limit: float, digits: int = 10) -> float:
    """``value`` rounded to ``digits`` significant digits when that can change a comparison with ``limit``.

    Conversions leave float noise (92 g/L → 9.200000000000001 g/dL). No
    laboratory reports 10 significant digits, so rounding there keeps the
    printed boundaries exact. Rounding moves a value by at most half a unit of
    its 10th digit (under 1e-9 of the value), so it can only change a comparison
    with a limit within 1e-9 of the value (``math.isclose``); elsewhere the value
    is compared as it is, without the cost of formatting it.
    """
    if math.isclose(value, limit, rel_tol=1e-9):
        return float(f"{value:.{digits}g}")
    return value


@dataclass(frozen=True, slots=True)
class Bound:
    """One printed boundary: ``value <comparator> limit`` in ``unit`` (UCUM)."""

    comparator: Comparator
    limit: float
    unit: str

    def __str__(self) -> str:
        if self.unit == "1":
            return f"{SYMBOL[self.comparator]} {self.limit:g}"
        return f"{SYMBOL[self.comparator]} {self.limit:g} {self.unit}"


@dataclass(frozen=True, slots=True)
class Threshold:
    """A limit in each unit its source prints it (the first is the unit converted to), and the source.

    ``holds`` compares a quantity as decision §9.3 requires; the SQL compiler
    turns the same ``holds`` into exact per-unit constants
    (:func:`trialkit.eligibility.sql.exact.holds_in_unit`), so both back-ends
    read one definition.
    """

    bounds: tuple[Bound, ...]
    source: str = ""
    digits: int = 10
    """Significant digits a value is compared to near the limit: 10 (no laboratory reports
    more); 12 for CTCAE's limits, compared as admiral compares (:mod:`trialkit.scores.ctcae`)."""

    def __post_init__(self) -> None:
        if not 10 <= self.digits <= 15:
            raise ValueError(f"a threshold compares 10 to 15 significant digits, not {self.digits}")
        if not self.bounds:
            raise ValueError("a threshold needs at least one bound")
        units = [b.unit for b in self.bounds]
        if len(set(units)) != len(units):
            raise ValueError(f"a threshold prints each unit once, got {units}")
        upward = {b.comparator in (">", ">=") for b in self.bounds}
        if len(upward) != 1:
            raise ValueError(f"the bounds of one threshold point one way, got {self.text()}")

    @classmethod
    def of(
        cls,
        comparator: Comparator,
        limits: Mapping[str, float],
        source: str = "",
        digits: int = 10,
    ) -> Threshold:
        """The same comparator in every unit: ``Threshold.of(">=", {"mmol/L": 3.0, "mg/dL": 265})``."""
        return cls(tuple(Bound(comparator, v, u) for u, v in limits.items()), source, digits)

    @classmethod
    def parse(cls, text: str, source: str = "") -> Threshold:
        """``">= 12.0 mg/dL; > 204 umol/L"``: bounds separated by ``;``, each ``op number unit``.

        A dimensionless limit (Glasgow coma score) is written with the unit ``1``.
        """
        bounds = []
        for part in text.split(";"):
            match = _BOUND.match(part)
            if match is None:
                raise ValueError(
                    f"threshold {text!r}: {part.strip()!r} is not 'comparator number unit' "
                    "(e.g. '>= 3.0 mmol/L')"
                )
            op, number, unit = match.groups()
            bounds.append(Bound(cast(Comparator, op), float(number), unit))
        return cls(tuple(bounds), source)

    @property
    def comparator(self) -> Comparator:
        """The comparator of the first unit printed."""
        return self.bounds[0].comparator

    @property
    def upward(self) -> bool:
        """True when the threshold holds from its limit upwards (``>`` or ``>=``)."""
        return self.comparator in (">", ">=")

    @property
    def limits(self) -> Mapping[str, float]:
        """The limit in each unit printed, the first unit first."""
        return {b.unit: b.limit for b in self.bounds}

    def bound(self, unit: str) -> Bound:
        """The bound printed in ``unit`` (KeyError when the source does not print it)."""
        for b in self.bounds:
            if b.unit == unit:
                return b
        raise KeyError(unit)

    def compared(self, quantity: Quantity) -> tuple[float, Bound]:
        """The value compared (in the bound's unit) and the bound it is compared with (§9.3)."""
        value, limit, unit = comparable(quantity, self.limits)
        return tidy_near(value, limit, self.digits), self.bound(unit)

    def holds(self, quantity: Quantity) -> bool:
        """Whether ``quantity`` satisfies the threshold, compared as decision §9.3 requires."""
        value, bound = self.compared(quantity)
        return COMPARE[bound.comparator](value, bound.limit)

    def negated(self) -> Threshold:
        """The threshold that holds exactly where this one does not (same limits and source)."""
        bounds = tuple(Bound(NEGATION[b.comparator], b.limit, b.unit) for b in self.bounds)
        return Threshold(bounds, self.source, self.digits)

    def text(self) -> str:
        """Every bound, as printed: ``≥ 3 mmol/L; ≥ 265 mg/dL``."""
        return "; ".join(str(b) for b in self.bounds)

    def __str__(self) -> str:
        return str(self.bounds[0])
