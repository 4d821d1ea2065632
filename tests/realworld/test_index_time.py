"""Nothing recorded or effective after the index time decides anything (issue 12, defect 7)."""

from __future__ import annotations

from datetime import datetime

from pydantic import TypeAdapter

from trialkit.eligibility import Context, Truth, evaluate
from trialkit.protocol.criteria import Node
from trialkit.record import record_from_bundle
from trialkit.testing import BundleBuilder

NODE = TypeAdapter(Node)
AT = datetime(2025, 6, 15, 12)


def test_a_pregnancy_refuted_after_the_index_time_does_not_decide_before_it() -> None:
    b = BundleBuilder("p", "2008-01-01", "female")
    b.condition("condition.pregnancy", "2025-06-01", verification="refuted", recorded="2025-06-20")
    context = Context(record_from_bundle(b.build()), AT)
    outcome = evaluate(NODE.validate_python({"finding": "condition.pregnancy"}), context)
    assert outcome.truth is Truth.UNKNOWN, outcome.reason
    outcome = evaluate(NODE.validate_python({"condition": "condition.pregnancy"}), context)
    assert outcome.truth is Truth.UNKNOWN, outcome.reason


def test_a_pregnancy_refuted_before_the_index_time_decides() -> None:
    b = BundleBuilder("p", "2008-01-01", "female")
    b.condition("condition.pregnancy", "2025-06-01", verification="refuted", recorded="2025-06-10")
    context = Context(record_from_bundle(b.build()), AT)
    outcome = evaluate(NODE.validate_python({"finding": "condition.pregnancy"}), context)
    assert outcome.truth is Truth.FALSE, outcome.reason


def test_a_diagnosis_recorded_after_the_index_time_is_not_known_at_it() -> None:
    b = BundleBuilder("p", "1990-01-01", "male")
    b.condition("condition.pml", "2025-06-01", recorded="2025-07-01")
    context = Context(record_from_bundle(b.build()), AT)
    outcome = evaluate(NODE.validate_python({"condition": "condition.pml", "ever": True}), context)
    assert outcome.truth is Truth.UNKNOWN, outcome.reason


def test_age_at_first_diagnosis_ignores_a_diagnosis_made_after_the_index_time() -> None:
    b = BundleBuilder("p", "2000-01-01", "male")
    b.condition("condition.hlh", "2025-07-01")  # onset after the index time
    context = Context(record_from_bundle(b.build()), AT)
    rule = {"age": "<", "value": 30, "at_first": "condition.hlh"}
    outcome = evaluate(NODE.validate_python(rule), context)
    assert outcome.truth is Truth.UNKNOWN, outcome.reason
