"""Evaluator behaviours found while proving the SQL compiler equal to it.

A record whose dates contradict the birth date (a sample, or the index time,
before it) once crashed the age-dependent score adapters; the evaluator now
reads the score as unknown with the birth date to check, as the SQL compiler
reads a negative age as NULL.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from pydantic import TypeAdapter

from trialkit.eligibility import Context, Truth, evaluate
from trialkit.protocol.criteria import Node
from trialkit.record import Observation, PatientRecord, Sex
from trialkit.record.patient import group_observations
from trialkit.units import Quantity

NODE: TypeAdapter[Node] = TypeAdapter(Node)
AT = datetime(2024, 3, 10, 12, 0)


def test_a_haemoglobin_sampled_before_the_birth_date_leaves_hlh2004_unknown() -> None:
    haemoglobin = Observation(
        "lab.haemoglobin",
        "Observation/hb",
        AT - timedelta(days=3),
        None,
        80.0,
        Quantity(80.0, "g/L", "lab.haemoglobin"),
    )
    record = PatientRecord(
        "p",
        date(2024, 3, 9),  # born after the sample: an inconsistent record
        Sex.FEMALE,
        observations=group_observations([haemoglobin]),
    )
    node = NODE.validate_python({"score": "hlh2004", "op": ">=", "value": 5})
    outcome = evaluate(node, Context(record, AT))
    assert outcome.truth is Truth.UNKNOWN
    assert [m.item for m in outcome.missing] == ["birth_date"]


@pytest.mark.parametrize(
    "leaf",
    [
        {"score": "schwartz_bedside", "op": ">=", "value": 60},
        {"score": "cockcroft_gault", "op": ">=", "value": 60},
        {"score": "performance", "op": ">=", "value": 50, "karnofsky_from_age": 13},
        {"score": "psofa", "op": ">=", "value": 4},
    ],
)
def test_a_birth_date_after_the_index_time_leaves_age_dependent_scores_unknown(
    leaf: dict[str, object],
) -> None:
    record = PatientRecord("p", date(2024, 5, 1), Sex.FEMALE)
    outcome = evaluate(NODE.validate_python(leaf), Context(record, AT))
    assert outcome.truth is Truth.UNKNOWN
    assert "birth date" in outcome.missing[0].detail
