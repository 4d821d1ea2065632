"""One chunk's rows as the columns of the CDM tables, numbered as the FHIR bridge numbers them.

Rows of a table are ordered by person, time and concept; the row id is
``person_id * 1,000,000 + n`` (n = 1, 2, ... per person and table) and the
observation period's id is the person id (:data:`trialkit.omop.bridge.ROWS_PER_PERSON`).
Columns are compact NumPy arrays that DuckDB stages as they are: NULL is NaN
for numbers (nullable integers travel as float64) and NaT for times. Text
columns travel as small integer codes into a list of strings
(:func:`lookups`, ``-1`` is NULL), and a ``*_date`` column is its
``*_datetime`` column cast to DATE; :mod:`trialkit.synth.sink` turns them into
the CDM columns when it writes Parquet, where ``value_source_value`` and
``sig`` are formatted by DuckDB (:data:`DERIVED`) as ``f"{x:g}"`` would.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlglot import exp

from trialkit.omop.bridge import ROWS_PER_PERSON
from trialkit.omop.concepts import EHR, FEMALE, MALE, NO_MATCHING_CONCEPT
from trialkit.synth.arrays import I64, NA_TIME, Rows, codes, registered_strings
from trialkit.synth.people import People
from trialkit.synth.reporting import variants

__all__ = ["DERIVED", "Chunk", "Columns", "chunk_tables", "lookups"]

Columns = dict[str, NDArray[Any]]
Chunk = dict[str, Columns]

_GENDER = np.array([FEMALE, MALE, NO_MATCHING_CONCEPT], dtype=np.int64)
GENDER_SOURCE = ("female", "male", "unknown")


def _printf(pattern: str, column: str) -> exp.Expr:
    return exp.func("printf", exp.Literal.string(pattern), exp.column(column))


#: Columns computed by DuckDB from staged columns: table -> column -> expression.
DERIVED: dict[str, dict[str, exp.Expr]] = {
    "measurement": {"value_source_value": _printf("%g", "value_as_number")},
    "drug_exposure": {"sig": _printf("rate %g ug/kg/min", "rate")},
    "person": {
        "person_source_value": exp.func(
            "concat", exp.Literal.string("synth-"), exp.column("person_id")
        )
    },
}

_SOURCE = {
    "measurement": ("measurement_source_value",),
    "observation": ("observation_source_value",),
    "condition_occurrence": ("condition_source_value",),
    "drug_exposure": ("drug_source_value",),
    "procedure_occurrence": ("procedure_source_value",),
}
_FIXED = {
    "observation": ("value_as_string", "qualifier_source_value", "value_source_value"),
    "condition_occurrence": ("stop_reason", "condition_status_source_value"),
}


def lookups(table: str) -> dict[str, tuple[str | None, ...]]:
    """The text columns of ``table`` that travel as codes, with their strings (code n is item n)."""
    found: dict[str, tuple[str | None, ...]] = {}
    for column in _SOURCE.get(table, ()):
        found[column] = tuple(codes()[2])
    for column in _FIXED.get(table, ()):
        found[column] = registered_strings()
    if table == "measurement":
        found["unit_source_value"] = tuple(variants().unit)
    if table == "person":
        found["gender_source_value"] = GENDER_SOURCE
    return found


def _times(seconds: I64) -> NDArray[np.datetime64]:
    """Seconds as datetime64[s]; NA_TIME is NaT."""
    return np.asarray(seconds, dtype=np.int64).view("datetime64[s]")


def _sorted(rows: Rows, tie: NDArray[Any] | None) -> tuple[Rows, I64]:
    """Rows ordered by person, time and ``tie``; and n (1, 2, ... per person)."""
    keys = (rows.time, rows.person) if tie is None else (tie, rows.time, rows.person)
    order = np.lexsort(keys)
    person = rows.person[order]
    ordered = Rows(person, rows.time[order], {k: v[order] for k, v in rows.columns.items()})
    first = np.searchsorted(person, person, side="left")
    return ordered, np.arange(len(person), dtype=np.int64) - first + 1


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
    """Every CDM table of one chunk of persons, as named NumPy columns."""
    concept_ids = codes()[1]
    pid = people.person_id
    tables: Chunk = {}

    visit, n = _sorted(visit, visit.columns["concept"])
    visit_count = np.bincount(visit.person, minlength=people.size)
    stay_id = pid * ROWS_PER_PERSON + visit_count
    tables["visit_occurrence"] = {
        "visit_occurrence_id": pid[visit.person] * ROWS_PER_PERSON + n,
        "person_id": pid[visit.person],
        "visit_concept_id": visit.columns["concept"],
        "visit_start_datetime": _times(visit.time),
        "visit_end_datetime": _times(visit.columns["end"]),
        "visit_type_concept_id": np.full(len(visit), EHR, dtype=np.int64),
    }

    table = variants()
    rows, n = _sorted(measurement, measurement.columns["code"])
    variant = rows.columns["variant"]
    tables["measurement"] = {
        "measurement_id": pid[rows.person] * ROWS_PER_PERSON + n,
        "person_id": pid[rows.person],
        "measurement_concept_id": concept_ids[rows.columns["code"]],
        "measurement_datetime": _times(rows.time),
        "measurement_type_concept_id": np.full(len(rows), EHR, dtype=np.int64),
        "value_as_number": rows.columns["value"],
        "unit_concept_id": table.unit_concept[variant],
        "range_low": rows.columns["low"],
        "range_high": rows.columns["high"],
        "visit_occurrence_id": stay_id[rows.person],
        "measurement_source_value": rows.columns["code"],
        "unit_source_value": variant,
    }

    rows, n = _sorted(observation, observation.columns["code"])
    tables["observation"] = {
        "observation_id": pid[rows.person] * ROWS_PER_PERSON + n,
        "person_id": pid[rows.person],
        "observation_concept_id": concept_ids[rows.columns["code"]],
        "observation_datetime": _times(rows.time),
        "observation_type_concept_id": np.full(len(rows), EHR, dtype=np.int64),
        "value_as_string": rows.columns["text"],
        "value_as_concept_id": _nullable(rows.columns["answer"]),
        "qualifier_source_value": rows.columns["qualifier"],
        "observation_source_value": rows.columns["code"],
        "value_source_value": rows.columns["value"],
    }

    rows, n = _sorted(condition, condition.columns["code"])
    tables["condition_occurrence"] = {
        "condition_occurrence_id": pid[rows.person] * ROWS_PER_PERSON + n,
        "person_id": pid[rows.person],
        "condition_concept_id": concept_ids[rows.columns["code"]],
        "condition_start_datetime": _times(rows.time),
        "condition_end_datetime": _times(rows.columns["end"]),
        "condition_type_concept_id": np.full(len(rows), EHR, dtype=np.int64),
        "condition_status_concept_id": rows.columns["status"],
        "stop_reason": rows.columns["stop"],
        "condition_source_value": rows.columns["code"],
        "condition_status_source_value": rows.columns["verification"],
    }

    rows, n = _sorted(drug, drug.columns["code"])
    end = rows.columns["end"]
    tables["drug_exposure"] = {
        "drug_exposure_id": pid[rows.person] * ROWS_PER_PERSON + n,
        "person_id": pid[rows.person],
        "drug_concept_id": concept_ids[rows.columns["code"]],
        "drug_exposure_start_datetime": _times(rows.time),
        "drug_exposure_end_datetime": _times(end),
        "verbatim_end_datetime": _times(np.where(rows.columns["ongoing"], NA_TIME, end)),
        "drug_type_concept_id": np.full(len(rows), EHR, dtype=np.int64),
        "drug_source_value": rows.columns["code"],
        "rate": rows.columns["rate"],
    }

    rows, n = _sorted(procedure, procedure.columns["code"])
    tables["procedure_occurrence"] = {
        "procedure_occurrence_id": pid[rows.person] * ROWS_PER_PERSON + n,
        "person_id": pid[rows.person],
        "procedure_concept_id": concept_ids[rows.columns["code"]],
        "procedure_datetime": _times(rows.time),
        "procedure_end_datetime": _times(rows.columns["end"]),
        "procedure_type_concept_id": np.full(len(rows), EHR, dtype=np.int64),
        "procedure_source_value": rows.columns["code"],
    }

    rows, _ = _sorted(death, None)
    tables["death"] = {
        "person_id": pid[rows.person],
        "death_datetime": _times(rows.time),
        "death_type_concept_id": np.full(len(rows), EHR, dtype=np.int64),
    }

    tables["person"] = _person(people)
    tables["observation_period"] = _period(
        people, (measurement, observation, condition, drug, procedure, visit, death)
    )
    return tables


def _person(people: People) -> Columns:
    birth = _times(people.birth).astype("datetime64[D]")
    years = birth.astype("datetime64[Y]")
    months = birth.astype("datetime64[M]")
    return {
        "person_id": people.person_id,
        "gender_concept_id": _GENDER[people.sex],
        "year_of_birth": years.astype(np.int64) + 1970,
        "month_of_birth": (months - years).astype(np.int64) + 1,
        "day_of_birth": (birth - months).astype(np.int64) + 1,
        "birth_datetime": _times(people.birth),
        "race_concept_id": np.full(people.size, NO_MATCHING_CONCEPT, dtype=np.int64),
        "ethnicity_concept_id": np.full(people.size, NO_MATCHING_CONCEPT, dtype=np.int64),
        "gender_source_value": people.sex,
    }


def _period(people: People, parts: tuple[Rows, ...]) -> Columns:
    """From each person's first dated row to the later of the last one and the extract time."""
    first = np.full(people.size, people.extracted, dtype=np.int64)
    last = np.full(people.size, people.extracted, dtype=np.int64)
    for rows in parts:
        np.minimum.at(first, rows.person, rows.time)
        np.maximum.at(last, rows.person, rows.time)
        for name in ("end",):
            if name in rows.columns:
                ends = rows.columns[name]
                known = ends != NA_TIME
                np.maximum.at(last, rows.person[known], ends[known])
    return {
        "observation_period_id": people.person_id,
        "person_id": people.person_id,
        "observation_period_start_datetime": _times(first),
        "observation_period_end_datetime": _times(last),
        "period_type_concept_id": np.full(people.size, EHR, dtype=np.int64),
    }
