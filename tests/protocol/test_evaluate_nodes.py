"""Node semantics that golden cases found: tentative diagnoses, SOFA by name, qualitative labs."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import TypeAdapter

from trialkit.eligibility import Context, Truth, evaluate
from trialkit.protocol.criteria import Node
from trialkit.record import record_from_bundle
from trialkit.testing import BundleBuilder

NODE = TypeAdapter(Node)
AT = datetime(2025, 6, 15, 12)


@pytest.mark.parametrize(
    ("verification", "expected"),
    [
        ("confirmed", Truth.TRUE),
        ("provisional", Truth.UNKNOWN),
        ("differential", Truth.UNKNOWN),
        ("unconfirmed", Truth.UNKNOWN),
        ("refuted", Truth.FALSE),
    ],
)
def test_a_diagnosis_counts_only_once_confirmed(verification: str, expected: Truth) -> None:
    b = BundleBuilder("p", "1990-01-01", "female")
    b.condition("condition.pml", "2025-01-01", verification=verification)
    context = Context(record_from_bundle(b.build()), AT)
    for rule in ({"condition": "condition.pml"}, {"condition": "condition.pml", "ever": True}):
        outcome = evaluate(NODE.validate_python(rule), context)
        assert outcome.truth is expected, (rule, outcome.reason)
        assert bool(outcome.missing) is (expected is Truth.UNKNOWN)


def test_a_protocol_naming_sofa_gets_adult_sofa_at_any_age() -> None:
    b = BundleBuilder("teen", "2008-01-01", "male")  # 17 years old at AT
    when = "2025-06-15T06:00:00"
    b.quantity("lab.pao2", 60, "mm[Hg]", when)
    b.quantity("vital.fio2", 0.6, "1", when)
    b.quantity("lab.platelets", 40, "10*9/L", when)
    b.quantity("lab.bilirubin_total", 40, "umol/L", when)
    b.quantity("vital.map", 60, "mm[Hg]", when)
    b.quantity("assessment.gcs_total", 12, "1", when)
    b.quantity("lab.creatinine", 200, "umol/L", when)
    context = Context(record_from_bundle(b.build()), AT)
    outcome = evaluate(
        NODE.validate_python({"score": "sofa", "op": ">=", "value": 4, "source": "t"}), context
    )
    assert outcome.truth is Truth.TRUE, outcome.reason


@pytest.mark.parametrize(("positive", "expected"), [(True, Truth.TRUE), (False, Truth.FALSE)])
def test_a_qualitative_lab_is_read_as_a_finding(positive: bool, expected: Truth) -> None:
    b = BundleBuilder("p", "1995-01-01", "female")
    b.flag("lab.hcg", positive, "2025-06-14")
    context = Context(record_from_bundle(b.build()), AT)
    outcome = evaluate(NODE.validate_python({"finding": "lab.hcg", "within": "7 d"}), context)
    assert outcome.truth is expected


def test_a_numeric_lab_is_refused_as_a_finding() -> None:
    with pytest.raises(ValueError, match="numeric lab: use measure"):
        NODE.validate_python({"finding": "lab.ferritin"})


def test_a_refuted_condition_rules_a_finding_out() -> None:
    b = BundleBuilder("p", "2015-01-01", "male")
    b.condition("condition.infection", "2025-06-10", verification="refuted")
    context = Context(record_from_bundle(b.build()), AT)
    outcome = evaluate(NODE.validate_python({"finding": "condition.infection"}), context)
    assert outcome.truth is Truth.FALSE and "ruled out" in outcome.reason


@pytest.mark.parametrize(
    ("drawn", "expected"), [("2025-06-12", Truth.TRUE), ("2025-06-13", Truth.FALSE)]
)
def test_age_bands_apply_to_the_age_at_the_sample(drawn: str, expected: Truth) -> None:
    # Born 2025-05-16: day 27 of life on 2025-06-12 (< 28 days: Hb < 100 g/L is low),
    # day 28 on 2025-06-13 (Hb < 90 g/L); the index date is day 30.
    b = BundleBuilder("newborn", "2025-05-16", "male")
    b.quantity("lab.haemoglobin", 95, "g/L", f"{drawn}T08:00:00")
    rule = {
        "measure": "lab.haemoglobin",
        "op": "<",
        "by_age": [{"below": "28 d", "value": 100}, {"value": 90}],
        "unit": "g/L",
        "within": "7 d",
        "source": "Henter 2007",
    }
    outcome = evaluate(NODE.validate_python(rule), Context(record_from_bundle(b.build()), AT))
    assert outcome.truth is expected, outcome.reason


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ({"assessment.lansky": 40}, Truth.UNKNOWN),
        ({"assessment.karnofsky": 70}, Truth.UNKNOWN),
        ({"assessment.karnofsky": 70, "assessment.lansky": 60}, Truth.TRUE),
        ({"assessment.karnofsky": 70, "assessment.lansky": 40}, Truth.UNKNOWN),
    ],
)
def test_performance_without_a_birth_date_needs_both_scales_to_agree(
    levels: dict[str, int], expected: Truth
) -> None:
    b = BundleBuilder("p", None, "male")
    for key, level in levels.items():
        b.quantity(key, level, "1", "2025-06-14")
    rule = {
        "score": "performance",
        "op": ">=",
        "value": 50,
        "karnofsky_from_age": 13,
        "source": "t",
    }
    outcome = evaluate(NODE.validate_python(rule), Context(record_from_bundle(b.build()), AT))
    assert outcome.truth is expected, outcome.reason
