"""One chunk's rows as compact staging columns, and how they become the CDM columns.

Rows of a table are ordered by person, time and concept; the row id is
``person_id * 1,000,000 + n`` (n = 1, 2, ... per person and table) and the
observation period's id is the person id, as the FHIR bridge numbers them
(:data:`trialkit.omop.bridge.ROWS_PER_PERSON`).

A chunk is staged as small NumPy columns (:func:`chunk_tables`): NULL is NaN
for numbers (nullable integers travel as float64) and NaT for times; a text
column travels as an integer code into its strings (:func:`lookups`, ``-1``
is NULL), a source-value code also gives the concept id (:func:`derived`).
:mod:`trialkit.synth.sink` computes the CDM columns when it writes Parquet:
row ids from ``n``, concept ids and constant type concepts, ``*_date`` from
``*_datetime``, and ``value_source_value`` and ``sig`` formatted by DuckDB as
``f"{x:g}"`` would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlglot import exp

from trialkit.omop.bridge import ROWS_PER_PERSON
from trialkit.omop.concepts import EHR, FEMALE, MALE, NO_MATCHING_CONCEPT
from trialkit.synth.arrays import I64, NA_TIME, Rows, codes, registered_strings
from trialkit.synth.people import People
from trialkit.synth.reporting import variants

__all__ = ["GENDER_SOURCE", "ROW_IDS", "Chunk", "Columns", "chunk_tables", "derived", "lookups"]

Columns = dict[str, NDArray[Any]]
Chunk = dict[str, Columns]

GENDER_SOURCE = ("female", "male", "unknown")
_GENDER = (FEMALE, MALE, NO_MATCHING_CONCEPT)
#: Tables numbered per person, and their id column.
ROW_IDS = {
    "visit_occurrence": "visit_occurrence_id",
    "measurement": "measurement_id",
    "observation": "observation_id",
    "condition_occurrence": "condition_occurrence_id",
    "drug_exposure": "drug_exposure_id",
    "procedure_occurrence": "procedure_occurrence_id",
}
#: The concept id column of a table and the source-value code that gives it.
_CONCEPT = {
    "measurement": ("measurement_concept_id", "measurement_source_value"),
    "observation": ("observation_concept_id", "observation_source_value"),
    "condition_occurrence": ("condition_concept_id", "condition_source_value"),
    "drug_exposure": ("drug_concept_id", "drug_source_value"),
    "procedure_occurrence": ("procedure_concept_id", "procedure_source_value"),
}
_FIXED = {
    "observation": ("value_as_string", "qualifier_source_value", "value_source_value"),
    "condition_occurrence": ("stop_reason", "condition_status_source_value"),
}
#: Bits of a time in a sort key: seconds since the chunk's first time (over 500 years).
_TIME_BITS = 34


def lookups(table: str) -> dict[str, tuple[str | None, ...]]:
    """The text columns of ``table`` that travel as codes, with their strings (code n is item n)."""
    found: dict[str, tuple[str | None, ...]] = {}
    if table in _CONCEPT:
        found[_CONCEPT[table][1]] = tuple(codes()[2])
    for column in _FIXED.get(table, ()):
        found[column] = registered_strings()
    if table == "measurement":
        found["unit_source_value"] = tuple(variants().unit)
    if table == "person":
        found["gender_source_value"] = GENDER_SOURCE
    return found


def _listed(values: Sequence[int], index: str) -> exp.Expr:
    """``[values][index + 1]``: item ``index`` (0-based; -1 is NULL) of a constant list."""
    array = exp.Array(expressions=[exp.Literal.number(v) for v in values])
    position = exp.Add(this=exp.column(index), expression=exp.Literal.number(1))
    return exp.func("list_extract", array, position)


def _numbered(column: str) -> exp.Expr:
    """``person_id * 1,000,000 + column``: a row id from its number within the person."""
    times = exp.Mul(this=exp.column("person_id"), expression=exp.Literal.number(ROWS_PER_PERSON))
    return exp.Add(this=times, expression=exp.column(column))


def _printf(pattern: str, column: str) -> exp.Expr:
    return exp.func("printf", exp.Literal.string(pattern), exp.column(column))


def derived(table: str, names: Sequence[str]) -> dict[str, exp.Expr]:
    """CDM columns of ``table`` (among ``names``) that DuckDB computes from the staged ones."""
    found: dict[str, exp.Expr] = {
        name: exp.Literal.number(EHR) for name in names if name.endswith("_type_concept_id")
    }
    if table in ROW_IDS:
        found[ROW_IDS[table]] = _numbered("n")
    if table in _CONCEPT:
        concept, source = _CONCEPT[table]
        found[concept] = _listed([int(i) for i in codes()[1]], source)
    if table == "measurement":
        found["unit_concept_id"] = _listed(
            [int(i) for i in variants().unit_concept], "unit_source_value"
        )
        found["visit_occurrence_id"] = _numbered("visit_n")
        found["value_source_value"] = _printf("%g", "value_as_number")
    if table == "drug_exposure":
        found["sig"] = _printf("rate %g ug/kg/min", "rate")
    if table == "person":
        found["gender_concept_id"] = _listed(_GENDER, "gender_source_value")
        for name in ("race_concept_id", "ethnicity_concept_id"):
            found[name] = exp.Literal.number(NO_MATCHING_CONCEPT)
        found["person_source_value"] = exp.func(
            "concat", exp.Literal.string("synth-"), exp.column("person_id")
        )
    if table == "observation_period":
        found["observation_period_id"] = exp.column("person_id")
    return found


def _times(seconds: I64) -> NDArray[np.datetime64]:
    """Seconds as datetime64[s]; NA_TIME is NaT."""
    return np.asarray(seconds, dtype=np.int64).view("datetime64[s]")


def _sorted(rows: Rows, tie: NDArray[Any] | None) -> tuple[Rows, NDArray[np.int32]]:
    """Rows ordered by person, time and ``tie`` (a small code); and n (1, 2, ... per person).

    One stable sort of a packed int64 key: person, seconds since the first time
    (34 bits) and the tie code.
    """
    tie_bits = 0 if tie is None else max(int(tie.max(initial=0)).bit_length(), 1)
    key = rows.person.astype(np.int64) << (_TIME_BITS + tie_bits)
    key |= (rows.time - rows.time.min(initial=0)) << tie_bits
    if tie is not None:
        key |= tie.astype(np.int64)
    order = np.argsort(key, kind="stable")
    person = rows.person[order]
    ordered = Rows(person, rows.time[order], {k: v[order] for k, v in rows.columns.items()})
    first = np.searchsorted(person, person, side="left")
    return ordered, (np.arange(len(person)) - first + 1).astype(np.int32)


def _nullable(values: I64) -> NDArray[np.float64]:
    """A nullable integer column (-1 is NULL) as float64 with NaN."""
    return np.where(values < 0, np.nan, values.astype(np.float64))


def chunk_tables(
    people: People,
    *,
    measurement: Rows,
    observation: Rows,
    condition: Rows,
    drug: Rows,
    procedure: Rows,
    visit: Rows,
    death: Rows,
) -> Chunk:
    """Every table of one chunk of persons, as staging columns (see the module docstring)."""
    pid = people.person_id
    tables: Chunk = {}

    rows, n = _sorted(visit, visit.columns["concept"] - 9200)
    visit_count = np.bincount(rows.person, minlength=people.size).astype(np.int32)
    tables["visit_occurrence"] = {
        "person_id": pid[rows.person],
        "n": n,
        "visit_concept_id": rows.columns["concept"],
        "visit_start_datetime": _times(rows.time),
        "visit_end_datetime": _times(rows.columns["end"]),
    }

    rows, n = _sorted(measurement, measurement.columns["code"])
    tables["measurement"] = {
        "person_id": pid[rows.person],
        "n": n,
        "measurement_datetime": _times(rows.time),
        "value_as_number": rows.columns["value"],
        "range_low": rows.columns["low"],
        "range_high": rows.columns["high"],
        "visit_n": visit_count[rows.person],
        "measurement_source_value": rows.columns["code"],
        "unit_source_value": rows.columns["variant"],
    }

    rows, n = _sorted(observation, observation.columns["code"])
    tables["observation"] = {
        "person_id": pid[rows.person],
        "n": n,
        "observation_datetime": _times(rows.time),
        "value_as_string": rows.columns["text"],
        "value_as_concept_id": _nullable(rows.columns["answer"]),
        "qualifier_source_value": rows.columns["qualifier"],
        "observation_source_value": rows.columns["code"],
        "value_source_value": rows.columns["value"],
    }

    rows, n = _sorted(condition, condition.columns["code"])
    tables["condition_occurrence"] = {
        "person_id": pid[rows.person],
        "n": n,
        "condition_start_datetime": _times(rows.time),
        "condition_end_datetime": _times(rows.columns["end"]),
        "condition_status_concept_id": rows.columns["status"],
        "stop_reason": rows.columns["stop"],
        "condition_source_value": rows.columns["code"],
        "condition_status_source_value": rows.columns["verification"],
    }

    rows, n = _sorted(drug, drug.columns["code"])
    end = rows.columns["end"]
    tables["drug_exposure"] = {
        "person_id": pid[rows.person],
        "n": n,
        "drug_exposure_start_datetime": _times(rows.time),
        "drug_exposure_end_datetime": _times(end),
        "verbatim_end_datetime": _times(np.where(rows.columns["ongoing"], NA_TIME, end)),
        "drug_source_value": rows.columns["code"],
        "rate": rows.columns["rate"],
        "route_concept_id": rows.columns["route"],
    }

    rows, n = _sorted(procedure, procedure.columns["code"])
    tables["procedure_occurrence"] = {
        "person_id": pid[rows.person],
        "n": n,
        "procedure_datetime": _times(rows.time),
        "procedure_end_datetime": _times(rows.columns["end"]),
        "procedure_source_value": rows.columns["code"],
    }

    rows, _ = _sorted(death, None)
    tables["death"] = {"person_id": pid[rows.person], "death_datetime": _times(rows.time)}
    tables["person"] = _person(people)
    parts = (measurement, observation, condition, drug, procedure, visit, death)
    tables["observation_period"] = _period(people, parts)
    return tables


def _person(people: People) -> Columns:
    birth = _times(people.birth).astype("datetime64[D]")
    years = birth.astype("datetime64[Y]")
    months = birth.astype("datetime64[M]")
    return {
        "person_id": people.person_id,
        "year_of_birth": years.astype(np.int64) + 1970,
        "month_of_birth": (months - years).astype(np.int64) + 1,
        "day_of_birth": (birth - months).astype(np.int64) + 1,
        "birth_datetime": _times(people.birth),
        "gender_source_value": people.sex,
    }


def _period(people: People, parts: tuple[Rows, ...]) -> Columns:
    """From each person's first dated row to the later of the last one and the extract time."""
    first = np.full(people.size, people.extracted, dtype=np.int64)
    last = np.full(people.size, people.extracted, dtype=np.int64)
    for rows in parts:
        np.minimum.at(first, rows.person, rows.time)
        np.maximum.at(last, rows.person, rows.time)
        if "end" in rows.columns:
            ends = rows.columns["end"]
            known = ends != NA_TIME
            np.maximum.at(last, rows.person[known], ends[known])
    return {
        "person_id": people.person_id,
        "observation_period_start_datetime": _times(first),
        "observation_period_end_datetime": _times(last),
    }
