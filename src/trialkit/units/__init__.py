"""Clinical quantities on pint with UCUM parsing: parse, convert, refuse.

A unit must be valid UCUM and on the concept's allow-list; substance-specific
conversions use the molar mass cited in the vocabulary; a value outside the
concept's plausible range is refused.
"""

from __future__ import annotations

from trialkit.units.quantity import Quantity, check_unit, comparable, convert, to_canonical
from trialkit.units.registry import commensurable, conversion, dimension, parse_unit
from trialkit.units.threshold import Comparator, Threshold

__all__ = [
    "Comparator",
    "Quantity",
    "Threshold",
    "check_unit",
    "commensurable",
    "comparable",
    "conversion",
    "convert",
    "dimension",
    "parse_unit",
    "to_canonical",
]
