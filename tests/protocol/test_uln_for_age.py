"""`uln:` without a laboratory reference range: the cited paediatric ULN for age and sex.

Expected limits are the printed rows (see tests/units/test_reference_intervals.py):
creatinine 2 to < 5 years 0.40 mg/dL, 5 to < 12 years 0.60 mg/dL, 15 to < 19
years 1.00 (male) / 0.80 (female) mg/dL (UCSF lab manual, CALIPER transferred
to Beckman DxC); ALT 13 < 19 years male 33, female 24 U/L (CALIPER 2012 via
World J Methodol 2016 Table 2).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import TypeAdapter

from trialkit.eligibility import Context, Missing, Outcome, Truth, evaluate
from trialkit.protocol.criteria import Measure
from trialkit.record import record_from_bundle
from trialkit.testing import BundleBuilder

NODE = TypeAdapter(Measure)
CREATININE = NODE.validate_python(
    {"measure": "lab.creatinine", "op": "<=", "uln": 1.5, "within": "48 h", "source": "seed"}
)
AT = datetime(2025, 6, 15, 12)
FIFTH_BIRTHDAY = "2025-06-15T08:00:00"  # born 2020-06-15
DAY_BEFORE = "2025-06-14T08:00:00"


def _outcome(
    node: Measure,
    value: float,
    unit: str,
    when: str,
    *,
    birth: str | None = "2020-06-15",
    sex: str = "female",
    reference: tuple[float | None, float | None] | None = None,
) -> Outcome:
    b = BundleBuilder("child", birth, sex)
    b.quantity(node.measure, value, unit, when, reference=reference)
    return evaluate(node, Context(record_from_bundle(b.build()), AT))


@pytest.mark.parametrize(
    ("value", "unit", "when", "expected"),
    [
        # On the 5th birthday: 5 to < 12 years, ULN 0.60 mg/dL, 1.5 × ULN = 0.90 mg/dL.
        (0.90, "mg/dL", FIFTH_BIRTHDAY, Truth.TRUE),
        (0.91, "mg/dL", FIFTH_BIRTHDAY, Truth.FALSE),
        (0.70, "mg/dL", FIFTH_BIRTHDAY, Truth.TRUE),
        # The same in umol/L: 0.90 mg/dL = 79.56 umol/L (113.12 g/mol).
        (79, "umol/L", FIFTH_BIRTHDAY, Truth.TRUE),
        (80, "umol/L", FIFTH_BIRTHDAY, Truth.FALSE),
        # The day before (sampled at 4 years, screened at 5): 2 to < 5 years, ULN 0.40 mg/dL,
        # 1.5 × ULN = 0.60 mg/dL. The age that counts is the age on the day of the sample.
        (0.60, "mg/dL", DAY_BEFORE, Truth.TRUE),
        (0.70, "mg/dL", DAY_BEFORE, Truth.FALSE),
    ],
)
def test_a_child_without_a_reference_range_is_decided_with_the_table(
    value: float, unit: str, when: str, expected: Truth
) -> None:
    outcome = _outcome(CREATININE, value, unit, when)
    assert outcome.truth is expected, outcome.reason
    assert not outcome.missing
    band = "5 y to <12 y" if when == FIFTH_BIRTHDAY else "2 y to <5 y"
    uln = "0.6 mg/dL (53.04 umol/L)" if when == FIFTH_BIRTHDAY else "0.4 mg/dL (35.36 umol/L)"
    assert f"ULN {uln} for age {band}, both sexes, CALIPER" in outcome.reason
    assert "laboratory reference range" not in outcome.reason


def test_the_laboratory_range_wins_over_the_table() -> None:
    # The table would allow 0.90 mg/dL at 5 years; the laboratory's ULN of 0.40 allows 0.60.
    outcome = _outcome(CREATININE, 0.70, "mg/dL", FIFTH_BIRTHDAY, reference=(0.3, 0.4))
    assert outcome.truth is Truth.FALSE
    assert "ULN 35.3607 umol/L: laboratory reference range" in outcome.reason
    assert "CALIPER" not in outcome.reason


def _missing(outcome: Outcome) -> tuple[str, ...]:
    return tuple(m.item for m in outcome.missing)


def test_without_a_birth_date_disagreeing_bands_leave_it_unknown() -> None:
    # 0.70 mg/dL is within 1.5 × ULN from 5 years (0.90) but not from 15 days to 5 years.
    outcome = _outcome(CREATININE, 0.70, "mg/dL", FIFTH_BIRTHDAY, birth=None)
    assert outcome.truth is Truth.UNKNOWN
    assert _missing(outcome) == ("birth_date",)
    assert "depends on the birth date" in outcome.reason


def test_without_a_birth_date_even_agreeing_bands_leave_it_unknown() -> None:
    # Below 1.5 × every band's ULN, but the patient may be an adult, for whom the table
    # has no row: the rule does not guess that the patient is a child.
    outcome = _outcome(CREATININE, 0.05, "mg/dL", FIFTH_BIRTHDAY, birth=None)
    assert outcome.truth is Truth.UNKNOWN
    assert _missing(outcome) == ("birth_date",)


@pytest.mark.parametrize(
    ("value", "expected", "missing"),
    [
        # 16 years: male ULN 1.00 (1.5 × = 1.50), female 0.80 (1.5 × = 1.20) mg/dL.
        (1.10, Truth.TRUE, ()),
        (1.30, Truth.UNKNOWN, ("sex",)),
        (1.60, Truth.FALSE, ()),
    ],
)
def test_unknown_sex_decides_only_when_both_sexes_agree(
    value: float, expected: Truth, missing: tuple[str, ...]
) -> None:
    outcome = _outcome(CREATININE, value, "mg/dL", "2025-06-15", birth="2009-01-01", sex="unknown")
    assert outcome.truth is expected, outcome.reason
    assert _missing(outcome) == missing
    assert "male" in outcome.reason and "female" in outcome.reason


@pytest.mark.parametrize(("sex", "expected"), [("female", Truth.FALSE), ("male", Truth.TRUE)])
def test_a_sex_partitioned_band_uses_the_patients_sex(sex: str, expected: Truth) -> None:
    # ALT ≤ 5 × ULN on the 13th birthday: female 5 × 24 = 120, male 5 × 33 = 165 U/L.
    alt = NODE.validate_python({"measure": "lab.alt", "op": "<=", "uln": 5, "within": "48 h"})
    outcome = _outcome(alt, 121, "U/L", "2025-06-15", birth="2012-06-15", sex=sex)
    assert outcome.truth is expected, outcome.reason
    assert f"for age 13 y to <19 y, {sex}," in outcome.reason


@pytest.mark.parametrize(
    ("node", "birth", "unit"),
    [
        (CREATININE, "1990-01-01", "mg/dL"),  # an adult: the paediatric table has no row
        (  # no table at all for direct bilirubin
            NODE.validate_python(
                {"measure": "lab.bilirubin_direct", "op": "<=", "uln": 2, "within": "48 h"}
            ),
            "2020-06-15",
            "mg/dL",
        ),
        (  # AST: the table starts at 1 year
            NODE.validate_python({"measure": "lab.ast", "op": "<=", "uln": 5, "within": "48 h"}),
            "2025-01-01",
            "U/L",
        ),
    ],
)
def test_no_row_for_the_concept_or_age_is_unknown_as_before(
    node: Measure, birth: str, unit: str
) -> None:
    outcome = _outcome(node, 0.5, unit, FIFTH_BIRTHDAY, birth=birth)
    assert outcome.truth is Truth.UNKNOWN
    assert outcome.missing == (Missing(f"{node.measure}.uln", outcome.missing[0].detail),)
    assert outcome.missing[0].detail.startswith("upper limit of normal for ")


def test_a_sample_before_the_birth_date_is_unknown() -> None:
    outcome = _outcome(CREATININE, 0.5, "mg/dL", DAY_BEFORE, birth="2025-06-15")
    assert outcome.truth is Truth.UNKNOWN
    assert _missing(outcome) == ("birth_date",)
