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

Modules: :mod:`~trialkit.scores.sofa.tables` (the points tables and how a value
is scored on them), :mod:`~trialkit.scores.sofa.points` (the six systems and
:func:`sofa`, pure) and :mod:`~trialkit.scores.sofa.record` (the record reader,
shared with pSOFA, and :func:`assess`).
"""

from __future__ import annotations

# ``name as name``: pieces outside __all__ that pSOFA and the SQL compiler
# (eligibility/sql/score_*.py) read, importable from here as before the split
from trialkit.scores.sofa.points import FIO2_BOUNDS as FIO2_BOUNDS
from trialkit.scores.sofa.points import (
    Infusion,
    SofaInputs,
    cardiovascular,
    cns,
    coagulation,
    liver,
    oxygenation,
    renal,
    respiration,
    sofa,
)
from trialkit.scores.sofa.points import fio2_fraction as fio2_fraction
from trialkit.scores.sofa.record import (
    ADULT_AGE_YEARS,
    FIO2_PAIRING,
    LOOKBACK,
    assess,
    sofa_from_record,
)
from trialkit.scores.sofa.record import CATECHOLAMINE_MINIMUM as CATECHOLAMINE_MINIMUM
from trialkit.scores.sofa.record import VENTILATION as VENTILATION
from trialkit.scores.sofa.record import quantity_of as quantity_of
from trialkit.scores.sofa.record import read_cardiovascular as read_cardiovascular
from trialkit.scores.sofa.record import read_gcs as read_gcs
from trialkit.scores.sofa.record import read_infusions as read_infusions
from trialkit.scores.sofa.record import read_oxygenation as read_oxygenation
from trialkit.scores.sofa.record import respiratory_support as respiratory_support
from trialkit.scores.sofa.record import worst_of as worst_of
from trialkit.scores.sofa.record import worst_quantity as worst_quantity
from trialkit.scores.sofa.tables import (
    BILIRUBIN_EDGES,
    CREATININE_EDGES,
    GCS_EDGES,
    INPUT_CONCEPTS,
    MAP_LOW,
    PF_EDGES,
    PLATELET_EDGES,
    SOURCE,
    URINE_EDGES,
    VASOACTIVE_TIERS,
    points_on,
)
from trialkit.scores.sofa.tables import RATE_UNIT as RATE_UNIT
from trialkit.scores.sofa.tables import _tidy as _tidy

__all__ = [
    "ADULT_AGE_YEARS",
    "BILIRUBIN_EDGES",
    "CREATININE_EDGES",
    "FIO2_PAIRING",
    "GCS_EDGES",
    "INPUT_CONCEPTS",
    "LOOKBACK",
    "MAP_LOW",
    "PF_EDGES",
    "PLATELET_EDGES",
    "SOURCE",
    "URINE_EDGES",
    "VASOACTIVE_TIERS",
    "Infusion",
    "SofaInputs",
    "assess",
    "cardiovascular",
    "cns",
    "coagulation",
    "liver",
    "oxygenation",
    "points_on",
    "renal",
    "respiration",
    "sofa",
    "sofa_from_record",
]
