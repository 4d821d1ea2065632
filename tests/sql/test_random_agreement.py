"""SQL and the bedside evaluator agree on random criteria trees and records with edge cases.

Each example draws a criteria tree (``sql.records.criteria_trees``), an index
time (one on 29 February among them) and a few records whose dates sit on
window boundaries and birthdays (29 February births included), some of them
dead before, at or after the index time. The records go through the FHIR →
OMOP bridge into DuckDB; the tree, compiled as a single inclusion criterion,
must give every person exactly the evaluator's status, and the verdict of
that criterion and the death (:func:`trialkit.eligibility.screening.verdict_of`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from sql.population import database, reset
from sql.records import INDEX_TIMES, LEAVES, criteria_trees, records
from trialkit.eligibility import Context, CriterionResult, Death, evaluate
from trialkit.eligibility.screening import verdict_of
from trialkit.eligibility.sql import compile_criteria, run
from trialkit.protocol.criteria import Node
from trialkit.protocol.model import Criterion, CriterionKind
from trialkit.record import PatientRecord

NODE: TypeAdapter[Node] = TypeAdapter(Node)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = database([])
    yield connection
    connection.close()


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, object], datetime, list[PatientRecord]]:
    at = draw(st.sampled_from(INDEX_TIMES))
    return draw(criteria_trees()), at, draw(st.lists(records(at), min_size=1, max_size=6))


def _agree(
    con: duckdb.DuckDBPyConnection,
    tree: dict[str, object],
    at: datetime,
    people: list[PatientRecord],
) -> None:
    node = NODE.validate_python(tree)
    reset(con, people)
    criterion = Criterion(id="C", kind=CriterionKind.INCLUSION, text="random tree", rule=node)
    rows = run(con, compile_criteria([criterion], at))
    assert [r.person_id for r in rows] == list(range(1, len(people) + 1))
    for row, record in zip(rows, people, strict=True):
        # A record contradicting its birth date is compared too: both read the score
        # as unknown (test_evaluator_findings.py).
        outcome = evaluate(node, Context(record, at))
        assert row.criteria["C"] is outcome.truth, (tree, record, outcome.reason)
        death = Death.of(record, at)
        verdict = verdict_of([CriterionResult(criterion, outcome)], death)
        assert row.verdict is verdict, (tree, record, death)
        assert row.deceased == (None if death is None else death.time), (record, at)


@settings(
    max_examples=20,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases())
def test_sql_agrees_with_the_evaluator_on_random_trees_and_records(
    con: duckdb.DuckDBPyConnection, case: tuple[dict[str, object], datetime, list[PatientRecord]]
) -> None:
    tree, at, people = case
    _agree(con, tree, at, people)


SCORE_LEAVES = tuple(leaf for leaf in LEAVES if "score" in leaf)


@st.composite
def score_cases(draw: st.DrawFn) -> tuple[dict[str, object], datetime, list[PatientRecord]]:
    at = draw(st.sampled_from(INDEX_TIMES))
    leaf = draw(st.sampled_from(SCORE_LEAVES))
    return leaf, at, draw(st.lists(records(at), min_size=2, max_size=8))


@settings(
    max_examples=8,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(score_cases())
def test_sql_agrees_with_the_evaluator_on_every_compiled_score(
    con: duckdb.DuckDBPyConnection, case: tuple[dict[str, object], datetime, list[PatientRecord]]
) -> None:
    leaf, at, people = case
    _agree(con, leaf, at, people)
