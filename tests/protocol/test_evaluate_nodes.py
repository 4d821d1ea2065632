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
