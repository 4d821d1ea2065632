"""The adult SOFA points tables (Vincent 1996 Table 1) and how a value is scored on them.

Each table is a tuple of :class:`Edge`, worst first, with the edge in every
unit the source prints it in; a value is compared in the unit the laboratory
reported (the conventions are told in :mod:`trialkit.scores.sofa`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from trialkit.units import Quantity, comparable

SOURCE = "Vincent JL et al., Intensive Care Med 1996;22:707-710, Table 1"

RATE_UNIT = "ug/kg/min"
"""Vincent 1996, Table 1 footnote: catecholamine doses in µg/kg/min."""


@dataclass(frozen=True, slots=True)
class Edge:
    """One edge of a points table: the points scored beyond it, and the edge in each unit printed.

    ``strict`` lists the units in which the edge value itself still belongs to
    the milder band (Vincent's "> 204 µmol/L" bilirubin for 4 points).
    """

    points: int
    limits: Mapping[str, float]
    strict: frozenset[str] = frozenset()


#: Vincent 1996 Table 1, platelets ×10³/µL (= 10⁹/L): < 150 → 1, < 100 → 2, < 50 → 3, < 20 → 4.
PLATELET_EDGES = (
    Edge(4, {"10*9/L": 20}),
    Edge(3, {"10*9/L": 50}),
    Edge(2, {"10*9/L": 100}),
    Edge(1, {"10*9/L": 150}),
)

#: Vincent 1996 Table 1, bilirubin mg/dL (µmol/L): 1.2–1.9 (20–32), 2.0–5.9 (33–101),
#: 6.0–11.9 (102–204), > 12.0 (> 204); µmol/L edges as printed in Sepsis-3 Table 1.
BILIRUBIN_EDGES = (
    Edge(4, {"mg/dL": 12.0, "umol/L": 204}, strict=frozenset({"umol/L"})),
    Edge(3, {"mg/dL": 6.0, "umol/L": 102}),
    Edge(2, {"mg/dL": 2.0, "umol/L": 33}),
    Edge(1, {"mg/dL": 1.2, "umol/L": 20}),
)

#: Vincent 1996 Table 1, creatinine mg/dL (µmol/L): 1.2–1.9 (110–170), 2.0–3.4 (171–299),
#: 3.5–4.9 (300–440), > 5.0 (> 440); µmol/L edges as printed in Sepsis-3 Table 1.
CREATININE_EDGES = (
    Edge(4, {"mg/dL": 5.0, "umol/L": 440}, strict=frozenset({"umol/L"})),
    Edge(3, {"mg/dL": 3.5, "umol/L": 300}),
    Edge(2, {"mg/dL": 2.0, "umol/L": 171}),
    Edge(1, {"mg/dL": 1.2, "umol/L": 110}),
)

#: Vincent 1996 Table 1, urine output: < 500 mL/d → 3, < 200 mL/d → 4.
URINE_EDGES = (Edge(4, {"mL/d": 200}), Edge(3, {"mL/d": 500}))

#: Vincent 1996 Table 1, PaO2/FiO2 mmHg: < 400 → 1, < 300 → 2, < 200 → 3 and < 100 → 4 with
#: respiratory support; kPa edges (53.3, 40, 26.7, 13.3) as printed in Sepsis-3 Table 1.
PF_EDGES = (
    Edge(4, {"mm[Hg]": 100, "kPa": 13.3}),
    Edge(3, {"mm[Hg]": 200, "kPa": 26.7}),
    Edge(2, {"mm[Hg]": 300, "kPa": 40}),
    Edge(1, {"mm[Hg]": 400, "kPa": 53.3}),
)

#: Vincent 1996 Table 1, Glasgow coma score: 13–14 → 1, 10–12 → 2, 6–9 → 3, < 6 → 4.
GCS_EDGES = (
    Edge(4, {"1": 6}),
    Edge(3, {"1": 10}),
    Edge(2, {"1": 13}),
    Edge(1, {"1": 15}),
)

#: Vincent 1996 Table 1, cardiovascular: MAP < 70 mmHg → 1.
MAP_LIMIT: Mapping[str, float] = {"mm[Hg]": 70}

#: Vincent 1996 Table 1, catecholamines in µg/kg/min given ≥ 1 h: (points, rate above which
#: they are scored), 4-point tier first. Dopamine ≤ 5 or dobutamine (any dose) → 2; dopamine > 5,
#: epinephrine ≤ 0.1 or norepinephrine ≤ 0.1 → 3; dopamine > 15, epinephrine > 0.1 or
#: norepinephrine > 0.1 → 4. pSOFA (Matics 2017 Table 1) uses the same tiers.
VASOACTIVE_TIERS: Mapping[str, tuple[tuple[int, float], ...]] = {
    "drug.dopamine": ((4, 15.0), (3, 5.0), (2, 0.0)),
    "drug.dobutamine": ((2, 0.0),),
    "drug.epinephrine": ((4, 0.1), (3, 0.0)),
    "drug.norepinephrine": ((4, 0.1), (3, 0.0)),
}


def _tidy(value: float) -> float:
    # A converted value such as 150000 /uL * 0.001 may land a float step below its edge.
    return float(f"{value:.10g}")


def _compare(quantity: Quantity, limits: Mapping[str, float]) -> tuple[float, float, str]:
    # The reported unit first: comparable() takes the first commensurable unit, and kPa is
    # commensurable with mm[Hg], so without this a kPa value would be compared with 400 mm[Hg].
    if quantity.unit in limits:
        return quantity.value, limits[quantity.unit], quantity.unit
    value, limit, unit = comparable(quantity, limits)
    return _tidy(value), limit, unit


def _fmt(value: float, unit: str) -> str:
    return f"{value:g}" if unit == "1" else f"{value:g} {unit}"


def _shown(quantity: Quantity, value: float, unit: str) -> str:
    if unit == quantity.unit:
        return _fmt(quantity.value, unit)
    return f"{_fmt(quantity.value, quantity.unit)} (= {value:.4g} {unit})"


def points_from_top(quantity: Quantity, edges: Sequence[Edge]) -> tuple[int, str]:
    """Higher is worse: the points of the first edge (worst first) the value reaches, and why."""
    for edge in edges:
        value, limit, unit = _compare(quantity, edge.limits)
        strict = unit in edge.strict
        if value > limit or (value == limit and not strict):
            sign = ">" if strict else "≥"
            return edge.points, f"{_shown(quantity, value, unit)} {sign} {_fmt(limit, unit)}"
    value, limit, unit = _compare(quantity, edges[-1].limits)
    return 0, f"{_shown(quantity, value, unit)} < {_fmt(limit, unit)}"


def points_from_bottom(quantity: Quantity, edges: Sequence[Edge]) -> tuple[int, str]:
    """Lower is worse: the points of the first edge (worst first) the value is below, and why."""
    for edge in edges:
        value, limit, unit = _compare(quantity, edge.limits)
        if value < limit:
            return edge.points, f"{_shown(quantity, value, unit)} < {_fmt(limit, unit)}"
    value, limit, unit = _compare(quantity, edges[-1].limits)
    return 0, f"{_shown(quantity, value, unit)} ≥ {_fmt(limit, unit)}"
