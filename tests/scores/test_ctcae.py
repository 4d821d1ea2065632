"""CTCAE v5.0 lab grading: admiral's vectors, every boundary, missing-input ranges, properties.

Independent truth: the expected grades of pharmaverse/admiral
``tests/testthat/test-derive_var_atoxgr.R`` (cited per table as ADMIRAL plus the
test name), read against ``data-raw/adlb_grading/ncictcaev5.json`` (the CTCAE
v5.0 text). Where trialkit differs on purpose (decisions §9.7 and §9.9 of
docs/clinical-decisions.md, and the fibrinogen reading of §4) the row says so. In
admiral "NA" means "cannot grade"; here it is the range of grades still
possible, with the missing input named.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from strategies import quantity_of
from trialkit.errors import TrialkitInputError, UnitError
from trialkit.record import Condition, Observation, PatientRecord, Sex
from trialkit.record.patient import group_observations
from trialkit.scores.ctcae import (
    FEBRILE_WINDOW,
    LOOKBACK,
    TERMS,
    Direction,
    Fixed,
    Multiple,
    assess,
    febrile_neutropenia,
    find_term,
    grade,
    sustained_fever,
)
from trialkit.scores.result import ScoreResult
from trialkit.units import Quantity
from trialkit.vocab import concept, vocabulary

ADMIRAL = "pharmaverse/admiral tests/testthat/test-derive_var_atoxgr.R"

Expected = int | tuple[int, int]


def q(key: str, value: float, unit: str | None = None) -> Quantity:
    return Quantity(value, unit or TERMS[_TERM_OF[key]].unit, key)


_TERM_OF = {
    "lab.neutrophils": "neutrophil_count_decreased",
    "lab.platelets": "platelet_count_decreased",
    "lab.leukocytes": "white_blood_cell_decreased",
    "lab.lymphocytes": "lymphocyte_count_decreased",
    "lab.haemoglobin": "anemia",
    "lab.alt": "alanine_aminotransferase_increased",
    "lab.ast": "aspartate_aminotransferase_increased",
    "lab.bilirubin_total": "blood_bilirubin_increased",
    "lab.creatinine": "creatinine_increased",
    "lab.triglycerides": "hypertriglyceridemia",
    "lab.fibrinogen": "fibrinogen_decreased",
    "lab.potassium": "hypokalemia",
}


def grades(result: ScoreResult) -> Expected:
    """The decided grade, or (low, high) while missing inputs leave a range."""
    assert result.low is not None
    assert result.high is not None
    if result.low == result.high:
        return int(result.low)
    return int(result.low), int(result.high)


# -- the table --------------------------------------------------------------------------------


def test_the_graded_terms() -> None:
    assert sorted(t.name for t in TERMS.values()) == [
        "Alanine aminotransferase increased",
        "Anemia",
        "Aspartate aminotransferase increased",
        "Blood bilirubin increased",
        "Creatinine increased",
        "Febrile neutropenia",
        "Fibrinogen decreased",
        "Hypertriglyceridemia",
        "Hypokalemia",
        "Lymphocyte count decreased",
        "Neutrophil count decreased",
        "Platelet count decreased",
        "White blood cell decreased",
    ]


@pytest.mark.parametrize("key", sorted(TERMS))
def test_term_units_are_the_vocabulary_canonical_units(key: str) -> None:
    term = TERMS[key]
    row = concept(term.concept)
    assert term.unit == row.unit, "LLN/ULN are documented in the concept's canonical unit"
    for rule in term.rules:
        if isinstance(rule, Fixed):
            for cut in rule.cuts:
                for unit in cut.limits:
                    # every printed unit can express the concept (no UnitError)
                    Quantity(1.0, unit, term.concept).to(row.unit)
    assert len(term.criteria) == 5
    assert term.source.startswith("CTCAE v5.0")


def test_every_term_has_its_own_concept_or_is_febrile_neutropenia() -> None:
    concepts = [t.concept for t in TERMS.values() if t.rules]
    assert len(concepts) == len(set(concepts))
    assert set(concepts) | {"vital.temperature"} <= set(vocabulary())


def test_rules_are_listed_highest_grade_first() -> None:
    with pytest.raises(ValidationError, match="highest grade first"):
        Multiple.model_validate(
            {
                "kind": "multiple",
                "name": "x",
                "reference": "ULN",
                "cuts": [{"grade": 1, "multiple": 1.0}, {"grade": 2, "multiple": 3.0}],
            }
        )


def test_find_term_by_name_any_case_or_key() -> None:
    assert find_term("ANEMIA") is TERMS["anemia"]
    assert find_term("platelet count decreased") is TERMS["platelet_count_decreased"]
    assert find_term("creatinine_increased").name == "Creatinine increased"
    with pytest.raises(TrialkitInputError, match="term: 'Thrombocytopenia'"):
        find_term("Thrombocytopenia")  # the v6 name: v6 is not mixed in


# -- admiral vectors: counts ------------------------------------------------------------------

NA = None

# ADMIRAL "Test 44a: CTCAEv5 Neutrophil count decreased (SI unit)": (AVAL, ANRLO, grade).
NEUTROPHILS = [
    (0.49, 2, 4),
    (0.5, 2, 3),
    (0.99, 2, 3),
    (1, 2, 2),
    (1.49, 2, 2),
    (1.5, 2, 1),
    (1.9, 2, 1),
    (2, 2, 0),
    (0.49, NA, 4),
    (0.5, NA, 3),
    (0.99, NA, 3),
    (1, NA, 2),
    (1.49, NA, 2),
    (1.5, NA, (0, 1)),  # admiral NA: "can NOT grade 0 or 1"
    (1.9, NA, (0, 1)),
    (2, NA, (0, 1)),
]
# ADMIRAL "Test 46a: CTCAEv5 Platelet count decreased (SI unit)".
PLATELETS = [
    (24, 100, 4),
    (25, 100, 3),
    (49, 100, 3),
    (50, 100, 2),
    (74, 100, 2),
    (75, 100, 1),
    (99, 100, 1),
    (100, 100, 0),
    (24, NA, 4),
    (25, NA, 3),
    (49, NA, 3),
    (50, NA, 2),
    (74, NA, 2),
    (75, NA, (0, 1)),
    (99, NA, (0, 1)),
    (100, NA, (0, 1)),
]
# ADMIRAL "Test 50a: CTCAEv5 White blood cell decreased (SI unit)".
LEUKOCYTES = [
    (0.9, 5, 4),
    (1, 5, 3),
    (1.9, 5, 3),
    (2, 5, 2),
    (2.9, 5, 2),
    (3, 5, 1),
    (4.9, 5, 1),
    (5, 5, 0),
    (0.9, NA, 4),
    (1, NA, 3),
    (1.9, NA, 3),
    (2, NA, 2),
    (2.9, NA, 2),
    (3, NA, (0, 1)),
]
# ADMIRAL "Test 40a: CTCAEv5 Lymphocyte count decreased (SI unit)" (its LLN 140 as printed).
LYMPHOCYTES = [
    (0.19, 140, 4),
    (0.2, 140, 3),
    (0.49, 140, 3),
    (0.5, 140, 2),
    (0.79, 140, 2),
    (0.8, 140, 1),
    (1.09, 1.1, 1),
    (1.1, 1.1, 0),
    (0.19, NA, 4),
    (0.2, NA, 3),
    (0.49, NA, 3),
    (0.5, NA, 2),
    (0.79, NA, 2),
    (0.8, NA, (0, 1)),
    (1.09, NA, (0, 1)),
    (1.1, NA, (0, 1)),
]
COUNTS = [
    ("lab.neutrophils", NEUTROPHILS),
    ("lab.platelets", PLATELETS),
    ("lab.leukocytes", LEUKOCYTES),
    ("lab.lymphocytes", LYMPHOCYTES),
]


@pytest.mark.parametrize(
    ("key", "value", "lln", "expected"),
    [(key, *row) for key, rows in COUNTS for row in rows],
)
@pytest.mark.parametrize(
    ("unit", "factor"),
    # admiral's SI, USCV (10^3/uL) and legacy USCV (x 1000) variants of the same vectors
    [("10*9/L", 1), ("10*3/uL", 1), ("/uL", 1000), ("/mm3", 1000)],
)
def test_counts_admiral_vectors(
    key: str, value: float, lln: float | None, expected: Expected, unit: str, factor: int
) -> None:
    result = grade(_TERM_OF[key], q(key, value * factor, unit), lln=lln)
    assert grades(result) == expected
    assert result.missing == (() if isinstance(expected, int) else ("LLN",))


# -- admiral vectors: anaemia ------------------------------------------------------------------

# ADMIRAL "Test 6a: CTCAEv5 Anemia (SI unit)" and "Test 6b" (g/dL: values / 10).
ANAEMIA = [
    (79, 140, 3),
    (80, 140, 2),
    (99, 140, 2),
    (100, 140, 1),
    (139, 140, 1),
    (140, 140, 0),
    (140, NA, (0, 1)),
    (139, NA, (0, 1)),
    (100, NA, (0, 1)),
    (99, NA, 2),
    (79, NA, 3),
]


@pytest.mark.parametrize(("g_l", "lln", "expected"), ANAEMIA)
@pytest.mark.parametrize(("unit", "divisor"), [("g/L", 1), ("g/dL", 10)])
def test_anaemia_admiral_vectors(
    g_l: float, lln: float | None, expected: Expected, unit: str, divisor: int
) -> None:
    # LLN stays in the canonical g/L (the unit of Observation.reference_low)
    result = grade("Anemia", q("lab.haemoglobin", g_l / divisor, unit), lln=lln)
    assert grades(result) == expected


@pytest.mark.parametrize(
    ("mmol_l", "lln", "expected"),
    [
        # CTCAE prints the molar limits 6.2 and 4.9 mmol/L; compared in mmol/L (§9.3)
        (4.89, 140, 3),
        (4.9, 140, 2),
        (6.19, 140, 2),
        (6.2, 140, 1),  # 6.2 mmol/L = 99.9 g/L, but the printed mmol/L limit decides
        (8.6, 140, 1),  # 138.6 g/L < 140
        (8.7, 140, 0),  # 140.2 g/L
    ],
)
def test_anaemia_molar_limits(mmol_l: float, lln: float, expected: int) -> None:
    assert grades(grade("Anemia", q("lab.haemoglobin", mmol_l, "mmol/L"), lln=lln)) == expected


def test_anaemia_transfusion_indicated_is_grade_3_and_grade_4_is_clinical() -> None:
    hb = q("lab.haemoglobin", 95)
    assert grades(grade("Anemia", hb, lln=120)) == 2
    result = grade("Anemia", hb, lln=120, transfusion_indicated=True)
    assert grades(result) == 3
    assert "transfusion indicated recorded → grade 3" in result.items[1].reason
    # Hb < 80 g/L is 3 from the laboratory; no laboratory value gives 4
    assert grades(grade("Anemia", q("lab.haemoglobin", 30), lln=120)) == 3
    assert "clinical judgement" in result.notes[0]
    # the flag needs Hb < LLN: 95 g/L with LLN 90 is grade 2 from the fixed limit only
    # (as admiral, a value below the grade 2 limit is grade 2 even above a lower LLN)
    assert grades(grade("Anemia", hb, lln=90, transfusion_indicated=True)) == 2
    assert (
        grades(grade("Anemia", q("lab.haemoglobin", 125), lln=120, transfusion_indicated=True)) == 0
    )


# -- admiral vectors: liver terms -------------------------------------------------------------

# ADMIRAL "Test 12a: CTCAEv5 Alanine aminotransferase increased" and "Test 16a: CTCAEv5
# Aspartate aminotransferase increased": baseline normal (BASE = ANRHI = 40) ...
LIVER_NORMAL = [(801, 4), (800, 3), (201, 3), (200, 2), (121, 2), (120, 1), (41, 1), (40, 0)]
# ... and baseline abnormal (BASE 40, ANRHI = BASE - 1 = 39, BNRIND high).
LIVER_ABNORMAL = [(801, 4), (800, 3), (201, 3), (200, 2), (121, 2), (120, 1), (60, 1), (59, 0)]


@pytest.mark.parametrize("key", ["lab.alt", "lab.ast"])
@pytest.mark.parametrize(("value", "expected"), LIVER_NORMAL)
def test_transaminases_baseline_normal(key: str, value: float, expected: int) -> None:
    result = grade(_TERM_OF[key], q(key, value), uln=40, baseline=q(key, 40))
    assert grades(result) == expected


@pytest.mark.parametrize("key", ["lab.alt", "lab.ast"])
@pytest.mark.parametrize(("value", "expected"), LIVER_ABNORMAL)
def test_transaminases_baseline_abnormal(key: str, value: float, expected: int) -> None:
    result = grade(_TERM_OF[key], q(key, value), uln=39, baseline=q(key, 40))
    assert grades(result) == expected


def test_transaminases_without_uln_cannot_be_fully_graded() -> None:
    # ADMIRAL test 12a "ANRHI missing - cannot grade": 100 U/L, baseline 40, no ULN. Here the
    # range: a ULN below 40 makes the baseline abnormal (100 >= 1.5 x 40 -> 1); a ULN of 40 or
    # more allows at most 100 / 40 = 2.5 x ULN -> 1. So 0-1, never higher.
    result = grade(
        "Alanine aminotransferase increased", q("lab.alt", 100), baseline=q("lab.alt", 40)
    )
    assert grades(result) == (0, 1)
    assert result.missing == ("ULN",)
    result = grade(
        "Alanine aminotransferase increased", q("lab.alt", 100), baseline=q("lab.alt", 4)
    )
    assert grades(result) == (0, 4)


# ADMIRAL "Test 18a: CTCAEv5 Blood bilirubin increased": the same expected grades with a normal
# baseline (BASE = ANRHI = 40) and an abnormal one (BASE 40, ANRHI 39: any value > BASE is 1).
BILIRUBIN = [(401, 4), (400, 3), (121, 3), (120, 2), (61, 2), (60, 1), (41, 1), (40, 0)]


@pytest.mark.parametrize(("value", "expected"), BILIRUBIN)
@pytest.mark.parametrize("uln", [40, 39])
def test_bilirubin_admiral_vectors(value: float, expected: int, uln: float) -> None:
    key = "lab.bilirubin_total"
    result = grade("Blood bilirubin increased", q(key, value), uln=uln, baseline=q(key, 40))
    assert grades(result) == expected


# ADMIRAL "Test 26a: CTCAEv5 Creatinine increased" (rows with V5 = "Y"): (AVAL, BASE, ANRHI).
CREATININE = [
    (241, 241, 40, 4),
    (240, 230, 40, 3),
    (121, 120, 40, 3),
    (120, 119, 40, 2),
    (61, 60, 40, 2),
    (60, 60, 40, 1),
    (41, 41, 40, 1),
    (40, 40, 40, 0),
    (42, 6, 40, 3),
    (42, 13.9, 40, 3),
    (42, 14, 40, 2),  # the example of docs/clinical-decisions.md §4
    (42.1, 28, 40, 2),
    (42, 42, NA, (0, 4)),  # admiral NA: "ANRHI missing ... cannot grade as NORMAL"
]


@pytest.mark.parametrize(("value", "base", "uln", "expected"), CREATININE)
def test_creatinine_admiral_vectors(
    value: float, base: float, uln: float | None, expected: Expected
) -> None:
    key = "lab.creatinine"
    result = grade("Creatinine increased", q(key, value), uln=uln, baseline=q(key, base))
    assert grades(result) == expected


def test_creatinine_worked_example_items() -> None:
    key = "lab.creatinine"
    result = grade("Creatinine increased", q(key, 42), uln=40, baseline=q(key, 14))
    assert result.category == "grade 2"
    assert result.interpretation == "Grade 2: >1.5 - 3.0 x baseline; >1.5 - 3.0 x ULN"
    by_name = {i.name: i for i in result.items}
    assert by_name["multiples of ULN"].points == 1
    assert by_name["multiples of baseline"].points == 2
    assert (
        "42 umol/L > 1.5 × baseline (21 umol/L) → grade 2"
        in by_name["multiples of baseline"].reason
    )
    assert all(not i.counts for i in result.items)
    assert result.summary() == "CTCAE v5.0 Creatinine increased grade 2 (grade 2)"


# -- admiral vectors: fibrinogen --------------------------------------------------------------

# ADMIRAL "Test 28a: CTCAEv5 Fibrinogen decreased": (AVAL g/L, ANRLO, PCHG %, admiral grade,
# trialkit grade). BASE = AVAL / (1 + PCHG/100). The last column is the default reading
# (fibrinogen_abnormal="baseline", docs/clinical-decisions.md §4): a baseline < LLN switches
# grading to the decrease from baseline, a baseline >= LLN grades on x LLN; it differs from admiral
# (which reads "abnormal" as the current value < LLN and takes the larger of both rules) where
# marked.
FIBRINOGEN = [
    (0.49, NA, NA, 4, 4),
    (0.49, 1, -51, 4, 4),
    (0.5, 2.1, NA, 4, (0, 4)),  # baseline unknown: abnormal -> graded on the decrease
    (0.5, 2.1, -51, 4, 3),  # baseline 1.02 < LLN: 51 % decrease -> 3
    (0.5, 1.1, -75, 4, 3),  # baseline 2.0 >= LLN: 0.5 < 0.5 x LLN -> 3
    (1, 2.1, NA, 3, (0, 3)),
    (1, 2.1, -49, 3, 2),  # baseline 1.96 < LLN: 49 % decrease -> 2
    (1, 2, -50, 3, 2),  # baseline 2.0 = LLN (normal): 1 < 0.75 x LLN -> 2
    (1.5, 2.1, NA, 2, (0, 2)),
    (1.5, 2.1, -10, 2, 1),  # baseline 1.67 < LLN: 10 % decrease -> 1
    (1.5, 1.6, -25, 2, 1),  # baseline 2.0 >= LLN: 1.5 < LLN -> 1
    (2, 2.1, NA, 1, (0, 1)),
    (2, 2.1, 10, 1, 0),  # baseline 1.82 < LLN and the value rose: no decrease -> 0
    (1.5, 1.5, 0, 0, 0),
    (1.5, 1.5, -1, 0, 0),
    (1.5, 1.5, NA, 0, 0),
    (1, NA, -75, NA, (0, 4)),
    (1, NA, -50, NA, (0, 3)),
    (1.5, NA, -25, NA, (0, 2)),
    (1.5, NA, -1, NA, (0, 1)),
    (1.5, NA, 10, NA, 0),  # above a normal baseline, or not below an abnormal one: 0 either way
]


def _fibrinogen(value: float, lln: float | None, pchg: float | None, reading: str) -> ScoreResult:
    base = None if pchg is None else q("lab.fibrinogen", value / (1 + pchg / 100))
    return grade(
        "Fibrinogen decreased",
        q("lab.fibrinogen", value),
        lln=lln,
        baseline=base,
        fibrinogen_abnormal=reading,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(("value", "lln", "pchg", "admiral", "expected"), FIBRINOGEN)
def test_fibrinogen_trialkit_reading(
    value: float, lln: float | None, pchg: float | None, admiral: int | None, expected: Expected
) -> None:
    assert grades(_fibrinogen(value, lln, pchg, "baseline")) == expected


@pytest.mark.parametrize(("value", "lln", "pchg", "admiral", "expected"), FIBRINOGEN)
def test_fibrinogen_admiral_reading_reproduces_admiral(
    value: float, lln: float | None, pchg: float | None, admiral: int | None, expected: Expected
) -> None:
    found = grades(_fibrinogen(value, lln, pchg, "value"))
    if admiral is None:
        assert isinstance(found, tuple)  # admiral cannot grade: a range here
    elif pchg is None and lln is not None:
        # admiral treats an unknown baseline as "rule not applicable"; here the unknown
        # baseline could still raise the grade, so admiral's grade is the low end (§9.9)
        assert (found if isinstance(found, int) else found[0]) == admiral
    else:
        assert found == admiral


def test_fibrinogen_absolute_limit_in_both_units() -> None:
    key = "lab.fibrinogen"
    # "absolute value < 50 mg/dL" -> 4 whatever the LLN or baseline
    assert grades(grade("Fibrinogen decreased", q(key, 49.9, "mg/dL"))) == 4
    assert grades(grade("Fibrinogen decreased", q(key, 0.499))) == 4
    normal = q(key, 3.0)
    assert grades(grade("Fibrinogen decreased", q(key, 50, "mg/dL"), lln=1.5, baseline=normal)) == 3
    assert grades(grade("Fibrinogen decreased", q(key, 0.5), lln=1.5, baseline=normal)) == 3


def test_fibrinogen_lln_band_boundaries() -> None:
    # CTCAE v5.0 fibrinogen with a normal baseline, LLN 4.0 g/L (large, so that the absolute
    # 0.5 g/L limit does not hide the 0.25 x LLN band): <1.0, <0.75, <0.5, <0.25 x LLN
    key = "lab.fibrinogen"
    normal = q(key, 5.0)
    cases = [(4.0, 0), (3.99, 1), (3.0, 1), (2.99, 2), (2.0, 2), (1.99, 3), (1.0, 3), (0.99, 4)]
    for value, expected in cases:
        result = grade("Fibrinogen decreased", q(key, value), lln=4.0, baseline=normal)
        assert grades(result) == expected, value
    # without a baseline the decrease rule could apply instead: a range. 1.5 g/L with LLN 2.0
    # is grade 1 on x LLN; from a baseline below 2.0 it is a decrease of less than 25 %: 0-1
    result = grade("Fibrinogen decreased", q(key, 1.5), lln=2.0)
    assert grades(result) == (0, 1)
    assert result.missing == ("baseline",)


def test_fibrinogen_decrease_boundaries_with_abnormal_baseline() -> None:
    key = "lab.fibrinogen"
    # baseline 3.6 below LLN 4.0: any decrease, >= 25 %, >= 50 %, >= 75 % (0.75, 0.5, 0.25 x)
    base = q(key, 3.6)
    cases = [
        (4.1, 0),
        (3.6, 0),  # no decrease
        (3.59, 1),
        (2.71, 1),
        (2.7, 2),  # 25 % decrease
        (1.81, 2),
        (1.8, 3),  # 50 %
        (0.91, 3),
        (0.9, 4),  # 75 %
    ]
    for value, expected in cases:
        result = grade("Fibrinogen decreased", q(key, value), lln=4.0, baseline=base)
        assert grades(result) == expected, value


# -- hypertriglyceridemia and hypokalemia -----------------------------------------------------

# ADMIRAL "derive_var_atoxgr, test 64: CTCAEv5 Hypertriglyceridemia" (mmol/L).
TRIGLYCERIDES = [
    (11.5, 4),
    (11.4, 3),
    (5.8, 3),
    (5.7, 2),
    (3.43, 2),
    (3.42, 1),
    (1.72, 1),
    (1.71, 1),  # admiral 0 (> 1.71); CTCAE "1.71 - 3.42 mmol/L": grade 1 (decision §9.7)
    (1.70, 0),
]


@pytest.mark.parametrize(("mmol_l", "expected"), TRIGLYCERIDES)
def test_triglycerides_admiral_vectors(mmol_l: float, expected: int) -> None:
    assert grades(grade("Hypertriglyceridemia", q("lab.triglycerides", mmol_l))) == expected


@pytest.mark.parametrize(
    ("mg_dl", "expected"),
    [
        # CTCAE v5.0 Hypertriglyceridemia in mg/dL, each limit at, just below, just above
        (149.9, 0),
        (150, 1),  # exactly 150 mg/dL is grade 1 (decision §9.7)
        (150.1, 1),
        (300, 1),
        (300.1, 2),
        (500, 2),
        (500.1, 3),
        (1000, 3),
        (1000.1, 4),
    ],
)
def test_triglycerides_mg_dl_boundaries(mg_dl: float, expected: int) -> None:
    result = grade("Hypertriglyceridemia", q("lab.triglycerides", mg_dl, "mg/dL"))
    assert grades(result) == expected


def test_triglycerides_are_compared_in_the_unit_reported() -> None:
    # 1.70 mmol/L is below 1.71 (grade 0); the same amount in mg/dL (150.57) is >= 150 (grade 1)
    assert grades(grade("Hypertriglyceridemia", q("lab.triglycerides", 1.70))) == 0
    same = q("lab.triglycerides", 1.70).to("mg/dL")
    assert same == pytest.approx(150.569)
    assert grades(grade("Hypertriglyceridemia", q("lab.triglycerides", same, "mg/dL"))) == 1
    # g/L is printed in neither unit: converted to mg/dL (same dimension, no molar mass)
    assert grades(grade("Hypertriglyceridemia", q("lab.triglycerides", 1.5, "g/L"))) == 1
    assert grades(grade("Hypertriglyceridemia", q("lab.triglycerides", 1.49, "g/L"))) == 0


# ADMIRAL "derive_var_atoxgr, test 76: CTCAEv5 Hypokalemia" (its grade-2 rows are our grade 1).
HYPOKALAEMIA = [
    (2.49, 4, 4),
    (2.5, 4, 3),
    (2.9, 4, 3),
    (3, 4, 1),  # admiral 2 ("assume symptomatic"); grade 1 unless a symptom is recorded (§9.7)
    (3.9, 4, 1),  # admiral 2, as above
    (4, 4, 0),
    (2.49, NA, 4),
    (2.5, NA, 3),
    (2.9, NA, 3),
    (3, NA, (0, 1)),
    (3.9, NA, (0, 1)),
    (4, NA, (0, 1)),
]


@pytest.mark.parametrize(("value", "lln", "expected"), HYPOKALAEMIA)
def test_hypokalaemia_admiral_vectors(value: float, lln: float | None, expected: Expected) -> None:
    assert grades(grade("Hypokalemia", q("lab.potassium", value), lln=lln)) == expected


def test_hypokalaemia_symptomatic_is_grade_2_only_below_lln() -> None:
    k = "lab.potassium"
    assert grades(grade("Hypokalemia", q(k, 3.2), lln=3.5, symptomatic=True)) == 2
    assert grades(grade("Hypokalemia", q(k, 3.2), lln=3.5, symptomatic=False)) == 1
    assert grades(grade("Hypokalemia", q(k, 3.6), lln=3.5, symptomatic=True)) == 0
    assert grades(grade("Hypokalemia", q(k, 2.8), lln=3.5, symptomatic=True)) == 3
    result = grade("Hypokalemia", q(k, 3.2), symptomatic=True)
    assert grades(result) == (0, 2)
    assert result.missing == ("LLN",)
    assert grades(grade("Hypokalemia", q(k, 3.2, "meq/L"), lln=3.5)) == 1


# -- boundaries of the relative rules ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    # CTCAE v5.0 ALT, baseline normal, ULN 40: >ULN, >3.0, >5.0, >20.0 x ULN
    [(40, 0), (40.01, 1), (120, 1), (120.01, 2), (200, 2), (200.01, 3), (800, 3), (800.01, 4)],
)
def test_alt_uln_boundaries(value: float, expected: int) -> None:
    result = grade(
        "alanine_aminotransferase_increased", q("lab.alt", value), uln=40, baseline=q("lab.alt", 30)
    )
    assert grades(result) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    # CTCAE v5.0 ALT, baseline abnormal 100 U/L (ULN 40): 1.5 (inclusive), >3.0, >5.0, >20.0 x baseline
    [(149.99, 0), (150, 1), (300, 1), (300.01, 2), (500, 2), (500.01, 3), (2000, 3), (2000.01, 4)],
)
def test_alt_baseline_boundaries(value: float, expected: int) -> None:
    result = grade(
        "alanine_aminotransferase_increased",
        q("lab.alt", value),
        uln=40,
        baseline=q("lab.alt", 100),
    )
    assert grades(result) == expected


@pytest.mark.parametrize(
    ("value", "base", "expected"),
    # CTCAE v5.0 creatinine, ULN 60: >ULN, >1.5, >3.0, >6.0 x ULN; >1.5, >3.0 x baseline
    [
        (60, 60, 0),
        (60.01, 60, 1),
        (90, 60, 1),
        (90.01, 60, 2),
        (180, 60, 2),
        (180.01, 60, 3),
        (360, 60, 3),
        (360.01, 60, 4),
        (45, 30, 0),
        (45.01, 30, 2),
        (90, 30, 2),
        (90.01, 30, 3),
    ],
)
def test_creatinine_boundaries(value: float, base: float, expected: int) -> None:
    k = "lab.creatinine"
    assert (
        grades(grade("Creatinine increased", q(k, value), uln=60, baseline=q(k, base))) == expected
    )


def test_bilirubin_in_mg_dl_is_graded_against_limits_in_umol_l() -> None:
    k = "lab.bilirubin_total"
    # ULN 21 umol/L; mg/dL x 17.1 (584.66 g/mol): 1.2 -> 20.5 (0), 1.8 -> 30.8 (<= 31.5: 1),
    # 2.0 -> 34.2 (> 1.5 x ULN: 2)
    for mg_dl, expected in [(1.2, 0), (1.8, 1), (2.0, 2)]:
        result = grade("Blood bilirubin increased", q(k, mg_dl, "mg/dL"), uln=21, baseline=q(k, 10))
        assert grades(result) == expected, mg_dl


# -- missing inputs ---------------------------------------------------------------------------


def test_screening_call_without_baseline_gives_the_range_the_baseline_could_add() -> None:
    alt = "lab.alt"
    # ULN rule: 100 U/L = 2.5 x ULN -> 1; an abnormal baseline (> 40) could make it 0
    result = grade("Alanine aminotransferase increased", q(alt, 100), uln=40)
    assert grades(result) == (0, 1)
    assert result.missing == ("baseline",)
    assert result.possible == ("grade 0", "grade 1")
    assert result.category is None
    assert result.summary() == (
        "CTCAE v5.0 Alanine aminotransferase increased grade 0–1 (grade 0 or grade 1); "
        "missing: baseline"
    )
    # within ULN: 0 whatever the baseline (an abnormal baseline only lowers the grade)
    result = grade("Alanine aminotransferase increased", q(alt, 35), uln=40)
    assert grades(result) == 0
    assert result.missing == ()
    # creatinine: the ULN rule gives 1; a low baseline could give up to 3
    result = grade("Creatinine increased", q("lab.creatinine", 42), uln=40)
    assert grades(result) == (1, 3)
    assert result.missing == ("baseline",)
    # bilirubin 2.5 x ULN: 2 with a normal baseline, 0-2 with an abnormal one
    result = grade("Blood bilirubin increased", q("lab.bilirubin_total", 50), uln=20)
    assert grades(result) == (0, 2)


def test_missing_uln_and_baseline_together() -> None:
    result = grade("Alanine aminotransferase increased", q("lab.alt", 100))
    assert grades(result) == (0, 4)
    assert result.missing == ("ULN", "baseline")
    items = {i.name: i for i in result.items}
    assert items["multiples of ULN (baseline normal)"].missing == ("ULN", "baseline")
    # a known baseline bounds what an unknown ULN can give: 50 vs baseline 45 -> at most 1
    result = grade(
        "Alanine aminotransferase increased", q("lab.alt", 50), baseline=q("lab.alt", 45)
    )
    assert grades(result) == (0, 1)
    assert result.missing == ("ULN",)


def test_undecided_items_name_what_is_missing() -> None:
    result = grade("Platelet count decreased", q("lab.platelets", 90))
    fixed, below = result.items
    assert fixed.points == 0
    assert fixed.reason == "90 10*9/L ≥ 75 10*9/L: no grade from this rule"
    assert below.points is None
    assert (below.low, below.high, below.missing) == (0, 1, ("LLN",))
    assert below.inputs == ("platelets", "LLN")
    assert result.interpretation is None


# -- input errors -----------------------------------------------------------------------------


def test_input_errors_name_the_field() -> None:
    with pytest.raises(TrialkitInputError, match=r"value: 2 10\*9/L is a lab\.platelets value"):
        grade("Anemia", q("lab.platelets", 2))
    with pytest.raises(TrialkitInputError, match="value: -1 g/L must be a finite value >= 0"):
        grade("Anemia", Quantity(-1, "g/L", "lab.haemoglobin"))
    with pytest.raises(TrialkitInputError, match="lln: 0 g/L must be a finite value > 0"):
        grade("Anemia", q("lab.haemoglobin", 100), lln=0)
    with pytest.raises(TrialkitInputError, match="lln: 50 U/L is above uln 40"):
        grade("Alanine aminotransferase increased", q("lab.alt", 100), lln=50, uln=40)
    with pytest.raises(TrialkitInputError, match=r"baseline: .* is a lab\.ast value"):
        grade("Alanine aminotransferase increased", q("lab.alt", 100), baseline=q("lab.ast", 1))
    with pytest.raises(TrialkitInputError, match="use febrile_neutropenia"):
        grade("Febrile neutropenia", q("lab.neutrophils", 0.2))
    with pytest.raises(TrialkitInputError, match="fibrinogen_abnormal"):
        grade("Fibrinogen decreased", q("lab.fibrinogen", 1), fibrinogen_abnormal="both")  # type: ignore[arg-type]
    with pytest.raises(UnitError):
        grade("Anemia", Quantity(9, "/uL", "lab.haemoglobin"), lln=120)


# -- febrile neutropenia ----------------------------------------------------------------------

T0 = datetime(2025, 6, 1, 8, 0)


def anc(value: float, unit: str = "10*9/L") -> Quantity:
    return Quantity(value, unit, "lab.neutrophils")


def temp(value: float, unit: str = "Cel") -> Quantity:
    return Quantity(value, unit, "vital.temperature")


@pytest.mark.parametrize(
    ("count", "peak", "sustained", "expected"),
    [
        # CTCAE v5.0 febrile neutropenia grade 3: ANC < 1000/mm3 and > 38.3 °C once
        (anc(0.99), temp(38.4), None, 3),
        (anc(999, "/mm3"), temp(38.31), False, 3),
        (anc(1.0), temp(39.5), True, 0),  # ANC 1000/mm3 is not < 1000
        (anc(1000, "/mm3"), temp(39.5), True, 0),
        (anc(0.2), temp(38.3), False, 0),  # 38.3 is not > 38.3
        (anc(0.2), temp(38.3), True, 3),  # ... but >= 38 sustained > 1 h
        (anc(0.2), temp(101.0, "[degF]"), False, 0),  # 101 °F is not > 101 °F (§9.3)
        (anc(0.2), temp(101.1, "[degF]"), False, 3),
        (anc(0.2), temp(38.34), False, 3),  # 38.34 °C = 101.01 °F
        (anc(0.2), temp(37.0), False, 0),
        (None, temp(37.0), False, 0),  # no fever: not febrile neutropenia, whatever the ANC
        (None, temp(39.0), None, (0, 3)),
        (anc(0.2), None, None, (0, 3)),
        (anc(0.2), temp(38.0), None, (0, 3)),  # sustained unknown
        (anc(2.0), None, None, 0),
    ],
)
def test_febrile_neutropenia(
    count: Quantity | None, peak: Quantity | None, sustained: bool | None, expected: Expected
) -> None:
    result = febrile_neutropenia(count, peak, sustained=sustained)
    assert grades(result) == expected
    if isinstance(expected, tuple):
        assert result.possible == ("grade 0", "grade 3")
        assert result.missing
    assert "grade 4" in result.notes[0]
    assert result.score == "ctcae.febrile_neutropenia"


def test_febrile_neutropenia_missing_names() -> None:
    assert febrile_neutropenia(None, None).missing == ("ANC", "temperature")
    assert febrile_neutropenia(anc(0.1), None).missing == ("temperature",)
    result = febrile_neutropenia(anc(0.1), temp(39))
    assert result.category == "grade 3"
    assert result.interpretation is not None
    assert result.interpretation.startswith("Grade 3: ANC <1000/mm3")


def test_sustained_fever() -> None:
    hot, cool = temp(38.0), temp(37.9)
    assert sustained_fever([]) is None
    assert sustained_fever([(T0, hot), (T0 + timedelta(minutes=61), hot)]) is True
    assert sustained_fever([(T0, hot), (T0 + timedelta(minutes=60), hot)]) is False  # "> 1 h"
    interrupted = [(T0, hot), (T0 + timedelta(minutes=30), cool), (T0 + timedelta(minutes=90), hot)]
    assert sustained_fever(interrupted) is False
    unordered = [(T0 + timedelta(hours=2), hot), (T0, hot), (T0 + timedelta(hours=1), hot)]
    assert sustained_fever(unordered) is True
    assert (
        sustained_fever(
            [(T0, temp(100.4, "[degF]")), (T0 + timedelta(hours=2), temp(100.4, "[degF]"))]
        )
        is True
    )
    assert sustained_fever([(T0, temp(100.3, "[degF]")), (T0 + timedelta(hours=2), hot)]) is False


# -- the record adapter -----------------------------------------------------------------------

AT = datetime(2025, 6, 15, 12, 0)
_SEQ = iter(range(10_000))


def obs(
    key: str,
    value: float,
    unit: str,
    at: datetime,
    low: float | None = None,
    high: float | None = None,
    end: datetime | None = None,
) -> Observation:
    quantity = Quantity(value, unit, key)
    canonical = quantity.to(concept(key).unit or unit)
    return Observation(
        key, f"Observation/{next(_SEQ)}", at, end, canonical, quantity, (), low, high
    )


def flag(key: str, value: bool, at: datetime) -> Observation:
    return Observation(key, f"Observation/{next(_SEQ)}", at, None, value)


def record(*items: Observation, conditions: tuple[Condition, ...] = ()) -> PatientRecord:
    return PatientRecord(
        "p1", None, Sex.FEMALE, observations=group_observations(items), conditions=conditions
    )


def test_assess_grades_the_latest_value_of_each_term() -> None:
    old_alt = obs("lab.alt", 500, "U/L", AT - timedelta(days=20), high=40)
    alt = obs("lab.alt", 130, "U/L", AT - timedelta(days=1), high=40)
    platelets = obs("lab.platelets", 60_000, "/uL", AT - timedelta(days=2), low=150, high=400)
    stale = obs("lab.haemoglobin", 60, "g/L", AT - LOOKBACK - timedelta(minutes=1), low=115)
    found = {s.result.score: s for s in assess(record(old_alt, alt, platelets, stale), AT)}
    assert set(found) == {
        "ctcae.alanine_aminotransferase_increased",
        "ctcae.platelet_count_decreased",
    }
    scored = found["ctcae.platelet_count_decreased"]
    assert grades(scored.result) == 2
    assert scored.evidence["platelets"] == (platelets,)
    assert scored.evidence["LLN"] == (platelets,)
    # no baseline date: the ALT baseline is unknown (130 = 3.25 x ULN -> 2, or 0-2 if abnormal)
    scored = found["ctcae.alanine_aminotransferase_increased"]
    assert grades(scored.result) == (0, 2)
    assert scored.result.missing == ("baseline",)
    assert "baseline unknown" in scored.result.notes[-1]


def test_assess_baseline_at() -> None:
    baseline = obs("lab.alt", 100, "U/L", AT - timedelta(days=30), high=40)
    later = obs("lab.alt", 130, "U/L", AT - timedelta(days=1), high=40)
    rec = record(baseline, later)
    start = AT - timedelta(days=20)
    (scored,) = assess(rec, AT, baseline_at=start)
    # baseline 100 > ULN: 130 < 1.5 x 100 -> 0
    assert grades(scored.result) == 0
    assert scored.evidence["baseline"] == (baseline,)
    assert scored.result.items[1].inputs == ("ALT", "ULN", "baseline")
    # a screening call (before the baseline date) has no baseline
    (scored,) = assess(
        rec, start - timedelta(days=5), baseline_at=start, lookback=timedelta(days=30)
    )
    assert "baseline" not in scored.evidence
    assert scored.result.missing == ("baseline",)


def test_assess_limits_fallback_and_findings() -> None:
    k = obs("lab.potassium", 3.3, "mmol/L", AT - timedelta(hours=3))
    hb = obs("lab.haemoglobin", 9.0, "g/dL", AT - timedelta(hours=3), low=115)
    rec = record(
        k,
        hb,
        flag("finding.hypokalaemia_symptomatic", True, AT - timedelta(hours=2)),
        flag("finding.transfusion_indicated", True, AT - timedelta(hours=1)),
    )
    found = {s.result.score: s for s in assess(rec, AT)}
    # potassium without a reference range: LLN unknown
    assert grades(found["ctcae.hypokalemia"].result) == (0, 2)
    found = {s.result.score: s for s in assess(rec, AT, limits={"lab.potassium": (3.5, 5.0)})}
    assert grades(found["ctcae.hypokalemia"].result) == 2
    assert "symptomatic" in found["ctcae.hypokalemia"].evidence
    assert "LLN" not in found["ctcae.hypokalemia"].evidence  # came from the parameters
    assert grades(found["ctcae.anemia"].result) == 3
    assert "transfusion_indicated" in found["ctcae.anemia"].evidence


def test_assess_fibrinogen_reading_is_passed_through() -> None:
    base = obs("lab.fibrinogen", 1.0, "g/L", AT - timedelta(days=10), low=2.0)
    now = obs("lab.fibrinogen", 0.9, "g/L", AT, low=2.0)
    rec = record(base, now)
    (scored,) = assess(rec, AT, baseline_at=AT - timedelta(days=9))
    assert grades(scored.result) == 1  # 10 % decrease from an abnormal baseline
    (scored,) = assess(rec, AT, baseline_at=AT - timedelta(days=9), fibrinogen_abnormal="value")
    assert grades(scored.result) == 3  # 0.9 < 0.5 x LLN


def test_assess_febrile_neutropenia_from_the_last_24_h() -> None:
    neutrophils = obs("lab.neutrophils", 400, "/mm3", AT - timedelta(hours=6), low=1.5)
    t1 = obs("vital.temperature", 38.1, "Cel", AT - timedelta(hours=5))
    t2 = obs("vital.temperature", 38.2, "Cel", AT - timedelta(hours=3))
    earlier = obs("vital.temperature", 40.0, "Cel", AT - FEBRILE_WINDOW - timedelta(hours=1))
    found = {s.result.score: s for s in assess(record(neutrophils, t1, t2, earlier), AT)}
    scored = found["ctcae.febrile_neutropenia"]
    assert grades(scored.result) == 3  # >= 38 °C sustained for 2 h
    assert scored.evidence["temperature"] == (t1, t2)
    assert grades(found["ctcae.neutrophil_count_decreased"].result) == 4
    # a single reading of 38.2 °C: neither > 38.3 nor sustained
    found = {s.result.score: s for s in assess(record(neutrophils, t2), AT)}
    assert grades(found["ctcae.febrile_neutropenia"].result) == 0
    # a period observation: >= 38 °C from its start to its end
    period = obs(
        "vital.temperature", 38.0, "Cel", AT - timedelta(hours=4), end=AT - timedelta(hours=2)
    )
    found = {s.result.score: s for s in assess(record(neutrophils, period), AT)}
    assert grades(found["ctcae.febrile_neutropenia"].result) == 3
    # no temperature at all: 0 or 3
    found = {s.result.score: s for s in assess(record(neutrophils), AT)}
    assert found["ctcae.febrile_neutropenia"].result.missing == ("temperature",)


def test_assess_empty_record() -> None:
    assert assess(record(), AT) == ()


# -- properties -------------------------------------------------------------------------------

LAB_TERMS = sorted(k for k, t in TERMS.items() if t.rules)
REFS = st.one_of(st.none(), st.integers(1, 4000).map(lambda n: n / 10))


@settings(max_examples=300, deadline=None)
@given(
    key=st.sampled_from(LAB_TERMS),
    a=st.integers(0, 20_000).map(lambda n: n / 100),
    b=st.integers(0, 20_000).map(lambda n: n / 100),
    lln=REFS,
    uln=REFS,
    base=REFS,
    reading=st.sampled_from(["baseline", "value"]),
)
def test_a_worse_value_never_lowers_the_grade(
    key: str,
    a: float,
    b: float,
    lln: float | None,
    uln: float | None,
    base: float | None,
    reading: str,
) -> None:
    term = TERMS[key]
    if lln is not None and uln is not None and lln > uln:
        lln, uln = uln, lln
    better, worse = sorted((a, b), reverse=term.direction is Direction.LOW)
    kw = {
        "lln": lln,
        "uln": uln,
        "baseline": None if base is None else Quantity(base, term.unit, term.concept),
        "fibrinogen_abnormal": reading,
    }
    first = grade(key, Quantity(better, term.unit, term.concept), **kw)  # type: ignore[arg-type]
    second = grade(key, Quantity(worse, term.unit, term.concept), **kw)  # type: ignore[arg-type]
    assert first.low is not None and second.low is not None
    assert first.high is not None and second.high is not None
    assert second.low >= first.low
    assert second.high >= first.high


@settings(max_examples=200, deadline=None)
@given(
    a=st.integers(0, 3000).map(lambda n: n / 1000),
    b=st.integers(0, 3000).map(lambda n: n / 1000),
    t1=st.integers(3500, 4200).map(lambda n: n / 100),
    t2=st.integers(3500, 4200).map(lambda n: n / 100),
    sustained=st.sampled_from([None, True, False]),
)
def test_febrile_neutropenia_is_monotone(
    a: float, b: float, t1: float, t2: float, sustained: bool | None
) -> None:
    first = febrile_neutropenia(anc(max(a, b)), temp(min(t1, t2)), sustained=sustained)
    second = febrile_neutropenia(anc(min(a, b)), temp(max(t1, t2)), sustained=sustained)
    assert first.low is not None and second.low is not None
    assert first.high is not None and second.high is not None
    assert second.low >= first.low and second.high >= first.high


COUNT_KEYS = ["lab.neutrophils", "lab.platelets", "lab.leukocytes", "lab.lymphocytes"]


@settings(max_examples=200, deadline=None)
@given(
    key=st.sampled_from(COUNT_KEYS),
    milli=st.integers(0, 500_000),
    lln=REFS,
    data=st.data(),
)
def test_counts_do_not_depend_on_the_unit(
    key: str, milli: int, lln: float | None, data: st.DataObject
) -> None:
    value = milli / 1000  # x 10^9/L, at most 3 decimals (1 cell per uL)
    unit = data.draw(st.sampled_from(concept(key).units))
    reported = Quantity(value, "10*9/L", key).to(unit)
    name = _TERM_OF[key]
    canonical = grade(name, q(key, value), lln=lln)
    other = grade(name, Quantity(reported, unit, key), lln=lln)
    assert (other.low, other.high, other.missing) == (
        canonical.low,
        canonical.high,
        canonical.missing,
    )


@settings(max_examples=200, deadline=None)
@given(
    key=st.sampled_from(sorted(_TERM_OF)),
    data=st.data(),
)
def test_units_without_a_printed_pair_do_not_change_the_grade(
    key: str, data: st.DataObject
) -> None:
    """Any allowed unit gives the canonical grade, except across CTCAE's own unit pairs.

    Triglycerides (mg/dL vs mmol/L) and haemoglobin (mmol/L vs g/L, g/dL) are compared
    in the unit reported (§9.3) and tested at their pair boundaries separately.
    """
    term = TERMS[_TERM_OF[key]]
    row = concept(key)
    quantity = data.draw(quantity_of(key, high=row.plausible.high / 10 if row.plausible else None))
    value = round(quantity.to(term.unit), 6)
    quantity = Quantity(Quantity(value, term.unit, key).to(quantity.unit), quantity.unit, key)
    pairs = {"lab.triglycerides": {"mg/dL", "g/L"}, "lab.haemoglobin": {"mmol/L"}}
    if quantity.unit in pairs.get(key, set()):
        return
    lln = data.draw(REFS)
    uln = data.draw(REFS)
    if lln is not None and uln is not None and lln > uln:
        lln, uln = uln, lln
    kw = {"lln": lln, "uln": uln}
    canonical = grade(term.key, Quantity(value, term.unit, key), **kw)  # type: ignore[arg-type]
    other = grade(term.key, quantity, **kw)  # type: ignore[arg-type]
    assert (other.low, other.high) == (canonical.low, canonical.high)


TG_PAIRS = [(1.71, 150.0), (3.42, 300.0), (5.7, 500.0), (11.4, 1000.0)]  # CTCAE mmol/L, mg/dL


@settings(max_examples=400, deadline=None)
@given(centi=st.integers(0, 2000), jitter=st.sampled_from([0.0, -0.001, 0.001, 0.005, -0.005]))
def test_triglyceride_units_differ_only_between_the_printed_pairs(
    centi: int, jitter: float
) -> None:
    mmol = max(0.0, centi / 100 + jitter)
    in_mmol = grade("Hypertriglyceridemia", q("lab.triglycerides", mmol))
    mg_dl = q("lab.triglycerides", mmol).to("mg/dL")  # x 88.57 (triolein 885.7 g/mol)
    in_mg = grade("Hypertriglyceridemia", q("lab.triglycerides", mg_dl, "mg/dL"))
    if in_mmol.value != in_mg.value:
        assert any(min(a, b / 88.57) <= mmol <= max(a, b / 88.57) for a, b in TG_PAIRS), (
            f"{mmol} mmol/L = {mg_dl} mg/dL graded {in_mmol.value} vs {in_mg.value}"
        )


def test_triglyceride_pair_boundaries_exactly() -> None:
    tg = "lab.triglycerides"
    for mmol_limit, mg_limit in TG_PAIRS:
        inside = (mmol_limit + mg_limit / 88.57) / 2  # between the two versions of the limit
        a = grade("Hypertriglyceridemia", q(tg, inside))
        b = grade("Hypertriglyceridemia", q(tg, q(tg, inside).to("mg/dL"), "mg/dL"))
        assert b.value == (a.value or 0) + 1, (mmol_limit, mg_limit)


HB_PAIRS = [(6.2, 100.0), (4.9, 80.0)]  # CTCAE v5.0 anaemia: mmol/L and g/L versions of a limit


@settings(max_examples=300, deadline=None)
@given(milli=st.integers(3000, 9000), lln=st.integers(900, 1600).map(lambda n: n / 10))
def test_haemoglobin_units_differ_only_between_the_printed_pairs(milli: int, lln: float) -> None:
    hb = "lab.haemoglobin"
    mmol = milli / 1000
    in_mmol = grade("Anemia", q(hb, mmol, "mmol/L"), lln=lln)
    g_l = q(hb, mmol, "mmol/L").to("g/L")  # monomer 16114.5 g/mol: 1 mmol/L = 16.11 g/L
    in_g_l = grade("Anemia", q(hb, g_l), lln=lln)
    if in_mmol.value != in_g_l.value:
        k = g_l / mmol
        assert any(min(a, b / k) <= mmol <= max(a, b / k) for a, b in HB_PAIRS), (mmol, g_l)
