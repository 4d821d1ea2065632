"""Evaluator behaviours found while proving the SQL compiler equal to it (reported, not fixed here).

Each test states what the evaluator should do and is marked ``xfail(strict=True)``:
it starts to pass, and must then be unmarked, when the evaluator is fixed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from pydantic import TypeAdapter

from trialkit.eligibility import Context, Truth, evaluate
from trialkit.errors import TrialkitInputError
from trialkit.protocol.criteria import Node
from trialkit.record import Observation, PatientRecord, Sex
from trialkit.record.patient import group_observations
from trialkit.units import Quantity

NODE: TypeAdapter[Node] = TypeAdapter(Node)
AT = datetime(2024, 3, 10, 12, 0)


@pytest.mark.xfail(
    strict=True,
    reason="scores.hlh2004.assess raises TrialkitInputError (age_days negative) for a "
    "haemoglobin sampled before the recorded birth date, so screening crashes; the ULN path "
    "of a measure node reads the same inconsistency as unknown",
)
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
    assert evaluate(node, Context(record, AT)).truth is Truth.UNKNOWN


@pytest.mark.xfail(
    strict=True,
    raises=TrialkitInputError,
    reason="the renal, performance and pSOFA adapters raise TrialkitInputError (a negative age) "
    "for a birth date after the index time, so screening crashes; an age node reads the same "
    "record as unknown (the SQL compiler makes these scores NULL)",
)
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
    assert evaluate(NODE.validate_python(leaf), Context(record, AT)).truth is Truth.UNKNOWN
