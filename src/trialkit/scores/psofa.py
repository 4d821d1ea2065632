"""Paediatric SOFA (pSOFA): SOFA with age-banded MAP and creatinine, and SpO2/FiO2.

Source: Matics TJ, Sanchez-Pinto LN. *Adaptation and validation of a pediatric
Sequential Organ Failure Assessment score and evaluation of the Sepsis-3
definitions in critically ill children.* JAMA Pediatr 2017;171(10):e172352,
**Table 1** — read in verbatim copies (medicalcriteria.com/web/psofa, and a copy
of the journal table with its footnotes), docs/clinical-decisions.md §3.2.

What differs from adult SOFA (:mod:`trialkit.scores.sofa`, whose tables and
conventions are reused):

- Cardiovascular: MAP below the age band's limit scores 1 (< 1 mo 46, 1–11 mo 55,
  12–23 mo 60, 24–59 mo 62, 60–143 mo 65, 144–216 mo 67, > 216 mo 70 mmHg);
  the vasoactive tiers are Vincent's.
- Renal: creatinine only (no urine-output criterion), in mg/dL by age band. The
  bands are printed to one decimal and read as half-open intervals (12–23 mo:
  [0.4, 0.6) → 1, [0.6, 1.1) → 2, [1.1, 1.5) → 3, ≥ 1.5 → 4). Table 1 prints
  only mg/dL, so a µmol/L value is converted with the molar mass of the
  vocabulary (113.12 g/mol; docs/clinical-decisions.md §9.3).
- Bilirubin in mg/dL only (µmol/L converted, 584.66 g/mol); "> 12.0" scores 4
  from 12.0, as in SOFA.
- Respiration: PaO2/FiO2 when a blood gas exists (Table 1 footnote: PaO2 used
  preferentially); otherwise SpO2/FiO2, only from SpO2 ≤ 97 % (footnote c):
  ≥ 292 → 0, 264–291 → 1, 221–264 → 2 (the printed overlap: 264 scores 1),
  148–220 → 3 and < 148 → 4 with respiratory support; below 221 without
  support, 2. Gaps between printed integer bands (291.5, 220.5) belong to the
  band below, as in SOFA.
- GCS: the paediatric Glasgow coma score on the same 3–15 scale
  (``assessment.gcs_total``).

Matics et al. scored a variable not recorded in a 24-h period as normal (0);
here, as everywhere in trialkit (§9.9), it is a 0–4 range naming what is
missing. Age is the age in completed months at the index time; a month is
completed on the day of the month of birth (a child born on the 31st completes
a month on the 1st of the month after a shorter month, as a birthday on 29
February is reached on 1 March by :meth:`PatientRecord.age_years`).

Record adapter: as for SOFA (worst value in the 24 h before the index time, as
Matics et al. scored each 24-h period with its worst values (Table 1 footnote a),
FiO2 at most 4 h before the measurement, the drug chart taken as complete), for
patients under 18 years; :func:`assess` returns nothing for adults and for a
record without a birth date, which get adult SOFA instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from trialkit.errors import NegativeAgeError, TrialkitInputError
from trialkit.record import PatientRecord
from trialkit.scores.bands import Band, bands, read_table, threshold
from trialkit.scores.inputs import Inputs
from trialkit.scores.result import Item, Scored, ScoreResult, span
from trialkit.scores.sofa import (
    ADULT_AGE_YEARS,
    INPUT_CONCEPTS,
    LOOKBACK,
    PF_EDGES,
    Infusion,
    cns,
    coagulation,
    oxygenation,
    points_on,
    read_cardiovascular,
    read_gcs,
    read_oxygenation,
    worst_quantity,
)
from trialkit.scores.sofa import (
    cardiovascular as sofa_cardiovascular,
)
from trialkit.scores.sofa import (
    liver as sofa_liver,
)
from trialkit.units import Quantity, Threshold

__all__ = [
    "AGE_BANDS",
    "BILIRUBIN_EDGES",
    "SF_EDGES",
    "SOURCE",
    "SPO2_MAX",
    "AgeBand",
    "PsofaInputs",
    "age_band",
    "age_in_months",
    "assess",
    "cardiovascular",
    "liver",
    "psofa",
    "psofa_from_record",
    "renal",
    "respiration",
]

SOURCE = "Matics TJ, Sanchez-Pinto LN, JAMA Pediatr 2017;171(10):e172352, Table 1"


@dataclass(frozen=True, slots=True)
class AgeBand:
    """One age band of Matics 2017 Table 1 (``scores/data/psofa.yaml``): MAP limit and creatinine bands.

    ``below`` is the first age in completed months outside the band (None for
    the open top band); ``map_low`` scores 1 point; ``creatinine_bands`` are
    the bands of 4, 3, 2 and 1 points in mg/dL.
    """

    label: str
    below: int | None
    map_low: Threshold
    creatinine_bands: tuple[Band, ...]

    @property
    def map_limit(self) -> float:
        """The MAP (mmHg) below which the band scores 1 point."""
        return self.map_low.bound("mm[Hg]").limit

    @property
    def creatinine(self) -> tuple[float, ...]:
        """The lower creatinine edges (mg/dL) of 1, 2, 3 and 4 points."""
        return tuple(b.threshold.bound("mg/dL").limit for b in reversed(self.creatinine_bands))


def _age_band(index: int, row: dict[str, Any]) -> AgeBand:
    where = f"scores/data/psofa.yaml age_bands[{index}]"
    return AgeBand(
        label=row["label"],
        below=row["below_months"],
        map_low=threshold(row["mean_arterial_pressure"], f"{where}.mean_arterial_pressure"),
        creatinine_bands=bands(row["creatinine"], f"{where}.creatinine"),
    )


AGE_BANDS = tuple(_age_band(i, row) for i, row in enumerate(read_table("psofa")["age_bands"]))
"""Matics 2017 Table 1: MAP (mmHg) for 0 / 1 point and creatinine (mg/dL) for 1-4 points by age."""

BILIRUBIN_EDGES = bands(read_table("psofa")["bilirubin"], "scores/data/psofa.yaml bilirubin")
"""Matics 2017 Table 1, bilirubin mg/dL: 1.2-1.9 -> 1, 2.0-5.9 -> 2, 6.0-11.9 -> 3, > 12.0 -> 4."""

SF_EDGES = bands(read_table("psofa")["spo2_fio2"], "scores/data/psofa.yaml spo2_fio2")
"""Matics 2017 Table 1, SpO2:FiO2 (SpO2 in %): < 292 -> 1, < 264 -> 2, < 221 -> 3 and < 148 -> 4
with respiratory support ("221-264" for 2 overlaps "264-291"; 264 scores 1)."""

SPO2_MAX = 97.0
"""Matics 2017 Table 1 footnote c: only SpO2 of 97 % or lower enters SpO2:FiO2."""

_NOTES = (
    "Age-banded MAP and creatinine as Matics 2017 Table 1; creatinine bands read as half-open "
    "intervals of the printed one-decimal values.",
    "PaO2/FiO2 used when a blood gas exists, else SpO2/FiO2 with SpO2 <= 97 %; "
    "SpO2/FiO2 264 scores 1.",
    "A missing variable is a 0-4 range (Matics et al. scored it 0; docs/clinical-decisions.md §9.9).",
)


def age_in_months(birth: date, at: date) -> int:
    """Completed months of age at ``at`` (a month completes on the day of the month of birth)."""
    if at < birth:
        raise NegativeAgeError(f"age: index date {at} is before the birth date {birth}")
    months = (at.year - birth.year) * 12 + at.month - birth.month
    return months - 1 if at.day < birth.day else months


def age_band(months: int) -> AgeBand:
    """The Matics 2017 age band of an age in completed months."""
    if months < 0:
        raise NegativeAgeError(f"age_months: {months} is negative")
    return next(b for b in AGE_BANDS if b.below is None or months < b.below)


def _bands(age_months: int | None) -> tuple[AgeBand, ...]:
    return AGE_BANDS if age_months is None else (age_band(age_months),)


def _any_age(items: Sequence[Item], bands: Sequence[AgeBand]) -> Item:
    """One item for an unknown age: the range over every age band."""
    if len(items) == 1:
        item = items[0]
        return replace(item, reason=f"{item.reason} (age {bands[0].label})")
    low = min(i.low for i in items)
    high = max(i.high for i in items)
    missing = tuple(dict.fromkeys(m for i in items for m in i.missing))
    if low == high:
        return Item.decided(items[0].name, low, f"{items[0].reason} at any age", items[0].inputs)
    reason = f"age unknown: {low:g}-{high:g} over the age bands"
    return Item.undecided(items[0].name, low, high, reason, items[0].inputs, (*missing, "age"))


def respiration(
    pao2: Quantity | None,
    spo2: Quantity | None,
    fio2: Quantity | None,
    support: bool | None,
) -> Item:
    """Respiration: PaO2/FiO2 if known, else SpO2/FiO2 from SpO2 ≤ 97 % (Matics 2017 Table 1)."""
    inputs = ("PaO2", "SpO2", "FiO2", "respiratory support")
    if pao2 is not None:
        return oxygenation(
            "respiration",
            pao2,
            fio2,
            support,
            PF_EDGES,
            measure_name="PaO2",
            missing_name="PaO2/FiO2",
            inputs=inputs,
        )
    if spo2 is not None and _spo2_percent(spo2) > SPO2_MAX:
        return Item.undecided(
            "respiration",
            0,
            4,
            f"SpO2 {spo2} > 97 % cannot enter SpO2/FiO2 (Matics 2017), and no PaO2",
            inputs,
            ("PaO2/FiO2 or SpO2/FiO2 (SpO2 <= 97 %)",),
        )
    return oxygenation(
        "respiration",
        spo2,
        fio2,
        support,
        SF_EDGES,
        measure_name="SpO2",
        missing_name="PaO2/FiO2 or SpO2/FiO2 (SpO2 <= 97 %)",
        inputs=inputs,
    )


def _spo2_percent(spo2: Quantity) -> float:
    value = spo2.value if spo2.unit == "%" else spo2.to("%")
    if not 0 <= value <= 100:
        raise TrialkitInputError(f"spo2: {spo2} is not a saturation in 0-100 %")
    return value


def liver(bilirubin: Quantity | None) -> Item:
    """Liver: total bilirubin against the mg/dL edges of Matics 2017 Table 1."""
    return sofa_liver(bilirubin, BILIRUBIN_EDGES)


def cardiovascular(
    mean_arterial_pressure: Quantity | None,
    infusions: Sequence[Infusion] | None,
    age_months: int | None,
) -> Item:
    """Cardiovascular: MAP below the age band's limit -> 1, else Vincent's vasoactive tiers."""
    bands = _bands(age_months)
    items = [sofa_cardiovascular(mean_arterial_pressure, infusions, b.map_low) for b in bands]
    return _any_age(items, bands)


def renal(creatinine: Quantity | None, age_months: int | None) -> Item:
    """Renal: creatinine in mg/dL against the age band's half-open edges (Matics 2017 Table 1)."""
    if creatinine is None:
        return Item.undecided("renal", 0, 4, "no creatinine", ("creatinine",), ("creatinine",))
    if creatinine.value < 0:
        raise TrialkitInputError(f"creatinine: {creatinine} is negative")
    bands = _bands(age_months)
    items = []
    for band in bands:
        points, text = points_on(creatinine, band.creatinine_bands)
        items.append(Item.decided("renal", points, f"creatinine {text}", ("creatinine",)))
    return _any_age(items, bands)


@dataclass(frozen=True, slots=True)
class PsofaInputs:
    """Everything pSOFA reads, as reported; None is unknown.

    ``age_months`` is the age in completed months (None: unknown, every age
    band stays possible). ``spo2`` is used only without ``pao2``.
    """

    age_months: int | None = None
    pao2: Quantity | None = None
    spo2: Quantity | None = None
    fio2: Quantity | None = None
    respiratory_support: bool | None = None
    platelets: Quantity | None = None
    bilirubin: Quantity | None = None
    mean_arterial_pressure: Quantity | None = None
    infusions: tuple[Infusion, ...] | None = ()
    gcs: float | None = None
    creatinine: Quantity | None = None


def _result(items: tuple[Item, ...], notes: tuple[str, ...]) -> ScoreResult:
    low, high, missing = span(items)
    return ScoreResult("psofa", "pSOFA", SOURCE, low, high, items, missing, notes=notes)


def psofa(inputs: PsofaInputs) -> ScoreResult:
    """Paediatric SOFA (Matics 2017 Table 1): six systems and their total, or its range."""
    if inputs.age_months is not None:
        age_band(inputs.age_months)  # refuses a negative age before anything else
    items = (
        respiration(inputs.pao2, inputs.spo2, inputs.fio2, inputs.respiratory_support),
        coagulation(inputs.platelets),
        liver(inputs.bilirubin),
        cardiovascular(inputs.mean_arterial_pressure, inputs.infusions, inputs.age_months),
        cns(inputs.gcs),
        renal(inputs.creatinine, inputs.age_months),
    )
    return _result(items, _NOTES)


def _decided_points(item: Item) -> int:
    assert item.points is not None  # a known value in a known age band is decided
    return int(item.points)


def psofa_from_record(
    record: PatientRecord,
    at: datetime,
    *,
    invasive_only: bool = False,
    ventilation_complete: bool = False,
) -> Scored | None:
    """pSOFA from a record: the worst value of each system in the 24 h before ``at``.

    None without a birth date (the age bands need an age). The options are
    those of :func:`trialkit.scores.sofa.sofa_from_record`.
    """
    if record.birth_date is None:
        return None
    months = age_in_months(record.birth_date, at.date())
    band = age_band(months)
    inputs = Inputs(record, at, LOOKBACK)
    breathing = read_oxygenation(
        inputs,
        "lab.pao2",
        "PaO2",
        lambda q, f, s: respiration(q, None, f, s),
        invasive_only=invasive_only,
        ventilation_complete=ventilation_complete,
    ) or read_oxygenation(
        inputs,
        "vital.spo2",
        "SpO2",
        lambda q, f, s: respiration(None, q, f, s),
        invasive_only=invasive_only,
        ventilation_complete=ventilation_complete,
        keep=lambda q: _spo2_percent(q) <= SPO2_MAX,
    )
    if breathing is None:
        # only saturations above 97 %, if any: say why they were not used
        spo2 = inputs.quantity("SpO2", "vital.spo2")
        breathing = respiration(None, spo2, None, None)
    platelets = worst_quantity(
        inputs, "platelets", INPUT_CONCEPTS["platelets"], lambda q: _decided_points(coagulation(q))
    )
    bilirubin = worst_quantity(
        inputs, "bilirubin", INPUT_CONCEPTS["bilirubin"], lambda q: _decided_points(liver(q))
    )
    creatinine = worst_quantity(
        inputs,
        "creatinine",
        INPUT_CONCEPTS["creatinine"],
        lambda q: points_on(q, band.creatinine_bands)[0],
    )
    circulation, notes = read_cardiovascular(inputs, band.map_low)
    items = (
        breathing,
        coagulation(platelets),
        liver(bilirubin),
        replace(circulation, reason=f"{circulation.reason} (age {band.label})"),
        cns(read_gcs(inputs)),
        renal(creatinine, months),
    )
    conventions = (
        f"Age {months} completed months at the index time (band {band.label}).",
        "Worst value of each system in the 24 h before the index time; FiO2 recorded at most "
        "4 h before the measurement.",
        "A vasoactive drug absent from the record counts as not given (the drug chart is taken "
        "as complete).",
    )
    return Scored(_result(items, _NOTES + conventions + tuple(notes)), dict(inputs.evidence))


def assess(record: PatientRecord, at: datetime) -> tuple[Scored, ...]:
    """pSOFA for a patient under 18 years at ``at``; nothing for adults or an unknown age.

    Adults, and records without a birth date, get adult SOFA
    (:func:`trialkit.scores.sofa.assess`), so each patient gets exactly one of the two.
    """
    age = record.age_years(at)
    if age is None or age >= ADULT_AGE_YEARS:
        return ()
    scored = psofa_from_record(record, at)
    return () if scored is None else (scored,)
