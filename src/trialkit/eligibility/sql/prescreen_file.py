"""The pre-screening file: a population's rows against a protocol, as ``trialkit.prescreen/2``.

The public contract of ``docs/prescreen.md``: one CSV or Parquet file per
protocol, a row per person (``person_id``, ``protocol``, ``index_time``,
``verdict``, ``deceased``, then each criterion and its evidence), and the
summary of a run, ``trialkit.prescreen-summary/1``. :func:`prescreen_to_files`
is the whole run for a Python caller; ``trialkit prescreen`` runs the same
parts (:func:`~trialkit.eligibility.sql.omop_source.open_omop`,
:func:`write_protocols`) with its progress display and its output rules
(``trialkit.cli.files``).

Every engine writes the same bytes: the file's column types come from the
compiled query as DuckDB types it, and DuckDB's COPY writes every file.
Errors name the command-line option of the argument (``--out``), as the
command reports them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from sqlglot import exp

from trialkit._outputs import Outputs
from trialkit.eligibility.sql.compiler import DECEASED, VERDICT
from trialkit.eligibility.sql.engine import DuckDBEngine, Engine
from trialkit.eligibility.sql.omop_source import SparkSettings, latest_day, open_omop
from trialkit.eligibility.sql.run import Held, screening
from trialkit.errors import TrialkitInputError
from trialkit.omop import connect
from trialkit.omop.checks import ConceptCheck
from trialkit.omop.quiet import quiet_connect
from trialkit.protocol.model import OUTPUT_COLUMNS, Protocol

__all__ = [
    "FILE_SCHEMA",
    "FORMATS",
    "SUMMARY_SCHEMA",
    "PrescreenRun",
    "Progress",
    "Written",
    "output_files",
    "prescreen_to_files",
    "summary_json",
    "write_protocols",
    "write_rows",
]

FILE_SCHEMA = "trialkit.prescreen/2"
"""The version of the output file's columns (``docs/prescreen.md``; 2 added ``deceased``)."""
SUMMARY_SCHEMA = "trialkit.prescreen-summary/1"
"""The version of the run's summary, ``trialkit prescreen --json`` (``docs/prescreen.md``)."""
FORMATS = {".csv": "CSV", ".parquet": "PARQUET"}
"""The file formats, by the output file's suffix (lower case)."""

_FIRST = OUTPUT_COLUMNS
assert VERDICT in _FIRST and DECEASED in _FIRST

Progress = Callable[[int, str], None]
"""Told, at each step of a run, how many protocols are written and what runs now."""


@dataclass(frozen=True, slots=True)
class Written:
    """One protocol's pre-screening and the file its rows went to."""

    protocol: Protocol
    result: Held
    file: Path


@dataclass(frozen=True, slots=True)
class PrescreenRun:
    """A pre-screening run: the engine, index time, concept check and each protocol's file."""

    engine: str
    at: datetime
    concepts: ConceptCheck
    written: tuple[Written, ...]

    def summary(self) -> dict[str, Any]:
        """The run as ``trialkit.prescreen-summary/1`` (:func:`summary_json`)."""
        return summary_json(self.engine, self.at, self.concepts, self.written)


def output_files(out: Path, protocols: Sequence[Protocol], *, several: bool) -> list[Path]:
    """Each protocol's file: ``out`` itself, or with ``several`` ``<stem>.<protocol id><suffix>``.

    ``out`` must end in ``.csv`` or ``.parquet`` (the format).
    """
    if out.is_dir():
        raise TrialkitInputError(f"--out {out}: is a folder; give a .csv or .parquet file name")
    if out.suffix.lower() not in FORMATS:
        raise TrialkitInputError(f"--out {out}: give a .csv or .parquet file name")
    if not several:
        return [out]
    return [out.with_name(f"{out.stem}.{p.id}{out.suffix}") for p in protocols]


def prescreen_to_files(
    omop: str | Path,
    protocols: Protocol | Sequence[Protocol],
    out: str | Path,
    *,
    engine: str = "duckdb",
    at: datetime | None = None,
    schema: str | None = None,
    server: str | None = None,
    strict_concepts: bool = False,
    spark: SparkSettings | None = None,
    database: Path | None = None,
) -> PrescreenRun:
    """Pre-screen the OMOP data ``omop`` against ``protocols``, each to a ``trialkit.prescreen/2`` file.

    ``omop`` and the engine's arguments are those of
    :func:`~trialkit.eligibility.sql.omop_source.open_omop` (a folder, zip,
    DuckDB file or PostgreSQL URL; ``engine`` duckdb, postgres or spark).
    One protocol is written to ``out``; a sequence of protocols to one file
    each, ``<stem>.<protocol id><suffix>`` beside ``out``. The format is
    ``out``'s suffix, ``.csv`` or ``.parquet``. ``at`` is the index time,
    by default the end of the latest ``observation_period_end_date``.

    The files are written under hidden names and moved into place, replacing
    files of the same names, only when every protocol is written: an error
    leaves none of them. The returned run gives each protocol's attrition
    table and the ``--json`` summary (:meth:`PrescreenRun.summary`).
    """
    several = not isinstance(protocols, Protocol)
    chosen = tuple(protocols) if not isinstance(protocols, Protocol) else (protocols,)
    files = output_files(Path(out), chosen, several=several)
    outputs = Outputs(force=True)
    try:
        with open_omop(
            omop,
            engine,
            schema=schema,
            server=server,
            strict_concepts=strict_concepts,
            spark=spark,
            database=database,
        ) as (opened, concepts):
            when = at if at is not None else latest_day(opened)
            written = write_protocols(opened, chosen, files, when, staging=outputs.partial)
        outputs.commit()
    finally:
        outputs.discard()
    return PrescreenRun(engine, when, concepts, written)


def write_protocols(
    engine: Engine,
    protocols: Sequence[Protocol],
    files: Sequence[Path],
    at: datetime,
    *,
    staging: Callable[[Path], Path] | None = None,
    progress: Progress | None = None,
) -> tuple[Written, ...]:
    """Screen ``engine``'s population against each protocol as of ``at`` and write its file.

    ``staging`` gives the name each file is written to (the caller moves it
    into place), by default the file itself; ``progress`` is told each step.
    """
    written: list[Written] = []
    for done, (protocol, file) in enumerate(zip(protocols, files, strict=True)):
        if progress is not None:
            progress(done, f"{protocol.id}: compiling and running")
        with screening(engine, protocol, at) as held:
            if progress is not None:
                progress(done, f"{protocol.id}: writing {file.name}")
            write_rows(engine, held, protocol, file, file if staging is None else staging(file))
        written.append(Written(protocol, held, file))
        if progress is not None:
            progress(done + 1, f"{protocol.id}: written")
    return tuple(written)


def _types(held: Held) -> dict[str, exp.DataType]:
    """The SQL type of every output column, as DuckDB types the compiled query over the CDM DDL.

    The same for every engine: the file's types come from the query, not
    from the values one engine happened to return.
    """
    con = connect()
    try:
        # A relation is bound, not run: its types cost no scan of the (empty) tables.
        relation = con.sql(held.compiled.sql("duckdb"))
        described = zip(relation.columns, relation.types, strict=True)
        return {name: exp.DataType.build(str(kind), dialect="duckdb") for name, kind in described}
    finally:
        con.close()


def _columns(held: Held, types: dict[str, exp.DataType]) -> list[str]:
    """Criteria and evidence columns in the query's order (each criterion then its evidence)."""
    evidence = {c.name for c in held.compiled.evidence}
    return [name for name in types if name in evidence or name in held.compiled.kinds]


def write_rows(engine: Engine, held: Held, protocol: Protocol, file: Path, partial: Path) -> None:
    """The rows held by ``screening`` as ``trialkit.prescreen/2`` (``docs/prescreen.md``).

    The rows go to ``partial`` (removed on an error), the name the caller
    moves to ``file`` once every protocol is written; the format is
    ``file``'s suffix. On DuckDB the COPY reads the engine's result table
    itself; the rows of another engine are fetched once, as columns, into a
    DuckDB relation that the same COPY reads, so that every engine writes
    the same bytes.
    """
    types = _types(held)
    columns = _columns(held, types)
    clash = set(columns) & set(_FIRST)
    if clash:
        raise TrialkitInputError(
            f"{protocol.id}: criterion id {sorted(clash)[0]!r} is a column name of the output file"
        )
    selected: list[exp.Expr] = [
        exp.column("person_id"),
        exp.Literal.string(protocol.id).as_("protocol"),
        exp.cast(exp.Literal.string(held.at.isoformat(sep=" ")), "TIMESTAMP").as_("index_time"),
        exp.cast(exp.column(VERDICT), "VARCHAR").as_(VERDICT),
        exp.cast(exp.column(DECEASED), "TIMESTAMP").as_(DECEASED),
    ]
    selected += [
        exp.cast(exp.column(name, quoted=True), types[name]).as_(
            exp.to_identifier(name, quoted=True)
        )
        for name in columns
    ]
    own = None
    try:
        if isinstance(engine, DuckDBEngine):
            con, source = engine.con, held.table.copy()
        else:
            own = con = quiet_connect()
            source = exp.to_table(f"trialkit_rows_{uuid.uuid4().hex}")
            con.register(source.name, _fetched(engine, held))
        query = exp.select(*selected).from_(source).order_by("person_id")
        con.execute(_copy(query, partial, FORMATS[file.suffix.lower()]))
    except (duckdb.IOException, OSError) as error:
        partial.unlink(missing_ok=True)
        raise TrialkitInputError(f"--out {file}: cannot be written: {_first_line(error)}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        if own is not None:
            own.close()


def _fetched(engine: Engine, held: Held) -> dict[str, Any]:
    """The held rows of a non-DuckDB engine as one object array per column."""
    names, rows = engine.query(exp.select("*").from_(held.table.copy(), copy=False))
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return {
        name: np.array(values, dtype=object) for name, values in zip(names, columns, strict=True)
    }


def _copy(query: exp.Select, file: Path, kind: str) -> str:
    params = [exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var(kind))]
    if kind == "CSV":
        params.append(exp.CopyParameter(this=exp.var("HEADER"), expression=exp.true()))
    else:
        version = exp.PropertyEQ(
            this=exp.to_identifier("trialkit.schema", quoted=True),
            expression=exp.Literal.string(FILE_SCHEMA),
        )
        params.append(
            exp.CopyParameter(
                this=exp.var("KV_METADATA"), expression=exp.Struct(expressions=[version])
            )
        )
    copy = exp.Copy(
        this=query.subquery(),
        kind=False,
        files=[exp.Literal.string(str(file))],
        params=params,
    )
    return copy.sql(dialect="duckdb", identify=True)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def summary_json(
    engine: str, at: datetime, concepts: ConceptCheck, written: Sequence[Written]
) -> dict[str, Any]:
    """A run's summary, ``trialkit.prescreen-summary/1`` (``docs/prescreen.md``)."""
    return {
        "schema": SUMMARY_SCHEMA,
        "file_schema": FILE_SCHEMA,
        "engine": engine,
        "at": at.isoformat(),
        "concept_check": {
            "concepts": concepts.concepts,
            "unknown": [
                {
                    "table": u.table,
                    "column": u.column,
                    "rows": u.rows,
                    "concept_ids": u.ids,
                    "first": {"concept_id": u.concept_id, "key": u.key, "row_id": u.row_id},
                }
                for u in concepts.unknown
            ],
        },
        "protocols": [
            {
                "id": w.protocol.id,
                "title": w.protocol.title,
                "file": str(w.file),
                "persons": w.result.attrition.persons,
                "deceased": w.result.attrition.deceased,
                "eligible": w.result.attrition.eligible,
                "undetermined": w.result.attrition.undetermined,
                "ineligible": w.result.attrition.ineligible,
                "attrition": [
                    {
                        "criterion": row.criterion,
                        "kind": row.kind.value,
                        "excluded": row.excluded,
                        "unknown": row.unknown,
                        "remaining": row.remaining,
                        "passing": row.passing,
                        "excluded_alone": row.excluded_alone,
                        "unknown_alone": row.unknown_alone,
                    }
                    for row in w.result.attrition.rows
                ],
            }
            for w in written
        ],
    }
