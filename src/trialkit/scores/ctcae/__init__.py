"""CTCAE v5.0 grading of laboratory adverse events.

Source: National Cancer Institute. *Common Terminology Criteria for Adverse
Events (CTCAE) version 5.0*, 27 November 2017 (U.S. DHHS, NIH, NCI). The grade
text of every term below was read in the copy that pharmaverse/admiral ships
with its grading rules (``data-raw/adlb_grading/ncictcaev5.json``, Apache-2.0)
and checked against docs/clinical-decisions.md §4; the thresholds are re-expressed as
data in ``ctcae_v5.yaml`` (validated at import into :data:`TERMS`), each term
naming its source. The expected grades of
admiral's ``tests/testthat/test-derive_var_atoxgr.R`` are the independent truth
of ``tests/scores/test_ctcae.py``. Febrile neutropenia is not in the admiral
file (it is not a single lab value); its v5 wording is MEMORY-confirmed in
docs/clinical-decisions.md (§4, §10) and is graded by :func:`febrile_neutropenia`.

How a grade is decided
======================
- The grade is the **highest grade whose condition holds**; grade 0 means no
  adverse event (the value is not beyond the grade 1 limit).
- **LLN/ULN** are the reporting laboratory's limits (paediatric, age-specific
  where the laboratory has them), given in the concept's canonical unit
  (``Term.unit``, the unit of ``Observation.reference_low/high``).
- **Fixed limits** that CTCAE prints in several units (Hb in g/dL, mmol/L and
  g/L; triglycerides in mg/dL and mmol/L; counts per mm³ and ×10⁹/L;
  temperature in °C and °F) are compared **in the unit the laboratory
  reported** when CTCAE prints the limit in it (decision §9.3), so 150 mg/dL and
  1.71 mmol/L (= 151.5 mg/dL) are each a boundary in their own unit.
- Values and limits are rounded to 12 significant digits before they are
  compared, so that a value exactly on a printed limit stays on it after a unit
  conversion (1500/µL = 1.5×10⁹/L); admiral does the same with ``signif()``.
- **Missing inputs are never taken as normal.** A missing LLN, ULN or baseline
  is explored over every value it could take, and the result is the set of
  grades still possible with the inputs that could change it in ``missing``:
  platelets 90×10⁹/L without an LLN is "grade 0–1; missing: LLN" (admiral
  returns no grade there), platelets 60×10⁹/L is grade 2 whatever the LLN.

Term rules and decisions
========================
- **Counts** (neutrophils, platelets, WBC, lymphocytes) and **anaemia**: fixed
  limits for grades 2–4 (anaemia 2–3), ``< LLN`` for grade 1. As in admiral, a
  value below a grade 2 limit is grade 2 even when the laboratory's LLN is lower
  still.
- **ALT / AST / blood bilirubin**: "baseline abnormal" means baseline > ULN
  (admiral's ``BNRIND`` high indicator). With a normal baseline the grade is on
  multiples of ULN; with an abnormal one on multiples of the baseline, where
  ALT/AST below 1.5 × baseline is grade 0 and any bilirubin above the baseline
  is grade 1 (admiral tests 12a, 16a, 18a). The baseline is compared with the
  current ULN. Without a baseline (a screening-time call) the result spans what
  either baseline state would give, with ``missing = ("baseline",)``.
- **Creatinine**: the larger of the ×ULN grade and the ×baseline grade
  (grade 2 > 1.5×, grade 3 > 3× baseline), whatever the baseline was (admiral
  test 26a: 42 µmol/L, ULN 40, baseline 14 → 2).
- **Fibrinogen**: absolute < 50 mg/dL (0.5 g/L) → 4, and "if abnormal" the
  decrease from baseline. CTCAE does not say which value must be abnormal.
  Default ``fibrinogen_abnormal="baseline"`` follows docs/clinical-decisions.md §4 ("if
  abnormal (at baseline)") the way the liver terms read "if baseline was
  abnormal": a baseline ≥ LLN grades on ×LLN bands; a baseline < LLN grades on
  the decrease from it (any decrease → 1, ≥ 25 % → 2, ≥ 50 % → 3, ≥ 75 % → 4;
  none → 0). Taking the larger of both rules instead would make the decrease
  rule a no-op (v ≤ f × baseline < f × LLN already fires the ×LLN band). In an
  HLH trial, where fibrinogen is often low at baseline, this keeps a stable low
  value from being reported as a grade 3 event at every visit.
  ``"value"`` is admiral's reading: ×LLN always, and the decrease too when the
  current value is < LLN (admiral test 28a).
- **Hypertriglyceridemia**: exactly 150 mg/dL (1.71 mmol/L) is grade 1, as the
  CTCAE text "150–300 mg/dL" reads (decision §9.7; admiral gives 0).
- **Hypokalemia**: < LLN–3.0 mmol/L is grade 1 unless a symptom is recorded
  (``symptomatic=True``, finding ``finding.hypokalaemia_symptomatic``) → 2
  (decision §9.7; admiral assigns 2 to every such value).

What a laboratory value cannot decide
=====================================
Grades whose CTCAE text is clinical ("transfusion indicated", "hospitalization
indicated", "life-threatening consequences; urgent intervention indicated",
death) cannot be shown by a lab value: the grade returned is the **lab grade**,
a floor that the investigator may raise (each term's ``clinical`` note says
which). Anaemia: Hb < 80 g/L is grade 3; a recorded ``transfusion_indicated``
with Hb < LLN also gives 3; grade 4 is clinical only. Febrile neutropenia from
labs and temperatures is grade 3; grade 4 is a clinical judgement.

The MedDRA codes of the terms are the vocabulary's (concepts ``ae.<term key>``,
read from a copy of the CTCAE v5.0 spreadsheet: docs/vocabulary-sources.md), where
a FHIR AdverseEvent is recognised by them; ``Term.meddra`` stays None so that a
code is written in one place. Not verified: the v5 febrile neutropenia text (see
above). CTCAE v6 text is deliberately not mixed in.

Modules: :mod:`~trialkit.scores.ctcae.terms` (the schema of ``ctcae_v5.yaml``
and its loader), :mod:`~trialkit.scores.ctcae.compare` (comparisons at 12
significant digits), :mod:`~trialkit.scores.ctcae.references` (the rules on
LLN, ULN or baseline and the search over unknown ones),
:mod:`~trialkit.scores.ctcae.grading` (:func:`grade`),
:mod:`~trialkit.scores.ctcae.febrile` (febrile neutropenia) and
:mod:`~trialkit.scores.ctcae.record` (:func:`assess`).
"""

from __future__ import annotations

from trialkit.scores.ctcae.febrile import febrile_neutropenia, sustained_fever
from trialkit.scores.ctcae.grading import grade
from trialkit.scores.ctcae.record import FEBRILE_WINDOW, LOOKBACK, assess
from trialkit.scores.ctcae.terms import (
    SOURCE,
    TERMS,
    Cut,
    Direction,
    Fixed,
    FixedCut,
    Multiple,
    Term,
    find_term,
)

# the rule schema's type aliases, importable from here as before the split
from trialkit.scores.ctcae.terms import FibrinogenReading as FibrinogenReading
from trialkit.scores.ctcae.terms import Flag as Flag
from trialkit.scores.ctcae.terms import Grade as Grade
from trialkit.scores.ctcae.terms import Reference as Reference
from trialkit.scores.ctcae.terms import Rule as Rule
from trialkit.scores.ctcae.terms import When as When

__all__ = [
    "FEBRILE_WINDOW",
    "LOOKBACK",
    "SOURCE",
    "TERMS",
    "Cut",
    "Direction",
    "Fixed",
    "FixedCut",
    "Multiple",
    "Term",
    "assess",
    "febrile_neutropenia",
    "find_term",
    "grade",
    "sustained_fever",
]
