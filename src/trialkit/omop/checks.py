"""Checks of OMOP CDM data beyond its types: keys, birth dates, concept ids, DuckDB files.

:func:`check_rows` refuses a key on two rows of its table and a birth date
that is no date, and :func:`check_concepts` finds concept ids in the columns
the SQL compiler reads that the CONCEPT table does not hold; both run on any
engine (a query function). :func:`open_database` opens a DuckDB database file
read-only after checking that every CDM table and column trialkit reads is
there with a type it can be read as, and its rows. ``docs/omop.md``
("Checks") says why a missing concept is a warning unless asked to be an
error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from trialkit.errors import OmopError
from trialkit.omop.concepts import FIXED_CONCEPTS
from trialkit.omop.marker import check_marker
from trialkit.omop.model import Table
from trialkit.omop.quiet import quiet_connect
from trialkit.omop.schema import TABLES, sql_type, table

__all__ = [
    "CONCEPT_COLUMNS",
    "UNIQUE_KEYS",
    "ConceptCheck",
    "Query",
    "UnknownConcepts",
    "check_concepts",
    "check_rows",
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


UNIQUE_KEYS: tuple[tuple[str, str], ...] = (
    *((t.name, c.name) for t in TABLES for c in t.columns if c.primary_key),
    ("death", "person_id"),
)
"""(table, column) of each column whose value identifies one row of its table.

The CDM 5.4 primary keys (``isPrimaryKey`` of ``OMOP_CDMv5.4_Field_Level.csv``),
and ``death.person_id``: the specification's DEATH table holds "up to one
record" per person (``OMOP_CDMv5.4_Table_Level.csv``). A key on two rows
would count a person twice, or leave "the latest measurement" to chance.
"""


def check_rows(query: Query) -> None:
    """Refuse data whose rows trialkit cannot read as one CDM: a repeated key, an impossible birth.

    :data:`UNIQUE_KEYS` must be unique, and the birth date's parts
    (``year_of_birth`` 1 to 9999, ``month_of_birth`` 1 to 12, ``day_of_birth`` a
    day of that month) must make a date, as the compiler builds one from them.
    The first problem found is an :class:`OmopError` naming the table, the
    column and a value. Two queries on any engine (``engine.query``).
    """
    _check_keys(query)
    _check_birth(query)


def _check_keys(query: Query) -> None:
    parts: list[exp.Query] = []
    for name, column in UNIQUE_KEYS:
        key = exp.column(column)
        repeated = (
            exp.select(key.as_("value"))
            .from_(name)
            .group_by(key.copy())
            .having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(1)))
        )
        parts.append(
            exp.select(
                exp.Literal.string(name).as_("table_name"),
                exp.Literal.string(column).as_("column_name"),
                exp.Min(this=exp.column("value")).as_("first"),
                exp.Count(this=exp.Star()).as_("repeated"),
            ).from_(repeated.subquery("repeated"))
        )
    union: exp.Query = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    found = {(str(t), str(c)): (v, int(n)) for t, c, v, n in query(union)[1]}
    for name, column in UNIQUE_KEYS:
        first, count = found.get((name, column), (None, 0))
        if first is not None:
            others = f"; {count - 1:,} other values too" if count > 1 else ""
            raise OmopError(
                f"{name}.{column}: {first} is on more than one row{others} "
                f"({column} identifies one {name} row)"
            )


def _month_days(year: exp.Expr, month: exp.Expr) -> exp.Expr:
    """The number of days in ``month`` of ``year`` (Gregorian leap years)."""

    def divides(n: int) -> exp.Expr:
        return exp.Mod(this=year.copy(), expression=exp.Literal.number(n)).eq(0)

    leap = exp.or_(exp.and_(divides(4), exp.not_(divides(100))), divides(400))
    short = [exp.Literal.number(m) for m in (4, 6, 9, 11)]
    return (
        exp.Case()
        .when(
            month.copy().eq(2),
            exp.Case().when(leap, exp.Literal.number(29)).else_(exp.Literal.number(28)),
        )
        .when(exp.In(this=month.copy(), expressions=short), exp.Literal.number(30))
        .else_(exp.Literal.number(31))
    )


def _check_birth(query: Query) -> None:
    year, month, day = (exp.column(c) for c in ("year_of_birth", "month_of_birth", "day_of_birth"))

    def outside(value: exp.Expr, low: int, high: int) -> exp.Expr:
        inside = exp.Between(
            this=value.copy(), low=exp.Literal.number(low), high=exp.Literal.number(high)
        )
        return exp.and_(exp.not_(value.copy().is_(exp.null())), exp.not_(inside))

    bad_year = outside(year, 1, 9999)
    bad_month = outside(month, 1, 12)
    whole_date = exp.and_(exp.not_(bad_year.copy()), exp.not_(month.copy().is_(exp.null())))
    bad_day = exp.or_(
        outside(day, 1, 31),
        exp.and_(
            whole_date,
            exp.not_(bad_month.copy()),
            exp.GT(this=day.copy(), expression=_month_days(year, month)),
        ),
    )
    problem = (
        exp.Case()
        .when(bad_year, exp.Literal.string("year_of_birth"))
        .when(bad_month, exp.Literal.string("month_of_birth"))
        .when(bad_day, exp.Literal.string("day_of_birth"))
    )
    checked = exp.select(
        exp.column("person_id"), year.copy(), month.copy(), day.copy(), problem.as_("problem")
    ).from_("person")
    first = (
        exp.select("*")
        .from_(checked.subquery("checked"))
        .where(exp.not_(exp.column("problem").is_(exp.null())))
        .order_by(exp.column("person_id"))
        .limit(1)
    )
    rows = query(first)[1]
    if not rows:
        return
    person, y, m, d, column = rows[0]
    where = f"person.{column}"
    if column == "year_of_birth":
        raise OmopError(f"{where}: {y} (person_id {person}) is not a year (1 to 9999)")
    if column == "month_of_birth":
        raise OmopError(f"{where}: {m} (person_id {person}) is not a month (1 to 12)")
    if m is None or not 1 <= d <= 31:
        raise OmopError(f"{where}: {d} (person_id {person}) is not a day (1 to 31)")
    raise OmopError(f"{where}: {d} (person_id {person}) is not a day of {y:04d}-{m:02d}")


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
    the default schema as a base table (not a view), with a type its CDM
    datatype can be read from (an integer where a float is expected is
    accepted); the file must hold no macro, and, when trialkit loaded it, its
    mark must say the load is complete (:mod:`trialkit.omop.marker`); its rows
    must pass :func:`check_rows`. Otherwise :class:`OmopError` names the table
    and the column (or the macro, or the incomplete load).
    """
    file = Path(path)
    if not file.is_file():
        raise OmopError(f"{file}: no such DuckDB database file")
    if file.stat().st_size == 0:
        raise OmopError(
            f"{file}: empty: the name a load into a new file takes first (a load still "
            "running, or one that was killed); it holds no data"
        )
    try:
        con = quiet_connect(file, read_only=True)
    except duckdb.Error as error:
        raise OmopError(
            f"{file.name}: cannot be opened as a DuckDB database: {str(error).strip().splitlines()[0]}"
        ) from None
    try:
        _check_code(con, file.name)
        check_marker(con, file.name)
        _check_columns(con, file.name)
        check_rows(duckdb_query(con))
    except BaseException:
        con.close()
        raise
    return con


def _check_code(con: duckdb.DuckDBPyConnection, origin: str) -> None:
    """Refuse a CDM table that is a view, and any macro: code the file would run on a read.

    A view's SQL runs on every read (a cross join of millions of rows, a
    read of a local file); a macro in the file shadows the built-in function
    of its name (``make_date``) in every query. Only the catalogs are read.
    """
    here = exp.and_(
        exp.not_(exp.column("internal")),
        exp.column("database_name").eq(exp.func("current_database")),
    )
    views = (
        exp.select("view_name")
        .from_(exp.Anonymous(this="duckdb_views"))
        .where(exp.and_(here, exp.column("schema_name").eq(exp.func("current_schema"))))
    )
    names = {spec.name for spec in TABLES}
    for (view,) in con.execute(views.sql(dialect="duckdb")).fetchall():
        if str(view).lower() in names:
            raise OmopError(
                f"{str(view).lower()}: a view in {origin}, not a table; trialkit reads CDM "
                "tables only as base tables (a view's SQL would run on every read)"
            )
    kinds = [exp.Literal.string(k) for k in ("macro", "table_macro")]
    macros = (
        exp.select("function_name")
        .from_(exp.Anonymous(this="duckdb_functions"))
        .where(exp.and_(here.copy(), exp.In(this=exp.column("function_type"), expressions=kinds)))
        .order_by("function_name")
    )
    found = con.execute(macros.sql(dialect="duckdb")).fetchall()
    if found:
        raise OmopError(
            f"{origin}: holds the macro {found[0][0]}; trialkit opens only DuckDB files without "
            "macros (a macro changes what the queries compute)"
        )


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
