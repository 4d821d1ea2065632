"""The state of one compilation and the small SQL pieces every walker shares.

A compiled query reads one row per person from the ``persons`` CTE and LEFT
JOINs one small CTE per leaf of the criteria tree (one row per person that has
data for that leaf). A leaf walker registers its CTE with :meth:`Build.cte`
and returns a BOOLEAN expression over the joined row: TRUE, FALSE or NULL
(unknown), which the logic walkers combine with SQL's own Kleene ``AND`` /
``OR`` / ``NOT``. Everything is a sqlglot expression; no SQL text is pasted.

Times: the index time is a TIMESTAMP expression (a literal or a bind
parameter). Durations subtract as SQL intervals: calendar months and years
clamp to the month's last day in DuckDB, Spark and PostgreSQL exactly as
:func:`trialkit.protocol.window.before` does; days, hours and minutes are
fixed lengths.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from types import MappingProxyType

from sqlglot import exp

from trialkit.omop.concepts import FEMALE as OMOP_FEMALE
from trialkit.omop.concepts import MALE as OMOP_MALE
from trialkit.omop.concepts import concept_id, gene_concept_id
from trialkit.protocol.criteria import node_name
from trialkit.protocol.window import split
from trialkit.record.model import OLDEST_AGE_YEARS
from trialkit.units import Comparator
from trialkit.vocab import Kind, vocabulary

__all__ = [
    "COMPARATORS",
    "PERSON",
    "Bound",
    "Build",
    "EvidenceColumn",
    "and_",
    "at_or_before",
    "case",
    "cast",
    "col",
    "concept_ids",
    "count_if",
    "flag",
    "greatest",
    "impossible_age",
    "in_concepts",
    "index_literal",
    "interval",
    "latest_rows",
    "least",
    "measurement_columns",
    "minus",
    "not_",
    "number",
    "or_",
    "plausible_birth",
    "timestamp_of",
]

PERSON = "persons"
"""The CTE with one row per person: ``person_id``, ``birth_date`` (DATE or NULL), ``sex``."""


@dataclass(frozen=True, slots=True)
class EvidenceColumn:
    """An output column explaining one leaf: criterion, leaf path, field and SQL type name."""

    name: str
    criterion: str
    path: str
    node: str
    field: str


@dataclass(frozen=True, slots=True)
class Bound:
    """A value bound by :meth:`Build.bind`: its column name, its expression, its layer (1, 2, ...)."""

    name: str
    value: exp.Expr
    depth: int


@dataclass
class Build:
    """One compilation: the index time, the CTEs registered so far, the evidence columns."""

    index: exp.Expr
    ctes: list[tuple[str, exp.Select]] = field(default_factory=list)
    evidence: list[tuple[EvidenceColumn, exp.Expr]] = field(default_factory=list)
    criterion: str = ""
    used: list[str] = field(default_factory=list)
    bound: list[Bound] = field(default_factory=list)
    """The current criterion's named intermediate values (:meth:`bind`), in order."""
    _shared: dict[str, str] = field(default_factory=dict)
    _binds: int = 0

    @property
    def day(self) -> exp.Expr:
        """The index date (the calendar day of the index time)."""
        return cast(self.index.copy(), "DATE")

    def find(self, key: str) -> str | None:
        """The CTE already registered under ``key`` (marked used by this criterion), or None."""
        name = self._shared.get(key)
        if name is not None and name not in self.used:
            self.used.append(name)
        return name

    def cte(
        self, stem: str, query: exp.Select, *, key: str | None = None, join: bool = True
    ) -> str:
        """Register a CTE keyed by ``person_id`` and LEFT JOINed to ``persons``; returns its name.

        ``key`` shares one CTE between the leaves that ask the same question;
        ``join=False`` registers an intermediate CTE that other CTEs read.
        """
        if key is not None and key in self._shared:
            name = self._shared[key]
        else:
            name = f"{stem}_{len(self.ctes) + 1}"
            self.ctes.append((name, query))
            if key is not None:
                self._shared[key] = name
        if join and name not in self.used:
            self.used.append(name)
        return name

    def bind(self, value: exp.Expr) -> exp.Expr:
        """``value`` computed once per row of the current criterion; returns a reference to it.

        A value used more than once (an ``at_least`` item counted as TRUE and as
        possible, an age band's comparison in every band after it) would
        otherwise be repeated in the SQL text and evaluated again at each use,
        so that nesting makes the expression grow exponentially (HLH-2004's
        "5 of 8" with "2 of 3" cytopenias by age band was 31 kB). A bound
        value is a column of an inner SELECT of the criterion's CTE
        (:func:`~trialkit.eligibility.sql.compiler.compile_criteria`); a
        column or a constant is returned as it is.
        """
        if isinstance(value, exp.Column | exp.Literal | exp.Boolean | exp.Null):
            return value
        self._binds += 1
        name = f"_v{self._binds}"
        names = {c.name for c in value.find_all(exp.Column) if not c.table}
        depth = 1 + max((b.depth for b in self.bound if b.name in names), default=0)
        self.bound.append(Bound(name, value, depth))
        return exp.column(name)

    def explain(self, path: str, node: str, fields: Iterable[tuple[str, exp.Expr]]) -> None:
        """Add the evidence columns of the leaf at ``path`` of the current criterion."""
        where = node_name(self.criterion, path)
        for name, expression in fields:
            column = EvidenceColumn(f"{where}:{name}", self.criterion, path, node, name)
            self.evidence.append((column, expression))


# -- expressions ----------------------------------------------------------------------------------
_TYPES = {
    name: exp.DataType.build(name) for name in ("BOOLEAN", "DATE", "DOUBLE", "INT", "TIMESTAMP")
}


def cast(value: exp.Expr, to: str) -> exp.Cast:
    """``CAST(value AS to)`` for one of BOOLEAN, DATE, DOUBLE, INT, TIMESTAMP (no parsing)."""
    return exp.Cast(this=value, to=_TYPES[to].copy())


def col(name: str, table: str | None = None) -> exp.Column:
    """A (qualified) column reference."""
    return exp.column(name, table=table)


COMPARATORS: Mapping[Comparator, type[exp.Binary]] = MappingProxyType(
    {"<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}
)
"""Each comparator (:data:`trialkit.units.Comparator`) as its SQL node."""


def number(value: float) -> exp.Expr:
    """A DOUBLE literal written with Python's shortest round-trip repr (exactly that double)."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    if value == int(value) and abs(value) < 2**53:
        return cast(exp.Literal.number(int(value)), "DOUBLE")
    return cast(exp.Literal.number(repr(value)), "DOUBLE")


def _wrap(item: exp.Expr) -> exp.Expr:
    # Only AND / OR (and arithmetic under a subtraction) bind more loosely than their
    # context; sqlglot does not parenthesise NOT's operand itself (NOT (a OR b)).
    if isinstance(item, exp.Connector | exp.Add | exp.Sub):
        return exp.paren(item, copy=False)
    return item


def and_(*items: exp.Expr) -> exp.Expr:
    """Kleene AND of the items, each parenthesised."""
    return exp.and_(*(_wrap(i) for i in items), copy=False) if len(items) > 1 else items[0]


def or_(*items: exp.Expr) -> exp.Expr:
    """Kleene OR of the items, each parenthesised."""
    return exp.or_(*(_wrap(i) for i in items), copy=False) if len(items) > 1 else items[0]


def not_(item: exp.Expr) -> exp.Expr:
    """Kleene NOT (parenthesised: ``NOT (a OR b)``)."""
    return exp.Not(this=_wrap(item))


def case(whens: Sequence[tuple[exp.Expr, exp.Expr]], default: exp.Expr | None = None) -> exp.Expr:
    """``CASE WHEN c THEN v ... ELSE default END`` (ELSE NULL when no default; no WHEN: default)."""
    if not whens:
        return default if default is not None else exp.null()
    result = exp.Case()
    for condition, value in whens:
        result = result.when(condition, value, copy=False)
    return result.else_(default if default is not None else exp.null(), copy=False)


def greatest(*items: exp.Expr) -> exp.Expr:
    """``GREATEST(...)``, NULL arguments ignored (as DuckDB, Spark and PostgreSQL do natively)."""
    return exp.Greatest(this=items[0], expressions=list(items[1:]), ignore_nulls=True)


def least(*items: exp.Expr) -> exp.Expr:
    """``LEAST(...)``, NULL arguments ignored."""
    return exp.Least(this=items[0], expressions=list(items[1:]), ignore_nulls=True)


def flag(condition: exp.Expr) -> exp.Expr:
    """1 when ``condition`` is TRUE, else 0 (FALSE and NULL alike)."""
    return case([(condition, exp.Literal.number(1))], exp.Literal.number(0))


def count_if(condition: exp.Expr) -> exp.Expr:
    """``SUM(CASE WHEN condition THEN 1 ELSE 0 END)`` (an aggregate)."""
    return exp.Sum(this=flag(condition))


def index_literal(at: datetime) -> exp.Expr:
    """A TIMESTAMP literal for ``at`` (microseconds kept)."""
    return cast(exp.Literal.string(at.isoformat(sep=" ")), "TIMESTAMP")


def timestamp_of(table: str, datetime_column: str, date_column: str) -> exp.Expr:
    """The row's time: its datetime column, else midnight of its date column."""
    return exp.func(
        "COALESCE",
        col(datetime_column, table),
        cast(col(date_column, table), "TIMESTAMP"),
    )


_FIXED_UNITS: tuple[tuple[str, int], ...] = (
    ("DAY", 86_400_000_000),
    ("HOUR", 3_600_000_000),
    ("MINUTE", 60_000_000),
    ("SECOND", 1_000_000),
    ("MICROSECOND", 1),
)
_MICROSECONDS = {"min": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000}
_MICROSECONDS["wk"] = 7 * _MICROSECONDS["d"]


def interval(duration: str) -> exp.Interval:
    """A protocol duration as an SQL interval (months and years as calendar months)."""
    value, unit = split(duration)
    if unit in ("mo", "a"):
        months = value * (12 if unit == "a" else 1)
        if months != int(months):
            raise ValueError(f"{duration!r}: months and years must be whole numbers")
        return _interval(int(months), "MONTH")
    micros = round(value * _MICROSECONDS[unit])
    return microseconds(micros)


def microseconds(micros: int) -> exp.Interval:
    """A fixed-length interval, in the largest unit that holds it exactly."""
    for name, size in _FIXED_UNITS:
        if micros % size == 0:
            return _interval(micros // size, name)
    raise AssertionError("unreachable: every count is a whole number of microseconds")


def _interval(count: int, unit: str) -> exp.Interval:
    return exp.Interval(this=exp.Literal.string(str(count)), unit=exp.var(unit))


def minus(moment: exp.Expr, duration: str | exp.Interval) -> exp.Expr:
    """``moment - duration`` (calendar months clamp to the month's end)."""
    span = interval(duration) if isinstance(duration, str) else duration
    return exp.Sub(this=_wrap(moment.copy()), expression=span)


def at_or_before(moment: exp.Expr, index: exp.Expr) -> exp.Expr:
    """``moment <= index``."""
    return exp.LTE(this=moment, expression=index.copy())


# -- concepts -------------------------------------------------------------------------------------
@cache
def concept_ids(key: str) -> tuple[int, ...]:
    """The OMOP ids a concept key stands for: its own, and its members' for a drug class."""
    item = vocabulary()[key]
    if item.kind is Kind.GENE:
        return (gene_concept_id(key),)
    ids = [concept_id(key)]
    ids.extend(concept_id(member) for member in item.members)
    return tuple(dict.fromkeys(ids))


def in_concepts(column: exp.Expr, keys: Sequence[str]) -> exp.Expr:
    """``column`` is one of the concepts, or a descendant of one through ``concept_ancestor``.

    One ``IN`` over the ids and their descendants (``VALUES ... UNION ALL SELECT
    descendant_concept_id ...``), not ``IN (ids) OR IN (descendants)``: an
    ``OR`` with a subquery kept DuckDB from filtering the table scan, so it
    marked every row of ``measurement`` against ``concept_ancestor`` for each
    leaf; a lone ``IN`` is a semi join whose small side filters the scan.
    """
    ids = [i for key in keys for i in concept_ids(key)]
    literals = [exp.Literal.number(i) for i in dict.fromkeys(ids)]
    own = exp.select(col("concept_id")).from_(
        exp.Values(
            expressions=[exp.tuple_(lit) for lit in literals],
            alias=exp.TableAlias(
                this=exp.to_identifier("own"), columns=[exp.to_identifier("concept_id")]
            ),
        ),
        copy=False,
    )
    descendants = (
        exp.select(col("descendant_concept_id"))
        .from_(exp.table_("concept_ancestor"), copy=False)
        .where(col("ancestor_concept_id").isin(*[lit.copy() for lit in literals]), copy=False)
    )
    return column.copy().isin(query=exp.union(own, descendants, distinct=False, copy=False))


def measurement_columns(extra: dict[str, str], value: exp.Expr | None = None) -> list[exp.Expr]:
    """The columns of ``measurement AS m`` that leaves read, under their names in the leaves.

    ``person_id``, ``value`` (``value_as_number``, or the expression
    ``value``: the plausible value), ``unit``, ``time`` (the datetime, else
    the date's midnight), ``row_id``, and ``extra`` (a column → its name).
    """
    return [
        col("person_id", "m"),
        (col("value_as_number", "m") if value is None else value).as_("value", copy=False),
        col("unit_source_value", "m").as_("unit", copy=False),
        *(col(column, "m").as_(name, copy=False) for column, name in extra.items()),
        timestamp_of("m", "measurement_datetime", "measurement_date").as_("time", copy=False),
        col("measurement_id", "m").as_("row_id", copy=False),
    ]


def latest_rows(
    query: exp.Select, time: exp.Expr, tie: exp.Expr, *, rank: str = "rn"
) -> exp.Select:
    """``query`` with the latest row per person kept (ties: the highest ``tie``, as the record).

    The record keeps a concept's observations in time order, stable in the
    bundle's order, and the bridge numbers rows in that order: the largest row
    id at the latest time is the record's ``latest``.
    """
    window = exp.Window(
        this=exp.RowNumber(),
        partition_by=[col("person_id")],
        order=exp.Order(
            expressions=[
                exp.Ordered(this=time.copy(), desc=True),
                exp.Ordered(this=tie.copy(), desc=True),
            ]
        ),
    )
    ranked = exp.select("*", window.as_(rank, copy=False)).from_(
        query.subquery("candidates", copy=False), copy=False
    )
    return (
        exp.select("*")
        .from_(ranked.subquery("ranked", copy=False), copy=False)
        .where(exp.column(rank).eq(1), copy=False)
    )


def sex_of_person() -> exp.Expr:
    """'male' / 'female' from ``gender_concept_id`` (8507 / 8532), else NULL (unknown)."""
    return case(
        [
            (col("gender_concept_id").eq(OMOP_MALE), exp.Literal.string("male")),
            (col("gender_concept_id").eq(OMOP_FEMALE), exp.Literal.string("female")),
        ]
    )


def birth_date_of_person() -> exp.Expr:
    """The birth date: ``birth_datetime``'s day, else year-month-day; NULL when only a year is known."""
    parts = exp.Anonymous(
        this="MAKE_DATE",
        expressions=[col("year_of_birth"), col("month_of_birth"), col("day_of_birth")],
    )
    return exp.func("COALESCE", cast(col("birth_datetime"), "DATE"), parts)


def impossible_age(birth: exp.Expr, day: exp.Expr) -> exp.Expr:
    """TRUE when ``birth`` gives an impossible age on ``day``; NULL without a birth date.

    As :func:`trialkit.record.model.impossible_age`: born after ``day``, or more
    than :data:`~trialkit.record.model.OLDEST_AGE_YEARS` completed years old
    (``birth <= day - 123 years``, calendar years as the ``age`` node counts them).
    """
    oldest = cast(minus(day, f"{OLDEST_AGE_YEARS + 1} a"), "DATE")
    return or_(
        exp.LT(this=day.copy(), expression=birth.copy()),
        exp.LTE(this=birth.copy(), expression=oldest),
    )


def plausible_birth(build: Build) -> exp.Expr:
    """The person's birth date, NULL when it gives an impossible age at the index date.

    For the rules that try every age band when the birth date is unknown (the
    evaluator reads an impossible age so: no band is chosen by it).
    """
    birth = col("birth_date", PERSON)
    return case([(impossible_age(birth, build.day), exp.null())], birth.copy())


def persons() -> exp.Select:
    """One row per person: id, birth date, sex."""
    return exp.select(
        col("person_id"),
        birth_date_of_person().as_("birth_date", copy=False),
        sex_of_person().as_("sex", copy=False),
    ).from_("person", copy=False)
