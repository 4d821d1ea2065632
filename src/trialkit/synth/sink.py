"""Staging chunks in DuckDB and writing one Parquet file per CDM table.

Chunks are appended, in order and as they are (compact NumPy columns, see
:mod:`trialkit.synth.tables`), to staging tables of a DuckDB database file
beside the output: DuckDB compresses what it stores and spills beyond its
memory limit, which bounds memory. At the end each table is written once,
``COPY (SELECT <CDM columns>) TO '<table>.parquet'``: every CDM column in the
specification's order and cast to its CDM type (:mod:`trialkit.omop.schema`),
text looked up from its codes, dates taken from their date-times, the
columns trialkit does not fill NULL. Insertion order is preserved, so one
seed gives byte-identical files. Each file is written under a hidden
``.partial`` name and :meth:`Sink.commit` moves them all into place at the
end (then removes the tables' files in another format or case), so that an
error or an interrupt leaves the folder as it was. The
staging file is removed at the end. All SQL is built as sqlglot expressions.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
from sqlglot import exp

from trialkit.errors import TrialkitInputError
from trialkit.omop.load import table_of
from trialkit.omop.model import Table
from trialkit.omop.quiet import quiet
from trialkit.omop.rows import ConceptAncestorRow, ConceptRow
from trialkit.omop.schema import TABLES, create_table, sql_type
from trialkit.synth.tables import Columns, derived, lookups

__all__ = ["COMPRESSION", "MEMORY_LIMIT", "THREADS", "Sink"]

#: DuckDB's memory limit while staging and writing (it spills to its file beyond it).
MEMORY_LIMIT = "3GB"
#: DuckDB threads. With two, the Parquet writer cuts row groups where its threads
#: happen to meet (same rows, other bytes); one thread keeps the files byte-identical
#: and measured no slower on the (shared, loaded) two-core project machine.
THREADS = 1
#: Parquet compression (DuckDB's default codec: fast to write and to read).
COMPRESSION = "SNAPPY"
_CHUNK_VIEW = "trialkit_synth_chunk"
_STAGE = "stage_"


class Sink:
    """A staging database in ``folder``; :meth:`insert` chunks, then :meth:`write` the Parquet files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / f".trialkit-synth-{os.getpid()}.duckdb"
        self._remove_files()
        try:
            self.con = quiet(
                duckdb.connect(
                    str(self.path),
                    config={
                        "preserve_insertion_order": True,
                        "memory_limit": MEMORY_LIMIT,
                        "threads": THREADS,
                    },
                )
            )
        except duckdb.Error as error:
            raise TrialkitInputError(
                f"--out {folder}: cannot create a database there: {error}"
            ) from None
        for spec in TABLES:
            self.con.execute(create_table(spec).sql(dialect="duckdb"))
        self.staged: set[str] = set()
        self.written: dict[Path, Path] = {}

    def __enter__(self) -> Sink:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _remove_files(self) -> None:
        for leftover in (self.path, self.path.with_name(self.path.name + ".wal")):
            leftover.unlink(missing_ok=True)

    def close(self) -> None:
        """Close the staging database and remove its file, and the files not committed."""
        self.con.close()
        self._remove_files()
        for partial in self.written.values():
            partial.unlink(missing_ok=True)
        self.written.clear()

    def insert(self, name: str, columns: Columns) -> None:
        """Append one chunk of table ``name`` (staged as its NumPy columns are)."""
        if not columns or len(next(iter(columns.values()))) == 0:
            return
        query = exp.select(exp.Star()).from_(_CHUNK_VIEW)
        self.con.register(_CHUNK_VIEW, columns)
        try:
            if name in self.staged:
                statement: exp.Expr = exp.insert(query, _STAGE + name)
            else:
                statement = exp.Create(
                    this=exp.to_table(_STAGE + name), kind="TABLE", expression=query
                )
            self.con.execute(statement.sql(dialect="duckdb"))
        finally:
            self.con.unregister(_CHUNK_VIEW)
        self.staged.add(name)

    def insert_rows(self, name: str, rows: Iterable[ConceptRow | ConceptAncestorRow]) -> None:
        """Insert typed rows (concept, concept_ancestor) straight into the CDM table ``name``."""
        items = list(rows)
        if not items:
            return
        columns: dict[str, Any] = {}
        for field in fields(items[0]):
            values = [getattr(item, field.name) for item in items]
            if field.type in ("int", int):
                columns[field.name] = np.array(values, dtype=np.int64)
            elif all(isinstance(v, str) or v is None for v in values):
                columns[field.name] = np.array(values, dtype=object)
            else:
                columns[field.name] = np.array(values, dtype="datetime64[s]")
        names = list(columns)
        query = exp.select(*(exp.column(n) for n in names)).from_(_CHUNK_VIEW)
        self.con.register(_CHUNK_VIEW, columns)
        try:
            self.con.execute(exp.insert(query, name, columns=names).sql(dialect="duckdb"))
        finally:
            self.con.unregister(_CHUNK_VIEW)

    def _projection(self, spec: Table) -> exp.Select:
        """The CDM columns of ``spec`` from its staging table (or its empty CDM table)."""
        if spec.name not in self.staged:
            return exp.select(exp.Star()).from_(spec.name)
        staged = {
            str(row[0])
            for row in self.con.execute(
                exp.Describe(this=exp.to_table(_STAGE + spec.name)).sql(dialect="duckdb")
            ).fetchall()
        }
        texts = lookups(spec.name)
        computed = derived(spec.name, spec.names)
        selected: list[exp.Expr] = []
        for column in spec.columns:
            value: exp.Expr
            if column.name in texts:
                listed = exp.Array(
                    expressions=[
                        exp.null() if s is None else exp.Literal.string(s)
                        for s in texts[column.name]
                    ]
                )
                index = exp.Add(this=exp.column(column.name), expression=exp.Literal.number(1))
                value = exp.func("list_extract", listed, index)
            elif column.name in staged:
                value = exp.column(column.name)
            elif column.name in computed:
                value = computed[column.name].copy()
            elif column.name.endswith("_date") and f"{column.name[:-5]}_datetime" in staged:
                value = exp.column(f"{column.name[:-5]}_datetime")
            else:
                value = exp.null()
            selected.append(exp.Cast(this=value, to=sql_type(column).copy()).as_(column.name))
        return exp.select(*selected).from_(_STAGE + spec.name)

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        found: dict[str, int] = {}
        for spec in TABLES:
            source = _STAGE + spec.name if spec.name in self.staged else spec.name
            query = exp.select(exp.func("count", exp.Star())).from_(source)
            row = self.con.execute(query.sql(dialect="duckdb")).fetchone()
            found[spec.name] = 0 if row is None else int(row[0])
        return found

    def write(self, table: Table) -> Path:
        """Write ``<table>.parquet`` under a hidden name; returns the file it will be."""
        target = self.folder / f"{table.name}.parquet"
        partial = self.folder / f".{table.name}.parquet.{os.getpid()}.partial"
        self.written[target] = partial
        copy = exp.Copy(
            this=self._projection(table).subquery(),
            kind=False,
            files=[exp.Literal.string(str(partial))],
            params=[
                exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var("PARQUET")),
                exp.CopyParameter(this=exp.var("COMPRESSION"), expression=exp.var(COMPRESSION)),
            ],
        )
        self.con.execute(copy.sql(dialect="duckdb"))
        return target

    def commit(self) -> None:
        """Move every written file into place, replacing the table files of the folder.

        A table's other files, in another format or case (``person.csv``,
        ``PERSON.parquet``), are removed once every new file is in place: left,
        they would be two files for one table, a folder that no load accepts.
        """
        replaced = {table_of(target) for target in self.written}
        for target, partial in list(self.written.items()):
            partial.replace(target)
            del self.written[target]
        for entry in sorted(self.folder.iterdir()):
            table = table_of(entry)
            if table not in replaced:
                continue
            if not _written(entry, self.folder / f"{table}.parquet"):
                entry.unlink()


def _written(entry: Path, kept: Path) -> bool:
    """Whether ``entry`` names the new file ``kept`` (``PERSON.parquet``, on a case-blind system)."""
    if entry.name.lower() != kept.name.lower():
        return False
    try:
        return os.path.samefile(entry, kept)
    except OSError:
        return False  # a dangling link
