"""Clinical quantities: a value, the unit it was reported in, and the concept it measures.

The reported value and unit are kept as they were given; conversion to any
other unit goes through the concept (its allow-list and molar mass), so that
ferritin in mmol/L or platelets in g/L is an error rather than a guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from trialkit._frozen import slot_init
from trialkit.errors import PlausibilityError, UnitError
from trialkit.units.registry import commensurable, conversion
from trialkit.vocab import Concept, ValueType, concept

__all__ = ["Quantity", "check_unit", "comparable", "convert", "to_canonical"]


@cache
def _allowed(key: str) -> frozenset[str]:
    return frozenset(concept(key).units)


def check_unit(item: Concept, unit: str, where: str = "") -> None:
    """Refuse ``unit`` for ``item`` unless it is on the concept's allow-list.

    ``where`` names the place of the value (resource and field) for the message.
    """
    if item.value_type is not ValueType.QUANTITY:
        raise UnitError(f"{where or item.key}: {item.display} takes no unit, got {unit!r}")
    if unit not in _allowed(item.key):
        allowed = ", ".join(item.units)
        raise UnitError(
            f"{where or item.key}: unit {unit!r} cannot express {item.display} "
            f"({item.key}); allowed: {allowed}"
        )


def convert(value: float, unit: str, target: str, key: str) -> float:
    """Convert ``value`` of concept ``key`` from ``unit`` to ``target`` (both allowed)."""
    if unit == target:
        return value
    return _apply(conversion(unit, target, concept(key).molar_mass), value)


def _apply(affine: tuple[float, float], value: float) -> float:
    # Rounded to 12 significant digits so that exact clinical boundaries survive
    # the float arithmetic (100.4 °F is 38.0 °C, not 37.99999999999999) while a
    # small value keeps its precision (0.0054 mg/dL of triglycerides is 6.1e-5
    # mmol/L: rounding to 1e-10 would lose a millionth of it).
    scale, offset = affine
    if scale == 1.0 and offset == 0.0:
        return value
    result = scale * value + offset
    if result == 0.0 or not math.isfinite(result):
        return result
    return round(result, _SIGNIFICANT - 1 - math.floor(math.log10(abs(result))))


_SIGNIFICANT = 12


def to_canonical(item: Concept, value: float, unit: str, where: str = "") -> float:
    """The value in the concept's canonical unit, refusing bad units and implausible values."""
    affine = _canonical_affine(item.key, unit)
    if affine is None:
        check_unit(item, unit, where)
        raise AssertionError("unreachable: check_unit refuses every unit without a conversion")
    canonical = _apply(affine, value)
    bounds = item.plausible
    if bounds is not None and not bounds.low <= canonical <= bounds.high:
        shown = f"{value:g} {unit}" + ("" if unit == item.unit else f" = {canonical:g} {item.unit}")
        raise PlausibilityError(
            f"{where or item.key}: {item.display} of {shown} is implausible "
            f"(expected {bounds.low:g}–{bounds.high:g} {item.unit})"
        )
    return canonical


@cache
def _canonical_affine(key: str, unit: str) -> tuple[float, float] | None:
    # Loading a bundle converts the same (concept, unit) pairs thousands of times.
    item = concept(key)
    if item.value_type is not ValueType.QUANTITY or unit not in item.units or item.unit is None:
        return None
    if unit == item.unit:
        return (1.0, 0.0)
    return conversion(unit, item.unit, item.molar_mass)


@slot_init
@dataclass(frozen=True, slots=True)
class Quantity:
    """A measured value of a concept, in the unit it was reported in."""

    value: float
    unit: str
    concept: str

    def to(self, unit: str) -> float:
        """The value in another unit allowed for the concept (pure or molar conversion)."""
        return convert(self.value, self.unit, unit, self.concept)

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}"


def comparable(quantity: Quantity, limits: Mapping[str, float]) -> tuple[float, float, str]:
    """Value and limit to compare, in a unit where the source states the limit.

    ``limits`` gives one threshold in one or more units, as the source prints it
    (HLH-2004: triglycerides ≥ 3.0 mmol/L, i.e. ≥ 265 mg/dL). The threshold is
    compared in the unit the laboratory reported whenever the source gives it in
    a unit of that dimension (decision §9.3 of docs/clinical-decisions.md: 265 mg/dL and
    3.0 mmol/L are not the same boundary, 265 / 88.57 = 2.992); only when no
    such unit exists is the value converted with the concept's molar mass to the
    first unit listed. Returns ``(value, limit, unit)``.
    """
    if quantity.unit in limits:
        return quantity.value, limits[quantity.unit], quantity.unit
    for unit, limit in limits.items():
        if commensurable(unit, quantity.unit):
            return quantity.to(unit), limit, unit
    unit, limit = next(iter(limits.items()))
    try:
        return quantity.to(unit), limit, unit
    except UnitError:
        raise UnitError(
            f"{quantity.concept}: {quantity} cannot be compared with a limit in {unit}"
        ) from None
