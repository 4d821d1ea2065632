"""How a laboratory reports a value: its unit, its rounding and its reference range.

A value drawn in the concept's canonical unit is clipped to the vocabulary's
plausible range, then reported in a unit the person's laboratory uses
(:data:`~trialkit.synth.labs_catalogue.SITES`; 5 % of results come from
another site's laboratory, as for a referral), converted with
:func:`trialkit.units.conversion` and rounded to the decimals that laboratory
prints. Reference limits are converted and rounded the same way; a site that
sends no ranges leaves them NULL.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from trialkit.omop.concepts import unit_concept_id
from trialkit.synth.arrays import F64, I64, Rows, code
from trialkit.synth.labs_catalogue import DECIMALS, SITES
from trialkit.units import conversion
from trialkit.vocab import vocabulary

__all__ = ["OUTSIDE_LAB", "Variants", "report", "variants"]

#: Share of results reported by another site's laboratory than the person's own.
OUTSIDE_LAB = 0.05


@dataclass(frozen=True, slots=True)
class Variants:
    """Every (concept, unit) a synthetic laboratory reports, column-wise, and the choice per site."""

    concept: tuple[str, ...]
    unit: NDArray[np.object_]
    unit_concept: I64
    scale: F64
    offset: F64
    step: F64
    decimals: NDArray[np.int64]
    #: concept -> (first variant index, cumulative weights per site [site, variant]).
    choice: dict[str, tuple[int, F64]]


@cache
def variants() -> Variants:
    """The variants table, built from the catalogue and checked against the vocabulary."""
    concepts: list[str] = []
    units: list[str] = []
    scales: list[float] = []
    offsets: list[float] = []
    decimals: list[int] = []
    choice: dict[str, tuple[int, F64]] = {}
    for key, by_unit in DECIMALS.items():
        item = vocabulary()[key]
        if item.unit is None:
            raise AssertionError(f"{key}: a reported concept needs a canonical unit")
        first = len(units)
        names = list(by_unit)
        for unit, digits in by_unit.items():
            if unit not in item.units:
                raise AssertionError(f"{key}: {unit!r} is not an allowed unit")
            scale, offset = conversion(item.unit, unit, item.molar_mass)
            concepts.append(key)
            units.append(unit)
            scales.append(scale)
            offsets.append(offset)
            decimals.append(digits)
        weights = np.zeros((len(SITES), len(names)))
        for n, site in enumerate(SITES):
            for unit, weight in site.units.get(key, ((item.unit, 1.0),)):
                weights[n, names.index(unit)] = weight
        cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
        choice[key] = (first, cumulative)
    places = np.array(decimals, dtype=np.int64)
    return Variants(
        concept=tuple(concepts),
        unit=np.array(units, dtype=object),
        unit_concept=np.array([unit_concept_id(u) for u in units], dtype=np.int64),
        scale=np.array(scales),
        offset=np.array(offsets),
        step=10.0 ** (-places.astype(np.float64)),
        decimals=places,
        choice=choice,
    )


def _round(values: F64, decimals: NDArray[np.int64]) -> F64:
    factor = 10.0 ** decimals.astype(np.float64)
    return np.asarray(np.round(values * factor) / factor, dtype=np.float64)


def report(
    rng: np.random.Generator,
    key: str,
    person: I64,
    time: I64,
    value: F64,
    site: NDArray[np.int8],
    low: F64 | None = None,
    high: F64 | None = None,
) -> Rows:
    """MEASUREMENT rows of ``key`` for canonical ``value`` (with optional reference limits).

    ``site`` is the laboratory site of each person (indexed by ``person``).
    """
    table = variants()
    item = vocabulary()[key]
    size = len(person)
    row_site = site[person].astype(np.int64)
    outside = rng.random(size) < OUTSIDE_LAB
    row_site[outside] = rng.integers(0, len(SITES), int(outside.sum()))
    first, cumulative = table.choice[key]
    pick = (rng.random(size)[:, None] > cumulative[row_site]).sum(axis=1)
    variant = first + np.minimum(pick, cumulative.shape[1] - 1)
    bounds = item.plausible
    if bounds is not None:
        top = bounds.high * 0.98
        bottom = bounds.low * 1.02 if bounds.low > 0 else bounds.low
        value = np.clip(value, bottom, top)
    scale, offset = table.scale[variant], table.offset[variant]
    decimals = table.decimals[variant]
    reported = np.maximum(_round(value * scale + offset, decimals), table.step[variant])
    if bounds is not None and bounds.low > 0:
        reported = np.maximum(reported, _round(bounds.low * 1.02 * scale + offset, decimals))
    no_range = np.full(size, np.nan)
    sends = np.array([s.ranges for s in SITES])[row_site]
    range_low = no_range if low is None else _range(low, scale, offset, decimals, sends)
    range_high = no_range if high is None else _range(high, scale, offset, decimals, sends)
    return Rows(
        person,
        time,
        {
            "code": np.full(size, code(key), dtype=np.int16),
            "variant": variant.astype(np.int16),
            "value": reported,
            "low": range_low,
            "high": range_high,
        },
    )


def _range(
    limit: F64, scale: F64, offset: F64, decimals: NDArray[np.int64], sends: NDArray[np.bool_]
) -> F64:
    converted = _round(limit * scale + offset, decimals)
    return np.where(sends, converted, np.nan)
