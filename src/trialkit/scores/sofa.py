"""Adult SOFA score: six organ systems, 0–4 points each, total 0–24.

Source: Vincent JL, Moreno R, Takala J, et al. *The SOFA (Sepsis-related Organ
Failure Assessment) score to describe organ dysfunction/failure.* Intensive Care
Med 1996;22:707-710, **Table 1** — read in the adaptation of Singer M et al.
(Sepsis-3), JAMA 2016;315:801, Table 1 ("adapted from Vincent"), which also
prints the kPa and µmol/L equivalents used here (docs/clinical-decisions.md §3.1).

Conventions where sources disagree (docs/clinical-decisions.md §9.5, §9.3, §9.9):

- Boundaries as Vincent 1996: platelets 150 → 0 and 100 → 1; P/F 400 → 0 and
  300 → 1; bilirubin 1.2 mg/dL → 1; creatinine 1.2 mg/dL → 1; dopamine 5.0 → 2.
  Sepsis-3 prints "dopamine <5" / "5.1–15" (5.0 undefined) and UpToDate ">150 = 0";
  neither is used. Vincent prints "> 12.0" mg/dL bilirubin and "> 5.0" mg/dL
  creatinine for 4 points; 12.0 and 5.0 themselves, printed in no band, score 4
  (the reference's half-open reading, as MedCalc-Bench).
- Each threshold is compared in the unit the laboratory reported, with the edge
  the source prints in that unit (:func:`trialkit.units.comparable`): bilirubin
  µmol/L < 20, 20–32, 33–101, 102–204, > 204; creatinine µmol/L < 110, 110–170,
  171–299, 300–440, > 440; P/F in kPa 53.3, 40, 26.7, 13.3. The printed µmol/L
  bands leave gaps (32 | 33): a band runs from its printed lower edge up to the
  next band's printed lower edge, the same half-open reading as the one-decimal
  mg/dL bands (1.2–1.9 means [1.2, 2.0)), so 32.5 µmol/L scores 1 and 204.5
  scores 4. Near the edges mg/dL and µmol/L can therefore differ by one point
  (1.2 mg/dL = 20.5 µmol/L), as §9.3 intends.
- P/F below 200 scores 3 or 4 only *with respiratory support*: invasive or
  non-invasive ventilation, CPAP included (§9.5; MedCalc-Bench counts CPAP,
  mimic-code only invasive ventilation — ``invasive_only`` narrows it). Without
  support it scores 2, the value both reference implementations give.
- Catecholamine rates are µg/kg/min given for at least 1 h (Table 1 footnote);
  the 4-point tier is checked first, so any epinephrine or norepinephrine scores
  at least 3.
- Renal points are the higher of the creatinine and urine-output points. When
  only one of the two is known the item ranges from its points to 4.
- A missing system is never scored 0 (mimic-code imputes 0): it is a 0–4 range
  naming what is missing.

Record adapter (:func:`sofa_from_record`, :func:`assess`): the worst value of
each system in the 24 h before the index time (docs/clinical-decisions.md §3.1; the
24-h maximum of mimic-code ``score_final``); PaO2 is paired with the FiO2 recorded last at or before the blood
gas, at most 4 h before it (the pairing of mimic-code ``bg.sql``); respiratory
support is a ventilation Procedure covering the time of the gas, else the
``finding.respiratory_support`` recorded last in the 4 h before it; without
either, support is unknown unless the caller declares the ventilation record
complete. A vasoactive drug absent from the record counts as not given: an ICU
drug chart lists every catecholamine infusion, so the record is taken as
complete for drugs given (this is the one input treated as "absent means
normal"; say so to the user). MAP is the measured MAP; only when none was
recorded in the window is it estimated as (SBP + 2·DBP)/3 from a systolic and a
diastolic pressure taken at the same time (the MedCalc-Bench / MDCalc formula).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from trialkit.errors import TrialkitInputError, UnitError
from trialkit.record import Exposure, Observation, PatientRecord
from trialkit.scores.inputs import Evidence, Inputs
from trialkit.scores.result import Item, RecordEntry, Scored, ScoreResult, span
from trialkit.units import Quantity, commensurable, comparable, conversion
from trialkit.vocab import concept

__all__ = [
    "ADULT_AGE_YEARS",
    "BILIRUBIN_EDGES",
    "CREATININE_EDGES",
    "FIO2_PAIRING",
    "GCS_EDGES",
    "LOOKBACK",
    "MAP_LIMIT",
    "PF_EDGES",
    "PLATELET_EDGES",
    "SOURCE",
    "URINE_EDGES",
    "VASOACTIVE_TIERS",
    "Edge",
    "Infusion",
    "SofaInputs",
    "assess",
    "cardiovascular",
    "cns",
    "coagulation",
    "liver",
    "oxygenation",
    "points_from_bottom",
    "points_from_top",
    "renal",
    "respiration",
    "sofa",
    "sofa_from_record",
]

SOURCE = "Vincent JL et al., Intensive Care Med 1996;22:707-710, Table 1"

ADULT_AGE_YEARS = 18
"""From this age (completed years) the adapter scores adult SOFA; below it, pSOFA."""

LOOKBACK = timedelta(hours=24)
"""The worst value of each system in the 24 h before the index time.

docs/clinical-decisions.md §3.1.
"""

FIO2_PAIRING = timedelta(hours=4)
"""FiO2 (and a support finding) count for a blood gas if recorded at most 4 h before it (mimic-code bg.sql)."""

CATECHOLAMINE_MINIMUM = timedelta(hours=1)
"""Vincent 1996, Table 1 footnote: adrenergic agents administered for at least 1 h."""

FIO2_BOUNDS = (0.21, 1.0)
"""Room air to pure oxygen: the P/F range when a gas has no FiO2 beside it.

A hypoxic gas mixture (FiO2 < 0.21, paediatric cardiology) lies outside these
bounds; such a gas must carry its FiO2.
"""

RATE_UNIT = "ug/kg/min"
"""Vincent 1996, Table 1 footnote: catecholamine doses in µg/kg/min."""

VENTILATION = ("procedure.mechanical_ventilation", "procedure.noninvasive_ventilation")
"""Respiratory support (§9.5): invasive first; non-invasive (incl. CPAP) unless ``invasive_only``."""

_SKIPPED_STATUS = frozenset({"entered-in-error", "cancelled", "not-done", "not-taken"})


# -- band tables -------------------------------------------------------------------------------


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

_NOTES = (
    "Boundaries as Vincent 1996 Table 1: platelets 150 -> 0, P/F 400 -> 0 and 300 -> 1, "
    "bilirubin and creatinine 1.2 mg/dL -> 1, dopamine 5.0 ug/kg/min -> 2 (docs/clinical-decisions.md §9.5).",
    "Thresholds compared in the unit the laboratory reported (§9.3); a printed umol/L band runs "
    "from its lower edge to the next band's lower edge.",
    "P/F < 200 scores 3-4 only with respiratory support (invasive or non-invasive ventilation, "
    "CPAP included); without support it scores 2.",
)


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
    edges: Sequence[Edge],
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
        points, text = points_from_bottom(ratio, edges)
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
    points, text = points_from_bottom(platelets, PLATELET_EDGES)
    return Item.decided("coagulation", points, f"platelets {text}", ("platelets",))


def liver(bilirubin: Quantity | None, edges: Sequence[Edge] = BILIRUBIN_EDGES) -> Item:
    """Liver: total bilirubin, in mg/dL or µmol/L as reported (Vincent 1996 Table 1)."""
    if bilirubin is None:
        return Item.undecided("liver", 0, 4, "no bilirubin", ("bilirubin",), ("bilirubin",))
    _nonnegative("bilirubin", bilirubin)
    points, text = points_from_top(bilirubin, edges)
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
    map_limit: Mapping[str, float] = MAP_LIMIT,
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
        points, text = points_from_bottom(mean_arterial_pressure, (Edge(1, map_limit),))
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
    points, text = points_from_bottom(Quantity(gcs, "1", "assessment.gcs_total"), GCS_EDGES)
    return Item.decided("central nervous system", points, f"GCS {text}", ("GCS",))


def renal(
    creatinine: Quantity | None,
    urine_output: Quantity | None,
    edges: Sequence[Edge] = CREATININE_EDGES,
) -> Item:
    """Renal: the higher of the creatinine and the urine-output points (Vincent 1996 Table 1)."""
    parts: list[_Part] = []
    if creatinine is None:
        parts.append(_Part(0, 4, "no creatinine", "creatinine"))
    else:
        _nonnegative("creatinine", creatinine)
        points, text = points_from_top(creatinine, edges)
        parts.append(_Part(points, points, f"creatinine {text}"))
    if urine_output is None:
        parts.append(_Part(0, 4, "no 24-h urine output", "urine output"))
    else:
        _nonnegative("urine output", urine_output)
        points, text = points_from_bottom(urine_output, URINE_EDGES)
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


# -- reading a record (shared with pSOFA) ------------------------------------------------------


def quantity_of(observation: Observation) -> Quantity | None:
    """The observation's quantity as reported, else its canonical value, else None."""
    if observation.quantity is not None:
        return observation.quantity
    value = observation.value
    if isinstance(value, bool) or not isinstance(value, (float, int)):
        return None
    unit = concept(observation.concept).unit
    return None if unit is None else Quantity(float(value), unit, observation.concept)


def _points_of(scorer: Callable[[Quantity], int]) -> Callable[[Observation], float]:
    def badness(observation: Observation) -> float:
        quantity = quantity_of(observation)
        return -1.0 if quantity is None else float(scorer(quantity))

    return badness


def worst_quantity(
    inputs: Inputs, name: str, key: str, scorer: Callable[[Quantity], int]
) -> Quantity | None:
    """The quantity of ``key`` scoring worst in the look-back (latest among ties), with evidence."""
    found = inputs.worst(name, key, _points_of(scorer), inputs.lookback)
    return None if found is None else quantity_of(found)


def respiratory_support(
    record: PatientRecord, at: datetime, *, invasive_only: bool, ventilation_complete: bool
) -> tuple[bool | None, tuple[RecordEntry, ...]]:
    """Whether the patient was on respiratory support at ``at``, and the entries that say so.

    A ventilation Procedure covering ``at`` (non-invasive too unless
    ``invasive_only``) means yes; else the ``finding.respiratory_support``
    recorded last in the 4 h before decides (a plain "yes" cannot say
    "invasive"); else support is unknown, or "no" when ``ventilation_complete``.
    """
    kinds = VENTILATION[:1] if invasive_only else VENTILATION
    procedures = tuple(p for kind in kinds for p in record.procedures_of(kind, at, at))
    if procedures:
        return True, procedures
    flag = record.latest("finding.respiratory_support", at, FIO2_PAIRING)
    if flag is not None and isinstance(flag.value, bool):
        if not flag.value:
            return False, (flag,)
        if not invasive_only:
            return True, (flag,)
        return (False if ventilation_complete else None), (flag,)
    return (False if ventilation_complete else None), ()


def _merge(target: Evidence, more: Mapping[str, tuple[RecordEntry, ...]]) -> None:
    for name, entries in more.items():
        target[name] = tuple(dict.fromkeys((*target.get(name, ()), *entries)))


def worst_of(
    inputs: Inputs, candidates: Sequence[tuple[Item, Mapping[str, tuple[RecordEntry, ...]]]]
) -> Item:
    """The worst of several candidate items for one system (several blood gases in 24 h).

    The true worst lies between the highest low and the highest high; the
    evidence is that of the candidates deciding those two bounds.
    """
    low = max(item.low for item, _ in candidates)
    high = max(item.high for item, _ in candidates)
    floor_item, floor_entries = max(candidates, key=lambda c: (c[0].low, c[0].high))
    top_item, top_entries = max(candidates, key=lambda c: (c[0].high, c[0].low))
    _merge(inputs.evidence, floor_entries)
    if top_item is not floor_item:
        _merge(inputs.evidence, top_entries)
    many = f" (worst of {len(candidates)})" if len(candidates) > 1 else ""
    if low == high:
        return replace(floor_item, reason=floor_item.reason + many)
    missing = tuple(
        dict.fromkeys(m for item, _ in candidates if item.high > low for m in item.missing)
    )
    reason = (
        floor_item.reason if top_item is floor_item else f"{floor_item.reason}; {top_item.reason}"
    )
    return Item.undecided(floor_item.name, low, high, reason + many, floor_item.inputs, missing)


def read_oxygenation(
    inputs: Inputs,
    key: str,
    name: str,
    score: Callable[[Quantity, Quantity | None, bool | None], Item],
    *,
    invasive_only: bool,
    ventilation_complete: bool,
    keep: Callable[[Quantity], bool] = lambda _: True,
) -> Item | None:
    """The worst oxygenation item over the look-back, each measurement with its own FiO2 and support."""
    record = inputs.record
    candidates: list[tuple[Item, Mapping[str, tuple[RecordEntry, ...]]]] = []
    for gas in record.window(key, inputs.at, inputs.lookback):
        measure = quantity_of(gas)
        if measure is None or not keep(measure):
            continue
        fio2 = record.latest("vital.fio2", gas.time, FIO2_PAIRING)
        support, support_entries = respiratory_support(
            record,
            gas.time,
            invasive_only=invasive_only,
            ventilation_complete=ventilation_complete,
        )
        entries: dict[str, tuple[RecordEntry, ...]] = {name: (gas,)}
        if fio2 is not None:
            entries["FiO2"] = (fio2,)
        if support_entries:
            entries["respiratory support"] = support_entries
        fio2_quantity = None if fio2 is None else quantity_of(fio2)
        candidates.append((score(measure, fio2_quantity, support), entries))
    return worst_of(inputs, candidates) if candidates else None


def _rate(exposure: Exposure, name: str) -> tuple[float | None, str | None]:
    rate = exposure.rate
    if rate is None:
        return None, f"{name} ({exposure.resource}): no rate recorded; dose unknown"
    try:
        if commensurable(rate.unit, RATE_UNIT):
            scale, offset = conversion(rate.unit, RATE_UNIT)
            return _tidy(rate.value * scale + offset), None
    except UnitError:
        pass
    return None, f"{name} ({exposure.resource}): rate {rate} is not in {RATE_UNIT}; dose unknown"


def read_infusions(inputs: Inputs) -> tuple[tuple[Infusion, ...], tuple[Infusion, ...], list[str]]:
    """Vasoactive infusions touching the look-back: (given ≥ 1 h, running < 1 h at ``at``, notes).

    An infusion still running at the index time that has not yet lasted 1 h
    may still count; one that stopped before lasting 1 h (or a bolus) does not.
    """
    certain: list[Infusion] = []
    possible: list[Infusion] = []
    notes: list[str] = []
    at = inputs.at
    for drug in VASOACTIVE_TIERS:
        name = drug.removeprefix("drug.")
        used: list[Exposure] = []
        for exposure in inputs.record.exposures_to(drug, at - inputs.lookback, at):
            if exposure.status in _SKIPPED_STATUS or exposure.start > at:
                continue
            running = exposure.end is None or exposure.end > at
            stop = at if running or exposure.end is None else exposure.end
            rate, why = _rate(exposure, name)
            infusion = Infusion(drug, rate)
            if stop - exposure.start >= CATECHOLAMINE_MINIMUM:
                certain.append(infusion)
            elif running:
                possible.append(infusion)
            else:
                notes.append(f"{name} ({exposure.resource}) lasted < 1 h: not counted")
                continue
            used.append(exposure)
            if why is not None:
                notes.append(why)
        if used:
            inputs.evidence[name] = tuple(used)
    return tuple(certain), tuple(possible), notes


def read_cardiovascular(inputs: Inputs, map_limit: Mapping[str, float]) -> tuple[Item, list[str]]:
    """The cardiovascular item from the worst MAP and the infusions of the look-back."""

    def scorer(pressure: Quantity) -> int:
        return points_from_bottom(pressure, (Edge(1, map_limit),))[0]

    pressure = worst_quantity(inputs, "MAP", "vital.map", scorer)
    estimated = False
    if pressure is None:
        pressure = _estimated_map(inputs, scorer)
        estimated = pressure is not None
    certain, possible, notes = read_infusions(inputs)
    item = cardiovascular(pressure, certain, map_limit)
    if possible:
        maybe = cardiovascular(pressure, certain + possible, map_limit)
        if maybe.high > item.high:
            item = Item.undecided(
                item.name,
                item.low,
                maybe.high,
                f"{item.reason}; an infusion running < 1 h at the index time may still count",
                item.inputs,
                (*item.missing, "infusion duration"),
            )
    if estimated:
        item = replace(item, reason=item.reason.replace("MAP ", "MAP (SBP + 2 DBP)/3 ", 1))
    return item, notes


def _estimated_map(inputs: Inputs, scorer: Callable[[Quantity], int]) -> Quantity | None:
    record = inputs.record
    best: tuple[int, datetime, Quantity, tuple[Observation, Observation]] | None = None
    for systolic in record.window("vital.systolic_bp", inputs.at, inputs.lookback):
        diastolic = record.values("vital.diastolic_bp", systolic.time, systolic.time)
        sbp = quantity_of(systolic)
        dbp = None if not diastolic else quantity_of(diastolic[-1])
        if sbp is None or dbp is None:
            continue
        mmhg = [q.value if q.unit == "mm[Hg]" else q.to("mm[Hg]") for q in (sbp, dbp)]
        estimate = Quantity(round((mmhg[0] + 2 * mmhg[1]) / 3, 1), "mm[Hg]", "vital.map")
        key = (scorer(estimate), systolic.time)
        if best is None or key >= best[:2]:
            best = (*key, estimate, (systolic, diastolic[-1]))
    if best is None:
        return None
    inputs.evidence["MAP"] = best[3]
    return best[2]


def read_gcs(inputs: Inputs) -> float | None:
    """The lowest-scoring GCS of the look-back: a total, or eye + verbal + motor taken together."""
    record = inputs.record
    scored: list[tuple[float, datetime, float, tuple[Observation, ...]]] = []
    for total in record.window("assessment.gcs_total", inputs.at, inputs.lookback):
        quantity = quantity_of(total)
        if quantity is not None:
            scored.append((cns(quantity.value).low, total.time, quantity.value, (total,)))
    for eye in record.window("assessment.gcs_eye", inputs.at, inputs.lookback):
        verbal = record.values("assessment.gcs_verbal", eye.time, eye.time)
        motor = record.values("assessment.gcs_motor", eye.time, eye.time)
        parts = [quantity_of(o) for o in (eye, *verbal[-1:], *motor[-1:])]
        if len(parts) == 3 and all(p is not None for p in parts):
            value = sum(p.value for p in parts if p is not None)
            scored.append((cns(value).low, eye.time, value, (eye, verbal[-1], motor[-1])))
    if not scored:
        return None
    worst = max(scored, key=lambda s: (s[0], s[1]))
    inputs.evidence["GCS"] = worst[3]
    return worst[2]


def _item_points(item: Item) -> int:
    assert item.points is not None  # single-value systems are decided
    return int(item.points)


def sofa_from_record(
    record: PatientRecord,
    at: datetime,
    *,
    invasive_only: bool = False,
    ventilation_complete: bool = False,
) -> Scored:
    """Adult SOFA from a record: the worst value of each system in the 24 h before ``at``.

    Computed whatever the patient's age (a protocol may ask for adult SOFA in
    adolescents); :func:`assess` applies the age rule. ``invasive_only``
    narrows respiratory support to invasive ventilation; ``ventilation_complete``
    takes the record as listing every ventilation, so that none recorded means
    no support.
    """
    inputs = Inputs(record, at, LOOKBACK)
    breathing = read_oxygenation(
        inputs,
        "lab.pao2",
        "PaO2",
        respiration,
        invasive_only=invasive_only,
        ventilation_complete=ventilation_complete,
    )
    platelets = worst_quantity(
        inputs, "platelets", "lab.platelets", lambda q: _item_points(coagulation(q))
    )
    bilirubin = worst_quantity(
        inputs, "bilirubin", "lab.bilirubin_total", lambda q: _item_points(liver(q))
    )
    creatinine = worst_quantity(
        inputs, "creatinine", "lab.creatinine", lambda q: points_from_top(q, CREATININE_EDGES)[0]
    )
    urine = worst_quantity(
        inputs,
        "urine output",
        "vital.urine_output_24h",
        lambda q: points_from_bottom(q, URINE_EDGES)[0],
    )
    circulation, notes = read_cardiovascular(inputs, MAP_LIMIT)
    items = (
        breathing or respiration(None, None, None),
        coagulation(platelets),
        liver(bilirubin),
        circulation,
        cns(read_gcs(inputs)),
        renal(creatinine, urine),
    )
    conventions = (
        "Worst value of each system in the 24 h before the index time; FiO2 recorded at most "
        "4 h before the blood gas.",
        "A vasoactive drug absent from the record counts as not given (the ICU drug chart is "
        "taken as complete).",
    )
    result = _result("sofa", "SOFA", SOURCE, items, _NOTES + conventions + tuple(notes))
    return Scored(result, dict(inputs.evidence))


def assess(record: PatientRecord, at: datetime) -> tuple[Scored, ...]:
    """Adult SOFA when the patient is 18 or older at ``at``, or of unknown age; else nothing.

    Children get pSOFA instead (:mod:`trialkit.scores.psofa`): adult MAP and
    creatinine limits misgrade them (Matics 2017). A record without a birth
    date still gets adult SOFA, because the ICU protocol that uses SOFA
    (jak-hs-icu, seed 001) enrols adults and pSOFA cannot be banded without an
    age.
    """
    age = record.age_years(at)
    if age is not None and age < ADULT_AGE_YEARS:
        return ()
    return (sofa_from_record(record, at),)
