"""OMOP rows written with the bridge's conventions, read back as :class:`~trialkit.record.PatientRecord`.

The inverse of :func:`trialkit.omop.omop_rows`, for data that follows its
conventions (the synthetic population, or bundles passed through the bridge),
so that the in-memory evaluator can screen the same persons as the SQL
compiler. Concepts are found by concept id (:func:`trialkit.omop.concept_key`),
else by ``*_source_value`` (an unlisted gene's HGNC id).

- MEASUREMENT: the value and unit as reported (``unit_source_value``), the
  reference range converted to the canonical unit; a value that is absent,
  not finite, implausible or in a unit the concept does not allow is a result
  whose value is unknown (:mod:`trialkit.record.reported`), as the SQL
  compiler reads it.
- OBSERVATION: ``qualifier_source_value`` ``refuted`` is a refuted diagnosis;
  an alteration type is one gene of a genomic finding (the rows of one finding
  share time, genes, type and protein change and become one finding); a value
  concept Yes/No is a boolean finding or attestation; ``value_as_string`` a
  coded value.
- CONDITION_OCCURRENCE: the verification is ``condition_status_source_value``;
  a ``stop_reason`` means ended at an unknown time (no abatement).
- DRUG_EXPOSURE: ``verbatim_end_date`` NULL means ongoing (no end); a rate
  in ``sig`` (``rate 0.1 ug/kg/min``) becomes the exposure's rate.
- PROCEDURE_OCCURRENCE: no end means in progress.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

import duckdb
from sqlglot import exp

from trialkit.errors import OmopError
from trialkit.omop.concepts import FEMALE, MALE, NO, YES, concept_key
from trialkit.record import (
    AlterationType,
    Condition,
    Exposure,
    GenomicFinding,
    Observation,
    PatientRecord,
    Procedure,
    Sex,
)
from trialkit.record.patient import group_observations
from trialkit.record.reported import reported_measurement
from trialkit.units import Quantity

__all__ = ["records_from_omop"]

_ALTERATIONS = frozenset(a.value for a in AlterationType)
_ENDED = frozenset({"resolved", "remission", "inactive"})
_Row = dict[str, Any]


def records_from_omop(
    con: duckdb.DuckDBPyConnection, person_ids: Sequence[int]
) -> dict[int, PatientRecord]:
    """The records of ``person_ids`` from a database with the CDM tables (e.g. ``load_folder``)."""
    wanted = sorted(set(person_ids))
    rows = {name: _rows(con, name, wanted) for name in _ORDER}
    persons = {int(r["person_id"]): r for r in rows["person"]}
    missing = [p for p in wanted if p not in persons]
    if missing:
        raise OmopError(f"person.person_id: {missing[0]} is not in the database")
    grouped = _grouped(rows)
    return {
        pid: _record(persons[pid], {name: rows.get(pid, []) for name, rows in grouped.items()})
        for pid in wanted
    }


_ORDER = {
    "person": "person_id",
    "measurement": "measurement_id",
    "observation": "observation_id",
    "condition_occurrence": "condition_occurrence_id",
    "drug_exposure": "drug_exposure_id",
    "procedure_occurrence": "procedure_occurrence_id",
    "death": "person_id",
}


def _rows(con: duckdb.DuckDBPyConnection, name: str, wanted: list[int]) -> list[_Row]:
    values = exp.Unnest(expressions=[exp.Placeholder()])
    query = (
        exp.select(exp.Star())
        .from_(name)
        .where(exp.column("person_id").isin(query=exp.select(values.as_("v"))))
        .order_by(exp.column("person_id"), exp.column(_ORDER[name]))
    )
    cursor = con.execute(query.sql(dialect="duckdb"), [wanted])
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _grouped(rows: dict[str, list[_Row]]) -> dict[str, dict[int, list[_Row]]]:
    grouped: dict[str, dict[int, list[_Row]]] = {}
    for name, items in rows.items():
        by_person: dict[int, list[_Row]] = defaultdict(list)
        for row in items:
            by_person[int(row["person_id"])].append(row)
        grouped[name] = by_person
    return grouped


def _key(ident: int | None, source: str | None) -> str:
    key = None if ident is None else concept_key(int(ident))
    if key is not None:
        return key
    if source:
        return source
    raise OmopError(f"concept {ident}: not a trialkit concept and no source value")


def _record(person: _Row, rows: dict[str, list[_Row]]) -> PatientRecord:
    gender = person["gender_concept_id"]
    sex = {MALE: Sex.MALE, FEMALE: Sex.FEMALE}.get(gender)
    if sex is None:
        text = person.get("gender_source_value")
        sex = Sex(text) if text in {s.value for s in Sex} else Sex.UNKNOWN
    born = person.get("birth_datetime")
    birth = (
        born.date()
        if isinstance(born, datetime)
        else date(
            person["year_of_birth"], person["month_of_birth"] or 1, person["day_of_birth"] or 1
        )
    )
    observations = [_measurement(r) for r in rows["measurement"]]
    conditions = [_condition(r) for r in rows["condition_occurrence"]]
    genomics: dict[tuple[Any, ...], GenomicFinding] = {}
    for row in rows["observation"]:
        found = _observation(row)
        if isinstance(found, Condition):
            conditions.append(found)
        elif isinstance(found, GenomicFinding):
            genomics.setdefault(
                (found.time, found.genes, found.alteration, found.protein_change), found
            )
        else:
            observations.append(found)
    deaths = rows["death"]
    return PatientRecord(
        patient_id=str(person.get("person_source_value") or person["person_id"]),
        birth_date=birth,
        sex=sex,
        observations=group_observations(observations),
        conditions=tuple(conditions),
        exposures=tuple(_exposure(r) for r in rows["drug_exposure"]),
        procedures=tuple(_procedure(r) for r in rows["procedure_occurrence"]),
        genomics=tuple(genomics.values()),
        deceased=_when(deaths[0], "death") if deaths else None,
    )


def _when(row: _Row, prefix: str) -> datetime:
    """``<prefix>_datetime``, else midnight of ``<prefix>_date``."""
    found = row.get(f"{prefix}_datetime")
    if isinstance(found, datetime):
        return found
    day = row[f"{prefix}_date"]
    return datetime.combine(day, time())


def _measurement(row: _Row) -> Observation:
    """The row's result (:func:`~trialkit.record.reported.reported_measurement`: usable or not)."""
    key = _key(row["measurement_concept_id"], row.get("measurement_source_value"))
    value = row["value_as_number"]
    return reported_measurement(
        key,
        f"measurement/{row['measurement_id']}",
        _when(row, "measurement"),
        None if value is None else float(value),
        row.get("unit_source_value"),
        row.get("range_low"),
        row.get("range_high"),
    )


def _observation(row: _Row) -> Observation | Condition | GenomicFinding:
    where = f"observation/{row['observation_id']}"
    source = row.get("observation_source_value")
    key = _key(row["observation_concept_id"], source)
    when = _when(row, "observation")
    qualifier = row.get("qualifier_source_value")
    if qualifier == "refuted":
        return Condition(key, where, when, None, "refuted", None)
    if qualifier in _ALTERATIONS:
        genes = tuple(str(row.get("value_source_value") or key).split("::"))
        return GenomicFinding(
            genes, AlterationType(qualifier), row.get("value_as_string"), where, when
        )
    answer = row.get("value_as_concept_id")
    if answer in (YES, NO):
        return Observation(key, where, when, None, answer == YES)
    text = row.get("value_as_string")
    if text is None:
        raise OmopError(f"observation.value_as_string: {where} has no value")
    return Observation(key, where, when, None, str(text))


def _condition(row: _Row) -> Condition:
    stop = row.get("stop_reason")
    end = row.get("condition_end_datetime") or (
        None if row.get("condition_end_date") is None else _when(row, "condition_end")
    )
    return Condition(
        _key(row["condition_concept_id"], row.get("condition_source_value")),
        f"condition_occurrence/{row['condition_occurrence_id']}",
        _when(row, "condition_start"),
        None if stop else end,
        row.get("condition_status_source_value") or "confirmed",
        stop if stop in _ENDED else None,
        abated=bool(stop) or end is not None,
    )


def _exposure(row: _Row) -> Exposure:
    key = _key(row["drug_concept_id"], row.get("drug_source_value"))
    ongoing = row.get("verbatim_end_date") is None
    rate = _rate(key, row.get("sig"))
    route = row.get("route_concept_id")
    return Exposure(
        key,
        f"drug_exposure/{row['drug_exposure_id']}",
        "drug_exposure",
        _when(row, "drug_exposure_start"),
        None if ongoing else _when(row, "drug_exposure_end"),
        "active" if ongoing else "completed",
        None,
        rate,
        None if not route else concept_key(int(route)),
    )


def _rate(key: str, sig: str | None) -> Quantity | None:
    for part in (sig or "").split(";"):
        words = part.split()
        if len(words) == 3 and words[0] == "rate":
            return Quantity(float(words[1]), words[2], key)
    return None


def _procedure(row: _Row) -> Procedure:
    ended = row.get("procedure_end_datetime") or (
        None if row.get("procedure_end_date") is None else _when(row, "procedure_end")
    )
    return Procedure(
        _key(row["procedure_concept_id"], row.get("procedure_source_value")),
        f"procedure_occurrence/{row['procedure_occurrence_id']}",
        _when(row, "procedure"),
        ended,
        "completed" if ended is not None else "in-progress",
    )
