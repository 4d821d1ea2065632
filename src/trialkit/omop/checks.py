"""Checks of OMOP CDM data beyond its types: concept ids, and DuckDB database files.

:func:`check_concepts` finds concept ids in the columns the SQL compiler reads
that the CONCEPT table does not hold; it runs on any engine (a query
function). :func:`open_database` opens a DuckDB database file read-only after
checking that every CDM table and column trialkit reads is there with a type
it can be read as. ``docs/omop.md`` ("Checks") says why a missing concept is
a warning unless asked to be an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from trialkit._interrupt import interruptible
from trialkit.errors import OmopError
from trialkit.omop.concepts import FIXED_CONCEPTS
from trialkit.omop.model import Table
from trialkit.omop.schema import TABLES, sql_type, table

__all__ = [
    "CONCEPT_COLUMNS",
    "ConceptCheck",
    "Query",
    "UnknownConcepts",
    "check_concepts",
    "duckdb_query",
    "open_database",
]

CONCEPT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("person", "gender_concept_id"),
    ("condition_occurrence", "condition_concept_id"),
    ("condition_occurrence", "condition_status_concept_id"),
    ("drug_exposure", "drug_concept_id"),
    ("procedure_occurrence", "procedure_concept_id"),
    ("measurement", "measurement_concept_id"),
    ("measurement", "value_as_concept_id"),
    ("measurement", "unit_concept_id"),
    ("observation", "observation_concept_id"),
    ("observation", "value_as_concept_id"),
    ("observation", "unit_concept_id"),
)
"""The concept-id columns :func:`check_concepts` checks: those the SQL compiler reads, and units.

Type concepts, race and ethnicity are not checked: the compiler never reads
them, and an extract's CONCEPT subset often leaves them out (Synthea27Nj's
holds no type, race or gender concept).
"""

Query = Callable[[exp.Expr], tuple[list[str], list[tuple[Any, ...]]]]
"""Runs one SELECT and returns its column names and rows (``Engine.query`` of any SQL engine)."""


@dataclass(frozen=True, slots=True)
class UnknownConcepts:
    """The rows of one concept-id column whose id the CONCEPT table does not hold.

    ``concept_id`` is the id on the first such row by row id, ``row_id`` that
    row's id (the value of the table's ``key`` column, ``measurement_id``...).
    """

    table: str
    column: str
    rows: int
    ids: int
    concept_id: int
    key: str
    row_id: int

    def message(self, where: str | None = None) -> str:
        """One line naming the table, the column, the id and its row (``where``, else the row id)."""
        place = where or f"{self.key} {self.row_id}"
        return (
            f"{self.table}.{self.column}: concept id {self.concept_id} ({place}) "
            "is not in the CONCEPT table"
        )

    def summary(self) -> str:
        """One line with the counts, for a warning."""
        rows = f"{self.rows:,} row" + ("s" if self.rows != 1 else "")
        ids = f"{self.ids:,} concept id" + ("s" if self.ids != 1 else "")
        return (
            f"{self.table}.{self.column}: {rows} with {ids} not in the CONCEPT table "
            f"(first: {self.concept_id} at {self.key} {self.row_id})"
        )


@dataclass(frozen=True, slots=True)
class ConceptCheck:
    """The result of :func:`check_concepts`: ``concepts`` rows in CONCEPT (0: nothing was checked)."""

    concepts: int
    unknown: tuple[UnknownConcepts, ...]


def _unknown(spec: Table, column: str) -> exp.Expr:
    """The row's concept id is set, not 0 or a fixed concept, and not in CONCEPT."""
    value = exp.column(column, table=spec.name)
    listed = (
        exp.select(exp.Literal.number(1))
        .from_("concept")
        .where(exp.column("concept_id", table="concept").eq(value.copy()))
    )
    fixed = [exp.Literal.number(i) for i in sorted(FIXED_CONCEPTS)]
    return exp.and_(
        exp.not_(value.is_(exp.null())),
        exp.not_(exp.In(this=value.copy(), expressions=fixed)),
        exp.not_(exp.Exists(this=listed)),
    )


def check_concepts(query: Query) -> ConceptCheck:
    """The concept ids of :data:`CONCEPT_COLUMNS` that the CONCEPT table does not hold.

    ``query`` runs a SELECT on the database (``engine.query``, any dialect). An
    empty CONCEPT table is not checked against (``concepts`` is 0). Accepted
    without a CONCEPT row: 0, "No matching concept", which the CDM conventions
    write for an unmapped value (``OMOP_CDMv5.4_Field_Level.csv``), and the
    fixed OMOP concepts trialkit reads and writes by id
    (:data:`trialkit.omop.concepts.FIXED_CONCEPTS`: male, female, yes, no,
    EHR, diagnosis status). A local id (>= 2,000,000,000) needs its row: the
    bridge and ``trialkit synth`` write one for every local concept.
    """
    count = exp.select(exp.Count(this=exp.Star())).from_("concept")
    (total,) = query(count)[1][0]
    if not total:
        return ConceptCheck(0, ())
    # One scan of every checked column and one anti-join: on Spark each query is a job.
    fixed = [exp.Literal.number(i) for i in sorted(FIXED_CONCEPTS)]
    parts = []
    for name, column in CONCEPT_COLUMNS:
        spec = table(name)
        value = exp.column(column, table=spec.name)
        parts.append(
            exp.select(
                exp.Literal.string(name).as_("table_name"),
                exp.Literal.string(column).as_("column_name"),
                value.as_("concept_id"),
            )
            .from_(spec.name)
            .where(
                exp.and_(
                    exp.not_(value.copy().is_(exp.null())),
                    exp.not_(exp.In(this=value.copy(), expressions=[f.copy() for f in fixed])),
                )
            )
        )
    union: exp.Query = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    listed = (
        exp.select(exp.Literal.number(1))
        .from_("concept")
        .where(exp.column("concept_id", table="concept").eq(exp.column("concept_id", table="used")))
    )
    used = ("table_name", "column_name")
    counts = (
        exp.select(
            *used,
            exp.Count(this=exp.Star()).as_("row_count"),
            exp.Count(this=exp.Distinct(expressions=[exp.column("concept_id")])).as_("id_count"),
        )
        .from_(union.subquery("used"))
        .where(exp.not_(exp.Exists(this=listed)))
        .group_by(*used)
    )
    found = []
    for name, column, rows, ids in query(counts)[1]:
        spec = table(str(name))
        key = spec.columns[0].name
        first = (
            exp.select(exp.column(key, table=spec.name), exp.column(str(column), table=spec.name))
            .from_(spec.name)
            .where(_unknown(spec, str(column)))
            .order_by(exp.column(key, table=spec.name))
            .limit(1)
        )
        row_id, concept = query(first)[1][0]
        found.append(
            UnknownConcepts(
                spec.name, str(column), int(rows), int(ids), int(concept), key, int(row_id)
            )
        )
    order = {c: i for i, c in enumerate(CONCEPT_COLUMNS)}
    found.sort(key=lambda u: order[(u.table, u.column)])
    return ConceptCheck(int(total), tuple(found))


def duckdb_query(con: duckdb.DuckDBPyConnection) -> Query:
    """A :data:`Query` over a DuckDB connection."""

    def query(select: exp.Expr) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor = con.execute(select.sql(dialect="duckdb", identify=True))
        return [str(d[0]) for d in cursor.description], cursor.fetchall()

    return query


_INTEGER_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)
_ACCEPTED_TYPES: dict[str, tuple[str, ...]] = {
    "integer": _INTEGER_TYPES,
    "float": (*_INTEGER_TYPES, "FLOAT", "DOUBLE", "DECIMAL"),
    "date": ("DATE",),
    "datetime": ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE"),
}
"""The DuckDB types each CDM datatype is read from (varchar: VARCHAR); the same as Spark's."""


def open_database(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB database file of OMOP CDM tables, opened read-only, checked for what trialkit reads.

    Every CDM table and column of :mod:`trialkit.omop.schema` must exist in
    the default schema, with a type its CDM datatype can be read from (an
    integer where a float is expected is accepted); otherwise
    :class:`OmopError` names the table and the column.
    """
    file = Path(path)
    if not file.is_file():
        raise OmopError(f"{file}: no such DuckDB database file")
    try:
        con = interruptible(duckdb.connect(str(file), read_only=True))
    except duckdb.Error as error:
        raise OmopError(
            f"{file.name}: cannot be opened as a DuckDB database: {str(error).strip().splitlines()[0]}"
        ) from None
    try:
        _check_columns(con, file.name)
    except BaseException:
        con.close()
        raise
    return con


def _check_columns(con: duckdb.DuckDBPyConnection, origin: str) -> None:
    columns = exp.to_table("information_schema.columns")
    query = (
        exp.select("table_name", "column_name", "data_type")
        .from_(columns)
        .where(exp.column("table_schema").eq(exp.func("current_schema")))
    )
    found: dict[str, dict[str, str]] = {}
    for name, column, kind in con.execute(query.sql(dialect="duckdb")).fetchall():
        found.setdefault(str(name).lower(), {})[str(column).lower()] = str(kind)
    for spec in TABLES:
        present = found.get(spec.name)
        if present is None:
            raise OmopError(
                f"{spec.name}: no such table in {origin} (every CDM table trialkit reads must "
                "exist, empty if need be: trialkit.omop.connect creates them)"
            )
        for column in spec.columns:
            kind = present.get(column.name)
            if kind is None:
                raise OmopError(f"{spec.name}.{column.name}: column missing from {origin}")
            accepted = _ACCEPTED_TYPES.get(column.datatype, ("VARCHAR",))
            if kind.split("(")[0] not in accepted:
                raise OmopError(
                    f"{spec.name}.{column.name}: {origin} holds {kind}, not a {column.datatype} "
                    f"({sql_type(column).sql(dialect='duckdb')})"
                )
