"""pint's answers for the units trialkit meets every day, computed once and shipped.

Loading pint's unit definitions and ucumvert's UCUM grammar takes most of a second,
which every command paid on its first unit. ``precomputed.json`` holds what pint
answers, through :mod:`trialkit.units.registry`, for

- the dimension of every unit in the vocabulary (allowed and canonical units) and of
  the usual drug dose and infusion rate units (``EXTRA_UNITS``);
- the affine map between every two of those units that pint converts without a molar
  mass, and between the units of each concept that needs its molar mass.

The registry looks there first and asks pint only for anything else (a unit a bundle
sends that no concept allows, an invalid code), so a unit is never read differently:
the file holds pint's own results, floats written exactly (``repr``), and a test
regenerates it and compares. After a change to the vocabulary's units, or to pint or
ucumvert, regenerate it: ``uv run python -m trialkit.units``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = ["EXTRA_UNITS", "Precomputed", "build", "main", "precomputed", "render"]

EXTRA_UNITS = (
    # drug doses (MedicationAdministration / MedicationStatement dosage)
    "mg",
    "g",
    "ug",
    "ng",
    "mL",
    "L",
    "[iU]",
    "[IU]",
    "U",
    "mmol",
    "mg/kg",
    "ug/kg",
    "mg/m2",
    "g/m2",
    "ug/m2",
    "[iU]/kg",
    "[iU]/m2",
    "U/kg",
    "U/m2",
    "mg/d",
    "mg/kg/d",
    "mg/m2/d",
    "mg/h",
    "mL/h",
    "mL/kg",
    "mL/kg/h",
    # vasoactive infusion rates (SOFA, pSOFA; trialkit.scores.sofa.RATE_UNIT and the SQL's)
    "ug/kg/min",
    "ug/kg/h",
    "ng/kg/min",
    "mg/kg/min",
    "mg/kg/h",
    "ug/min",
    # time
    "min",
    "h",
    "d",
)
"""Units outside the vocabulary's allow-lists that bundles commonly carry."""

Key = tuple[str, str, float | None]
"""``(source, target, molar mass or None)``, as :func:`~trialkit.units.registry.conversion` takes."""


class Precomputed:
    """Dimensions by UCUM code and affine maps by ``(source, target, molar mass)``."""

    __slots__ = ("conversions", "dimensions")

    def __init__(
        self, dimensions: dict[str, str], conversions: dict[Key, tuple[float, float]]
    ) -> None:
        self.dimensions = dimensions
        self.conversions = conversions

    def conversion(self, source: str, target: str, molar_mass: float | None) -> Any:
        """The stored map, or None. A pair pint converts without a molar mass is stored
        once, without one: pint's answer for it does not depend on the molar mass."""
        found = self.conversions.get((source, target, None))
        if found is None and molar_mass is not None:
            found = self.conversions.get((source, target, molar_mass))
        return found


def _from_json(data: dict[str, Any]) -> Precomputed:
    conversions: dict[Key, tuple[float, float]] = {
        (source, target, molar_mass): (scale, offset)
        for source, target, molar_mass, scale, offset in data["conversions"]
    }
    return Precomputed(dict(data["dimensions"]), conversions)


@cache
def precomputed() -> Precomputed:
    """The shipped table (read once per process)."""
    text = files("trialkit.units").joinpath("precomputed.json").read_text(encoding="utf-8")
    return _from_json(json.loads(text))


def _vocabulary_units() -> tuple[list[str], list[tuple[float, list[str]]]]:
    from trialkit.vocab import ValueType, vocabulary

    units: set[str] = set()
    molar: list[tuple[float, list[str]]] = []
    for item in vocabulary().values():
        if item.value_type is not ValueType.QUANTITY:
            continue
        own = sorted({*item.units, *([item.unit] if item.unit else [])})
        units.update(own)
        if item.molar_mass is not None:
            molar.append((item.molar_mass, own))
    return sorted(units), molar


def build() -> dict[str, Any]:
    """The table's content, computed by pint now (what ``precomputed.json`` must hold)."""
    from trialkit.errors import UnitError
    from trialkit.units.registry import pint_conversion, pint_dimension

    vocabulary_units, molar = _vocabulary_units()
    units = sorted({*vocabulary_units, *EXTRA_UNITS})
    dimensions = {unit: pint_dimension(unit) for unit in units}
    rows: list[list[Any]] = []
    plain: set[tuple[str, str]] = set()
    for source in units:
        for target in units:
            if dimensions[source] != dimensions[target]:
                continue
            scale, offset = pint_conversion(source, target, None)
            rows.append([source, target, None, scale, offset])
            plain.add((source, target))
    for molar_mass, own in molar:
        for source, target in _pairs(own):
            if (source, target) in plain:
                continue
            try:
                scale, offset = pint_conversion(source, target, molar_mass)
            except UnitError:
                continue
            rows.append([source, target, molar_mass, scale, offset])
    rows.sort(key=lambda row: (row[0], row[1], row[2] or 0.0))
    return {
        "about": "pint's answers for trialkit's usual units; "
        "regenerate: uv run python -m trialkit.units",
        "dimensions": dimensions,
        "conversions": rows,
    }


def _pairs(units: Iterable[str]) -> list[tuple[str, str]]:
    listed = list(units)
    return [(a, b) for a in listed for b in listed]


def render(data: dict[str, Any]) -> str:
    """The file's text, one unit or conversion per line (a change reads as a small diff)."""
    dimensions = [
        f"    {json.dumps(unit)}: {json.dumps(dimension)}"
        for unit, dimension in data["dimensions"].items()
    ]
    rows = [f"    {json.dumps(row)}" for row in data["conversions"]]
    return (
        "{\n"
        f'  "about": {json.dumps(data["about"])},\n'
        '  "dimensions": {\n' + ",\n".join(dimensions) + "\n  },\n"
        '  "conversions": [\n' + ",\n".join(rows) + "\n  ]\n"
        "}\n"
    )


def main() -> None:
    """Write ``precomputed.json`` beside this module."""
    from pathlib import Path

    target = Path(__file__).with_name("precomputed.json")
    target.write_text(render(build()), encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
