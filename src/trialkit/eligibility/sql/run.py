"""Running a compiled protocol on an engine (DuckDB by default): typed rows, one per person."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
from sqlglot import exp

from trialkit.eligibility.logic import Truth
from trialkit.eligibility.screening import Verdict
from trialkit.eligibility.sql.attrition import Attrition, attrition
from trialkit.eligibility.sql.compiler import DECEASED, VERDICT, Compiled, compile_protocol
from trialkit.eligibility.sql.engine import Engine, Rows, as_engine, plain
from trialkit.protocol.model import Protocol

__all__ = ["Held", "PersonScreening", "Prescreening", "prescreen", "run", "screening"]


@dataclass(frozen=True, slots=True)
class PersonScreening:
    """One person's row: criterion statuses, verdict and evidence by column.

    ``deceased`` is the time of the person's death when it is at or before the
    index time (the verdict is then ineligible), else None.
    """

    person_id: int
    criteria: Mapping[str, Truth]
    verdict: Verdict
    evidence: Mapping[str, Any]
    deceased: datetime | None = None


@dataclass(frozen=True, slots=True)
class Prescreening:
    """A population screened against one protocol at one index time, with its attrition table."""

    compiled: Compiled
    at: datetime
    persons: tuple[PersonScreening, ...]
    attrition: Attrition

    def by_person(self) -> dict[int, PersonScreening]:
        """The rows by person id."""
        return {p.person_id: p for p in self.persons}


@dataclass(frozen=True, slots=True)
class Held:
    """A population screened against one protocol, its rows held in a table of the engine.

    ``table`` exists only inside :func:`screening`'s block: one row per person,
    the columns of ``compiled``'s query.
    """

    compiled: Compiled
    at: datetime
    table: exp.Table
    attrition: Attrition


def run(
    con: duckdb.DuckDBPyConnection, compiled: Compiled, at: datetime | None = None
) -> tuple[PersonScreening, ...]:
    """Execute ``compiled`` on DuckDB, ordered by person; ``at`` binds its index parameter."""
    if (compiled.parameter is None) != (at is None):
        raise ValueError("give the index time when the query has a parameter for it, and only then")
    sql = compiled.sql("duckdb")
    if compiled.parameter is not None:
        cursor = con.execute(sql, {compiled.parameter: at})
    else:
        cursor = con.execute(sql)
    names = [str(d[0]) for d in cursor.description]
    return _rows(compiled, (names, [tuple(plain(v) for v in r) for r in cursor.fetchall()]))


def _rows(compiled: Compiled, result: Rows) -> tuple[PersonScreening, ...]:
    names, values_of = result
    evidence_names = {c.name for c in compiled.evidence}
    rows = []
    for values in values_of:
        row = dict(zip(names, values, strict=True))
        criteria = {c: Truth.of(row[c]) for c in compiled.criteria}
        evidence = {n: row[n] for n in names if n in evidence_names}
        rows.append(
            PersonScreening(
                int(row["person_id"]), criteria, Verdict(row[VERDICT]), evidence, row[DECEASED]
            )
        )
    rows.sort(key=lambda p: p.person_id)
    return tuple(rows)


@contextmanager
def screening(
    target: Engine | duckdb.DuckDBPyConnection,
    protocol: Protocol,
    at: datetime,
) -> Iterator[Held]:
    """Screen every person of ``target`` against ``protocol`` as of ``at``, rows kept in the engine.

    The query runs once, into a temporary table that the block can read
    (``Held.table``: to copy it to a file without a Python object per
    person) and that is dropped when the block ends; the attrition table is
    read from it first.
    """
    engine = as_engine(target)
    compiled = compile_protocol(protocol, at)
    table = exp.to_table(f"trialkit_prescreen_{uuid.uuid4().hex}")
    engine.materialize(table.name, compiled.query)
    try:
        yield Held(compiled, at, table, attrition(engine, compiled, table.copy()))
    finally:
        engine.drop(table.name)


def prescreen(
    target: Engine | duckdb.DuckDBPyConnection,
    protocol: Protocol,
    at: datetime,
) -> Prescreening:
    """Screen every person of the OMOP database ``target`` against ``protocol`` as of ``at``.

    ``target`` is an :class:`~trialkit.eligibility.sql.engine.Engine` or a
    DuckDB connection; the rows become :class:`PersonScreening` objects
    (:func:`screening` keeps them in the engine instead).
    """
    engine = as_engine(target)
    with screening(engine, protocol, at) as held:
        read = exp.select("*").from_(held.table.copy(), copy=False).order_by("person_id")
        persons = _rows(held.compiled, engine.query(read))
    return Prescreening(held.compiled, at, persons, held.attrition)
