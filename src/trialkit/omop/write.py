"""Writing OMOP rows (from the bridge) into a DuckDB database with the CDM 5.4 schema."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

import duckdb
from sqlglot import exp

from trialkit.errors import OmopError
from trialkit.omop.bridge import omop_rows
from trialkit.omop.concepts import vocabulary_ancestors, vocabulary_concepts
from trialkit.omop.load import connect
from trialkit.omop.rows import ConceptAncestorRow, ConceptRow, OmopRows, Row
from trialkit.omop.schema import TABLES, create_table, sql_type, table
from trialkit.record import PatientRecord

__all__ = ["write_records", "write_rows"]


def write_rows(
    con: duckdb.DuckDBPyConnection, batches: Iterable[OmopRows], *, vocabulary: bool = True
) -> dict[str, int]:
    """Insert every person's rows in one transaction; returns the rows inserted per table.

    Concept rows (and, with ``vocabulary``, the whole trialkit vocabulary and
    its drug-class ancestry) are inserted only where the database has no row
    for that concept id yet, so a database that already holds the Athena
    vocabulary keeps its own rows. A person id already present is an error.
    """
    for spec in TABLES:
        con.execute(create_table(spec).sql(dialect="duckdb"))
    grouped: dict[str, list[Row]] = {}
    concepts: dict[int, ConceptRow] = {}
    ancestors: dict[tuple[int, int], ConceptAncestorRow] = {}
    people: list[int] = []
    for batch in batches:
        people.append(batch.person.person_id)
        for row in batch.rows():
            if isinstance(row, ConceptRow):
                concepts.setdefault(row.concept_id, row)
            else:
                grouped.setdefault(row.TABLE, []).append(row)
    if vocabulary:
        for concept in vocabulary_concepts():
            concepts.setdefault(concept.concept_id, concept)
        for pair in vocabulary_ancestors():
            ancestors.setdefault((pair.ancestor_concept_id, pair.descendant_concept_id), pair)
    taken = _existing(con, "person", "person_id", people)
    if taken:
        raise OmopError(f"person.person_id: {min(taken)} is already in the database")
    have = _existing(con, "concept", "concept_id", list(concepts))
    grouped["concept"] = [row for ident, row in concepts.items() if ident not in have]
    have = _existing(con, "concept_ancestor", "ancestor_concept_id", [a for a, _ in ancestors])
    grouped["concept_ancestor"] = [row for (a, _), row in ancestors.items() if a not in have]
    counts: dict[str, int] = {}
    con.begin()
    try:
        for spec in TABLES:
            rows = grouped.get(spec.name, [])
            if rows:
                _insert(con, spec.name, rows)
            counts[spec.name] = len(rows)
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return counts


def write_records(
    records: Sequence[PatientRecord],
    *,
    extracted: datetime,
    database: str = ":memory:",
    first_person_id: int = 1,
) -> tuple[duckdb.DuckDBPyConnection, dict[str, int]]:
    """A DuckDB database holding ``records`` (person ids from ``first_person_id`` in order).

    Returns the open connection and the person id given to each record's
    ``patient_id``.
    """
    ids = {record.patient_id: first_person_id + n for n, record in enumerate(records)}
    if len(ids) != len(records):
        raise OmopError("person.person_source_value: two records share one patient id")
    con = connect(database)
    try:
        write_rows(
            con,
            (omop_rows(r, ids[r.patient_id], extracted=extracted) for r in records),
        )
    except BaseException:
        con.close()
        raise
    return con, ids


def _existing(
    con: duckdb.DuckDBPyConnection, name: str, column: str, values: list[int]
) -> set[int]:
    """Those of ``values`` that ``name.column`` already holds."""
    if not values:
        return set()
    wanted = exp.select(exp.Unnest(expressions=[exp.Placeholder()]).as_("v"))
    query = (
        exp.select(exp.column(column))
        .distinct()
        .from_(name)
        .where(exp.column(column).isin(query=wanted))
    )
    return {int(v) for (v,) in con.execute(query.sql(dialect="duckdb"), [values]).fetchall()}


def _insert(con: duckdb.DuckDBPyConnection, name: str, rows: list[Row]) -> None:
    """One columnar ``INSERT ... SELECT UNNEST(?)`` per table (executemany is far slower)."""
    spec = table(name)
    names = [f.name for f in fields(rows[0])]
    columns: list[list[Any]] = [[getattr(row, n) for row in rows] for n in names]
    selected = []
    for column_name, values in zip(names, columns, strict=True):
        column = spec.column(column_name)
        if column is None:
            raise OmopError(f"{name}.{column_name}: not a column of the CDM table")
        limit = column.length
        if limit is not None:
            long = next((v for v in values if isinstance(v, str) and len(v) > limit), None)
            if long is not None:
                raise OmopError(
                    f"{name}.{column_name}: {long!r} is longer than the column's {limit} characters"
                )
        if column.required and any(v is None for v in values):
            raise OmopError(f"{name}.{column_name}: a value is required (the column is NOT NULL)")
        unnest = exp.Unnest(expressions=[exp.Placeholder()])
        selected.append(exp.Cast(this=unnest, to=sql_type(column).copy()).as_(column_name))
    insert = exp.insert(exp.select(*selected), name, columns=names)
    try:
        con.execute(insert.sql(dialect="duckdb"), columns)
    except duckdb.Error as error:
        raise OmopError(f"{name}: rows cannot be inserted: {error}") from None
