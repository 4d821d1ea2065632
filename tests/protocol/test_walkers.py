"""Every walker of the criteria tree covers every node type and every score (STYLE §1).

The node types are :data:`NODE_TYPES` (derived from the classes), the scores
:data:`SCORE_SPECS`; each walker — the evaluator, the SQL compiler, the
renderer, the checker and the node reference of the docs — is run on one
example of each, so that a node type or a score added without its function in
one walker fails here, by name.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from pydantic import TypeAdapter
from sqlglot import exp

from strategies import node_examples
from trialkit.eligibility import Context, Outcome, Truth, evaluate
from trialkit.eligibility.sql import WALKERS, compile_node
from trialkit.eligibility.sql.build import Build
from trialkit.eligibility.sql.compiler import index_expression
from trialkit.eligibility.sql.scores import SCORES
from trialkit.protocol.check import Problem, check_protocol
from trialkit.protocol.criteria import NODE_TYPES, Node, Score, _Node, children
from trialkit.protocol.files import builtin_protocol
from trialkit.protocol.model import Criterion, CriterionKind, Protocol
from trialkit.protocol.reference import node_reference
from trialkit.protocol.render import node_text, rule_text
from trialkit.record import PatientRecord, record_from_bundle
from trialkit.scores import SCORE_SPECS
from trialkit.testing import BundleBuilder

NODE: TypeAdapter[Node] = TypeAdapter(Node)
AT = datetime(2025, 6, 15, 12)
EXAMPLES = node_examples()
DOCS = Path(__file__).parents[2] / "docs"


def _score(name: str) -> Score:
    return Score.model_validate({"score": name, "op": ">=", "value": 1, "source": "t"})


def _context() -> Context:
    b = BundleBuilder("p", "2015-03-01", "female")
    b.quantity("lab.ferritin", 800, "ug/L", "2025-06-14T08:00:00")
    return Context(record_from_bundle(b.build()), AT)


def _protocol(rules: list[Node]) -> Protocol:
    criteria = [
        Criterion(id=f"I{i}", kind=CriterionKind.INCLUSION, text="t", rule=rule)
        for i, rule in enumerate(rules, 1)
    ]
    # Without forms: the checks of the nodes are under test, not what forms capture (that a
    # protocol without forms is warned of is tests/protocol/test_forms.py's).
    return builtin_protocol("r-hlh").model_copy(update={"criteria": criteria, "forms": []})


def _node_problems(protocol: Protocol) -> list[Problem]:
    return [p for p in check_protocol(protocol) if p.where != "forms"]


def _subclasses(cls: type) -> set[type]:
    return {s for c in cls.__subclasses__() for s in {c, *_subclasses(c)}}


def test_every_node_class_is_in_the_union_and_node_types() -> None:
    # The union (the one list of classes, for mypy) against the classes themselves.
    assert _subclasses(_Node) == set(NODE_TYPES.values())
    for tag, model in NODE_TYPES.items():
        assert model.tag == tag
        keys = {name: info.alias or name for name, info in model.model_fields.items()}
        assert tag in keys.values(), f"{model.__name__}: its tag {tag!r} is none of its keys"


def test_every_node_type_has_an_example() -> None:
    assert set(EXAMPLES) == set(NODE_TYPES)


@pytest.mark.parametrize("tag", list(NODE_TYPES))
def test_a_mapping_with_the_tag_loads_as_its_class(tag: str) -> None:
    node = NODE.validate_python(EXAMPLES[tag])
    assert type(node) is NODE_TYPES[tag]
    assert NODE.validate_python(node.model_dump(by_alias=True, exclude_unset=True)) == node
    assert bool(children(node)) is (node.branches is not None)


def test_an_unknown_key_names_every_tag() -> None:
    with pytest.raises(ValueError, match="not a criteria node") as error:
        NODE.validate_python({"measure_x": "lab.ferritin"})
    assert ", ".join(NODE_TYPES) in str(error.value)


@pytest.mark.parametrize("tag", list(NODE_TYPES))
def test_the_evaluator_covers_every_node_type(tag: str) -> None:
    outcome = evaluate(NODE.validate_python(EXAMPLES[tag]), _context())
    assert isinstance(outcome, Outcome) and outcome.reason


@pytest.mark.parametrize("tag", list(NODE_TYPES))
def test_the_compiler_covers_every_node_type(tag: str) -> None:
    assert set(WALKERS) == set(NODE_TYPES.values())
    build = Build(index_expression(AT))
    build.criterion = "C"
    assert isinstance(compile_node(NODE.validate_python(EXAMPLES[tag]), build), exp.Expr)


@pytest.mark.parametrize("tag", list(NODE_TYPES))
def test_the_renderer_covers_every_node_type(tag: str) -> None:
    node = NODE.validate_python(EXAMPLES[tag])
    assert node_text(node).strip()
    assert len(rule_text(node).splitlines()) == 1 + sum(1 for _ in _descendants(node))


def _descendants(node: Node) -> list[Node]:
    return [d for child in children(node) for d in (child, *_descendants(child))]


@pytest.mark.parametrize("tag", list(NODE_TYPES))
def test_the_checker_covers_every_node_type(tag: str) -> None:
    problems = _node_problems(_protocol([NODE.validate_python(EXAMPLES[tag])]))
    assert all(p.where.startswith("criterion I1") for p in problems), problems


@pytest.mark.parametrize("tag", list(NODE_TYPES))
def test_the_node_reference_covers_every_node_type(tag: str) -> None:
    heading = f"### `{tag}` ({NODE_TYPES[tag].__name__})"
    assert heading in node_reference()
    assert heading in (DOCS / "protocol-format.md").read_text(encoding="utf-8")


# -- scores ---------------------------------------------------------------------------------------
def test_the_sql_scores_are_the_registry() -> None:
    assert set(SCORES) == set(SCORE_SPECS)


def test_the_protocol_format_lists_the_registry() -> None:
    schema = json.loads(json.dumps(Score.model_json_schema()))
    assert schema["properties"]["score"]["enum"] == list(SCORE_SPECS)
    with pytest.raises(ValueError, match="score"):
        _score("apache_ii")


@pytest.mark.parametrize("name", list(SCORE_SPECS))
def test_the_evaluator_covers_every_score(name: str) -> None:
    outcome = evaluate(_score(name), _context())
    assert outcome.reason
    assert "could not be computed" not in outcome.reason, outcome.reason


AGELESS_DATA = {
    "assessment.karnofsky": (80, "1"),
    "assessment.lansky": (60, "1"),
    "lab.creatinine": (0.9, "mg/dL"),
    "lab.haemoglobin": (95, "g/L"),
    "lab.platelets": (80, "10*9/L"),
    "vital.weight": (20, "kg"),
    "vital.height": (110, "cm"),
}
"""The same data for every age: the scores that read the age change with it."""


def _aged(birth: str) -> PatientRecord:
    b = BundleBuilder(f"p-{birth}", birth, "female")
    for key, (value, unit) in AGELESS_DATA.items():
        b.quantity(key, value, unit, "2025-06-14T08:00:00")
    return record_from_bundle(b.build())


@pytest.mark.parametrize("name", list(SCORE_SPECS))
def test_reads_age_says_whether_the_score_changes_with_the_age(name: str) -> None:
    # A neonate, a child and an adult with the same data: Hb 95 g/L meets HLH-2004
    # only under 4 weeks, pSOFA's bands, the formulas' terms and the scale are by age.
    spec = SCORE_SPECS[name]
    results = {
        repr([s.result for s in spec.adapter(record, AT) if s.result.score in spec.results])
        for record in (_aged("2025-06-01"), _aged("2018-01-01"), _aged("1960-01-01"))
    }
    assert (len(results) > 1) is spec.reads_age, results


@pytest.mark.parametrize("name", list(SCORE_SPECS))
def test_an_impossible_age_leaves_exactly_the_age_scores_unknown(name: str) -> None:
    b = BundleBuilder("p", "2030-01-01", "female")  # born after the index time
    outcome = evaluate(_score(name), Context(record_from_bundle(b.build()), AT))
    assert ("reads the age" in outcome.reason) is SCORE_SPECS[name].reads_age
    assert outcome.truth is Truth.UNKNOWN


@pytest.mark.parametrize("name", list(SCORE_SPECS))
def test_the_compiler_covers_every_score(name: str) -> None:
    build = Build(index_expression(AT))
    build.criterion = "C"
    assert isinstance(compile_node(_score(name), build), exp.Case)


@pytest.mark.parametrize("name", list(SCORE_SPECS))
def test_the_renderer_names_every_score_by_its_label(name: str) -> None:
    assert node_text(_score(name)).startswith(SCORE_SPECS[name].label + " ≥ 1")


@pytest.mark.parametrize("name", list(SCORE_SPECS))
def test_the_checker_covers_every_score(name: str) -> None:
    uncited = _score(name).model_copy(update={"source": None})
    problems = _node_problems(_protocol([uncited]))
    assert [p.message for p in problems] == ["threshold without a cited source"]
