"""A measured result as a database reported it: usable, or kept with its value unknown.

FHIR input refuses a value outside its concept's plausible range (the whole
bundle is refused, naming the resource). A database of a whole population is
not refused for one bad row: an OMOP ``value_as_number`` that is NaN,
infinite, outside the concept's plausible range (vocabulary ``plausible``,
the range FHIR input checks), absent, or in a unit the concept does not
allow is kept as the concept's result at its time, with its value unknown
and the reason (:class:`~trialkit.record.model.Unusable`). So a criterion
that reads the latest result is unknown, saying why; it is never decided by
an older value, nor by the bad one (NaN read as "not < 100", -5 platelets as
"< 50"). The SQL compiler reads the same rows the same way
(:func:`trialkit.eligibility.sql.plausible.plausible_value`).
"""

from __future__ import annotations

import math
from datetime import datetime

from trialkit.errors import PlausibilityError
from trialkit.record.model import Observation, Unusable
from trialkit.units import Quantity, convert, to_canonical
from trialkit.vocab import concept

__all__ = ["reported_measurement"]


def reported_measurement(
    key: str,
    resource: str,
    time: datetime,
    value: float | None,
    unit: str | None,
    range_low: float | None = None,
    range_high: float | None = None,
) -> Observation:
    """The result ``value`` ``unit`` of concept ``key``, usable or not (see the module docstring).

    ``range_low``/``range_high`` are the laboratory's limits in ``unit``; a
    usable result keeps them in the canonical unit.
    """
    item = concept(key)
    reason = _unusable(key, value, unit, resource)
    if reason is not None:
        return Observation(key, resource, time, None, None, unusable=Unusable(value, unit, reason))
    assert value is not None and unit is not None and item.unit is not None
    canonical = to_canonical(item, value, unit, resource)
    low, high = (
        None if limit is None else convert(float(limit), unit, item.unit, key)
        for limit in (range_low, range_high)
    )
    return Observation(
        key, resource, time, None, canonical, Quantity(value, unit, key), (), low, high
    )


def _unusable(key: str, value: float | None, unit: str | None, resource: str) -> str | None:
    """Why the value cannot be used, or None when it can."""
    item = concept(key)
    if value is None:
        return "no value"
    if unit is None or unit not in item.units:
        return f"unit {unit!r} cannot express {item.display} (allowed: {', '.join(item.units)})"
    if not math.isfinite(value):
        return f"{item.display} of {value:g} {unit} is implausible (not a finite number)"
    try:
        to_canonical(item, value, unit, resource)
    except PlausibilityError as error:
        return str(error).removeprefix(f"{resource}: ")
    return None
