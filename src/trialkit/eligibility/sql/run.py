"""Running a compiled protocol on an engine (DuckDB by default): typed rows, one per person."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
from sqlglot import exp

from trialkit.eligibility.logic import Truth
from trialkit.eligibility.screening import Verdict
from trialkit.eligibility.sql.attrition import Attrition, attrition
from trialkit.eligibility.sql.compiler import VERDICT, Compiled, compile_protocol
from trialkit.eligibility.sql.engine import Engine, Rows, as_engine, plain
from trialkit.protocol.model import Protocol

__all__ = ["PersonScreening", "Prescreening", "prescreen", "run"]


@dataclass(frozen=True, slots=True)
class PersonScreening:
    """One person's row: criterion statuses, verdict (None without one) and evidence by column."""

    person_id: int
    criteria: Mapping[str, Truth]
    verdict: Verdict | None
    evidence: Mapping[str, Any]


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
        verdict = Verdict(row[VERDICT]) if VERDICT in row else None
        evidence = {n: row[n] for n in names if n in evidence_names}
        rows.append(PersonScreening(int(row["person_id"]), criteria, verdict, evidence))
    rows.sort(key=lambda p: p.person_id)
    return tuple(rows)


def prescreen(
    target: Engine | duckdb.DuckDBPyConnection,
    protocol: Protocol,
    at: datetime,
    *,
    partial: bool = False,
) -> Prescreening:
    """Screen every person of the OMOP database ``target`` against ``protocol`` as of ``at``.

    ``target`` is an :class:`~trialkit.eligibility.sql.engine.Engine` or a
    DuckDB connection. The query runs once, into a temporary table, from which
    both the rows and the attrition table are read.
    """
    engine = as_engine(target)
    compiled = compile_protocol(protocol, at, partial=partial)
    name = f"trialkit_prescreen_{uuid.uuid4().hex}"
    engine.materialize(name, compiled.query)
    try:
        read = exp.select("*").from_(exp.to_table(name), copy=False).order_by("person_id")
        persons = _rows(compiled, engine.query(read))
        table_of = attrition(engine, compiled, exp.to_table(name))
    finally:
        engine.drop(name)
    return Prescreening(compiled, at, persons, table_of)
