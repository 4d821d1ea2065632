"""Clinical quantities on pint with UCUM parsing: parse, convert, refuse.

A unit must be valid UCUM and on the concept's allow-list; substance-specific
conversions use the molar mass cited in the vocabulary; a value outside the
concept's plausible range is refused. The cited paediatric reference intervals
(upper limit of normal by age and sex) are here too
(:mod:`trialkit.units.reference_intervals`): each limit is checked and
converted in units.
"""

from __future__ import annotations

from trialkit.units.quantity import Quantity, check_unit, comparable, convert, to_canonical
from trialkit.units.reference_intervals import (
    Limit,
    ReferenceInterval,
    reference_intervals,
    upper_limit,
    upper_limits,
)
from trialkit.units.registry import commensurable, conversion, dimension, parse_unit
from trialkit.units.threshold import Comparator, Threshold

__all__ = [
    "Comparator",
    "Limit",
    "Quantity",
    "ReferenceInterval",
    "Threshold",
    "check_unit",
    "commensurable",
    "comparable",
    "conversion",
    "convert",
    "dimension",
    "parse_unit",
    "reference_intervals",
    "to_canonical",
    "upper_limit",
    "upper_limits",
]
