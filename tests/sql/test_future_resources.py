"""Adding resources dated or recorded after the index time never changes a criterion.

Issue 12 ("Time"): nothing recorded or effective after the index time decides
anything: no value, status, refutation or abatement. A random record is screened
with and without a random set of later entries (values, findings, diagnoses,
refutations recorded later, exposures, procedures, genomic results, a death);
every criterion of every shipped protocol on the evaluator, and random criteria
trees on the evaluator and on the SQL compiler (DuckDB), keep their status.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from sql.population import database, reset
from sql.records import INDEX_TIMES, criteria_trees, records
from trialkit.eligibility import Context, evaluate
from trialkit.eligibility.sql import compile_criteria, run
from trialkit.protocol import builtin_protocols
from trialkit.protocol.criteria import Node
from trialkit.protocol.model import Criterion, CriterionKind
from trialkit.record import PatientRecord
from trialkit.record.patient import group_observations

NODE: TypeAdapter[Node] = TypeAdapter(Node)
PROTOCOLS = builtin_protocols()


@st.composite
def later(draw: st.DrawFn, record: PatientRecord, at: datetime) -> PatientRecord:
    """``record`` with entries dated after ``at`` added (drawn about a later index time)."""
    extra = draw(records(at + timedelta(days=draw(st.integers(1, 90)))))
    refuted = tuple(
        replace(c, verification="refuted", onset=min(c.onset, at), recorded=c.onset)
        for c in extra.conditions
        if c.onset > at
    )
    return replace(
        record,
        observations=group_observations(
            [o for series in record.observations.values() for o in series]
            + [o for series in extra.observations.values() for o in series if o.time > at]
        ),
        conditions=record.conditions
        + tuple(c for c in extra.conditions if c.onset > at)
        + (refuted if draw(st.booleans()) else ()),
        exposures=record.exposures + tuple(e for e in extra.exposures if e.start > at),
        procedures=record.procedures + tuple(p for p in extra.procedures if p.start > at),
        genomics=record.genomics + tuple(g for g in extra.genomics if g.time > at),
        deceased=at + timedelta(days=draw(st.integers(1, 30))) if draw(st.booleans()) else None,
    )


@st.composite
def pairs(draw: st.DrawFn) -> tuple[datetime, PatientRecord, PatientRecord]:
    at = draw(st.sampled_from(INDEX_TIMES))
    # The base record's own entries lie at or before the index time.
    base = draw(records(at)).as_of(at)
    return at, base, draw(later(base, at))


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(pairs())
def test_later_entries_change_no_criterion_of_any_protocol(
    case: tuple[datetime, PatientRecord, PatientRecord],
) -> None:
    at, base, more = case
    before_, after_ = Context(base, at), Context(more, at)
    for protocol in PROTOCOLS:
        for criterion in protocol.criteria:
            expected = evaluate(criterion.rule, before_)
            found = evaluate(criterion.rule, after_)
            assert found.truth is expected.truth, (protocol.id, criterion.id, found.reason)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = database([])
    yield connection
    connection.close()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(criteria_trees(), pairs())
def test_later_entries_change_no_compiled_criterion(
    con: duckdb.DuckDBPyConnection,
    tree: dict[str, object],
    case: tuple[datetime, PatientRecord, PatientRecord],
) -> None:
    at, base, more = case
    node = NODE.validate_python(tree)
    criterion = Criterion(id="C", kind=CriterionKind.INCLUSION, text="random tree", rule=node)
    reset(con, [base, more])
    rows = run(con, compile_criteria([criterion], at))
    assert rows[0].criteria["C"] is rows[1].criteria["C"], (tree, rows[0], rows[1])
    assert rows[0].criteria["C"] is evaluate(node, Context(base, at)).truth
