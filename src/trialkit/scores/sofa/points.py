"""Adult SOFA points of each of the six organ systems, and their total (pure functions).

Vincent 1996 Table 1, read on the tables of :mod:`trialkit.scores.sofa.tables`;
a missing input is a 0–4 range naming what is missing, never 0
(docs/clinical-decisions.md §9.9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trialkit.errors import TrialkitInputError
from trialkit.scores.bands import Band
from trialkit.scores.result import Item, ScoreResult, span
from trialkit.scores.sofa.tables import (
    BILIRUBIN_EDGES,
    CREATININE_EDGES,
    GCS_EDGES,
    MAP_LOW,
    PF_EDGES,
    PLATELET_EDGES,
    RATE_UNIT,
    SOURCE,
    URINE_EDGES,
    VASOACTIVE_TIERS,
    _tidy,
    points_on,
)
from trialkit.units import Quantity, Threshold

FIO2_BOUNDS = (0.21, 1.0)
"""Room air to pure oxygen: the P/F range when a gas has no FiO2 beside it.

A hypoxic gas mixture (FiO2 < 0.21, paediatric cardiology) lies outside these
bounds; such a gas must carry its FiO2.
"""

_NOTES = (
    "Boundaries as Vincent 1996 Table 1: platelets 150 -> 0, P/F 400 -> 0 and 300 -> 1, "
    "bilirubin and creatinine 1.2 mg/dL -> 1, dopamine 5.0 ug/kg/min -> 2 (docs/clinical-decisions.md §9.5).",
    "Thresholds compared in the unit the laboratory reported (§9.3); a printed umol/L band runs "
    "from its lower edge to the next band's lower edge.",
    "P/F < 200 scores 3-4 only with respiratory support (invasive or non-invasive ventilation, "
    "CPAP included); without support it scores 2.",
)


def _nonnegative(field: str, quantity: Quantity) -> None:
    if quantity.value < 0:
        raise TrialkitInputError(f"{field}: {quantity} is negative")


# -- combining parts of an item ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Part:
    low: int
    high: int
    reason: str
    missing: str | None = None


def _highest(name: str, parts: Sequence[_Part], inputs: tuple[str, ...]) -> Item:
    """An item worth the highest of its parts (renal: creatinine or urine; cardiovascular)."""
    low = max(p.low for p in parts)
    high = max(p.high for p in parts)
    if low == high:
        deciding = [p.reason for p in parts if p.low == p.high == low] or [p.reason for p in parts]
        return Item.decided(name, low, "; ".join(deciding), inputs)
    # an unknown part matters only if it could lift the item above what is already certain
    missing = tuple(
        dict.fromkeys(p.missing for p in parts if p.missing is not None and p.high > low)
    )
    reason = "; ".join(p.reason for p in parts if p.high > 0 or p.low == low)
    return Item.undecided(name, low, high, reason, inputs, missing)


# -- the six systems (pure) --------------------------------------------------------------------


def fio2_fraction(fio2: Quantity) -> float:
    """FiO2 as a fraction (60 % -> 0.6); :class:`TrialkitInputError` outside (0, 1]."""
    value = fio2.value if fio2.unit == "1" else _tidy(fio2.to("1"))
    if not 0 < value <= 1:
        raise TrialkitInputError(f"fio2: {fio2} is not an inspired fraction in (0, 1]")
    return value


def oxygenation(
    name: str,
    measure: Quantity | None,
    fio2: Quantity | None,
    support: bool | None,
    edges: Sequence[Band],
    *,
    measure_name: str,
    missing_name: str,
    inputs: tuple[str, ...],
) -> Item:
    """Points of an oxygenation ratio (PaO2/FiO2, or SpO2/FiO2 for pSOFA) with its support rule.

    The ratio keeps the unit of ``measure``. Points 3 and 4 need respiratory
    support; without it the ratio scores 2. An unknown FiO2 bounds the ratio
    between measure/1.0 and measure/0.21; unknown support leaves 2 or the
    ratio's points open.
    """
    if measure is None:
        return Item.undecided(name, 0, 4, f"no {missing_name}", inputs, (missing_name,))
    _nonnegative(measure_name, measure)
    fractions = (fio2_fraction(fio2),) if fio2 is not None else FIO2_BOUNDS
    supports = (support,) if support is not None else (False, True)
    outcomes: dict[tuple[float, bool], tuple[int, str]] = {}
    for fraction in fractions:
        ratio = Quantity(round(measure.value / fraction, 6), measure.unit, measure.concept)
        points, text = points_on(ratio, edges)
        shown = f"{measure_name}/FiO2 = {measure} / {fraction:g} = {text}"
        for supported in supports:
            if points < 3:
                outcomes[(fraction, supported)] = (points, shown)
            elif supported:
                outcomes[(fraction, supported)] = (points, f"{shown} with respiratory support")
            else:
                outcomes[(fraction, supported)] = (2, f"{shown} without respiratory support: 2")
    values = [p for p, _ in outcomes.values()]
    low, high = min(values), max(values)
    if low == high:
        return Item.decided(name, low, next(iter(outcomes.values()))[1], inputs)
    missing: list[str] = []
    if any(len({outcomes[(f, s)][0] for f in fractions}) > 1 for s in supports):
        missing.append("FiO2")
    if support is None and any(
        outcomes[(f, False)][0] != outcomes[(f, True)][0] for f in fractions
    ):
        missing.append("respiratory support")
    worst = max(outcomes.values())[1]
    reason = worst if fio2 is not None else f"FiO2 unknown (0.21-1.0); worst case {worst}"
    if support is None:
        reason += "; respiratory support unknown"
    return Item.undecided(name, low, high, reason, inputs, tuple(missing))


def respiration(pao2: Quantity | None, fio2: Quantity | None, support: bool | None) -> Item:
    """Respiration: PaO2/FiO2 in mmHg or kPa (Vincent 1996 Table 1; kPa edges from Sepsis-3)."""
    return oxygenation(
        "respiration",
        pao2,
        fio2,
        support,
        PF_EDGES,
        measure_name="PaO2",
        missing_name="PaO2/FiO2",
        inputs=("PaO2", "FiO2", "respiratory support"),
    )


def coagulation(platelets: Quantity | None) -> Item:
    """Coagulation: platelet count (Vincent 1996 Table 1; 150 -> 0, 100 -> 1)."""
    if platelets is None:
        return Item.undecided(
            "coagulation", 0, 4, "no platelet count", ("platelets",), ("platelets",)
        )
    _nonnegative("platelets", platelets)
    points, text = points_on(platelets, PLATELET_EDGES)
    return Item.decided("coagulation", points, f"platelets {text}", ("platelets",))


def liver(bilirubin: Quantity | None, edges: Sequence[Band] = BILIRUBIN_EDGES) -> Item:
    """Liver: total bilirubin, in mg/dL or µmol/L as reported (Vincent 1996 Table 1)."""
    if bilirubin is None:
        return Item.undecided("liver", 0, 4, "no bilirubin", ("bilirubin",), ("bilirubin",))
    _nonnegative("bilirubin", bilirubin)
    points, text = points_on(bilirubin, edges)
    return Item.decided("liver", points, f"bilirubin {text}", ("bilirubin",))


@dataclass(frozen=True, slots=True)
class Infusion:
    """A vasoactive infusion given for at least 1 h: drug concept key and rate in µg/kg/min.

    ``rate`` is None when the drug was given at an unknown (or not weight-based) rate.
    """

    drug: str
    rate: float | None

    @property
    def display(self) -> str:
        """The drug name without the concept prefix (``norepinephrine``)."""
        return self.drug.removeprefix("drug.")


def _infusion_part(infusion: Infusion) -> _Part:
    tiers = VASOACTIVE_TIERS.get(infusion.drug)
    if tiers is None:
        raise TrialkitInputError(
            f"infusion: {infusion.drug!r} is not a SOFA vasoactive drug "
            f"({', '.join(VASOACTIVE_TIERS)})"
        )
    name = infusion.display
    if infusion.rate is None:
        return _Part(
            tiers[-1][0], tiers[0][0], f"{name} at an unknown rate", f"{name} rate (ug/kg/min)"
        )
    if infusion.rate < 0:
        raise TrialkitInputError(f"infusion: {name} rate {infusion.rate:g} {RATE_UNIT} is negative")
    for index, (points, above) in enumerate(tiers):
        if infusion.rate > above:
            if len(tiers) == 1:
                band = "any dose"
            elif index == len(tiers) - 1:
                band = f"≤ {tiers[index - 1][1]:g}"
            else:
                band = f"> {above:g}"
            return _Part(points, points, f"{name} {infusion.rate:g} {RATE_UNIT} ({band})")
    return _Part(0, 0, f"{name} rate 0")


def cardiovascular(
    mean_arterial_pressure: Quantity | None,
    infusions: Sequence[Infusion] | None,
    map_low: Threshold = MAP_LOW,
) -> Item:
    """Cardiovascular: MAP below the limit -> 1, else the catecholamine tiers (Vincent 1996).

    ``infusions`` None means it is unknown whether vasoactive drugs were given;
    an empty sequence means none were. The item is the highest of the parts.
    """
    inputs = ("MAP", *(drug.removeprefix("drug.") for drug in VASOACTIVE_TIERS))
    parts: list[_Part] = []
    if mean_arterial_pressure is None:
        parts.append(_Part(0, 1, "no MAP", "MAP"))
    else:
        _nonnegative("MAP", mean_arterial_pressure)
        points, text = points_on(mean_arterial_pressure, (Band(1, map_low),))
        parts.append(_Part(points, points, f"MAP {text}"))
    if infusions is None:
        parts.append(_Part(0, 4, "vasoactive drugs unknown", "vasoactive drugs"))
    else:
        parts.extend(_infusion_part(i) for i in infusions)
        if not infusions:
            parts.append(_Part(0, 0, "no vasoactive drug"))
    return _highest("cardiovascular", parts, inputs)


def cns(gcs: float | None) -> Item:
    """Central nervous system: Glasgow coma score 3–15 (Vincent 1996 Table 1)."""
    if gcs is None:
        return Item.undecided("central nervous system", 0, 4, "no GCS", ("GCS",), ("GCS",))
    if gcs != int(gcs) or not 3 <= gcs <= 15:
        raise TrialkitInputError(f"gcs: {gcs:g} is not a Glasgow coma score (an integer 3-15)")
    points, text = points_on(Quantity(gcs, "1", "assessment.gcs_total"), GCS_EDGES)
    return Item.decided("central nervous system", points, f"GCS {text}", ("GCS",))


def renal(
    creatinine: Quantity | None,
    urine_output: Quantity | None,
    edges: Sequence[Band] = CREATININE_EDGES,
) -> Item:
    """Renal: the higher of the creatinine and the urine-output points (Vincent 1996 Table 1)."""
    parts: list[_Part] = []
    if creatinine is None:
        parts.append(_Part(0, 4, "no creatinine", "creatinine"))
    else:
        _nonnegative("creatinine", creatinine)
        points, text = points_on(creatinine, edges)
        parts.append(_Part(points, points, f"creatinine {text}"))
    if urine_output is None:
        parts.append(_Part(0, 4, "no 24-h urine output", "urine output"))
    else:
        _nonnegative("urine output", urine_output)
        points, text = points_on(urine_output, URINE_EDGES)
        parts.append(_Part(points, points, f"urine output {text}"))
    return _highest("renal", parts, ("creatinine", "urine output"))


# -- the score (pure) --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SofaInputs:
    """Everything SOFA reads, as reported; None is unknown.

    ``infusions`` are the vasoactive infusions given ≥ 1 h (empty: none given;
    None: unknown whether any was). ``respiratory_support`` is invasive or
    non-invasive ventilation (CPAP included) at the time of the blood gas.
    """

    pao2: Quantity | None = None
    fio2: Quantity | None = None
    respiratory_support: bool | None = None
    platelets: Quantity | None = None
    bilirubin: Quantity | None = None
    mean_arterial_pressure: Quantity | None = None
    infusions: tuple[Infusion, ...] | None = ()
    gcs: float | None = None
    creatinine: Quantity | None = None
    urine_output: Quantity | None = None


def _result(
    score: str, label: str, source: str, items: tuple[Item, ...], notes: tuple[str, ...]
) -> ScoreResult:
    low, high, missing = span(items)
    return ScoreResult(score, label, source, low, high, items, missing, notes=notes)


def sofa(inputs: SofaInputs) -> ScoreResult:
    """Adult SOFA (Vincent 1996 Table 1): the six systems and their total, or its range."""
    items = (
        respiration(inputs.pao2, inputs.fio2, inputs.respiratory_support),
        coagulation(inputs.platelets),
        liver(inputs.bilirubin),
        cardiovascular(inputs.mean_arterial_pressure, inputs.infusions),
        cns(inputs.gcs),
        renal(inputs.creatinine, inputs.urine_output),
    )
    return _result("sofa", "SOFA", SOURCE, items, _NOTES)
