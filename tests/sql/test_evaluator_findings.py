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

from sql.population import database
from trialkit.eligibility import Context, Truth, evaluate
from trialkit.eligibility.sql import compile_criteria, run
from trialkit.protocol.criteria import Node
from trialkit.protocol.model import Criterion, CriterionKind
from trialkit.record import Observation, PatientRecord, Sex
from trialkit.record.patient import group_observations
from trialkit.units import Quantity

NODE: TypeAdapter[Node] = TypeAdapter(Node)
AT = datetime(2024, 3, 10, 12, 0)


def _haemoglobin(days_before: float, value: float, n: int = 0) -> Observation:
    return Observation(
        "lab.haemoglobin",
        f"Observation/hb{n}",
        AT - timedelta(days=days_before),
        None,
        value,
        Quantity(value, "g/L", "lab.haemoglobin"),
    )


def test_a_haemoglobin_sampled_before_the_birth_date_leaves_hlh2004_unknown() -> None:
    haemoglobin = _haemoglobin(3, 80.0)
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


@pytest.mark.parametrize(
    ("samples", "unknown"),
    [
        ([(3, 80.0)], True),  # the only value: before birth
        ([(3, 80.0), (0.5, 70.0)], False),  # the lowest is after birth
        ([(3, 70.0), (0.5, 80.0)], True),  # both meet the infant limit; the lowest is before
        ([(3, 80.0), (0.5, 80.0)], False),  # a tie: the latest is picked
        ([(3, 80.0), (0.5, 120.0)], True),  # only the one before birth meets its limit
        ([(3, 120.0), (0.5, 130.0)], True),  # none meets: the lowest is before
    ],
)
def test_sql_reads_hlh2004_as_the_evaluator_when_the_picked_haemoglobin_precedes_birth(
    samples: list[tuple[float, float]], unknown: bool
) -> None:
    """The adapter's pick (meeting the limit, else the lowest; ties: the latest) decides.

    Found by the random agreement test: the SQL counted a haemoglobin sampled
    before the birth date where the evaluator refuses the negative age.
    """
    observations = [_haemoglobin(d, v, n) for n, (d, v) in enumerate(samples)]
    record = PatientRecord(
        "p", date(2024, 3, 9), Sex.FEMALE, observations=group_observations(observations)
    )
    node = NODE.validate_python({"score": "hlh2004", "op": "<=", "value": 8})  # if computed
    expected = evaluate(node, Context(record, AT)).truth
    assert (expected is Truth.UNKNOWN) is unknown
    criterion = Criterion(id="C", kind=CriterionKind.INCLUSION, text="hlh2004", rule=node)
    (row,) = run(database([record]), compile_criteria([criterion], AT))
    assert row.criteria["C"] is expected
