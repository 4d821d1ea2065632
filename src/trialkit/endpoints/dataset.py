"""The analysis dataset of a cohort: every subject's endpoint values, in the spirit of CDISC ADaM.

Two tables (``docs/analysis.md``, version :data:`DATASET_SCHEMA`):

* ``adsl``: one row per subject (ADSL): the subject's dates, arm, stage and
  other columns of the subjects table, then for each endpoint value that is not
  a time to event its value and evidence columns ``<id>``, ``<id>:low``,
  ``<id>:high``, ``<id>:reason``, ``<id>:evidence``, ``<id>:missing``;
* ``adtte``: one row per subject and time-to-event endpoint (ADTTE, one
  parameter per endpoint): the origin, the date and the days to the event or the
  censoring, ``CNSR`` 0 for the event of interest, 1 for a censoring and 2 for a
  competing event (named in ``EVNTDESC``).

Written as CSV or Parquet by DuckDB's COPY, the same bytes for the same cohort.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from trialkit.endpoints.cohort import Cohort
from trialkit.endpoints.evaluate import CENSORED, EndpointValue, evaluate_endpoint
from trialkit.endpoints.subject import Subject
from trialkit.errors import CohortError
from trialkit.protocol import Protocol
from trialkit.protocol.endpoints import Comparison, EndpointNode, TimeTo, Yields
from trialkit.record import PatientRecord

__all__ = [
    "DATASET_SCHEMA",
    "EvaluatedSubject",
    "Table",
    "adsl",
    "adtte",
    "evaluate_cohort",
    "evaluate_subject",
    "group_of",
    "value_nodes",
    "write_table",
]

DATASET_SCHEMA = "trialkit.analysis-dataset/1"
"""The version of the analysis dataset's tables and columns (``docs/analysis.md``)."""

FORMATS = {".csv": "CSV", ".parquet": "PARQUET"}


@dataclass(frozen=True, slots=True)
class EvaluatedSubject:
    """One subject's endpoint values, by value id (``<endpoint>`` or ``<endpoint>.<name>``),
    and the subject's group for each endpoint that a comparison splits (by endpoint id)."""

    subject: Subject
    death: date | None
    values: dict[str, EndpointValue]
    groups: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class Table:
    """A table of the analysis dataset: column names and DuckDB types, then the rows."""

    name: str
    columns: tuple[tuple[str, str], ...]
    rows: tuple[tuple[Any, ...], ...]


def value_nodes(protocol: Protocol) -> dict[str, tuple[str, EndpointNode]]:
    """Every endpoint value of ``protocol`` as code: value id → (endpoint id, node)."""
    return {
        key: (endpoint.id, node)
        for endpoint in protocol.endpoints
        for key, node in endpoint.nodes().items()
    }


def evaluate_subject(
    protocol: Protocol, subject: Subject, record: PatientRecord
) -> EvaluatedSubject:
    """Every endpoint value of ``protocol`` for one subject (errors name the subject)."""
    values = {}
    for key, (_, node) in value_nodes(protocol).items():
        try:
            values[key] = evaluate_endpoint(node, subject, record)
        except CohortError as error:
            raise CohortError(f"endpoint {key}: {error}") from None
    death = None if record.deceased is None else record.deceased.date()
    groups = {
        e.id: group_of(e.comparison, subject, record)
        for e in protocol.endpoints
        if e.comparison is not None
    }
    return EvaluatedSubject(subject, death, values, groups)


def group_of(comparison: Comparison, subject: Subject, record: PatientRecord) -> str | None:
    """The subject's group for ``comparison``: ``with <condition>`` / ``without <condition>``
    (a diagnosis recorded on or before the inclusion date, not refuted), or the value of the
    subjects table's column (None when empty)."""
    if comparison.by_column is not None:
        return subject.attribute(comparison.by_column)
    key = comparison.by_condition
    found = any(
        c.concept == key
        and c.verification not in {"refuted", "entered-in-error"}
        and c.onset.date() <= subject.inclusion
        for c in record.conditions
    )
    return f"{'with' if found else 'without'} {key}"


def evaluate_cohort(protocol: Protocol, cohort: Cohort) -> Iterator[EvaluatedSubject]:
    """Every subject's endpoint values, one subject at a time (records are read as needed)."""
    for subject, record in cohort.records():
        yield evaluate_subject(protocol, subject, record)


_SUBJECT_COLUMNS = (
    ("STUDYID", "VARCHAR"),
    ("USUBJID", "VARCHAR"),
    ("ARM", "VARCHAR"),
    ("STAGE", "INTEGER"),
    ("INCLDT", "DATE"),
    ("TRTSDT", "DATE"),
    ("LSTALVDT", "DATE"),
    ("DTHDT", "DATE"),
)


def adsl(protocol: Protocol, subjects: Sequence[EvaluatedSubject]) -> Table:
    """The subject-level table: one row per subject, each non-time endpoint value as columns."""
    keys = [k for k, (_, node) in value_nodes(protocol).items() if node.yields is not Yields.TIME]
    nodes = value_nodes(protocol)
    extra = list(dict.fromkeys(name for s in subjects for name, _ in s.subject.attributes))
    columns: list[tuple[str, str]] = [*_SUBJECT_COLUMNS, *((n, "VARCHAR") for n in extra)]
    for key in keys:
        kind = nodes[key][1].yields
        numeric = kind in (Yields.NUMBER, Yields.COUNT)
        columns.append((key, "DOUBLE" if numeric else "VARCHAR"))
        if numeric:
            columns += [(f"{key}:low", "DOUBLE"), (f"{key}:high", "DOUBLE")]
        columns += [(f"{key}:{f}", "VARCHAR") for f in ("reason", "evidence", "missing")]
    rows = []
    for item in subjects:
        subject = item.subject
        attributes = dict(subject.attributes)
        row: list[Any] = [
            protocol.id,
            subject.subject_id,
            subject.arm,
            subject.stage,
            subject.inclusion,
            subject.day1,
            subject.last_contact,
            item.death,
            *(attributes.get(n) or None for n in extra),
        ]
        for key in keys:
            value = item.values[key]
            if value.kind in (Yields.NUMBER, Yields.COUNT):
                row += [value.number, _finite(value.low), _finite(value.high)]
            else:
                row.append(_shown(value))
            row += [value.reason, _evidence(value), "; ".join(value.missing) or None]
        rows.append(tuple(row))
    return Table("adsl", tuple(columns), tuple(rows))


_TTE_COLUMNS = (
    ("STUDYID", "VARCHAR"),
    ("USUBJID", "VARCHAR"),
    ("ARM", "VARCHAR"),
    ("PARAMCD", "VARCHAR"),
    ("PARAM", "VARCHAR"),
    ("STARTDT", "DATE"),
    ("ADT", "DATE"),
    ("AVAL", "INTEGER"),
    ("CNSR", "INTEGER"),
    ("EVNTDESC", "VARCHAR"),
    ("REASON", "VARCHAR"),
    ("EVIDENCE", "VARCHAR"),
)


def adtte(protocol: Protocol, subjects: Sequence[EvaluatedSubject]) -> Table:
    """The time-to-event table: one row per subject and time-to-event endpoint value."""
    names = {e.id: e.name for e in protocol.endpoints}
    events = {
        key: (endpoint, node)
        for key, (endpoint, node) in value_nodes(protocol).items()
        if isinstance(node, TimeTo)
    }
    rows = []
    for item in subjects:
        for key, (endpoint, node) in events.items():
            value = item.values[key]
            origin = item.subject.origin(node.from_)
            if value.status == node.time_to.name:
                censor = 0
            elif value.status == CENSORED:
                censor = 1
            else:
                censor = 2
            rows.append(
                (
                    protocol.id,
                    item.subject.subject_id,
                    item.subject.arm,
                    key,
                    names[endpoint],
                    origin,
                    value.date,
                    value.time,
                    censor,
                    value.status,
                    value.reason,
                    _evidence(value),
                )
            )
    return Table("adtte", _TTE_COLUMNS, tuple(rows))


def write_table(table: Table, file: Path) -> None:
    """Write ``table`` to ``file`` (``.csv`` or ``.parquet``) with DuckDB's COPY."""
    kind = FORMATS.get(file.suffix.lower())
    if kind is None:
        raise CohortError(f"{file}: give a .csv or .parquet file name")
    connection = duckdb.connect()
    try:
        quoted = ", ".join(f'"{name}" {kind_}' for name, kind_ in table.columns)
        connection.execute(f"CREATE TABLE t ({quoted})")
        if table.rows:
            marks = ", ".join("?" for _ in table.columns)
            connection.executemany(f"INSERT INTO t VALUES ({marks})", [list(r) for r in table.rows])
        target = str(file).replace("'", "''")
        if kind == "CSV":
            options = "FORMAT CSV, HEADER"
        else:
            options = f"FORMAT PARQUET, KV_METADATA {{schema: '{DATASET_SCHEMA}'}}"
        connection.execute(f"COPY t TO '{target}' ({options})")
    finally:
        connection.close()


def _finite(number: float | None) -> float | None:
    return None if number is None or math.isinf(number) else number


def _shown(value: EndpointValue) -> str | None:
    if value.kind is Yields.BINARY:
        return None if value.truth is None else value.truth.value
    return value.category


def _evidence(value: EndpointValue) -> str | None:
    found: Iterable[str] = dict.fromkeys(e.resource for e in value.evidence)
    return "; ".join(found) or None
