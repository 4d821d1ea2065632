"""The adult SOFA points tables (Vincent 1996 Table 1) and how a value is scored on them.

Each table is a tuple of :class:`~trialkit.scores.bands.Band`, worst first,
read from ``scores/data/sofa.yaml`` (each row with its source), with the edge
in every unit the source prints it in; a value is compared in the unit the
laboratory reported (the conventions are told in :mod:`trialkit.scores.sofa`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from trialkit.scores.bands import Band, bands, read_table
from trialkit.units import Quantity, Threshold
from trialkit.units.threshold import COMPARE, NEGATION, SYMBOL

SOURCE = "Vincent JL et al., Intensive Care Med 1996;22:707-710, Table 1"

RATE_UNIT = "ug/kg/min"
"""Vincent 1996, Table 1 footnote: catecholamine doses in µg/kg/min."""


def _table(name: str) -> tuple[Band, ...]:
    return bands(read_table("sofa")[name], f"scores/data/sofa.yaml {name}")


PLATELET_EDGES = _table("platelets")
"""Vincent 1996 Table 1, platelets ×10³/µL (= 10⁹/L): < 150 → 1, < 100 → 2, < 50 → 3, < 20 → 4."""

BILIRUBIN_EDGES = _table("bilirubin")
"""Vincent 1996 Table 1, bilirubin mg/dL (µmol/L): 1.2–1.9 (20–32), 2.0–5.9 (33–101),
6.0–11.9 (102–204), > 12.0 (> 204); µmol/L edges as printed in Sepsis-3 Table 1."""

CREATININE_EDGES = _table("creatinine")
"""Vincent 1996 Table 1, creatinine mg/dL (µmol/L): 1.2–1.9 (110–170), 2.0–3.4 (171–299),
3.5–4.9 (300–440), > 5.0 (> 440); µmol/L edges as printed in Sepsis-3 Table 1."""

URINE_EDGES = _table("urine_output")
"""Vincent 1996 Table 1, urine output: < 500 mL/d → 3, < 200 mL/d → 4."""

PF_EDGES = _table("pao2_fio2")
"""Vincent 1996 Table 1, PaO2/FiO2 mmHg: < 400 → 1, < 300 → 2, < 200 → 3 and < 100 → 4 with
respiratory support; kPa edges (53.3, 40, 26.7, 13.3) as printed in Sepsis-3 Table 1."""

GCS_EDGES = _table("glasgow_coma_score")
"""Vincent 1996 Table 1, Glasgow coma score: 13–14 → 1, 10–12 → 2, 6–9 → 3, < 6 → 4."""

(_MAP_BAND,) = _table("mean_arterial_pressure")
MAP_LOW: Threshold = _MAP_BAND.threshold
"""Vincent 1996 Table 1, cardiovascular: MAP < 70 mmHg → 1."""

INPUT_CONCEPTS: Mapping[str, str] = MappingProxyType(
    {
        "platelets": "lab.platelets",
        "bilirubin": "lab.bilirubin_total",
        "creatinine": "lab.creatinine",
        "urine output": "vital.urine_output_24h",
        "MAP": "vital.map",
        "GCS": "assessment.gcs_total",
    }
)
"""The concept each single-value input reads (its worst value of the look-back), by input name:
declared once for the record readers of SOFA and pSOFA and for the SQL compiler."""

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


def _fmt(value: float, unit: str) -> str:
    return f"{value:g}" if unit == "1" else f"{value:g} {unit}"


def _shown(quantity: Quantity, value: float, unit: str) -> str:
    if unit == quantity.unit:
        return _fmt(quantity.value, unit)
    return f"{_fmt(quantity.value, quantity.unit)} (= {value:.4g} {unit})"


def points_on(quantity: Quantity, table: Sequence[Band]) -> tuple[int, str]:
    """The points of the first band (worst first) the value meets, and why; 0 below them all.

    Compared as :meth:`trialkit.units.Threshold.holds` compares (docs/clinical-decisions.md §9.3, in the reported unit).
    """
    for band in table:
        value, bound = band.threshold.compared(quantity)
        if COMPARE[bound.comparator](value, bound.limit):
            shown = _shown(quantity, value, bound.unit)
            return (
                band.points,
                f"{shown} {SYMBOL[bound.comparator]} {_fmt(bound.limit, bound.unit)}",
            )
    value, bound = table[-1].threshold.compared(quantity)
    sign = SYMBOL[NEGATION[bound.comparator]]
    return 0, f"{_shown(quantity, value, bound.unit)} {sign} {_fmt(bound.limit, bound.unit)}"
