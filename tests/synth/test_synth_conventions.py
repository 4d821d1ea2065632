"""The synthetic population follows the FHIR bridge's OMOP conventions (docs/omop.md)."""

from __future__ import annotations

import re
from datetime import datetime

import duckdb
import pytest

from trialkit.omop import LOCAL_CONCEPT_MIN, concept_key
from trialkit.omop.bridge import ROWS_PER_PERSON
from trialkit.omop.concepts import (
    CONFIRMED_DIAGNOSIS,
    EHR,
    NO,
    PRELIMINARY_DIAGNOSIS,
    YES,
    local_code,
    unit_concept_id,
)
from trialkit.record import AlterationType
from trialkit.synth import EXTRACTED, SynthResult
from trialkit.vocab import Kind, vocabulary

from .support import column, scalar

#: Every table with a row id, and that id's column.
ROW_IDS = {
    "visit_occurrence": "visit_occurrence_id",
    "measurement": "measurement_id",
    "observation": "observation_id",
    "condition_occurrence": "condition_occurrence_id",
    "drug_exposure": "drug_exposure_id",
    "procedure_occurrence": "procedure_occurrence_id",
}
#: Concept id columns of the clinical tables that must name a concept row.
CONCEPT_COLUMNS = {
    "person": ("gender_concept_id", "race_concept_id", "ethnicity_concept_id"),
    "observation_period": ("period_type_concept_id",),
    "visit_occurrence": ("visit_concept_id", "visit_type_concept_id"),
    "measurement": ("measurement_concept_id", "measurement_type_concept_id", "unit_concept_id"),
    "observation": ("observation_concept_id", "observation_type_concept_id", "value_as_concept_id"),
    "condition_occurrence": (
        "condition_concept_id",
        "condition_type_concept_id",
        "condition_status_concept_id",
    ),
    "drug_exposure": ("drug_concept_id", "drug_type_concept_id"),
    "procedure_occurrence": ("procedure_concept_id", "procedure_type_concept_id"),
    "death": ("death_type_concept_id",),
}


def test_every_person_id_is_a_person(database: duckdb.DuckDBPyConnection) -> None:
    for table in (*ROW_IDS, "observation_period", "death"):
        orphans = scalar(
            database,
            f"SELECT count(*) FROM {table} WHERE person_id NOT IN (SELECT person_id FROM person)",
        )
        assert orphans == 0, table
    assert (
        scalar(database, "SELECT count(*) - count(DISTINCT person_id) FROM observation_period") == 0
    )


def test_every_concept_id_is_in_concept(database: duckdb.DuckDBPyConnection) -> None:
    for table, columns in CONCEPT_COLUMNS.items():
        for name in columns:
            missing = scalar(
                database,
                f"SELECT count(*) FROM {table} WHERE {name} IS NOT NULL "
                f"AND {name} NOT IN (SELECT concept_id FROM concept)",
            )
            assert missing == 0, f"{table}.{name}"
    assert scalar(database, "SELECT count(*) - count(DISTINCT concept_id) FROM concept") == 0


def test_measurements_belong_to_the_last_stay(database: duckdb.DuckDBPyConnection) -> None:
    outside = scalar(
        database,
        "SELECT count(*) FROM measurement m JOIN visit_occurrence v USING (visit_occurrence_id) "
        "WHERE m.person_id <> v.person_id OR m.measurement_datetime < v.visit_start_datetime "
        "OR m.measurement_datetime > v.visit_end_datetime",
    )
    assert outside == 0


def test_row_ids_count_per_person(database: duckdb.DuckDBPyConnection) -> None:
    for table, ident in ROW_IDS.items():
        wrong = scalar(
            database,
            f"SELECT count(*) FROM (SELECT person_id, {ident}, row_number() OVER "
            f"(PARTITION BY person_id ORDER BY {ident}) AS n FROM {table}) "
            f"WHERE {ident} <> person_id * {ROWS_PER_PERSON} + n",
        )
        assert wrong == 0, table
    assert (
        scalar(
            database,
            "SELECT count(*) FROM observation_period WHERE observation_period_id <> person_id",
        )
        == 0
    )


def test_type_concepts_are_ehr(database: duckdb.DuckDBPyConnection) -> None:
    for table, columns in CONCEPT_COLUMNS.items():
        for name in columns:
            if name.endswith("_type_concept_id"):
                assert column(database, f"SELECT DISTINCT {name} FROM {table}") == [EHR]


def test_source_values_are_concept_keys(database: duckdb.DuckDBPyConnection) -> None:
    for table, prefix in (
        ("measurement", "measurement"),
        ("condition_occurrence", "condition"),
        ("drug_exposure", "drug"),
        ("procedure_occurrence", "procedure"),
        ("observation", "observation"),
    ):
        pairs = database.execute(
            f"SELECT DISTINCT {prefix}_concept_id, {prefix}_source_value FROM {table}"
        ).fetchall()
        for ident, source in pairs:
            key = concept_key(ident)
            if key is None:  # a gene outside the vocabulary, kept by its HGNC id
                assert source.startswith("HGNC:") and ident >= LOCAL_CONCEPT_MIN
            else:
                assert source == local_code(key), (table, ident, source)


def test_units_are_allowed_and_mapped(database: duckdb.DuckDBPyConnection) -> None:
    rows = database.execute(
        "SELECT DISTINCT measurement_source_value, unit_source_value, unit_concept_id FROM measurement"
    ).fetchall()
    for key, unit, ident in rows:
        assert unit in vocabulary()[key].units, (key, unit)
        assert ident == unit_concept_id(unit)


def test_value_source_value_is_the_value_as_python_prints_it(
    database: duckdb.DuckDBPyConnection,
) -> None:
    rows = database.execute(
        "SELECT value_as_number, value_source_value FROM measurement USING SAMPLE 3000 ROWS (reservoir, 1)"
    ).fetchall()
    assert rows
    for value, text in rows:
        assert text == f"{value:g}"


def test_reference_ranges_are_in_the_reported_unit(database: duckdb.DuckDBPyConnection) -> None:
    assert scalar(database, "SELECT count(*) FROM measurement WHERE range_low >= range_high") == 0
    assert (
        scalar(
            database,
            "SELECT count(*) FROM measurement WHERE (range_low IS NULL) <> (range_high IS NULL)",
        )
        == 0
    )
    ratios = database.execute(
        "SELECT unit_source_value, median(value_as_number / range_high) FROM measurement "
        "WHERE measurement_source_value = 'lab.creatinine' AND range_high IS NOT NULL GROUP BY 1"
    ).fetchall()
    assert {unit for unit, _ in ratios} == {"umol/L", "mg/dL"}
    for _, ratio in ratios:
        assert 0.5 < ratio < 1.5  # a value over its own upper limit: same unit


def test_refuted_diagnoses_are_no_observations(database: duckdb.DuckDBPyConnection) -> None:
    rows = database.execute(
        "SELECT observation_concept_id, value_as_concept_id, value_source_value "
        "FROM observation WHERE qualifier_source_value = 'refuted'"
    ).fetchall()
    assert len(rows) > 50
    for ident, answer, value in rows:
        assert vocabulary()[str(concept_key(ident))].kind is Kind.CONDITION
        assert (answer, value) == (NO, "refuted")


def test_condition_status_follows_the_verification(database: duckdb.DuckDBPyConnection) -> None:
    rows = database.execute(
        "SELECT condition_status_concept_id, condition_status_source_value, count(*) "
        "FROM condition_occurrence GROUP BY ALL"
    ).fetchall()
    found = {(status, text) for status, text, _ in rows}
    assert found == {
        (CONFIRMED_DIAGNOSIS, "confirmed"),
        (PRELIMINARY_DIAGNOSIS, "provisional"),
        (PRELIMINARY_DIAGNOSIS, "differential"),
        (PRELIMINARY_DIAGNOSIS, "unconfirmed"),
    }


def test_conditions_ended_at_an_unknown_time(database: duckdb.DuckDBPyConnection) -> None:
    rows = database.execute(
        "SELECT stop_reason, condition_start_date = condition_end_date FROM condition_occurrence "
        "WHERE stop_reason IS NOT NULL"
    ).fetchall()
    assert rows
    assert {stop for stop, _ in rows} <= {"resolved", "remission", "inactive", "abated"}
    assert all(same for _, same in rows)
    dated = scalar(
        database,
        "SELECT count(*) FROM condition_occurrence WHERE stop_reason IS NULL "
        "AND condition_end_date IS NOT NULL AND condition_end_datetime <= condition_start_datetime",
    )
    assert dated == 0


def test_ongoing_exposures_end_at_the_extract_time(database: duckdb.DuckDBPyConnection) -> None:
    ongoing = database.execute(
        "SELECT DISTINCT drug_exposure_end_datetime FROM drug_exposure WHERE verbatim_end_date IS NULL"
    ).fetchall()
    assert ongoing == [(EXTRACTED,)]
    finished = scalar(
        database,
        "SELECT count(*) FROM drug_exposure WHERE verbatim_end_date IS NOT NULL "
        "AND verbatim_end_date <> drug_exposure_end_date",
    )
    assert finished == 0
    assert (
        scalar(
            database,
            "SELECT count(*) FROM drug_exposure WHERE drug_exposure_end_datetime < drug_exposure_start_datetime",
        )
        == 0
    )


def test_infusion_rates_are_written_to_sig(database: duckdb.DuckDBPyConnection) -> None:
    rows = database.execute(
        "SELECT drug_source_value, sig FROM drug_exposure WHERE sig IS NOT NULL"
    ).fetchall()
    assert rows
    pattern = re.compile(r"^rate \d+(\.\d+)? ug/kg/min$")
    for key, sig in rows:
        assert key in vocabulary()["drug_class.vasopressors"].members
        assert pattern.match(sig), sig


def test_procedures_in_progress_have_no_end(database: duckdb.DuckDBPyConnection) -> None:
    keys = column(
        database,
        "SELECT DISTINCT procedure_source_value FROM procedure_occurrence WHERE procedure_end_date IS NULL",
    )
    assert "procedure.mechanical_ventilation" in keys
    assert (
        scalar(
            database,
            "SELECT count(*) FROM procedure_occurrence WHERE procedure_end_datetime < procedure_datetime",
        )
        == 0
    )


def test_findings_and_attestations_are_yes_or_no(database: duckdb.DuckDBPyConnection) -> None:
    rows = database.execute(
        "SELECT observation_concept_id, value_as_concept_id, value_source_value, count(*) "
        "FROM observation WHERE qualifier_source_value IS NULL GROUP BY ALL"
    ).fetchall()
    kinds = set()
    for ident, answer, value, _ in rows:
        kinds.add(vocabulary()[str(concept_key(ident))].kind)
        assert (answer, value) in {(YES, "true"), (NO, "false")}, ident
    assert kinds == {Kind.FINDING, Kind.ATTESTATION, Kind.LAB}  # lab: the qualitative hCG


def test_genomic_findings_are_one_row_per_gene(database: duckdb.DuckDBPyConnection) -> None:
    kinds = ", ".join(f"'{a.value}'" for a in AlterationType)
    rows = database.execute(
        "SELECT person_id, observation_datetime, observation_source_value, value_as_string, "
        f"qualifier_source_value, value_source_value FROM observation WHERE qualifier_source_value IN ({kinds})"
    ).fetchall()
    assert rows
    fusions = 0
    for _, _, gene, protein, _, genes in rows:
        assert gene in genes.split("::")
        assert protein is None or re.match(r"^[A-Z]\d+[A-Z]$", protein), protein
        fusions += "::" in genes
    assert fusions > 0
    by_finding: dict[tuple[object, ...], int] = {}
    for person, when, _, protein, kind, genes in rows:
        key = (person, when, protein, kind, genes)
        by_finding[key] = by_finding.get(key, 0) + 1
    assert all(count == len(key[4].split("::")) for key, count in by_finding.items())  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("table", "column_name"),
    [
        ("measurement", "measurement_datetime"),
        ("observation", "observation_datetime"),
        ("condition_occurrence", "condition_start_datetime"),
        ("drug_exposure", "drug_exposure_start_datetime"),
        ("procedure_occurrence", "procedure_datetime"),
        ("visit_occurrence", "visit_start_datetime"),
    ],
)
def test_every_datum_is_between_birth_and_the_period_end(
    database: duckdb.DuckDBPyConnection, table: str, column_name: str
) -> None:
    outside = scalar(
        database,
        f"SELECT count(*) FROM {table} t JOIN person p USING (person_id) "
        f"JOIN observation_period o USING (person_id) WHERE t.{column_name} < p.birth_datetime "
        f"OR CAST(t.{column_name} AS DATE) < o.observation_period_start_date "
        f"OR CAST(t.{column_name} AS DATE) > o.observation_period_end_date",
    )
    assert outside == 0


def test_the_dead_have_nothing_after_death(database: duckdb.DuckDBPyConnection) -> None:
    later = scalar(
        database,
        "SELECT count(*) FROM measurement m JOIN death d USING (person_id) "
        "WHERE m.measurement_datetime > d.death_datetime",
    )
    assert later == 0
    ongoing = scalar(
        database,
        "SELECT count(*) FROM drug_exposure x JOIN death d USING (person_id) WHERE x.verbatim_end_date IS NULL",
    )
    assert ongoing == 0


def test_the_period_ends_at_the_extract_day(
    population: SynthResult, database: duckdb.DuckDBPyConnection
) -> None:
    assert column(
        database, "SELECT DISTINCT observation_period_end_date FROM observation_period"
    ) == [population.extracted.date()]
    assert isinstance(population.extracted, datetime)
