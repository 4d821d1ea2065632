"""The compiler: a criteria tree (or a whole protocol) to one sqlglot SELECT over OMOP CDM.

One walker per node type (:data:`WALKERS`, as the evaluator's ``_WALKERS``).
A protocol compiles to::

    WITH persons AS (...), <one small CTE per leaf> ...
    SELECT *, CASE ... END AS verdict
    FROM (SELECT persons.person_id, persons.birth_date, persons.sex,
                 <criterion> AS "I1", ..., <evidence> AS "I1.0:value", ...
          FROM persons LEFT JOIN <leaf CTE> USING person_id ...)

with one BOOLEAN column per criterion: TRUE (met), FALSE (not met) or NULL
(unknown); ``deceased``, the time of the person's death when it is at or
before the index time (else NULL); and the verdict: ``ineligible`` for a
person deceased by the index time or when an inclusion is FALSE or an
exclusion TRUE, ``eligible`` when every inclusion is TRUE and every exclusion
FALSE, else ``undetermined`` (:mod:`trialkit.eligibility.screening`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlglot import exp

from trialkit.eligibility.sql.build import (
    PERSON,
    Build,
    EvidenceColumn,
    at_or_before,
    case,
    cast,
    col,
    index_literal,
    or_,
    persons,
    timestamp_of,
)
from trialkit.eligibility.sql.dialects import render
from trialkit.eligibility.sql.events import compile_attestation, compile_condition, compile_finding
from trialkit.eligibility.sql.genomic import compile_genomic
from trialkit.eligibility.sql.logic import (
    compile_all_of,
    compile_any_of,
    compile_at_least,
    compile_not,
)
from trialkit.eligibility.sql.measure import compile_measure
from trialkit.eligibility.sql.person import (
    compile_age,
    compile_childbearing_potential,
    compile_sex,
)
from trialkit.eligibility.sql.scores import compile_score
from trialkit.eligibility.sql.treatment import compile_drug, compile_procedure
from trialkit.errors import NotCompiledError
from trialkit.protocol.criteria import (
    Age,
    AllOf,
    AnyOf,
    AtLeast,
    Attestation,
    ChildbearingPotential,
    ConditionNode,
    Drug,
    Finding,
    Genomic,
    Measure,
    Node,
    Not,
    ProcedureNode,
    Score,
    SexNode,
)
from trialkit.protocol.model import Criterion, CriterionKind, Protocol

__all__ = [
    "DECEASED",
    "INDEX_PARAMETER",
    "RESERVED",
    "VERDICT",
    "WALKERS",
    "Compiled",
    "compile_criteria",
    "compile_node",
    "compile_protocol",
    "index_expression",
]

INDEX_PARAMETER = "index_date"
"""The bind parameter of the index time when none is given (``$index_date`` in DuckDB)."""
VERDICT = "verdict"
DECEASED = "deceased"
"""The column of the death at or before the index time (:class:`~trialkit.eligibility.Death`)."""
RESERVED = frozenset({"person_id", "birth_date", "sex", VERDICT, DECEASED})
"""Output columns a criterion id may not take."""
_DEATHS = "deaths"

Walker = Callable[[Any, Build, str], exp.Expr]


def compile_node(node: Node, build: Build, path: str = "") -> exp.Expr:
    """The BOOLEAN expression of ``node`` (registering its CTEs and evidence in ``build``)."""
    walker = WALKERS.get(type(node))
    if walker is None:
        raise NotCompiledError(f"the SQL compiler has no walker for {type(node).__name__} nodes")
    return walker(node, build, path)


WALKERS: dict[type, Walker] = {
    AllOf: partial(compile_all_of, walk=compile_node),
    AnyOf: partial(compile_any_of, walk=compile_node),
    AtLeast: partial(compile_at_least, walk=compile_node),
    Not: partial(compile_not, walk=compile_node),
    Measure: compile_measure,
    Score: compile_score,
    Age: compile_age,
    SexNode: compile_sex,
    ChildbearingPotential: compile_childbearing_potential,
    ConditionNode: compile_condition,
    Finding: compile_finding,
    Attestation: compile_attestation,
    Drug: compile_drug,
    ProcedureNode: compile_procedure,
    Genomic: compile_genomic,
}
"""One walker per node type (STYLE §1): adding a node adds one entry here."""


def index_expression(index: datetime | exp.Expr | None) -> exp.Expr:
    """The index time as a TIMESTAMP expression: a literal, an expression, or the bind parameter."""
    if isinstance(index, datetime):
        return index_literal(index)
    if index is None:
        index = exp.Placeholder(this=INDEX_PARAMETER)
    return cast(index, "TIMESTAMP")


@dataclass(frozen=True)
class Compiled:
    """Criteria (a protocol's, or any) compiled to one SELECT, and what its columns mean.

    ``criteria`` are the criterion ids that are columns, in order, with their
    ``kinds``; the query also has the ``verdict`` and ``deceased`` columns.
    """

    name: str
    query: exp.Select
    kinds: Mapping[str, CriterionKind]
    evidence: tuple[EvidenceColumn, ...]
    parameter: str | None = None
    """The bind parameter of the index time, when it was not given as a literal."""

    @property
    def criteria(self) -> tuple[str, ...]:
        """The criterion columns, in order."""
        return tuple(self.kinds)

    def sql(self, dialect: str = "duckdb", *, pretty: bool = False) -> str:
        """The query as SQL text for ``dialect`` (duckdb, spark or postgres), identifiers quoted."""
        return render(self.query, dialect, pretty=pretty)


def verdict_expression(kinds: Mapping[str, CriterionKind]) -> exp.Expr:
    """``ineligible`` / ``undetermined`` / ``eligible`` from ``deceased`` and the criteria.

    As :func:`trialkit.eligibility.screening.verdict_of`: a person deceased by
    the index time is ineligible whatever the criteria say.
    """
    fails: list[exp.Expr] = [exp.not_(exp.column(DECEASED).is_(exp.null()))]
    unknown: list[exp.Expr] = []
    for criterion, kind in kinds.items():
        column = exp.column(_quoted(criterion))
        fails.append(
            column.copy().eq(exp.false() if kind is CriterionKind.INCLUSION else exp.true())
        )
        unknown.append(column.copy().is_(exp.null()))
    return case(
        [
            (or_(*fails), exp.Literal.string("ineligible")),
            (or_(*unknown), exp.Literal.string("undetermined")),
        ],
        exp.Literal.string("eligible"),
    )


def _joined(names: list[str], selected: list[exp.Expr]) -> exp.Select:
    """``SELECT selected FROM persons LEFT JOIN <each name> ON person_id``."""
    query = exp.Select().select(*selected, copy=False).from_(exp.table_(PERSON), copy=False)
    for name in names:
        # A Join node, not join_type="LEFT": sqlglot parses that text at each join.
        query = query.join(
            exp.Join(this=exp.table_(name), side="LEFT"),
            on=col("person_id", name).eq(col("person_id", PERSON)),
            copy=False,
        )
    return query


def _criterion_query(build: Build, selected: list[exp.Expr]) -> exp.Select:
    """``person_id`` and ``selected`` over the persons joined to the criterion's leaves.

    Without bound values (:meth:`Build.bind`) one SELECT; with them, layers:
    the innermost SELECT names each leaf column the criterion reads
    (``"measure_7__value"``), each next one adds the values bound on the
    previous ones, and the outermost computes ``selected`` from them, so
    that a value used many times is computed once per person.
    """
    if not build.bound:
        return _joined(build.used, [col("person_id", PERSON), *selected])
    sources = {PERSON, *build.used}
    names: dict[tuple[str, str], str] = {}

    def unqualified(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and node.table in sources:
            name = names.setdefault((node.table, node.name), f"{node.table}__{node.name}")
            return exp.column(_quoted(name))
        return node

    bound = [(b.name, b.value.transform(unqualified), b.depth) for b in build.bound]
    outputs = [e.transform(unqualified) for e in selected]
    columns = [col(n, t).as_(_quoted(alias), copy=False) for (t, n), alias in names.items()]
    layer = _joined(build.used, [col("person_id", PERSON), *columns])
    depths = max(depth for _, _, depth in bound)
    for level in range(1, depths + 1):
        values = [v.as_(name, copy=False) for name, v, depth in bound if depth == level]
        layer = exp.select("*", *values).from_(layer.subquery(f"layer_{level}", copy=False))
    return exp.select(col("person_id"), *outputs).from_(layer.subquery("bound", copy=False))


def _unique_columns(name: str, columns: list[str]) -> None:
    """Refuse two output columns whose names SQL takes for one (compared without case).

    :class:`~trialkit.protocol.model.Protocol` refuses the criterion ids that would
    make them (``I1.0`` beside a composite ``I1``); this guards criteria compiled
    without a protocol.
    """
    seen: dict[str, str] = {}
    for column in columns:
        other = seen.get(column.lower())
        if other is not None:
            raise NotCompiledError(
                f"{name}: the columns {column!r} and {other!r} would be one column"
            )
        seen[column.lower()] = column


def compile_protocol(protocol: Protocol, index: datetime | exp.Expr | None = None) -> Compiled:
    """Compile every criterion of ``protocol`` as of ``index`` (see :func:`compile_criteria`)."""
    return compile_criteria(protocol.criteria, index, name=protocol.id)


def compile_criteria(
    criteria: Sequence[Criterion],
    index: datetime | exp.Expr | None = None,
    *,
    name: str = "criteria",
) -> Compiled:
    """Compile ``criteria`` as of ``index`` (a datetime, an expression, or the bind parameter).

    Each criterion becomes a CTE (``criterion_<n>``: one row per person, its
    truth and its evidence) over the leaf CTEs it uses, so that no join
    carries more columns than one criterion needs. Every node type compiles; a
    node without a walker (or a score without its SQL) would raise
    :class:`NotCompiledError` naming the criterion and the node, never a NULL.
    """
    build = Build(index_expression(index))
    kinds: dict[str, CriterionKind] = {}
    ctes: list[tuple[str, exp.Select]] = []
    outputs: list[exp.Expr] = []
    for criterion in criteria:
        if criterion.id in RESERVED or criterion.id in kinds:
            raise NotCompiledError(
                f"{name}: criterion id {criterion.id!r} is not a free column name"
            )
        build.criterion, build.used, build.bound = criterion.id, [], []
        first = len(build.evidence)
        try:
            truth = compile_node(criterion.rule, build)
        except NotCompiledError as error:
            raise NotCompiledError(f"{name} criterion {criterion.id}: {error}") from None
        cte = f"criterion_{len(ctes) + 1}"
        evidence = build.evidence[first:]
        selected = [truth.as_("truth", copy=False)]
        selected += [e.as_(_quoted(c.name), copy=False) for c, e in evidence]
        ctes.append((cte, _criterion_query(build, selected)))
        outputs.append(col("truth", cte).as_(_quoted(criterion.id), copy=False))
        outputs += [exp.column(_quoted(c.name), table=cte) for c, _ in evidence]
        kinds[criterion.id] = criterion.kind
    died = col("died", _DEATHS)
    deceased = case([(at_or_before(died, build.index), died.copy())])
    inner = _joined(
        [_DEATHS, *(cte for cte, _ in ctes)],
        [
            col("person_id", PERSON),
            col("birth_date", PERSON),
            col("sex", PERSON),
            deceased.as_(DECEASED, copy=False),
            *outputs,
        ],
    )
    outer = exp.select("*", verdict_expression(kinds).as_(VERDICT, copy=False)).from_(
        inner.subquery("screened", copy=False), copy=False
    )
    outer = outer.with_(PERSON, as_=persons(), copy=False)
    for cte, query in [(_DEATHS, _deaths()), *build.ctes, *ctes]:
        outer = outer.with_(cte, as_=query, copy=False)
    columns = tuple(c for c, _ in build.evidence)
    _unique_columns(name, [*RESERVED, *kinds, *(c.name for c in columns)])
    parameter = INDEX_PARAMETER if index is None else None
    return Compiled(name, outer, kinds, columns, parameter)


def _deaths() -> exp.Select:
    """Each person's time of death: ``death_datetime``, else midnight of ``death_date``.

    One row per person (``death.person_id`` is checked unique,
    :func:`trialkit.omop.checks.check_rows`; the earliest is kept all the same).
    """
    time = timestamp_of("d", "death_datetime", "death_date")
    return (
        exp.select(col("person_id", "d"), exp.Min(this=time).as_("died", copy=False))
        .from_(exp.table_("death", alias="d"), copy=False)
        .group_by(col("person_id", "d"), copy=False)
    )


def _quoted(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)
