"""OMOP test databases built from patient records through the FHIR → OMOP bridge.

The bridge cannot write a record without a birth date (``year_of_birth`` is
required by the CDM), yet "birth date unknown" is a case every criterion must
handle. Such a record is written with a placeholder birth date whose month,
day and datetime are then set to NULL: a person with only a year of birth,
whose birth date the compiler reads as unknown, as the evaluator does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

import duckdb

from trialkit.omop import connect, omop_rows, write_rows
from trialkit.record import PatientRecord

EXTRACTED = datetime(2100, 1, 1)
"""Extract time: after every index time, so that no ongoing exposure is cut short."""
_PLACEHOLDER_BIRTH = date(1900, 1, 1)


def database(records: Sequence[PatientRecord]) -> duckdb.DuckDBPyConnection:
    """An in-memory OMOP database holding ``records`` as persons 1, 2, ... in order."""
    con = connect()
    _write(con, records)
    return con


def _write(con: duckdb.DuckDBPyConnection, records: Sequence[PatientRecord]) -> None:
    batches = []
    unknown_birth: list[int] = []
    for person_id, record in enumerate(records, 1):
        if record.birth_date is None:
            unknown_birth.append(person_id)
        written = replace(
            record,
            patient_id=f"person-{person_id}",
            birth_date=record.birth_date or _PLACEHOLDER_BIRTH,
        )
        batches.append(omop_rows(written, person_id, extracted=EXTRACTED))
    write_rows(con, batches)
    for person_id in unknown_birth:
        con.execute(
            "UPDATE person SET month_of_birth = NULL, day_of_birth = NULL, birth_datetime = NULL "
            "WHERE person_id = ?",
            [person_id],
        )


_CLINICAL = (
    "person",
    "observation_period",
    "visit_occurrence",
    "condition_occurrence",
    "drug_exposure",
    "procedure_occurrence",
    "measurement",
    "observation",
    "death",
)


def reset(con: duckdb.DuckDBPyConnection, records: Sequence[PatientRecord]) -> None:
    """Replace every person of ``con`` by ``records`` (persons 1, 2, ...); concepts are kept."""
    for name in _CLINICAL:
        con.execute(f"DELETE FROM {name}")  # table names from the fixed list above
    _write(con, records)
