"""Blind boundary tests for SOFA, pSOFA, HScore and HLH-2004, written from the primary
sources (not from trialkit's code, data files or docs/clinical-decisions.md).

Sources and the words relied on (as reproduced in public pages found with the search tool):

* SOFA -- Vincent JL et al., Intensive Care Med 1996;22:707-710, Table 1, as reproduced in
  Singer M et al., JAMA 2016;315:801 (Sepsis-3) Table 1 (PMC4968574/table/T1):
  "PaO2/FIO2, mm Hg (kPa) | >=400 (53.3) | <400 (53.3) | <300 (40) | <200 (26.7) with
  respiratory support | <100 (13.3) with respiratory support";
  "Platelets, x10^3/uL | >=150 | <150 | <100 | <50 | <20";
  "Bilirubin, mg/dL (umol/L) | <1.2 (20) | 1.2-1.9 (20-32) | 2.0-5.9 (33-101) |
  6.0-11.9 (102-204) | >12.0 (204)";
  "MAP >=70 mm Hg | MAP <70 mm Hg | Dopamine <5 or dobutamine (any dose) | Dopamine 5.1-15 or
  epinephrine <=0.1 or norepinephrine <=0.1 | Dopamine >15 or epinephrine >0.1 or
  norepinephrine >0.1"; "Catecholamine doses are given as ug/kg/min for at least 1 hour";
  "Glasgow Coma Scale score | 15 | 13-14 | 10-12 | 6-9 | <6";
  "Creatinine, mg/dL (umol/L) | <1.2 (110) | 1.2-1.9 (110-170) | 2.0-3.4 (171-299) |
  3.5-4.9 (300-440) | >5.0 (440)"; "Urine output, mL/d | <500 | <200".
  Vincent 1996 itself (reproduced e.g. wddqw.com copy of the original table): "dop <= 5 or dob
  (any dose), 2 | dop > 5 OR epi <= 0.1 OR nor <= 0.1, 3 | dop > 15 OR epi > 0.1 OR
  nor > 0.1, 4"; "< 200 and mechanically ventilated, 3"; "3.5 - 4.9 (or < 500 ml/d), 3 |
  > 5.0 (or < 200 ml/d), 4".
* pSOFA -- Matics TJ, Sanchez-Pinto LN, JAMA Pediatr 2017;171(10):e172352, Table 1
  (reproduced at medicalcriteria.com/web/psofa): "PaO2:FiO2 | >=400 | 300-399 | 200-299 |
  100-199 With respiratory support | <100 With respiratory support"; "SpO2:FiO2 | >=292 |
  264-291 | 221-264 | 148-220 With respiratory support | <148 With respiratory support";
  "Bilirubin, mg/dL | <1.2 | 1.2-1.9 | 2.0-5.9 | 6.0-11.9 | >12.0"; MAP rows "<1 mo >=46 <46 |
  1-11 mo >=55 <55 | 12-23 mo >=60 <60 | 24-59 mo >=62 <62 | 60-143 mo >=65 <65 |
  144-216 mo >=67 <67 | >216 mo >=70 <70"; vasoactive "Dopamine hydrochloride <=5 or
  dobutamine hydrochloride (any) | Dopamine hydrochloride >5 or epinephrine <=0.1 or
  norepinephrine bitartrate <=0.1 | Dopamine hydrochloride >15 or epinephrine >0.1 or
  norepinephrine bitartrate >0.1"; creatinine rows "<1 mo <0.8 | 0.8-0.9 | 1.0-1.1 | 1.2-1.5 |
  >=1.6", "1-11 mo <0.3 | 0.3-0.4 | 0.5-0.7 | 0.8-1.1 | >=1.2", "12-23 mo <0.4 | 0.4-0.5 |
  0.6-1.0 | 1.1-1.4 | >=1.5", "24-59 mo <0.6 | 0.6-0.8 | 0.9-1.5 | 1.6-2.2 | >=2.3",
  "60-143 mo <0.7 | 0.7-1.0 | 1.1-1.7 | 1.8-2.5 | >=2.6", "144-216 mo <1.0 | 1.0-1.6 |
  1.7-2.8 | 2.9-4.1 | >=4.2", ">216 mo <1.2 | 1.2-1.9 | 2.0-3.4 | 3.5-4.9 | >=5".
  The SpO2:FiO2 ratio is used only with SpO2 <= 97 % (Matics, after Khemani); every S/F case
  below keeps SpO2 <= 97 %.
* HScore -- Fardet L et al., Arthritis Rheumatol 2014;66:2613-2620 (table copied in
  Hindawi crirh/2017/5304180 tab3): "Known underlying immunosuppression: 0 (no) or 18 (yes)";
  "Temperature (C): 0 (<38.4), 33 (38.4-39.4), or 49 (>39.4)"; "Organomegaly: 0 (no),
  23 (hepatomegaly or splenomegaly), or 38 (hepatomegaly and splenomegaly)"; "No. of
  cytopenias: 0 (1 lineage), 24 (2 lineages), or 34 (3 lineages)"; "Ferritin (ng/ml): 0
  (<2000), 35 (2000-6000), or 50 (>6000)"; "Triglyceride (mmoles/L): 0 (<1.5), 44 (1.5-4),
  or 64 (>4)"; "Fibrinogen (g/L): 0 (>2.5) or 30 (<=2.5)"; "Serum glutamic oxaloacetic
  transaminase (IU/L): 0 (<30) or 19 (>=30)"; "Hemophagocytosis features on bone marrow
  aspirate: 0 (no) or 35 (yes)"; cytopenia footnote "Defined as a hemoglobin level of
  <=9.2 g/dl and/or a leukocyte count of <=5000 cells/uL and/or a platelet count of
  <=110,000 cells/uL".
* HLH-2004 -- Henter JI et al., Pediatr Blood Cancer 2007;48:124-131, Table I (reproduced in
  Blood, bloodjournal 391697 Table 2, and PMC4227502 Table 2): "Fever"; "Splenomegaly";
  "Cytopenias (affecting >=2 of 3 lineages in the peripheral blood) Hemoglobin <90 g/L
  (hemoglobin <100 g/L in infants <4 wk) Platelets <100 x 10^9/L Neutrophils <1.0 x 10^9/L";
  "Hypertriglyceridemia and/or hypofibrinogenemia Fasting triglycerides >=3.0 mmol/L (ie,
  >=265 mg/dL) Fibrinogen <=1.5 g/L"; "Hemophagocytosis in bone marrow or spleen or lymph
  nodes"; "Low or no NK cell activity"; "Ferritin >=500 ug/L"; "sCD25 (ie, soluble IL-2
  receptor) >=2400 U/mL"; "The diagnosis of HLH can be established if Criterion 1 or 2 is
  fulfilled. 1. A molecular diagnosis consistent with HLH 2. Diagnostic criteria for HLH
  fulfilled (5 of the 8 criteria below)". The fever threshold 38.5 C is not in Henter 2007's
  table; it is HLH-94 / Jordan 2011 ("Fever >= 38.5 C", PMC3204727 Table 1).

General reading for printed one-decimal (or integer) bands that leave gaps ("1.2-1.9" then
"2.0-5.9"): a band runs from its printed lower edge (inclusive) up to the next band's lower
edge (exclusive), so 1.95 mg/dL scores like 1.9. Cases that depend on this reading carry
"ambiguous" in their id. Values exactly on an edge printed as ">12.0"/">5.0" after a band
ending at 11.9/4.9 are also marked ambiguous (reading: the edge belongs to the upper band).
"""

from __future__ import annotations

import pytest

from trialkit.scores import psofa, sofa
from trialkit.scores.hlh2004 import hlh2004
from trialkit.scores.hscore import hscore
from trialkit.units import Quantity


def q(v, u, c):
    return Quantity(v, u, c)


def decided(item):
    assert item.low == item.high, (
        f"item undecided: {item.low}-{item.high} ({getattr(item, 'reason', '')})"
    )
    return item.low


# Expectations were written before the first run and were not changed afterwards; the one
# disagreement (HLH-2004 fever with the finding not given) is triaged beside its test below.


def cases(rows):
    return [pytest.param(*row[1:], id=row[0]) for row in rows]


# ---------------------------------------------------------------- SOFA coagulation
# "Platelets, x10^3/uL | >=150 | <150 | <100 | <50 | <20"
PLT = "lab.platelets"
SOFA_PLT = []
for v, e in [
    (151, 0),
    (150, 0),
    (149, 1),
    (149.5, 1),
    (101, 1),
    (100, 1),
    (99, 2),
    (51, 2),
    (50, 2),
    (49, 3),
    (21, 3),
    (20, 3),
    (19, 4),
    (0, 4),
]:
    SOFA_PLT.append((f"sofa-plt-{v}x10e3/mm3", v, "10*3/mm3", e))
for v, e in [(150, 0), (149, 1), (100, 1), (99, 2), (50, 2), (49, 3), (20, 3), (19, 4)]:
    SOFA_PLT.append((f"sofa-plt-{v}x10e9/L", v, "10*9/L", e))
for v, e in [
    (150000, 0),
    (149000, 1),
    (100000, 1),
    (99000, 2),
    (50000, 2),
    (49000, 3),
    (20000, 3),
    (19000, 4),
]:
    SOFA_PLT.append((f"sofa-plt-{v}/uL", v, "/uL", e))


@pytest.mark.parametrize(("value", "unit", "expected"), cases(SOFA_PLT))
def test_sofa_coagulation(value, unit, expected):
    assert decided(sofa.coagulation(q(value, unit, PLT))) == expected


# ---------------------------------------------------------------- SOFA liver
# "Bilirubin, mg/dL (umol/L) | <1.2 (20) | 1.2-1.9 (20-32) | 2.0-5.9 (33-101) |
#  6.0-11.9 (102-204) | >12.0 (204)"
BILI = "lab.bilirubin_total"
SOFA_BILI = [
    ("sofa-bili-1.1mg", 1.1, "mg/dL", 0),
    ("sofa-bili-1.2mg", 1.2, "mg/dL", 1),
    ("sofa-bili-1.3mg", 1.3, "mg/dL", 1),
    ("sofa-bili-1.9mg", 1.9, "mg/dL", 1),
    ("sofa-bili-1.95mg-ambiguous", 1.95, "mg/dL", 1),
    ("sofa-bili-2.0mg", 2.0, "mg/dL", 2),
    ("sofa-bili-2.1mg", 2.1, "mg/dL", 2),
    ("sofa-bili-5.9mg", 5.9, "mg/dL", 2),
    ("sofa-bili-5.95mg-ambiguous", 5.95, "mg/dL", 2),
    ("sofa-bili-6.0mg", 6.0, "mg/dL", 3),
    ("sofa-bili-6.1mg", 6.1, "mg/dL", 3),
    ("sofa-bili-11.9mg", 11.9, "mg/dL", 3),
    ("sofa-bili-11.95mg-ambiguous", 11.95, "mg/dL", 3),
    # 12.0 is outside "6.0-11.9" and the 4-point band is printed ">12.0": the gap closes at
    # 12.0 under the one-decimal reading (12.0 -> 4).
    ("sofa-bili-12.0mg-ambiguous", 12.0, "mg/dL", 4),
    ("sofa-bili-12.1mg", 12.1, "mg/dL", 4),
    ("sofa-bili-19umol", 19, "umol/L", 0),
    ("sofa-bili-20umol", 20, "umol/L", 1),
    ("sofa-bili-21umol", 21, "umol/L", 1),
    ("sofa-bili-32umol", 32, "umol/L", 1),
    ("sofa-bili-32.5umol-ambiguous", 32.5, "umol/L", 1),
    ("sofa-bili-33umol", 33, "umol/L", 2),
    ("sofa-bili-34umol", 34, "umol/L", 2),
    ("sofa-bili-101umol", 101, "umol/L", 2),
    ("sofa-bili-102umol", 102, "umol/L", 3),
    ("sofa-bili-103umol", 103, "umol/L", 3),
    ("sofa-bili-204umol", 204, "umol/L", 3),  # "102-204" -> 3, ">204" -> 4
    ("sofa-bili-204.5umol", 204.5, "umol/L", 4),
    ("sofa-bili-205umol", 205, "umol/L", 4),
]


@pytest.mark.parametrize(("value", "unit", "expected"), cases(SOFA_BILI))
def test_sofa_liver(value, unit, expected):
    assert decided(sofa.liver(q(value, unit, BILI))) == expected


# ---------------------------------------------------------------- SOFA renal
# "Creatinine, mg/dL (umol/L) | <1.2 (110) | 1.2-1.9 (110-170) | 2.0-3.4 (171-299) |
#  3.5-4.9 (300-440) | >5.0 (440)"; "Urine output, mL/d | <500 | <200"
CREA = "lab.creatinine"
URINE = "vital.urine_output_24h"
SOFA_CREA = [
    ("sofa-crea-1.1mg", 1.1, "mg/dL", 0),
    ("sofa-crea-1.2mg", 1.2, "mg/dL", 1),
    ("sofa-crea-1.3mg", 1.3, "mg/dL", 1),
    ("sofa-crea-1.9mg", 1.9, "mg/dL", 1),
    ("sofa-crea-1.95mg-ambiguous", 1.95, "mg/dL", 1),
    ("sofa-crea-2.0mg", 2.0, "mg/dL", 2),
    ("sofa-crea-3.4mg", 3.4, "mg/dL", 2),
    ("sofa-crea-3.45mg-ambiguous", 3.45, "mg/dL", 2),
    ("sofa-crea-3.5mg", 3.5, "mg/dL", 3),
    ("sofa-crea-3.6mg", 3.6, "mg/dL", 3),
    ("sofa-crea-4.9mg", 4.9, "mg/dL", 3),
    ("sofa-crea-4.95mg-ambiguous", 4.95, "mg/dL", 3),
    ("sofa-crea-5.0mg-ambiguous", 5.0, "mg/dL", 4),  # ">5.0" after "3.5-4.9"
    ("sofa-crea-5.1mg", 5.1, "mg/dL", 4),
    ("sofa-crea-109umol", 109, "umol/L", 0),
    ("sofa-crea-110umol", 110, "umol/L", 1),
    ("sofa-crea-111umol", 111, "umol/L", 1),
    ("sofa-crea-170umol", 170, "umol/L", 1),
    ("sofa-crea-170.5umol-ambiguous", 170.5, "umol/L", 1),
    ("sofa-crea-171umol", 171, "umol/L", 2),
    ("sofa-crea-299umol", 299, "umol/L", 2),
    ("sofa-crea-300umol", 300, "umol/L", 3),
    ("sofa-crea-301umol", 301, "umol/L", 3),
    ("sofa-crea-440umol", 440, "umol/L", 3),  # "300-440" -> 3, ">440" -> 4
    ("sofa-crea-440.5umol", 440.5, "umol/L", 4),
    ("sofa-crea-441umol", 441, "umol/L", 4),
]


@pytest.mark.parametrize(("value", "unit", "expected"), cases(SOFA_CREA))
def test_sofa_renal_creatinine(value, unit, expected):
    # urine output normal (2000 mL/d) so only creatinine decides
    item = sofa.renal(q(value, unit, CREA), q(2000, "mL/d", URINE))
    assert decided(item) == expected


# Vincent: "3.5-4.9 (or < 500 ml/d), 3 | > 5.0 (or < 200 ml/d), 4"
SOFA_URINE = [
    ("sofa-urine-501mL", 501, "mL/d", 0),
    ("sofa-urine-500mL", 500, "mL/d", 0),
    ("sofa-urine-499mL", 499, "mL/d", 3),
    ("sofa-urine-201mL", 201, "mL/d", 3),
    ("sofa-urine-200mL", 200, "mL/d", 3),
    ("sofa-urine-199mL", 199, "mL/d", 4),
    ("sofa-urine-0.5L", 0.5, "L/d", 0),
    ("sofa-urine-0.499L", 0.499, "L/d", 3),
    ("sofa-urine-0.2L", 0.2, "L/d", 3),
    ("sofa-urine-0.199L", 0.199, "L/d", 4),
]


@pytest.mark.parametrize(("value", "unit", "expected"), cases(SOFA_URINE))
def test_sofa_renal_urine(value, unit, expected):
    # creatinine normal (0.8 mg/dL) so only urine output decides
    item = sofa.renal(q(0.8, "mg/dL", CREA), q(value, unit, URINE))
    assert decided(item) == expected


def test_sofa_renal_takes_worse_of_creatinine_and_urine():
    # creatinine 2.0 mg/dL -> 2, urine 150 mL/d -> 4: the renal score is the worse, 4
    assert decided(sofa.renal(q(2.0, "mg/dL", CREA), q(150, "mL/d", URINE))) == 4
    # creatinine 5.1 -> 4, urine 450 -> 3
    assert decided(sofa.renal(q(5.1, "mg/dL", CREA), q(450, "mL/d", URINE))) == 4


# ---------------------------------------------------------------- SOFA CNS
# "Glasgow Coma Scale score | 15 | 13-14 | 10-12 | 6-9 | <6"
SOFA_GCS = [
    (f"sofa-gcs-{g}", g, e)
    for g, e in [
        (15, 0),
        (14, 1),
        (13, 1),
        (12, 2),
        (11, 2),
        (10, 2),
        (9, 3),
        (7, 3),
        (6, 3),
        (5, 4),
        (4, 4),
        (3, 4),
    ]
]


@pytest.mark.parametrize(("gcs", "expected"), cases(SOFA_GCS))
def test_sofa_cns(gcs, expected):
    assert decided(sofa.cns(gcs)) == expected


# ---------------------------------------------------------------- SOFA respiration
# "PaO2/FIO2, mm Hg (kPa) | >=400 (53.3) | <400 (53.3) | <300 (40) | <200 (26.7) with
#  respiratory support | <100 (13.3) with respiratory support"
PAO2 = "lab.pao2"
FIO2 = "vital.fio2"
SOFA_RESP = []
for pf, sup, e in [
    (401, True, 0),
    (400, True, 0),
    (399, True, 1),
    (399.5, False, 1),
    (301, False, 1),
    (300, False, 1),
    (299, False, 2),
    (201, True, 2),
    (200, True, 2),
    (199, True, 3),
    (199.5, True, 3),
    (101, True, 3),
    (100, True, 3),
    (99, True, 4),
    # without respiratory support the 3- and 4-point bands are not reached
    (199, False, 2),
    (99, False, 2),
    (50, False, 2),
]:
    SOFA_RESP.append(
        (f"sofa-pf-{pf}mmHg-{'support' if sup else 'nosupport'}", pf, "mm[Hg]", 1.0, "1", sup, e)
    )
# the same ratio with FiO2 0.5 and as percent
for pao2, fio2, funit, sup, e in [
    (200, 0.5, "1", False, 0),
    (199.5, 0.5, "1", False, 1),
    (150, 50, "%", False, 1),
    (149.5, 50, "%", False, 2),
    (100, 50, "%", True, 2),
    (99.5, 0.5, "1", True, 3),
    (50, 0.5, "1", True, 3),
    (49.5, 0.5, "1", True, 4),
]:
    SOFA_RESP.append(
        (
            f"sofa-pao2-{pao2}mmHg-fio2-{fio2}{funit}-{'support' if sup else 'nosupport'}",
            pao2,
            "mm[Hg]",
            fio2,
            funit,
            sup,
            e,
        )
    )
# kPa edges (Sepsis-3 prints them beside the mmHg edges): PaO2 in kPa, FiO2 1.0
for pf, sup, e, amb in [
    (53.4, False, 0, False),
    (53.3, False, 0, True),
    (53.2, False, 1, False),
    (40.1, False, 1, False),
    (40.0, False, 1, False),
    (39.9, False, 2, False),
    (26.8, True, 2, False),
    (26.7, True, 2, False),
    (26.6, True, 3, False),
    (13.4, True, 3, False),
    (13.3, True, 3, True),
    (13.2, True, 4, False),
    (26.6, False, 2, False),
]:
    SOFA_RESP.append(
        (
            f"sofa-pf-{pf}kPa-{'support' if sup else 'nosupport'}{'-ambiguous' if amb else ''}",
            pf,
            "kPa",
            1.0,
            "1",
            sup,
            e,
        )
    )
# Reading for 53.3 kPa and 13.3 kPa (ambiguous): Sepsis-3 prints the kPa edge itself,
# ">=400 (53.3)" for 0 and "<100 (13.3)" for 4, so a value reported in kPa is compared with the
# printed kPa edge: 53.3 kPa -> 0, 13.3 kPa -> 3. (Converted to mmHg, 53.3 kPa = 399.8 and
# 13.3 kPa = 99.8 mmHg would give 1 and 4.)


@pytest.mark.parametrize(
    ("pao2", "punit", "fio2", "funit", "support", "expected"), cases(SOFA_RESP)
)
def test_sofa_respiration(pao2, punit, fio2, funit, support, expected):
    item = sofa.respiration(q(pao2, punit, PAO2), q(fio2, funit, FIO2), support)
    assert decided(item) == expected


# ---------------------------------------------------------------- SOFA cardiovascular
# "MAP >=70 mm Hg | MAP <70 mm Hg"; Vincent: "dop <= 5 or dob (any dose), 2 | dop > 5 OR
# epi <= 0.1 OR nor <= 0.1, 3 | dop > 15 OR epi > 0.1 OR nor > 0.1, 4"
MAP = "vital.map"
SOFA_CV = [
    ("sofa-map-71", 71, [], 0),
    ("sofa-map-70", 70, [], 0),
    ("sofa-map-69.5", 69.5, [], 1),
    ("sofa-map-69", 69, [], 1),
    ("sofa-dopamine-4.9", 75, [("drug.dopamine", 4.9)], 2),
    # Vincent 1996 prints "dop <= 5" for 2 points (Sepsis-3 reprint: "<5" and "5.1-15"),
    # so 5.0 -> 2 (the primary source decides; Sepsis-3 leaves 5.0 unassigned)
    ("sofa-dopamine-5.0", 75, [("drug.dopamine", 5.0)], 2),
    ("sofa-dopamine-5.1", 75, [("drug.dopamine", 5.1)], 3),
    ("sofa-dopamine-15.0", 75, [("drug.dopamine", 15.0)], 3),
    ("sofa-dopamine-15.1", 75, [("drug.dopamine", 15.1)], 4),
    ("sofa-dobutamine-any", 75, [("drug.dobutamine", 20.0)], 2),
    ("sofa-dobutamine-unknown-rate", 75, [("drug.dobutamine", None)], 2),
    ("sofa-epinephrine-0.05", 75, [("drug.epinephrine", 0.05)], 3),
    ("sofa-epinephrine-0.1", 75, [("drug.epinephrine", 0.1)], 3),
    ("sofa-epinephrine-0.11", 75, [("drug.epinephrine", 0.11)], 4),
    ("sofa-norepinephrine-0.1", 75, [("drug.norepinephrine", 0.1)], 3),
    ("sofa-norepinephrine-0.11", 75, [("drug.norepinephrine", 0.11)], 4),
    ("sofa-map-60-plus-norepinephrine-0.2", 60, [("drug.norepinephrine", 0.2)], 4),
]


@pytest.mark.parametrize(("map_value", "infusions", "expected"), cases(SOFA_CV))
def test_sofa_cardiovascular(map_value, infusions, expected):
    inf = [sofa.Infusion(d, r) for d, r in infusions]
    item = sofa.cardiovascular(q(map_value, "mm[Hg]", MAP), inf)
    assert decided(item) == expected


# ---------------------------------------------------------------- pSOFA age bands
# MAP rows: "<1 mo >=46 <46 | 1-11 mo >=55 <55 | 12-23 mo >=60 <60 | 24-59 mo >=62 <62 |
#  60-143 mo >=65 <65 | 144-216 mo >=67 <67 | >216 mo >=70 <70"
# Age in completed months. Band limits by completed month: 0 -> 46, 1..11 -> 55, 12..23 -> 60,
# 24..59 -> 62, 60..143 -> 65, 144..216 -> 67, 217.. -> 70.
MAP_LIMIT = [
    (0, 46),
    (1, 55),
    (11, 55),
    (12, 60),
    (23, 60),
    (24, 62),
    (59, 62),
    (60, 65),
    (143, 65),
    (144, 67),
    (216, 67),
    (217, 70),
]
PSOFA_MAP = []
for age, lim in MAP_LIMIT:
    for v, e in [(lim + 1, 0), (lim, 0), (lim - 0.5, 1), (lim - 1, 1)]:
        PSOFA_MAP.append((f"psofa-map-{age}mo-{v}", age, v, e))
# values that tell each band boundary apart (the limit of the other side of the boundary)
PSOFA_MAP += [
    ("psofa-map-0mo-50", 0, 50, 0),  # <1 mo band: 50 >= 46
    ("psofa-map-1mo-50", 1, 50, 1),  # 1-11 mo band: 50 < 55
    ("psofa-map-11mo-57", 11, 57, 0),  # 1-11: 57 >= 55
    ("psofa-map-12mo-57", 12, 57, 1),  # 12-23: 57 < 60
    ("psofa-map-23mo-61", 23, 61, 0),  # 12-23: 61 >= 60
    ("psofa-map-24mo-61", 24, 61, 1),  # 24-59: 61 < 62
    ("psofa-map-59mo-63", 59, 63, 0),  # 24-59: 63 >= 62
    ("psofa-map-60mo-63", 60, 63, 1),  # 60-143: 63 < 65
    ("psofa-map-143mo-66", 143, 66, 0),  # 60-143: 66 >= 65
    ("psofa-map-144mo-66", 144, 66, 1),  # 144-216: 66 < 67
    ("psofa-map-216mo-68", 216, 68, 0),  # 144-216 includes 216: 68 >= 67
    ("psofa-map-217mo-68", 217, 68, 1),  # >216: 68 < 70
]


@pytest.mark.parametrize(("age", "map_value", "expected"), cases(PSOFA_MAP))
def test_psofa_cardiovascular_map(age, map_value, expected):
    item = psofa.cardiovascular(q(map_value, "mm[Hg]", MAP), [], age)
    assert decided(item) == expected


PSOFA_VASO = [
    ("psofa-dopamine-5.0", [("drug.dopamine", 5.0)], 2),  # "Dopamine <=5 ... (any)"
    ("psofa-dopamine-5.1", [("drug.dopamine", 5.1)], 3),  # "Dopamine >5"
    ("psofa-dopamine-15.0", [("drug.dopamine", 15.0)], 3),
    ("psofa-dopamine-15.1", [("drug.dopamine", 15.1)], 4),  # "Dopamine >15"
    ("psofa-dobutamine-any", [("drug.dobutamine", 10.0)], 2),
    ("psofa-epinephrine-0.1", [("drug.epinephrine", 0.1)], 3),
    ("psofa-epinephrine-0.11", [("drug.epinephrine", 0.11)], 4),
    ("psofa-norepinephrine-0.1", [("drug.norepinephrine", 0.1)], 3),
    ("psofa-norepinephrine-0.11", [("drug.norepinephrine", 0.11)], 4),
]


@pytest.mark.parametrize(("infusions", "expected"), cases(PSOFA_VASO))
def test_psofa_cardiovascular_vasoactive(infusions, expected):
    inf = [sofa.Infusion(d, r) for d, r in infusions]
    item = psofa.cardiovascular(q(80, "mm[Hg]", MAP), inf, 72)
    assert decided(item) == expected


# ---------------------------------------------------------------- pSOFA creatinine
# rows: lower edges of the 1, 2, 3, 4-point bands, in mg/dL
CREA_ROWS = {
    "lt1mo": ([0], (0.8, 1.0, 1.2, 1.6)),
    "1-11mo": ([1, 11], (0.3, 0.5, 0.8, 1.2)),
    "12-23mo": ([12, 23], (0.4, 0.6, 1.1, 1.5)),
    "24-59mo": ([24, 59], (0.6, 0.9, 1.6, 2.3)),
    "60-143mo": ([60, 143], (0.7, 1.1, 1.8, 2.6)),
    "144-216mo": ([144, 216], (1.0, 1.7, 2.9, 4.2)),
    "gt216mo": ([217], (1.2, 2.0, 3.5, 5.0)),
}
PSOFA_CREA = []
for _band, (ages, edges) in CREA_ROWS.items():
    for age in ages:
        for pts_, edge in enumerate(edges, start=1):
            below = round(edge - 0.1, 1)
            PSOFA_CREA.append((f"psofa-crea-{age}mo-{edge}mg", age, edge, pts_))
            PSOFA_CREA.append((f"psofa-crea-{age}mo-{below}mg", age, below, pts_ - 1))
            # between the printed top of the lower band and this edge (e.g. 0.95 between
            # "0.8-0.9" and "1.0-1.1"): lower-edge-inclusive reading -> the lower band
            mid = round(edge - 0.05, 2)
            PSOFA_CREA.append((f"psofa-crea-{age}mo-{mid}mg-ambiguous", age, mid, pts_ - 1))
        top = edges[-1] + 0.1
        PSOFA_CREA.append((f"psofa-crea-{age}mo-{round(top, 1)}mg", age, round(top, 1), 4))
# Age-band boundaries told apart by creatinine (completed months):
PSOFA_CREA += [
    ("psofa-crea-boundary-0mo-0.5mg", 0, 0.5, 0),  # <1 mo: 0.5 < 0.8
    ("psofa-crea-boundary-1mo-0.5mg", 1, 0.5, 2),  # 1-11 mo: "0.5-0.7" -> 2
    ("psofa-crea-boundary-11mo-0.3mg", 11, 0.3, 1),  # 1-11: "0.3-0.4" -> 1
    ("psofa-crea-boundary-12mo-0.3mg", 12, 0.3, 0),  # 12-23: "<0.4" -> 0
    ("psofa-crea-boundary-23mo-1.1mg", 23, 1.1, 3),  # 12-23: "1.1-1.4" -> 3
    ("psofa-crea-boundary-24mo-1.1mg", 24, 1.1, 2),  # 24-59: "0.9-1.5" -> 2
    ("psofa-crea-boundary-59mo-1.6mg", 59, 1.6, 3),  # 24-59: "1.6-2.2" -> 3
    ("psofa-crea-boundary-60mo-1.6mg", 60, 1.6, 2),  # 60-143: "1.1-1.7" -> 2
    ("psofa-crea-boundary-143mo-1.0mg", 143, 1.0, 1),  # 60-143: "0.7-1.0" -> 1
    ("psofa-crea-boundary-144mo-0.9mg", 144, 0.9, 0),  # 144-216: "<1.0" -> 0
    ("psofa-crea-boundary-216mo-4.2mg", 216, 4.2, 4),  # 144-216: ">=4.2" -> 4
    ("psofa-crea-boundary-217mo-4.2mg", 217, 4.2, 3),  # >216: "3.5-4.9" -> 3
]
# umol/L next to an edge (ambiguous): Matics prints mg/dL only; reading: convert exactly
# (/88.4) and compare with the half-open mg/dL edges, no rounding to one decimal first.
# 141 umol/L = 1.595 mg/dL (<1 mo: "1.2-1.5" -> 3, ">=1.6" -> 4) -> 3;
# 142 umol/L = 1.606 mg/dL -> 4; 371 umol/L = 4.197 mg/dL (144-216 mo: ">=4.2") -> 3.
PSOFA_CREA += [
    ("psofa-crea-0mo-141umol-ambiguous", 0, 141, 3),
    ("psofa-crea-0mo-142umol", 0, 142, 4),
    ("psofa-crea-150mo-371umol-ambiguous", 150, 371, 3),
    ("psofa-crea-150mo-372umol", 150, 372, 4),  # 4.208 mg/dL
]
# umol/L (Matics: "To convert creatinine to micromoles per liter, multiply by 88.4"):
# values well clear of an edge after conversion
PSOFA_CREA += [
    ("psofa-crea-72mo-53umol", 72, 53, 0),  # 0.60 mg/dL, "<0.7"
    ("psofa-crea-72mo-66umol", 72, 66, 1),  # 0.75 mg/dL, "0.7-1.0"
    ("psofa-crea-72mo-106umol", 72, 106, 2),  # 1.20 mg/dL, "1.1-1.7"
    ("psofa-crea-72mo-234umol", 72, 234, 4),  # 2.65 mg/dL, ">=2.6"
]


@pytest.mark.parametrize(
    ("age", "mgdl", "expected"), cases([(r[0], r[1], r[2], r[3]) for r in PSOFA_CREA])
)
def test_psofa_renal(age, mgdl, expected, request):
    unit = "umol/L" if "umol" in request.node.callspec.id else "mg/dL"
    item = psofa.renal(q(mgdl, unit, CREA), age)
    assert decided(item) == expected


# ---------------------------------------------------------------- pSOFA liver
PSOFA_BILI = [
    ("psofa-bili-1.1mg", 1.1, 0),
    ("psofa-bili-1.2mg", 1.2, 1),
    ("psofa-bili-1.9mg", 1.9, 1),
    ("psofa-bili-1.95mg-ambiguous", 1.95, 1),
    ("psofa-bili-2.0mg", 2.0, 2),
    ("psofa-bili-5.9mg", 5.9, 2),
    ("psofa-bili-6.0mg", 6.0, 3),
    ("psofa-bili-11.9mg", 11.9, 3),
    ("psofa-bili-12.0mg-ambiguous", 12.0, 4),
    ("psofa-bili-12.1mg", 12.1, 4),
]


@pytest.mark.parametrize(("value", "expected"), cases(PSOFA_BILI))
def test_psofa_liver(value, expected):
    assert decided(psofa.liver(q(value, "mg/dL", BILI))) == expected


# ---------------------------------------------------------------- pSOFA respiration
# "PaO2:FiO2 | >=400 | 300-399 | 200-299 | 100-199 With respiratory support | <100 With
#  respiratory support"
PSOFA_PF = []
for pf, sup, e, amb in [
    (400, False, 0, False),
    (399, False, 1, False),
    (399.5, False, 1, True),
    (300, False, 1, False),
    (299, False, 2, False),
    (299.5, False, 2, True),
    (200, True, 2, False),
    (199, True, 3, False),
    (199.5, True, 3, True),
    (100, True, 3, False),
    (99, True, 4, False),
    (99.5, True, 4, True),
    (199, False, 2, False),
    (99, False, 2, False),
]:
    PSOFA_PF.append(
        (
            f"psofa-pf-{pf}-{'support' if sup else 'nosupport'}{'-ambiguous' if amb else ''}",
            pf,
            sup,
            e,
        )
    )


@pytest.mark.parametrize(("pf", "support", "expected"), cases(PSOFA_PF))
def test_psofa_respiration_pf(pf, support, expected):
    item = psofa.respiration(q(pf, "mm[Hg]", PAO2), None, q(1.0, "1", FIO2), support)
    assert decided(item) == expected


# "SpO2:FiO2 | >=292 | 264-291 | 221-264 | 148-220 With respiratory support | <148 With
#  respiratory support". FiO2 0.25 or 0.5 so SpO2/FiO2 is exact in binary; all SpO2 <= 97 %.
# 264 is printed in both the 1- and the 2-point band. Reading: 264 -> 1. The 1-point band
# "264-291" is printed the way every other band of the table is (lower edge inclusive, next
# band from the printed top + 1), the 2-point band's "264" is the exclusive top of 221..263
# as "<292"/">=292" shows for the 0/1 edge; and S/F 264 is the published equivalent of
# P/F 300 (Khemani), which scores 1 ("300-399").
PSOFA_SF = []
for spo2, fio2, sup, e, amb in [
    (73.0, 0.25, False, 0, False),  # 292
    (72.75, 0.25, False, 1, False),  # 291
    (72.875, 0.25, False, 1, True),  # 291.5: between "291" and "292" -> 1
    (66.25, 0.25, False, 1, False),  # 265
    (66.0, 0.25, False, 1, True),  # 264: overlap of "264-291" and "221-264"
    (65.875, 0.25, False, 2, True),  # 263.5
    (65.75, 0.25, False, 2, False),  # 263
    (55.25, 0.25, True, 2, False),  # 221
    (55.125, 0.25, True, 3, True),  # 220.5: between "220" and "221" -> 3 (with support)
    (55.0, 0.25, True, 3, False),  # 220
    (74.0, 0.5, True, 3, False),  # 148
    (73.5, 0.5, True, 4, False),  # 147
    (73.75, 0.5, True, 4, False),  # 147.5: "<148" is strict -> 4
    (55.0, 0.25, False, 2, False),  # 220 without support: 3/4 need support -> 2
    (73.5, 0.5, False, 2, False),  # 147 without support -> 2
]:
    sf = spo2 / fio2
    PSOFA_SF.append(
        (
            f"psofa-sf-{sf:g}-{'support' if sup else 'nosupport'}{'-ambiguous' if amb else ''}",
            spo2,
            fio2,
            sup,
            e,
        )
    )


@pytest.mark.parametrize(("spo2", "fio2", "support", "expected"), cases(PSOFA_SF))
def test_psofa_respiration_sf(spo2, fio2, support, expected):
    item = psofa.respiration(None, q(spo2, "%", "vital.spo2"), q(fio2, "1", FIO2), support)
    assert decided(item) == expected


# ---------------------------------------------------------------- HScore
def hitem(result, name):
    [it] = [i for i in result.items if i.name == name]
    return decided(it)


TEMP = "vital.temperature"
# "Temperature (C): 0 (<38.4), 33 (38.4-39.4), or 49 (>39.4)"
HS_TEMP = [
    (f"hscore-temp-{t}C", t, "Cel", e)
    for t, e in [
        (38.3, 0),
        (38.39, 0),
        (38.4, 33),
        (38.5, 33),
        (39.3, 33),
        (39.4, 33),
        (39.45, 49),
        (39.5, 49),
    ]
]
HS_TEMP += [
    ("hscore-temp-100.9F", 100.9, "[degF]", 0),  # 38.28 C
    ("hscore-temp-101.3F", 101.3, "[degF]", 33),  # 38.50 C
    ("hscore-temp-102.7F", 102.7, "[degF]", 33),  # 39.28 C
    ("hscore-temp-103.1F", 103.1, "[degF]", 49),  # 39.50 C
]


@pytest.mark.parametrize(("value", "unit", "expected"), cases(HS_TEMP))
def test_hscore_temperature(value, unit, expected):
    assert hitem(hscore(temperature=q(value, unit, TEMP)), "temperature") == expected


# "Ferritin (ng/ml): 0 (<2000), 35 (2000-6000), or 50 (>6000)"
HS_FERR = [
    (f"hscore-ferritin-{v}{u.replace('/', '')}", v, u, e)
    for u in ("ng/mL", "ug/L")
    for v, e in [
        (1999, 0),
        (1999.5, 0),
        (2000, 35),
        (2001, 35),
        (5999, 35),
        (6000, 35),
        (6000.5, 50),
        (6001, 50),
    ]
]
HS_FERR += [
    ("hscore-ferritin-2mg/L", 2, "mg/L", 35),
    ("hscore-ferritin-6.001mg/L", 6.001, "mg/L", 50),
]


@pytest.mark.parametrize(("value", "unit", "expected"), cases(HS_FERR))
def test_hscore_ferritin(value, unit, expected):
    assert hitem(hscore(ferritin=q(value, unit, "lab.ferritin")), "ferritin") == expected


# "Triglyceride (mmoles/L): 0 (<1.5), 44 (1.5-4), or 64 (>4)"
HS_TG = [
    (f"hscore-tg-{v}mmol", v, "mmol/L", e)
    for v, e in [
        (1.4, 0),
        (1.49, 0),
        (1.5, 44),
        (1.6, 44),
        (3.9, 44),
        (4.0, 44),
        (4.01, 64),
        (4.1, 64),
    ]
]
# mg/dL: Fardet prints mmol/L only; converted with 88.57 (88.5 gives the same answers):
# 132 -> 1.490, 133 -> 1.502, 354 -> 3.997 (4.000 with 88.5), 355 -> 4.008
HS_TG += [
    ("hscore-tg-132mgdl", 132, "mg/dL", 0),
    ("hscore-tg-133mgdl", 133, "mg/dL", 44),
    ("hscore-tg-354mgdl", 354, "mg/dL", 44),
    ("hscore-tg-355mgdl", 355, "mg/dL", 64),
]


@pytest.mark.parametrize(("value", "unit", "expected"), cases(HS_TG))
def test_hscore_triglycerides(value, unit, expected):
    assert (
        hitem(hscore(triglycerides=q(value, unit, "lab.triglycerides")), "triglycerides")
        == expected
    )


# "Fibrinogen (g/L): 0 (>2.5) or 30 (<=2.5)"
HS_FIB = [
    (f"hscore-fib-{v}gL", v, "g/L", e)
    for v, e in [(2.4, 30), (2.49, 30), (2.5, 30), (2.51, 0), (2.6, 0)]
]
HS_FIB += [
    ("hscore-fib-250mgdl", 250, "mg/dL", 30),
    ("hscore-fib-251mgdl", 251, "mg/dL", 0),
    ("hscore-fib-249mgdl", 249, "mg/dL", 30),
]


@pytest.mark.parametrize(("value", "unit", "expected"), cases(HS_FIB))
def test_hscore_fibrinogen(value, unit, expected):
    assert hitem(hscore(fibrinogen=q(value, unit, "lab.fibrinogen")), "fibrinogen") == expected


# "Serum glutamic oxaloacetic transaminase (IU/L): 0 (<30) or 19 (>=30)"
HS_AST = [(f"hscore-ast-{v}UL", v, "U/L", e) for v, e in [(29, 0), (29.5, 0), (30, 19), (31, 19)]]
HS_AST += [
    ("hscore-ast-0.48ukat", 0.48, "ukat/L", 0),  # 28.8 U/L
    ("hscore-ast-0.51ukat", 0.51, "ukat/L", 19),
]  # 30.6 U/L


@pytest.mark.parametrize(("value", "unit", "expected"), cases(HS_AST))
def test_hscore_ast(value, unit, expected):
    assert hitem(hscore(ast=q(value, unit, "lab.ast")), "ast") == expected


# "Organomegaly: 0 (no), 23 (hepatomegaly or splenomegaly), or 38 (hepatomegaly and
#  splenomegaly)"
@pytest.mark.parametrize(
    ("hep", "spl", "expected"),
    cases(
        [
            ("hscore-organ-none", False, False, 0),
            ("hscore-organ-liver", True, False, 23),
            ("hscore-organ-spleen", False, True, 23),
            ("hscore-organ-both", True, True, 38),
        ]
    ),
)
def test_hscore_organomegaly(hep, spl, expected):
    assert hitem(hscore(hepatomegaly=hep, splenomegaly=spl), "organomegaly") == expected


@pytest.mark.parametrize(
    ("name", "kw", "expected"),
    cases(
        [
            ("hscore-immuno-yes", "immunosuppression", True, 18),
            ("hscore-immuno-no", "immunosuppression", False, 0),
            ("hscore-marrow-yes", "marrow_haemophagocytosis", True, 35),
            ("hscore-marrow-no", "marrow_haemophagocytosis", False, 0),
        ]
    ),
)
def test_hscore_yes_no(name, kw, expected):
    assert hitem(hscore(**{name: kw}), name) == expected


# Cytopenias: "hemoglobin level of <=9.2 g/dl and/or a leukocyte count of <=5000 cells/uL
# and/or a platelet count of <=110,000 cells/uL"; "0 (1 lineage), 24 (2 lineages), or 34
# (3 lineages)". Each edge is paired with one definitely cytopenic lineage and one definitely
# normal one, so the item is 24 when the tested lineage counts and 0 when it does not.
HB, WBC = "lab.haemoglobin", "lab.leukocytes"
HS_CYT = []
for v, u, e in [
    (9.2, "g/dL", 24),
    (9.3, "g/dL", 0),
    (9.1, "g/dL", 24),
    (92, "g/L", 24),
    (93, "g/L", 0),
    (92.5, "g/L", 0),
]:
    HS_CYT.append(
        (
            f"hscore-cyto-hb-{v}{u.replace('/', '')}",
            {
                "haemoglobin": q(v, u, HB),
                "leukocytes": q(3.0, "10*9/L", WBC),
                "platelets": q(300, "10*9/L", PLT),
            },
            e,
        )
    )
for v, u, e in [
    (5.0, "10*9/L", 24),
    (5.1, "10*9/L", 0),
    (4.9, "10*9/L", 24),
    (5000, "/uL", 24),
    (5001, "/uL", 0),
    (5.0, "10*3/uL", 24),
]:
    HS_CYT.append(
        (
            f"hscore-cyto-wbc-{v}{u.replace('/', '').replace('*', '')}",
            {
                "haemoglobin": q(80, "g/L", HB),
                "leukocytes": q(v, u, WBC),
                "platelets": q(300, "10*9/L", PLT),
            },
            e,
        )
    )
for v, u, e in [
    (110, "10*9/L", 24),
    (111, "10*9/L", 0),
    (109, "10*9/L", 24),
    (110000, "/uL", 24),
    (110001, "/uL", 0),
    (110, "10*3/mm3", 24),
]:
    HS_CYT.append(
        (
            f"hscore-cyto-plt-{v}{u.replace('/', '').replace('*', '')}",
            {
                "haemoglobin": q(150, "g/L", HB),
                "leukocytes": q(3.0, "10*9/L", WBC),
                "platelets": q(v, u, PLT),
            },
            e,
        )
    )
HS_CYT += [
    (
        "hscore-cyto-three",
        {
            "haemoglobin": q(92, "g/L", HB),
            "leukocytes": q(5.0, "10*9/L", WBC),
            "platelets": q(110, "10*9/L", PLT),
        },
        34,
    ),
    (
        "hscore-cyto-none",
        {
            "haemoglobin": q(93, "g/L", HB),
            "leukocytes": q(5.1, "10*9/L", WBC),
            "platelets": q(111, "10*9/L", PLT),
        },
        0,
    ),
    (
        "hscore-cyto-one",
        {
            "haemoglobin": q(80, "g/L", HB),
            "leukocytes": q(7.0, "10*9/L", WBC),
            "platelets": q(200, "10*9/L", PLT),
        },
        0,
    ),
]


@pytest.mark.parametrize(("kw", "expected"), cases(HS_CYT))
def test_hscore_cytopenias(kw, expected):
    assert hitem(hscore(**kw), "cytopenias") == expected


def test_hscore_total_maximum_and_minimum():
    top = hscore(
        immunosuppression=True,
        temperature=q(40.0, "Cel", TEMP),
        hepatomegaly=True,
        splenomegaly=True,
        haemoglobin=q(80, "g/L", HB),
        leukocytes=q(2.0, "10*9/L", WBC),
        platelets=q(50, "10*9/L", PLT),
        ferritin=q(10000, "ug/L", "lab.ferritin"),
        triglycerides=q(5.0, "mmol/L", "lab.triglycerides"),
        fibrinogen=q(1.0, "g/L", "lab.fibrinogen"),
        ast=q(100, "U/L", "lab.ast"),
        marrow_haemophagocytosis=True,
    )
    assert (top.low, top.high) == (337, 337)  # 18+49+38+34+50+64+30+19+35
    bottom = hscore(
        immunosuppression=False,
        temperature=q(37.0, "Cel", TEMP),
        hepatomegaly=False,
        splenomegaly=False,
        haemoglobin=q(140, "g/L", HB),
        leukocytes=q(7.0, "10*9/L", WBC),
        platelets=q(250, "10*9/L", PLT),
        ferritin=q(100, "ug/L", "lab.ferritin"),
        triglycerides=q(1.0, "mmol/L", "lab.triglycerides"),
        fibrinogen=q(3.0, "g/L", "lab.fibrinogen"),
        ast=q(20, "U/L", "lab.ast"),
        marrow_haemophagocytosis=False,
    )
    assert (bottom.low, bottom.high) == (0, 0)


# ---------------------------------------------------------------- HLH-2004
def crit(result, name):
    [it] = [i for i in result.items if i.name == name]
    return decided(it)


NEUT = "lab.neutrophils"
TG = "lab.triglycerides"
FIB = "lab.fibrinogen"

# Fever: Henter 2007 prints "Fever" only; threshold 38.5 C from HLH-94 / Jordan 2011
# ("Fever >= 38.5 C"). Cases at 38.5 / 38.4 are marked ambiguous for that reason.
# First set: temperature only, the fever finding not given (None = not known). My first
# reading was that a temperature below the threshold decides "not met"; see the triage below.
HLH_FEVER = [
    ("hlh-fever-38.5C-ambiguous", 38.5, "Cel", 1),
    ("hlh-fever-39.0C", 39.0, "Cel", 1),
]


@pytest.mark.parametrize(("value", "unit", "expected"), cases(HLH_FEVER))
def test_hlh_fever(value, unit, expected):
    assert crit(hlh2004(temperature=q(value, unit, TEMP)), "fever") == expected


# Triage by the lead (2026-12-07): the reviewer expected 38.4 C and 37.0 C with the fever
# finding *not given* to decide criterion 1 "not met"; trialkit leaves it open (0-1). Kept as
# trialkit has it: Henter 2007 Table I prints "Fever" as a clinical finding without a number,
# and hlh2004()'s `fever` is that finding; one afebrile reading does not rule out a fever
# documented otherwise. The record adapter (assess) takes charted temperatures as the fever
# record when no finding is recorded, so at the record level these patients are "not met"
# (module docstring of trialkit.scores.hlh2004; the second set below, fever=False).
@pytest.mark.parametrize(
    "value", [38.4, 37.0], ids=["hlh-fever-38.4C-triaged-open", "hlh-fever-37.0C-triaged-open"]
)
def test_hlh_fever_below_threshold_without_the_finding_stays_open(value):
    [item] = [i for i in hlh2004(temperature=q(value, "Cel", TEMP)).items if i.name == "fever"]
    assert (item.low, item.high) == (0, 1)


# Second set: the fever finding recorded as absent, so only the temperature can meet it.
HLH_FEVER_NOFINDING = [
    ("hlh-fever-38.5C-finding-absent-ambiguous", 38.5, "Cel", 1),
    ("hlh-fever-38.4C-finding-absent-ambiguous", 38.4, "Cel", 0),
    ("hlh-fever-38.6C-finding-absent", 38.6, "Cel", 1),
    ("hlh-fever-37.0C-finding-absent", 37.0, "Cel", 0),
    ("hlh-fever-101.3F-finding-absent", 101.3, "[degF]", 1),  # 38.5 C
    ("hlh-fever-100.9F-finding-absent", 100.9, "[degF]", 0),  # 38.28 C
]


@pytest.mark.parametrize(("value", "unit", "expected"), cases(HLH_FEVER_NOFINDING))
def test_hlh_fever_finding_absent(value, unit, expected):
    r = hlh2004(temperature=q(value, unit, TEMP), fever=False)
    assert crit(r, "fever") == expected


def test_hlh_one_part_unknown_other_not_met_is_open():
    # "Hypertriglyceridemia and/or hypofibrinogenemia": triglycerides normal, fibrinogen not
    # known -> the criterion may still be met; a missing value is not normal
    r = hlh2004(triglycerides=q(1.0, "mmol/L", TG))
    [it] = [i for i in r.items if i.name == "hypertriglyceridaemia_or_hypofibrinogenaemia"]
    assert (it.low, it.high) == (0, 1)


# Cytopenias: "Hemoglobin <90 g/L (hemoglobin <100 g/L in infants <4 wk) Platelets
# <100 x 10^9/L Neutrophils <1.0 x 10^9/L", ">=2 of 3 lineages". Each tested lineage is paired
# with one definitely low and one definitely normal lineage.
HLH_CYT = []
for v, u, age, e in [
    (90, "g/L", 3650, 0),
    (89, "g/L", 3650, 1),
    (89.5, "g/L", 3650, 1),
    (9.0, "g/dL", 3650, 0),
    (8.9, "g/dL", 3650, 1),
    (99, "g/L", 27, 1),
    (100, "g/L", 27, 0),  # infant < 4 weeks (27 days)
    (95, "g/L", 28, 0),  # 28 days = 4 weeks: adult limit
    (89, "g/L", 28, 1),
]:
    HLH_CYT.append(
        (
            f"hlh-cyto-hb-{v}{u.replace('/', '')}-{age}d",
            {
                "haemoglobin": q(v, u, HB),
                "age_days": age,
                "platelets": q(50, "10*9/L", PLT),
                "neutrophils": q(3.0, "10*9/L", NEUT),
            },
            e,
        )
    )
for v, u, e in [
    (100, "10*9/L", 0),
    (99, "10*9/L", 1),
    (99.5, "10*9/L", 1),
    (100000, "/uL", 0),
    (99000, "/uL", 1),
    (100, "10*3/uL", 0),
]:
    HLH_CYT.append(
        (
            f"hlh-cyto-plt-{v}{u.replace('/', '').replace('*', '')}",
            {
                "haemoglobin": q(80, "g/L", HB),
                "age_days": 3650,
                "platelets": q(v, u, PLT),
                "neutrophils": q(3.0, "10*9/L", NEUT),
            },
            e,
        )
    )
for v, u, e in [(1.0, "10*9/L", 0), (0.99, "10*9/L", 1), (1000, "/uL", 0), (999, "/uL", 1)]:
    HLH_CYT.append(
        (
            f"hlh-cyto-neut-{v}{u.replace('/', '').replace('*', '')}",
            {
                "haemoglobin": q(130, "g/L", HB),
                "age_days": 3650,
                "platelets": q(50, "10*9/L", PLT),
                "neutrophils": q(v, u, NEUT),
            },
            e,
        )
    )
HLH_CYT += [
    (
        "hlh-cyto-one-lineage",
        {
            "haemoglobin": q(70, "g/L", HB),
            "age_days": 3650,
            "platelets": q(200, "10*9/L", PLT),
            "neutrophils": q(3.0, "10*9/L", NEUT),
        },
        0,
    ),
    (
        "hlh-cyto-three",
        {
            "haemoglobin": q(70, "g/L", HB),
            "age_days": 3650,
            "platelets": q(20, "10*9/L", PLT),
            "neutrophils": q(0.2, "10*9/L", NEUT),
        },
        1,
    ),
]


@pytest.mark.parametrize(("kw", "expected"), cases(HLH_CYT))
def test_hlh_cytopenias(kw, expected):
    assert crit(hlh2004(**kw), "cytopenias") == expected


# "Fasting triglycerides >=3.0 mmol/L (ie, >=265 mg/dL) Fibrinogen <=1.5 g/L": both units of
# triglycerides are separate printed boundaries. 265 mg/dL is 2.99 mmol/L with 88.57, so a
# converted comparison against 3.0 would wrongly say "not met".
HLH_TGF = [
    ("hlh-tg-3.0mmol", q(3.0, "mmol/L", TG), q(3.0, "g/L", FIB), 1),
    ("hlh-tg-2.99mmol", q(2.99, "mmol/L", TG), q(3.0, "g/L", FIB), 0),
    ("hlh-tg-2.9mmol", q(2.9, "mmol/L", TG), q(3.0, "g/L", FIB), 0),
    ("hlh-tg-3.1mmol", q(3.1, "mmol/L", TG), q(3.0, "g/L", FIB), 1),
    ("hlh-tg-265mgdl", q(265, "mg/dL", TG), q(3.0, "g/L", FIB), 1),
    ("hlh-tg-264mgdl", q(264, "mg/dL", TG), q(3.0, "g/L", FIB), 0),
    ("hlh-tg-266mgdl", q(266, "mg/dL", TG), q(3.0, "g/L", FIB), 1),
    ("hlh-fib-1.5gL", q(1.0, "mmol/L", TG), q(1.5, "g/L", FIB), 1),
    ("hlh-fib-1.51gL", q(1.0, "mmol/L", TG), q(1.51, "g/L", FIB), 0),
    ("hlh-fib-1.6gL", q(1.0, "mmol/L", TG), q(1.6, "g/L", FIB), 0),
    ("hlh-fib-1.4gL", q(1.0, "mmol/L", TG), q(1.4, "g/L", FIB), 1),
    ("hlh-fib-150mgdl", q(1.0, "mmol/L", TG), q(150, "mg/dL", FIB), 1),
    ("hlh-fib-151mgdl", q(1.0, "mmol/L", TG), q(151, "mg/dL", FIB), 0),
    ("hlh-tg-and-fib-both", q(4.0, "mmol/L", TG), q(1.0, "g/L", FIB), 1),
]


@pytest.mark.parametrize(("tg", "fib", "expected"), cases(HLH_TGF))
def test_hlh_triglycerides_fibrinogen(tg, fib, expected):
    r = hlh2004(triglycerides=tg, fibrinogen=fib)
    assert crit(r, "hypertriglyceridaemia_or_hypofibrinogenaemia") == expected


def test_hlh_tg_met_alone_with_fibrinogen_unknown():
    # "and/or": one met part is enough, whatever the other
    r = hlh2004(triglycerides=q(3.0, "mmol/L", TG))
    assert crit(r, "hypertriglyceridaemia_or_hypofibrinogenaemia") == 1


# "Ferritin >=500 ug/L"
HLH_FERR = [
    (f"hlh-ferritin-{v}{u.replace('/', '')}", v, u, e)
    for v, u, e in [
        (500, "ug/L", 1),
        (499, "ug/L", 0),
        (499.9, "ug/L", 0),
        (501, "ug/L", 1),
        (500, "ng/mL", 1),
        (499, "ng/mL", 0),
    ]
]


@pytest.mark.parametrize(("value", "unit", "expected"), cases(HLH_FERR))
def test_hlh_ferritin(value, unit, expected):
    assert crit(hlh2004(ferritin=q(value, unit, "lab.ferritin")), "ferritin") == expected


# "sCD25 (ie, soluble IL-2 receptor) >=2400 U/mL"
HLH_SCD25 = [
    (f"hlh-scd25-{v}{u.replace('/', '')}", v, u, e)
    for v, u, e in [
        (2400, "U/mL", 1),
        (2399, "U/mL", 0),
        (2401, "U/mL", 1),
        (2400, "kU/L", 1),
        (2399, "kU/L", 0),
    ]
]


@pytest.mark.parametrize(("value", "unit", "expected"), cases(HLH_SCD25))
def test_hlh_scd25(value, unit, expected):
    assert crit(hlh2004(scd25=q(value, unit, "lab.scd25")), "scd25") == expected


@pytest.mark.parametrize(
    ("kw", "name", "value", "expected"),
    cases(
        [
            ("hlh-splenomegaly-yes", "splenomegaly", "splenomegaly", True, 1),
            ("hlh-splenomegaly-no", "splenomegaly", "splenomegaly", False, 0),
            ("hlh-haemophagocytosis-yes", "haemophagocytosis", "haemophagocytosis", True, 1),
            ("hlh-haemophagocytosis-no", "haemophagocytosis", "haemophagocytosis", False, 0),
            ("hlh-nk-low-yes", "nk_activity_low", "nk_activity", True, 1),
            ("hlh-nk-low-no", "nk_activity_low", "nk_activity", False, 0),
            ("hlh-fever-finding-yes", "fever", "fever", True, 1),
        ]
    ),
)
def test_hlh_yes_no(kw, name, value, expected):
    assert crit(hlh2004(**{kw: value}), name) == expected


def _eight(**over):
    base = {
        "temperature": q(37.0, "Cel", TEMP),
        "fever": False,
        "splenomegaly": False,
        "haemoglobin": q(130, "g/L", HB),
        "age_days": 3650,
        "platelets": q(250, "10*9/L", PLT),
        "neutrophils": q(4.0, "10*9/L", NEUT),
        "triglycerides": q(1.0, "mmol/L", TG),
        "fibrinogen": q(3.0, "g/L", FIB),
        "haemophagocytosis": False,
        "nk_activity_low": False,
        "ferritin": q(100, "ug/L", "lab.ferritin"),
        "scd25": q(500, "U/mL", "lab.scd25"),
        "molecular": False,
    }
    base.update(over)
    return hlh2004(**base)


# "5 of the 8 criteria"
@pytest.mark.parametrize(
    ("over", "count", "category"),
    cases(
        [
            ("hlh-total-0", {}, 0, "not_met"),
            (
                "hlh-total-4",
                {
                    "splenomegaly": True,
                    "haemophagocytosis": True,
                    "nk_activity_low": True,
                    "ferritin": q(500, "ug/L", "lab.ferritin"),
                },
                4,
                "not_met",
            ),
            (
                "hlh-total-5",
                {
                    "splenomegaly": True,
                    "haemophagocytosis": True,
                    "nk_activity_low": True,
                    "ferritin": q(500, "ug/L", "lab.ferritin"),
                    "triglycerides": q(265, "mg/dL", TG),
                },
                5,
                "met",
            ),
            (
                "hlh-total-8",
                {
                    "temperature": q(39.0, "Cel", TEMP),
                    "splenomegaly": True,
                    "haemoglobin": q(80, "g/L", HB),
                    "platelets": q(50, "10*9/L", PLT),
                    "fibrinogen": q(1.5, "g/L", FIB),
                    "haemophagocytosis": True,
                    "nk_activity_low": True,
                    "ferritin": q(5000, "ug/L", "lab.ferritin"),
                    "scd25": q(2400, "U/mL", "lab.scd25"),
                },
                8,
                "met",
            ),
        ]
    ),
)
def test_hlh_total(over, count, category):
    r = _eight(**over)
    assert (r.low, r.high) == (count, count)
    assert r.category == category


def test_hlh_molecular_diagnosis_alone_establishes_hlh():
    # "The diagnosis of HLH can be established if Criterion 1 or 2 is fulfilled.
    #  1. A molecular diagnosis consistent with HLH"
    r = _eight(molecular=True)
    assert r.category == "met"


# ---------------------------------------------------------------- more units / missing data
@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    cases(
        [
            ("sofa-plt-150000/mm3", 150000, "/mm3", 0),
            ("sofa-plt-149000/mm3", 149000, "/mm3", 1),
            ("sofa-plt-20000/mm3", 20000, "/mm3", 3),
            ("sofa-plt-19000/mm3", 19000, "/mm3", 4),
            ("sofa-plt-100x10e3/uL", 100, "10*3/uL", 1),
            ("sofa-plt-99x10e3/uL", 99, "10*3/uL", 2),
        ]
    ),
)
def test_sofa_coagulation_more_units(value, unit, expected):
    assert decided(sofa.coagulation(q(value, unit, PLT))) == expected


def test_sofa_missing_inputs_are_not_normal():
    # README: scores "never treat a missing value as normal"; Vincent gives 0-4 per system
    for item in (sofa.coagulation(None), sofa.liver(None), sofa.cns(None)):
        assert (item.low, item.high) == (0, 4)


def test_sofa_respiration_support_unknown_is_a_range():
    # P/F 150: 2 without support, 3 with ("<200 with respiratory support")
    item = sofa.respiration(q(150, "mm[Hg]", PAO2), q(1.0, "1", FIO2), None)
    assert (item.low, item.high) == (2, 3)


def test_sofa_respiration_room_air_percent():
    # PaO2 80 mmHg on 21 % -> 381 -> "<400" -> 1
    assert decided(sofa.respiration(q(80, "mm[Hg]", PAO2), q(21, "%", FIO2), False)) == 1


def test_sofa_cardiovascular_worst_part():
    # MAP <70 (1) and dopamine 3 (2): the item is the worse, 2
    item = sofa.cardiovascular(q(65, "mm[Hg]", MAP), [sofa.Infusion("drug.dopamine", 3.0)])
    assert decided(item) == 2


def test_sofa_cardiovascular_infusions_unknown_is_open():
    # MAP normal but whether vasoactive drugs were given is not known -> 0..4
    item = sofa.cardiovascular(q(75, "mm[Hg]", MAP), None)
    assert (item.low, item.high) == (0, 4)


def test_hscore_ferritin_mg_per_l_edge():
    # 6 mg/L = 6000 ng/mL, "35 (2000-6000)"
    assert hitem(hscore(ferritin=q(6, "mg/L", "lab.ferritin")), "ferritin") == 35
