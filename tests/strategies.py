"""Hypothesis strategies shared by the test suite (STYLE §7): quantities in any allowed unit."""

from __future__ import annotations

from hypothesis import strategies as st

from trialkit.units import Quantity, conversion
from trialkit.vocab import ValueType, concept, vocabulary

__all__ = ["QUANTITY_CONCEPTS", "quantity_of"]

QUANTITY_CONCEPTS = tuple(
    sorted(k for k, c in vocabulary().items() if c.value_type is ValueType.QUANTITY)
)


@st.composite
def quantity_of(
    draw: st.DrawFn, key: str, low: float | None = None, high: float | None = None
) -> Quantity:
    """A plausible quantity of concept ``key`` (canonical value in [low, high]) in any allowed unit."""
    item = concept(key)
    assert item.plausible is not None
    assert item.unit is not None
    lo = item.plausible.low if low is None else max(low, item.plausible.low)
    hi = item.plausible.high if high is None else min(high, item.plausible.high)
    canonical = draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False))
    unit = draw(st.sampled_from(item.units))
    scale, offset = conversion(item.unit, unit, item.molar_mass)
    return Quantity(canonical * scale + offset, unit, key)
