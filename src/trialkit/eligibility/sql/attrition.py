"""The attrition table: per criterion, in protocol order, whom it excludes and leaves unknown.

As OHDSI ATLAS's inclusion report, criteria are applied one after the other:
a person is *excluded* by the first criterion they fail (an inclusion FALSE,
an exclusion TRUE); every later criterion counts only the persons still in.
Unknown never excludes: a person with an unknown criterion stays in, counted
as unknown there. Per criterion:

- ``excluded``: persons still in before it whom it excludes;
- ``unknown``: persons still in before it whom it leaves unknown;
- ``remaining``: persons no criterion up to it excludes (decided or not);
- ``passing``: persons who pass it and every earlier criterion for certain;
- ``excluded_alone`` / ``unknown_alone``: the same counts ignoring the other
  criteria (ATLAS's per-rule counts).

After the last criterion, ``passing`` are the eligible persons and
``remaining - passing`` the undetermined ones.

Persons who had died by the index time (``deceased``) are excluded before the
first criterion, as the verdict excludes them
(:class:`~trialkit.eligibility.Death`): every count of the criteria, the
``_alone`` ones too, is of the persons alive at the index time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb
from sqlglot import exp

from trialkit.eligibility.logic import Truth
from trialkit.eligibility.sql.build import and_, case, col, count_if, not_, or_
from trialkit.eligibility.sql.compiler import DECEASED, Compiled
from trialkit.eligibility.sql.engine import Engine, as_engine
from trialkit.protocol.model import CriterionKind

__all__ = ["Attrition", "AttritionRow", "attrition", "attrition_of", "attrition_query"]

_FIELDS = ("excluded", "unknown", "passing", "excluded_alone", "unknown_alone")


@dataclass(frozen=True, slots=True)
class AttritionRow:
    """One criterion's line of the attrition table (see the module docstring)."""

    criterion: str
    kind: CriterionKind
    excluded: int
    unknown: int
    remaining: int
    passing: int
    excluded_alone: int
    unknown_alone: int


@dataclass(frozen=True, slots=True)
class Attrition:
    """The attrition table of a population screened against a set of criteria."""

    persons: int
    rows: tuple[AttritionRow, ...]
    deceased: int = 0
    """Persons who had died by the index time: excluded before the first criterion."""

    @property
    def alive(self) -> int:
        """Persons alive at the index time, whom the criteria screen."""
        return self.persons - self.deceased

    @property
    def eligible(self) -> int:
        """Persons passing every criterion (0 rows: everyone alive)."""
        return self.rows[-1].passing if self.rows else self.alive

    @property
    def undetermined(self) -> int:
        """Persons excluded by none, but not passing every criterion for certain."""
        return (self.rows[-1].remaining if self.rows else self.alive) - self.eligible

    @property
    def ineligible(self) -> int:
        """Persons deceased, or excluded by some criterion."""
        return self.persons - (self.rows[-1].remaining if self.rows else self.alive)


def _passes(criterion: str, kind: CriterionKind) -> exp.Expr:
    column = exp.column(exp.to_identifier(criterion, quoted=True))
    return column if kind is CriterionKind.INCLUSION else not_(column)


def _first(conditions: list[exp.Expr]) -> exp.Expr:
    """The 1-based position of the first true condition, NULL when none is."""
    return case([(c, exp.Literal.number(i)) for i, c in enumerate(conditions, 1)])


def attrition_query(compiled: Compiled, source: exp.Expr | None = None) -> exp.Select:
    """One row: ``persons`` and, per criterion ``c``, ``c:excluded``, ``c:unknown``, ``c:passing``...

    ``source`` is where the screened rows are (a table holding the compiled
    query's result); by default the compiled query itself.
    """
    passes = [_passes(c, k) for c, k in compiled.kinds.items()]
    rows = compiled.query.subquery("screened", copy=False) if source is None else source
    dead = exp.not_(col(DECEASED).is_(exp.null()))
    per_person = exp.select(
        case([(dead, exp.true())], exp.false()).as_("dead", copy=False),
        _first([p.copy().eq(exp.false()) for p in passes]).as_("first_excluded", copy=False),
        _first([not_(exp.func("COALESCE", p.copy(), exp.false())) for p in passes]).as_(
            "first_open", copy=False
        ),
        *(p.as_(f"pass_{i}", copy=False) for i, p in enumerate(passes, 1)),
    ).from_(rows, copy=False)
    alive = exp.not_(col("dead"))
    selected: list[exp.Expr] = [
        exp.Count(this=exp.Star()).as_("persons", copy=False),
        count_if(col("dead")).as_(DECEASED, copy=False),
    ]
    first_excluded, first_open = col("first_excluded"), col("first_open")
    for i, criterion in enumerate(compiled.kinds, 1):
        number = exp.Literal.number(i)
        passing, still_in = (
            col(f"pass_{i}"),
            or_(
                first_excluded.is_(exp.null()),
                exp.GT(this=first_excluded.copy(), expression=number),
            ),
        )
        counts = {
            "excluded": first_excluded.copy().eq(number.copy()),
            "unknown": and_(still_in, passing.is_(exp.null())),
            "passing": or_(
                first_open.is_(exp.null()), exp.GT(this=first_open.copy(), expression=number.copy())
            ),
            "excluded_alone": passing.copy().eq(exp.false()),
            "unknown_alone": passing.copy().is_(exp.null()),
        }
        selected += [
            count_if(and_(alive.copy(), counts[name])).as_(
                exp.to_identifier(f"{criterion}:{name}", quoted=True), copy=False
            )
            for name in _FIELDS
        ]
    return exp.select(*selected).from_(per_person.subquery("passes", copy=False), copy=False)


def _table(
    kinds: Mapping[str, CriterionKind],
    persons: int,
    counts: Mapping[str, int],
    deceased: int,
) -> Attrition:
    rows, remaining = [], persons - deceased
    for criterion, kind in kinds.items():
        found = {name: int(counts[f"{criterion}:{name}"] or 0) for name in _FIELDS}
        remaining -= found["excluded"]
        rows.append(AttritionRow(criterion, kind, remaining=remaining, **found))
    return Attrition(persons, tuple(rows), deceased)


def attrition(
    target: Engine | duckdb.DuckDBPyConnection,
    compiled: Compiled,
    source: exp.Expr | None = None,
) -> Attrition:
    """The attrition table of ``compiled`` (its index a literal) on an engine, from ``source`` if given."""
    names, rows = as_engine(target).query(attrition_query(compiled, source))
    (row,) = rows  # an aggregate without GROUP BY returns one row
    counts = dict(zip(names, row, strict=True))
    deceased = int(counts[DECEASED] or 0)
    return _table(compiled.kinds, int(counts["persons"]), counts, deceased)


def attrition_of(
    kinds: Mapping[str, CriterionKind],
    statuses: Iterable[Mapping[str, Truth]],
    deceased: Iterable[bool] | None = None,
) -> Attrition:
    """The same table from per-person criterion statuses (e.g. the bedside evaluator's).

    ``deceased`` says, person by person, who had died by the index time
    (default: nobody).
    """
    counts = dict.fromkeys((f"{c}:{name}" for c in kinds for name in _FIELDS), 0)
    persons = dead = 0
    died = iter(deceased) if deceased is not None else None
    for status in statuses:
        persons += 1
        if died is not None and next(died):
            dead += 1
            continue
        excluded = opened = False
        for criterion, kind in kinds.items():
            truth = status[criterion]
            passes = (
                None
                if truth is Truth.UNKNOWN
                else (truth is Truth.TRUE) is (kind is CriterionKind.INCLUSION)
            )
            if not excluded:
                counts[f"{criterion}:excluded"] += passes is False
                counts[f"{criterion}:unknown"] += passes is None
            opened = opened or passes is not True
            counts[f"{criterion}:passing"] += not opened
            counts[f"{criterion}:excluded_alone"] += passes is False
            counts[f"{criterion}:unknown_alone"] += passes is None
            excluded = excluded or passes is False
    return _table(kinds, persons, counts, dead)
