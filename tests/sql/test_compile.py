"""The compiler's contract: dialects, unsupported nodes, exact unit comparisons, parameters, evidence."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta

import duckdb
import pytest
import sqlglot
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from sql.population import database
from trialkit.eligibility import Truth
from trialkit.eligibility.evaluate import Context, evaluate
from trialkit.eligibility.sql import (
    NotCompiledError,
    attrition,
    attrition_of,
    compile_criteria,
    compile_protocol,
    prescreen,
    run,
    screening,
)
from trialkit.eligibility.sql.build import Build, concept_ids
from trialkit.eligibility.sql.compiler import index_expression
from trialkit.eligibility.sql.exact import converter, smallest
from trialkit.eligibility.sql.score_inputs import tagged_rows
from trialkit.eligibility.sql.scores import SCORES
from trialkit.protocol.criteria import Node
from trialkit.protocol.files import builtin_ids, builtin_protocol
from trialkit.protocol.model import Criterion, CriterionKind
from trialkit.record import Observation, PatientRecord, Sex
from trialkit.record.patient import group_observations
from trialkit.units import Quantity

NODE: TypeAdapter[Node] = TypeAdapter(Node)
AT = datetime(2026, 2, 28, 12, 0)


def _criterion(rule: dict[str, object], cid: str = "C", kind: str = "inclusion") -> Criterion:
    return Criterion(id=cid, kind=CriterionKind(kind), text=cid, rule=NODE.validate_python(rule))


DIALECTS = ("duckdb", "spark", "postgres")


@pytest.mark.parametrize("protocol_id", builtin_ids())
def test_every_protocol_renders_in_spark_and_postgresql(protocol_id: str) -> None:
    # DuckDB's rendering runs in test_golden_agreement
    compiled = compile_protocol(builtin_protocol(protocol_id), AT)
    for dialect in ("spark", "postgres"):
        text = compiled.sql(dialect).lower()
        # ages are never a count of calendar-year boundaries
        assert "date_diff('year'" not in text and "datediff(year" not in text


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_sql_parses_back_in_its_dialect(dialect: str) -> None:
    compiled = compile_protocol(builtin_protocol("rux-hlh-salvage"), AT)
    parsed = sqlglot.parse_one(compiled.sql(dialect), read=dialect)
    assert parsed.find(sqlglot.exp.With) is not None


def test_a_node_without_a_walker_is_never_compiled_to_null(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(SCORES, "psofa")  # every score compiles: pretend one does not
    rule = {"any_of": [{"sex": "female"}, {"score": "psofa", "op": ">=", "value": 4}]}
    with pytest.raises(NotCompiledError, match=r"criterion C: .*score node 'psofa'"):
        compile_criteria([_criterion(rule)], AT)


def test_a_criterion_id_must_not_shadow_an_output_column() -> None:
    # The protocol model refuses it (issue 13); the compiler still guards a criterion
    # built without validation.
    with pytest.raises(ValueError, match="'verdict' is a column of the pre-screening file"):
        _criterion({"sex": "male"}, "verdict")
    unchecked = Criterion.model_construct(
        id="verdict",
        kind=CriterionKind.INCLUSION,
        text="v",
        rule=NODE.validate_python({"sex": "male"}),
    )
    with pytest.raises(NotCompiledError, match="verdict"):
        compile_criteria([unchecked], AT)


def test_criteria_whose_columns_clash_are_never_compiled() -> None:
    # The protocol model refuses I1.0 beside a composite I1 (review 13, F3); criteria
    # compiled without a protocol would make I1's first child's evidence I1.0's.
    leaf = {"measure": "lab.platelets", "op": ">=", "value": 50, "unit": "10*9/L", "within": "7 d"}
    criteria = [_criterion({"any_of": [leaf, leaf]}, "I1"), _criterion(leaf, "i1.0")]
    with pytest.raises(NotCompiledError, match=re.escape("'i1.0:value' and 'I1.0:value'")):
        compile_criteria(criteria, AT)


@given(
    st.sampled_from([(1.8, 32.0), (88.4, 0.0), (0.01129, 0.0), (1 / 88.57, 0.0), (10.0, 0.0)]),
    st.floats(0.001, 1e6, allow_nan=False),
)
def test_the_threshold_in_the_reported_unit_decides_exactly_as_the_record_converts(
    affine: tuple[float, float], limit: float
) -> None:
    convert = converter(affine)
    for holds in (lambda v: convert(v) >= limit, lambda v: convert(v) > limit):
        threshold = smallest(holds)
        assert threshold is not None and math.isfinite(threshold)
        assert holds(threshold)
        assert not holds(math.nextafter(threshold, -math.inf))


def _person(birth: date | None, sex: Sex = Sex.FEMALE, *observations: Observation) -> PatientRecord:
    return PatientRecord("p", birth, sex, observations=group_observations(observations))


def _ferritin(at: datetime) -> Observation:
    """A ferritin of 600 ng/mL sampled at ``at``."""
    return Observation(
        "lab.ferritin", "Observation/f", at, None, 600.0, Quantity(600.0, "ng/mL", "lab.ferritin")
    )


def test_a_29_february_birthday_is_reached_on_1_march() -> None:
    people = [_person(date(2008, 2, 29)), _person(date(2008, 3, 1)), _person(None)]
    con = database(people)
    rule = {"age": ">=", "value": 18, "unit": "a"}
    for at, expected in (
        (datetime(2026, 2, 28, 23, 59), [Truth.FALSE, Truth.FALSE, Truth.UNKNOWN]),
        (datetime(2026, 3, 1, 0, 0), [Truth.TRUE, Truth.TRUE, Truth.UNKNOWN]),
    ):
        rows = run(con, compile_criteria([_criterion(rule)], at))
        assert [r.criteria["C"] for r in rows] == expected


def test_the_index_time_can_be_a_bind_parameter() -> None:
    con = database([_person(date(2000, 1, 1), Sex.MALE, _ferritin(AT - timedelta(days=7)))])
    rule = {"measure": "lab.ferritin", "op": ">=", "value": 500, "unit": "ug/L", "within": "7 d"}
    compiled = compile_criteria([_criterion(rule)], None)
    assert "$index_date" in compiled.sql("duckdb")
    assert ":index_date" in compiled.sql("spark")
    (on_edge,) = run(con, compiled, AT)
    (too_late,) = run(con, compiled, AT + timedelta(microseconds=1))
    assert on_edge.criteria["C"] is Truth.TRUE
    assert too_late.criteria["C"] is Truth.UNKNOWN
    assert on_edge.evidence == {
        "C:value": 600.0,
        "C:unit": "ng/mL",
        "C:time": AT - timedelta(days=7),
        "C:unusable": None,
    }
    with pytest.raises(ValueError, match="index time"):
        run(con, compiled)


def test_attrition_counts_each_person_at_the_first_criterion_that_excludes_them() -> None:
    people = [
        _person(date(2000, 1, 1), Sex.FEMALE),  # adult woman: passes both
        _person(date(2015, 1, 1), Sex.FEMALE),  # child: excluded by I1
        _person(None, Sex.MALE),  # age unknown, then excluded by E1
        _person(None, Sex.OTHER),  # unknown, unknown
    ]
    criteria = [
        _criterion({"age": ">=", "value": 18, "unit": "a"}, "I1"),
        _criterion({"sex": "male"}, "E1", "exclusion"),
    ]
    compiled = compile_criteria(criteria, AT)
    table = attrition(database(people), compiled)
    assert [(r.excluded, r.unknown, r.remaining, r.passing) for r in table.rows] == [
        (1, 2, 3, 1),
        (1, 1, 2, 1),
    ]
    assert [(r.excluded_alone, r.unknown_alone) for r in table.rows] == [(1, 2), (1, 1)]
    assert (table.eligible, table.undetermined, table.ineligible) == (1, 1, 2)
    statuses = [
        {"I1": Truth.TRUE, "E1": Truth.FALSE},
        {"I1": Truth.FALSE, "E1": Truth.FALSE},
        {"I1": Truth.UNKNOWN, "E1": Truth.TRUE},
        {"I1": Truth.UNKNOWN, "E1": Truth.UNKNOWN},
    ]
    assert attrition_of(compiled.kinds, statuses) == table


def _nested_at_least(depth: int) -> dict[str, object]:
    rule: dict[str, object] = {"age": ">=", "value": 18, "unit": "a"}
    for level in range(depth):
        other = {"sex": "male" if level % 2 else "female"}
        rule = {"at_least": 2, "of": [rule, other, {"age": "<", "value": 80, "unit": "a"}]}
    return rule


def test_a_nested_at_least_grows_linearly_not_exponentially() -> None:
    # Each at_least item is used twice (as TRUE and as possible): bound once, the
    # SQL grows by a constant per level instead of doubling (Build.bind).
    sizes = [
        len(compile_criteria([_criterion(_nested_at_least(d))], AT).sql("duckdb"))
        for d in (4, 8, 12)
    ]
    assert sizes[2] - sizes[1] < 1.5 * (sizes[1] - sizes[0]), sizes
    assert sizes[2] < 20_000, sizes


def test_a_nested_at_least_agrees_with_the_evaluator() -> None:
    people = [
        _person(date(1990, 1, 1), Sex.FEMALE),
        _person(date(1930, 1, 1), Sex.MALE),
        _person(None, Sex.MALE),
        _person(date(2015, 1, 1), Sex.OTHER),
    ]
    criterion = _criterion(_nested_at_least(5))
    rows = run(database(people), compile_criteria([criterion], AT))
    expected = [evaluate(criterion.rule, Context(p, AT)).truth for p in people]
    assert [r.criteria["C"] for r in rows] == expected


def test_screening_holds_the_rows_in_the_engine_until_the_block_ends() -> None:
    people = [_person(date(2000, 1, 1), Sex.FEMALE), _person(None, Sex.MALE)]
    con = database(people)
    protocol = builtin_protocol("rux-hlh-salvage")
    with screening(con, protocol, AT) as held:
        (count,) = con.execute(f"SELECT count(*) FROM {held.table.name}").fetchone() or (0,)
        name = held.table.name
    assert count == len(people)
    assert held.attrition == prescreen(con, protocol, AT).attrition
    with pytest.raises(duckdb.CatalogException):
        con.execute(f"SELECT * FROM {name}")


def _tags(con: duckdb.DuckDBPyConnection, names: dict[str, str], *, first: bool) -> set[tuple]:
    build = Build(index_expression(AT))
    rows = tagged_rows(build, names, timedelta(days=7), first=first)
    query = sqlglot.exp.select("person_id", "row_id", "kind").from_(rows.subquery("r"))
    return set(con.execute(query.sql("duckdb")).fetchall())


def test_tagged_rows_follow_concept_ancestor_and_choose_the_first_name() -> None:
    con = database([_person(date(2000, 1, 1), Sex.MALE, _ferritin(AT - timedelta(days=1)))])
    own = concept_ids("lab.ferritin")[0]
    child = 2_000_999_001  # a local concept filed under ferritin
    con.execute("INSERT INTO concept_ancestor VALUES (?, ?, 1, 1)", [own, child])
    con.execute(
        "INSERT INTO measurement (measurement_id, person_id, measurement_concept_id,"
        " measurement_date, measurement_datetime, measurement_type_concept_id, value_as_number,"
        " unit_source_value) VALUES (99, 1, ?, ?, ?, 0, 700.0, 'ng/mL')",
        [child, (AT - timedelta(hours=1)).date(), AT - timedelta(hours=1)],
    )
    (first_id,) = {r[1] for r in _tags(con, {"f": "lab.ferritin"}, first=True)} - {99}
    both = {"a": "lab.ferritin", "b": "lab.ferritin"}
    assert _tags(con, both, first=True) == {(1, first_id, "a"), (1, 99, "a")}
    assert _tags(con, both, first=False) == {
        (1, first_id, "a"),
        (1, 99, "a"),
        (1, first_id, "b"),
        (1, 99, "b"),
    }
    # and a measure leaf reads the descendant's row as ferritin (the latest: 700)
    rule = {"measure": "lab.ferritin", "op": ">=", "value": 650, "unit": "ug/L", "within": "7 d"}
    (row,) = run(con, compile_criteria([_criterion(rule)], AT))
    assert row.criteria["C"] is Truth.TRUE
    assert row.evidence["C:value"] == 700.0
