"""Kidney function estimates: bedside Schwartz eGFR (children) and Cockcroft–Gault CrCl (adults).

**Bedside Schwartz (2009).** Schwartz GJ, Muñoz A, Schneider MF, et al. *New
equations to estimate GFR in children with CKD.* J Am Soc Nephrol
2009;20(3):629-637 (CKiD cohort): eGFR (mL/min/1.73 m²) = 0.413 × height (cm) /
serum creatinine (mg/dL). Read by the team on the kidney.org and QxMD pages
(docs/clinical-decisions.md §5) and checked again on three calculator pages that print
the same constant and worked examples (100 cm, 0.4 mg/dL → 103; 100 cm, 0.5 mg/dL
→ 82.6).

- *Which constant.* The equation is computed in mg/dL with the published 0.413;
  a creatinine reported in µmol/L is converted with the vocabulary's molar mass
  of creatinine (113.12 g/mol, i.e. 1 mg/dL = 88.40 µmol/L). The µmol/L form
  "36.5 × height / SCr" that calculators print is 0.413 × 88.4 = 36.51 rounded:
  it gives values 0.03 % lower, and using it would make the result depend on
  the unit the laboratory reported. trialkit uses 0.413 for every unit.
- *Validity.* Derived in children aged 1–16 years with CKD and used for about
  1–18 years. Outside that range the value is still computed and a note says
  so; the score is never refused on age.
- *Creatinine assay.* The 0.413 constant assumes an IDMS-traceable (enzymatic)
  creatinine; with a Jaffe assay it is not valid (the old 0.55/0.45/0.7
  constants belong to that assay). Every result carries this note because the
  record does not say which assay was used.

**Cockcroft–Gault (1976).** Cockcroft DW, Gault MH. *Prediction of creatinine
clearance from serum creatinine.* Nephron 1976;16(1):31-41: CrCl (mL/min) =
(140 − age) × weight (kg) / (72 × SCr mg/dL), × 0.85 if female. Not normalised
to body surface area. Decision docs/clinical-decisions.md §9.6: **total body weight**, as
in the original paper; MDCalc and MedCalc-Bench use an adjusted body weight
(BMI ≥ 25: IBW + 0.4 × (TBW − IBW); normal BMI: min(IBW, TBW); BMI < 18.5: TBW),
so their answers agree with this function only for underweight patients or
when their adjusted weight is given as the weight. The equation was derived in
adults; for patients under 18 a note says so.

A formula with a missing input cannot be bounded (a creatinine could be any
value), so it is reported as not computable (``low = high = None``) with the
missing inputs named. The equations have coefficients for female and male only:
a sex recorded as ``other`` or ``unknown`` makes Cockcroft–Gault not computable.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from trialkit.errors import AgeError, NegativeAgeError, TrialkitInputError
from trialkit.record import PatientRecord, Sex
from trialkit.scores.formula import N
from trialkit.scores.inputs import Evidence, Inputs
from trialkit.scores.result import Item, Scored, ScoreResult
from trialkit.units import Quantity

__all__ = [
    "CG_ADULT_AGE",
    "CG_AGE_TERM",
    "CG_CREATININE_FACTOR",
    "CG_FEMALE_FACTOR",
    "CREATININE_LOOKBACK",
    "HEIGHT_LOOKBACK",
    "SCHWARTZ_AGE_RANGE",
    "SCHWARTZ_K",
    "WEIGHT_LOOKBACK",
    "assess",
    "bedside_schwartz",
    "cockcroft_gault",
    "cockcroft_gault_clearance",
    "schwartz_egfr",
]

#: Bedside Schwartz constant, creatinine in mg/dL (Schwartz 2009, J Am Soc Nephrol 20:629).
SCHWARTZ_K = 0.413
#: Ages (years) for which bedside Schwartz is used: [1, 18). Derived in 1–16 y (CKiD,
#: Schwartz 2009); used up to 18 y (kidney.org, docs/clinical-decisions.md §5). Outside: a note.
SCHWARTZ_AGE_RANGE = (1.0, 18.0)

#: Cockcroft & Gault 1976 (Nephron 16:31): (140 − age) × weight / (72 × SCr), × 0.85 if female.
CG_AGE_TERM = 140.0
CG_CREATININE_FACTOR = 72.0
CG_FEMALE_FACTOR = 0.85
#: Cockcroft–Gault was derived in adults (Cockcroft & Gault 1976); younger: a note.
CG_ADULT_AGE = 18.0

#: Adapter look-back windows (trialkit conventions, not from the papers): a creatinine
#: changes within days; a child's height within months (a height a year old
#: under-estimates a growing child's current height, hence eGFR, by a few per cent);
#: a weight within weeks.
CREATININE_LOOKBACK = timedelta(days=7)
HEIGHT_LOOKBACK = timedelta(days=365)
WEIGHT_LOOKBACK = timedelta(days=30)

_IDMS_NOTE = (
    "assumes an IDMS-traceable (enzymatic) creatinine; the 0.413 constant is not valid for "
    "a Jaffe assay"
)
_SCHWARTZ_SOURCE = (
    "Schwartz GJ et al. J Am Soc Nephrol 2009;20:629-637 (bedside CKiD equation, "
    "0.413 × height / SCr mg/dL)"
)
_CG_SOURCE = "Cockcroft DW, Gault MH. Nephron 1976;16:31-41 (total body weight, docs/clinical-decisions.md §9.6)"


def schwartz_egfr(height_cm: N, creatinine_mg_dl: N) -> N:
    """Schwartz 2009: eGFR (mL/min/1.73 m²) = 0.413 × height (cm) / creatinine (mg/dL).

    Written once for the bedside and the SQL compiler (:mod:`trialkit.scores.formula`).
    """
    return SCHWARTZ_K * height_cm / creatinine_mg_dl


def cockcroft_gault_clearance(age_years: N, weight_kg: N, creatinine_mg_dl: N) -> N:
    """Cockcroft & Gault 1976: CrCl (mL/min) = (140 − age) × weight (kg) / (72 × SCr mg/dL).

    The male form; a woman's is × :data:`CG_FEMALE_FACTOR`. Written once for the
    bedside and the SQL compiler (:mod:`trialkit.scores.formula`).
    """
    return (CG_AGE_TERM - age_years) * weight_kg / (CG_CREATININE_FACTOR * creatinine_mg_dl)


def bedside_schwartz(
    height: Quantity | None,
    creatinine: Quantity | None,
    age_years: float | None = None,
) -> ScoreResult:
    """Bedside Schwartz eGFR in mL/min/1.73 m² (Schwartz 2009), unrounded.

    ``height`` in any allowed length unit, ``creatinine`` in mg/dL or µmol/L
    (converted to mg/dL with the vocabulary's molar mass). ``age_years`` only
    decides the validity note. Raises :class:`TrialkitInputError` for a
    height, creatinine or age that is not positive (age may be 0).
    """
    missing = tuple(
        name for name, value in (("height", height), ("creatinine", creatinine)) if value is None
    )
    notes: list[str] = [_IDMS_NOTE]
    if age_years is not None:
        _check_age(age_years)
        low_age, high_age = SCHWARTZ_AGE_RANGE
        if not low_age <= age_years < high_age:
            notes.append(
                f"age {age_years:g} y is outside the validity range of the bedside Schwartz "
                f"equation (derived in children 1–16 y, used for 1–18 y); interpret with care"
            )
    else:
        notes.append("age unknown: the 1–18 y validity range was not checked")
    if height is None or creatinine is None:
        return ScoreResult(
            "schwartz_bedside",
            "Bedside Schwartz eGFR",
            _SCHWARTZ_SOURCE,
            None,
            None,
            missing=missing,
            unit="mL/min/1.73 m²",
            notes=tuple(notes),
        )
    height_cm = _positive("height", height.to("cm"), "cm")
    creatinine_mg_dl = _positive("creatinine", creatinine.to("mg/dL"), "mg/dL")
    egfr = schwartz_egfr(height_cm, creatinine_mg_dl)
    items = (
        Item.decided(
            "height", height_cm, f"height {_shown(height, height_cm, 'cm')}", ("height",), False
        ),
        Item.decided(
            "creatinine",
            creatinine_mg_dl,
            f"creatinine {_shown(creatinine, creatinine_mg_dl, 'mg/dL')}",
            ("creatinine",),
            False,
        ),
    )
    return ScoreResult(
        "schwartz_bedside",
        "Bedside Schwartz eGFR",
        _SCHWARTZ_SOURCE,
        egfr,
        egfr,
        items=items,
        unit="mL/min/1.73 m²",
        notes=tuple(notes),
    )


def cockcroft_gault(
    age_years: float | None,
    weight: Quantity | None,
    creatinine: Quantity | None,
    sex: Sex | None,
) -> ScoreResult:
    """Cockcroft–Gault creatinine clearance in mL/min (1976), total body weight, unrounded.

    Raises :class:`TrialkitInputError` for a weight or creatinine that is not
    positive, a negative age, or an age of 140 years or more (where the
    equation's (140 − age) term is no longer positive).
    """
    known_sex = sex if sex in (Sex.FEMALE, Sex.MALE) else None
    missing = tuple(
        name
        for name, value in (
            ("age", age_years),
            ("weight", weight),
            ("creatinine", creatinine),
            ("sex", known_sex),
        )
        if value is None
    )
    notes: list[str] = ["total body weight (Cockcroft & Gault 1976; decision §9.6)"]
    if sex in (Sex.OTHER, Sex.UNKNOWN):
        notes.append(f"sex recorded as {sex.value}: the equation has female and male forms only")
    if age_years is not None:
        _check_age(age_years)
        if age_years >= CG_AGE_TERM:
            raise AgeError(
                f"age: {age_years:g} years is not below {CG_AGE_TERM:g}; "
                f"the Cockcroft–Gault term (140 − age) must be positive"
            )
        if age_years < CG_ADULT_AGE:
            notes.append(
                f"age {age_years:g} y: Cockcroft–Gault was derived in adults; "
                f"for children use the bedside Schwartz eGFR"
            )
    if age_years is None or weight is None or creatinine is None or known_sex is None:
        return ScoreResult(
            "cockcroft_gault",
            "Cockcroft–Gault creatinine clearance",
            _CG_SOURCE,
            None,
            None,
            missing=missing,
            unit="mL/min",
            notes=tuple(notes),
        )
    weight_kg = _positive("weight", weight.to("kg"), "kg")
    creatinine_mg_dl = _positive("creatinine", creatinine.to("mg/dL"), "mg/dL")
    female = known_sex is Sex.FEMALE
    clearance = cockcroft_gault_clearance(float(age_years), weight_kg, creatinine_mg_dl)
    if female:
        clearance *= CG_FEMALE_FACTOR
    items = (
        Item.decided("age", age_years, f"age {age_years:g} y", ("age",), False),
        Item.decided(
            "weight", weight_kg, f"weight {_shown(weight, weight_kg, 'kg')}", ("weight",), False
        ),
        Item.decided(
            "creatinine",
            creatinine_mg_dl,
            f"creatinine {_shown(creatinine, creatinine_mg_dl, 'mg/dL')}",
            ("creatinine",),
            False,
        ),
        Item.decided(
            "sex",
            CG_FEMALE_FACTOR if female else 1.0,
            f"{known_sex.value}: factor {CG_FEMALE_FACTOR if female else 1.0:g}",
            ("sex",),
            False,
        ),
    )
    return ScoreResult(
        "cockcroft_gault",
        "Cockcroft–Gault creatinine clearance",
        _CG_SOURCE,
        clearance,
        clearance,
        items=items,
        unit="mL/min",
        notes=tuple(notes),
    )


def assess(record: PatientRecord, at: datetime) -> tuple[Scored, ...]:
    """Bedside Schwartz and Cockcroft–Gault from the record at ``at``; both, whatever the age.

    Each reads the latest value at or before ``at``: creatinine within
    :data:`CREATININE_LOOKBACK` (7 days), height within :data:`HEIGHT_LOOKBACK`
    (1 year; children grow, so an old height lowers the eGFR slightly), weight
    within :data:`WEIGHT_LOOKBACK` (30 days). Age is in completed years at
    ``at``. Both results are returned for every patient; the one outside its age
    range carries a note, and a protocol chooses which one it uses.
    """
    inputs = Inputs(record, at, CREATININE_LOOKBACK)
    creatinine = _divisor(inputs, inputs.quantity("creatinine", "lab.creatinine"))
    height = inputs.quantity("height", "vital.height", HEIGHT_LOOKBACK)
    weight = inputs.quantity("weight", "vital.weight", WEIGHT_LOOKBACK)
    age = record.age_years(at)
    window = (
        f"look-back: creatinine {CREATININE_LOOKBACK.days} d, height {HEIGHT_LOOKBACK.days} d, "
        f"weight {WEIGHT_LOOKBACK.days} d"
    )
    schwartz = _with_note(bedside_schwartz(height, creatinine, age), window)
    cg = _with_note(cockcroft_gault(age, weight, creatinine, record.sex), window)
    return (
        Scored(schwartz, _pick(inputs, ("height", "creatinine"))),
        Scored(cg, _pick(inputs, ("weight", "creatinine"))),
    )


def _divisor(inputs: Inputs, creatinine: Quantity | None) -> Quantity | None:
    """The creatinine both formulas divide by; one that is not positive in mg/dL is no input.

    0 is within creatinine's plausible range (a database may hold it, where a
    FHIR bundle is refused for a bad value); the eGFR is then unknown, as the
    SQL compiler reads it, rather than a division by zero.
    """
    if creatinine is None or creatinine.to("mg/dL") > 0:
        return creatinine
    inputs.evidence.pop("creatinine", None)
    return None


def _with_note(result: ScoreResult, note: str) -> ScoreResult:
    return replace(result, notes=(*result.notes, note))


def _pick(inputs: Inputs, names: tuple[str, ...]) -> Evidence:
    return {name: inputs.evidence[name] for name in names if name in inputs.evidence}


def _check_age(age_years: float) -> None:
    if age_years < 0:
        raise NegativeAgeError(f"age: {age_years:g} years is negative")


def _positive(field: str, value: float, unit: str) -> float:
    if not value > 0:
        raise TrialkitInputError(f"{field}: {value:g} {unit} must be positive")
    return value


def _shown(quantity: Quantity, value: float, unit: str) -> str:
    """The value as reported, and converted when the unit differs."""
    return str(quantity) if quantity.unit == unit else f"{quantity} = {value:.4g} {unit}"
