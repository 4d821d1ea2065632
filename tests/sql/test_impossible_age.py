"""An impossible age decides nothing in SQL either, as in the evaluator (review 13, F4).

A birth date that gives a negative age at the index time, or one above the
oldest verified human age (:data:`trialkit.record.model.OLDEST_AGE_YEARS`),
makes every rule that reads the age unknown: ``age`` nodes (also ``at_first``),
childbearing potential's age rule, age bands, the age tables of the ULN, and
the scores that read the age. Before, SQL read 1825 as 200 years (``age >= 18``
TRUE) and a year of birth after the index as younger than any bound.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import duckdb
import pytest
from pydantic import TypeAdapter

from sql.engines import engine_for, engine_params
from sql.population import database
from trialkit.eligibility import Context, Truth, evaluate
from trialkit.eligibility.sql import compile_criteria
from trialkit.eligibility.sql.engine import Engine
from trialkit.protocol.criteria import Node
from trialkit.protocol.model import Criterion, CriterionKind
from trialkit.record import PatientRecord, record_from_bundle
from trialkit.testing import BundleBuilder

AT = datetime(2025, 6, 15, 12)
BIRTHS = {
    # birth date: whether the age at the index date is possible
    "1825-01-01": False,
    "1902-06-15": False,  # 123 years
    "1902-06-16": True,  # 122 years (Jeanne Calment's completed age)
    "1903-06-15": True,
    "2000-01-01": True,
    "2025-06-15": True,  # born on the index date
    "2025-06-16": False,  # born the day after
    "2030-01-01": False,
}
RULES: dict[str, dict[str, Any]] = {
    "adult": {"age": ">=", "value": 18, "unit": "a", "source": "t"},
    "young": {"age": "<", "value": 22, "unit": "a", "source": "t"},
    "born": {"age": ">=", "value": 0, "unit": "d", "source": "t"},
    "first": {
        "age": "<",
        "value": 200,
        "unit": "a",
        "at_first": "condition.hlh",
        "source": "t",
    },
    "childbearing": {"childbearing_potential": True},
    "banded": {
        "measure": "lab.haemoglobin",
        "op": "<",
        "by_age": [{"below": "28 d", "value": 100}, {"value": 90}],
        "unit": "g/L",
        "within": "7 d",
        "source": "t",
    },
    "uln": {"measure": "lab.creatinine", "op": ">", "uln": 1.5, "within": "48 h", "source": "t"},
    "performance": {
        "score": "performance",
        "op": ">=",
        "value": 50,
        "karnofsky_from_age": 13,
        "source": "t",
    },
    "performance_cibmtr": {"score": "performance", "op": ">=", "value": 50, "source": "t"},
    "cockcroft_gault": {"score": "cockcroft_gault", "op": ">=", "value": 10, "source": "t"},
    "schwartz": {"score": "schwartz_bedside", "op": ">=", "value": 10, "source": "t"},
    "hlh2004": {"score": "hlh2004", "op": ">=", "value": 0, "source": "t"},
    "psofa": {"score": "psofa", "op": ">=", "value": 0, "source": "t"},
}
NODE: TypeAdapter[Node] = TypeAdapter(Node)


def _record(birth: str, sex: str) -> PatientRecord:
    b = BundleBuilder(f"{birth}-{sex}", birth, sex)
    b.condition("condition.hlh", "2025-06-01")
    for key, value, unit in (
        ("assessment.karnofsky", 80, "1"),
        ("assessment.lansky", 80, "1"),
        ("lab.creatinine", 0.9, "mg/dL"),
        ("lab.haemoglobin", 95, "g/L"),
        ("vital.weight", 60, "kg"),
        ("vital.height", 160, "cm"),
    ):
        b.quantity(key, value, unit, "2025-06-14T08:00:00")
    return record_from_bundle(b.build())


RECORDS = [_record(birth, sex) for birth in BIRTHS for sex in ("female", "male")]
CRITERIA = [
    Criterion(id=name, kind=CriterionKind.INCLUSION, text=name, rule=NODE.validate_python(rule))
    for name, rule in RULES.items()
]


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = database(RECORDS)
    yield connection
    connection.close()


@pytest.fixture(scope="module", params=engine_params("duckdb", "postgres"))
def engine(request: pytest.FixtureRequest, con: duckdb.DuckDBPyConnection) -> Iterator[Engine]:
    with engine_for(request, con) as on:
        yield on


def test_sql_and_the_evaluator_decide_nothing_from_an_impossible_age(engine: Engine) -> None:
    compiled = compile_criteria(CRITERIA, AT)
    names, rows = engine.query(compiled.query.order_by("person_id"))
    assert len(rows) == len(RECORDS)
    decided = 0
    for record, row in zip(RECORDS, rows, strict=True):
        found = dict(zip(names, row, strict=True))
        assert record.birth_date is not None
        possible = BIRTHS[record.birth_date.isoformat()]
        context = Context(record, AT)
        for criterion in CRITERIA:
            expected = evaluate(criterion.rule, context)
            truth = found[criterion.id]
            sql = Truth.UNKNOWN if truth is None else Truth.of(bool(truth))
            assert sql is expected.truth, (record.patient_id, criterion.id, expected.reason)
            if not possible:
                assert sql is Truth.UNKNOWN, (record.patient_id, criterion.id)
            decided += sql is not Truth.UNKNOWN
    assert decided >= 40  # the possible ages decide most rules: the test can tell
