"""The FHIR -> OMOP bridge: every example bundle into DuckDB, values read back, conventions."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from typing import Any

import duckdb
import pytest

from trialkit.errors import OmopError
from trialkit.examples import EXAMPLES, example
from trialkit.omop import TABLES, concept_id, connect, omop_rows, table, write_records, write_rows
from trialkit.omop.rows import (
    ConceptAncestorRow,
    ConceptRow,
    ConditionOccurrenceRow,
    DeathRow,
    DrugExposureRow,
    MeasurementRow,
    ObservationPeriodRow,
    ObservationRow,
    PersonRow,
    ProcedureOccurrenceRow,
)
from trialkit.record import PatientRecord, record_from_bundle
from trialkit.testing import BundleBuilder

EXTRACTED = datetime(2025, 6, 15, 12, 0)
ROW_CLASSES = (
    PersonRow,
    ObservationPeriodRow,
    MeasurementRow,
    ConditionOccurrenceRow,
    DrugExposureRow,
    ProcedureOccurrenceRow,
    ObservationRow,
    DeathRow,
    ConceptRow,
    ConceptAncestorRow,
)
_VOCABULARY_TABLES = {"concept", "concept_ancestor"}


@pytest.fixture(scope="module")
def examples() -> tuple[duckdb.DuckDBPyConnection, dict[str, int]]:
    records = [record_from_bundle(example(name), name) for name in EXAMPLES]
    return write_records(records, extracted=EXTRACTED)


def _one(con: duckdb.DuckDBPyConnection, query: str, *params: Any) -> tuple[Any, ...]:
    rows = con.execute(query, list(params)).fetchall()
    assert len(rows) == 1, rows
    return tuple(rows[0])


@pytest.mark.parametrize("row_class", ROW_CLASSES, ids=lambda c: c.TABLE)
def test_row_classes_match_the_cdm_tables(row_class: type) -> None:
    spec = table(row_class.TABLE)
    names = [f.name for f in fields(row_class)]
    assert set(names) <= set(spec.names)
    assert {c.name for c in spec.columns if c.required} <= set(names)


def test_every_example_bundle_goes_into_duckdb(
    examples: tuple[duckdb.DuckDBPyConnection, dict[str, int]],
) -> None:
    con, ids = examples
    assert list(ids) == list(EXAMPLES)
    counts = dict(con.execute("SELECT 'p', count(*) FROM person").fetchall())
    assert counts == {"p": len(EXAMPLES)}
    persons_with_data = con.execute(
        "SELECT count(DISTINCT person_id) FROM (SELECT person_id FROM measurement "
        "UNION ALL SELECT person_id FROM condition_occurrence)"
    ).fetchone()
    assert persons_with_data == (len(EXAMPLES),)
    periods = con.execute(
        "SELECT count(*) FROM observation_period WHERE observation_period_end_date = ?",
        [EXTRACTED.date()],
    ).fetchone()
    assert periods == (len(EXAMPLES),)


def test_every_concept_id_used_has_a_concept_row(
    examples: tuple[duckdb.DuckDBPyConnection, dict[str, int]],
) -> None:
    con, _ = examples
    for spec in TABLES:
        if spec.name in _VOCABULARY_TABLES:
            continue
        for column in spec.columns:
            if not column.name.endswith("concept_id"):
                continue
            missing = con.execute(
                f"SELECT DISTINCT {column.name} FROM {spec.name} "
                f"WHERE {column.name} IS NOT NULL "
                f"AND {column.name} NOT IN (SELECT concept_id FROM concept)"
            ).fetchall()
            assert missing == [], f"{spec.name}.{column.name}"


def test_round_trip_values(examples: tuple[duckdb.DuckDBPyConnection, dict[str, int]]) -> None:
    con, ids = examples
    eligible, ineligible = ids["r-hlh-eligible"], ids["r-hlh-ineligible"]
    # Ferritin in the unit the laboratory reported (8450 ng/mL), with its range in that unit.
    assert _one(
        con,
        "SELECT value_as_number, unit_source_value, unit_concept_id, range_low, range_high, "
        "measurement_datetime, measurement_source_value FROM measurement "
        "WHERE person_id = ? AND measurement_concept_id = 3001122",
        eligible,
    ) == (8450.0, "ng/mL", 8842, 20.0, 200.0, datetime(2025, 6, 14, 8), "lab.ferritin")
    # A condition: active tuberculosis since 2025-04-01, confirmed, ongoing.
    assert _one(
        con,
        "SELECT condition_start_date, condition_end_date, condition_status_concept_id, "
        "condition_status_source_value FROM condition_occurrence "
        "WHERE person_id = ? AND condition_concept_id = ?",
        ineligible,
        concept_id("condition.tuberculosis"),
    ) == (date(2025, 4, 1), None, 32893, "confirmed")
    # Exposures: etoposide ended 2025-06-10; dexamethasone is ongoing, so it ends at the
    # extract time and has no verbatim end date.
    exposures = con.execute(
        "SELECT drug_source_value, drug_exposure_start_date, drug_exposure_end_date, "
        "drug_exposure_end_datetime, verbatim_end_date FROM drug_exposure "
        "WHERE person_id = ? ORDER BY drug_exposure_id",
        [ineligible],
    ).fetchall()
    assert exposures == [
        (
            "drug.etoposide",
            date(2025, 5, 20),
            date(2025, 6, 10),
            datetime(2025, 6, 10),
            date(2025, 6, 10),
        ),
        ("drug.dexamethasone", date(2025, 5, 20), date(2025, 6, 15), EXTRACTED, None),
    ]
    # The person: birth date and gender.
    assert _one(
        con,
        "SELECT gender_concept_id, year_of_birth, month_of_birth, day_of_birth, birth_datetime, "
        "person_source_value FROM person WHERE person_id = ?",
        eligible,
    ) == (8507, 2024, 11, 10, datetime(2024, 11, 10), "r-hlh-eligible")


def test_attestations_and_genomics(
    examples: tuple[duckdb.DuckDBPyConnection, dict[str, int]],
) -> None:
    con, ids = examples
    refusal = _one(
        con,
        "SELECT value_as_concept_id, value_source_value FROM observation "
        "WHERE person_id = ? AND observation_concept_id = ?",
        ids["jak-hs-icu-ineligible"],
        concept_id("attestation.health_insurance"),
    )
    assert refusal == (4188540, "false")
    fusion = con.execute(
        "SELECT observation_source_value, value_as_string, qualifier_source_value, "
        "value_source_value FROM observation WHERE person_id = ? AND qualifier_source_value "
        "IN ('fusion', 'mutation') ORDER BY observation_id",
        [ids["hem-ismart-c-eligible"]],
    ).fetchall()
    assert fusion == [
        ("gene.p2ry8", None, "fusion", "gene.p2ry8::gene.crlf2"),
        ("gene.crlf2", None, "fusion", "gene.p2ry8::gene.crlf2"),
        ("gene.jak2", "R683G", "mutation", "gene.jak2"),
    ]


def _unusual_patient() -> dict[str, Any]:
    b = BundleBuilder("unusual", "2010-02-28", "other")
    b.condition("condition.tuberculosis", "2024-01-01", verification="refuted")
    b.condition("condition.hiv_infection", "2023-05-01", verification="provisional")
    resolved = b.condition("condition.malignancy", "2020-03-01")
    b.procedure("procedure.mechanical_ventilation", "2025-06-14T22:00:00", status="in-progress")
    b.procedure("procedure.dialysis", "2025-06-13T09:00:00")
    b.quantity("lab.triglycerides", 342, "mg/dL", "2025-06-14T08:00:00", reference=(0, 150))
    b.medication("drug.ruxolitinib", "2025-06-01", "2025-06-10", dose=(5, "mg"))
    fusion = b.variant(("gene.jak2",), "fusion", "2025-05-28")
    bundle = b.build()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if f"{resource['resourceType']}/{resource['id']}" == fusion:
            # GOLGA5::JAK2, with GOLGA5 outside the vocabulary (kept by its HGNC id).
            golga5 = {"system": "http://www.genenames.org", "code": "HGNC:4428"}
            resource["component"].insert(
                0,
                {
                    "code": {"coding": [{"system": "http://loinc.org", "code": "48018-6"}]},
                    "valueCodeableConcept": {"coding": [golga5]},
                },
            )
        if f"{resource['resourceType']}/{resource['id']}" == resolved:
            resource["clinicalStatus"] = {"coding": [{"code": "resolved"}]}
        if resource["resourceType"] == "Patient":
            resource["deceasedDateTime"] = "2025-06-15T03:00:00"
    return bundle


def _unusual_record() -> PatientRecord:
    return record_from_bundle(_unusual_patient(), "unusual")


def test_conventions_for_refuted_resolved_in_progress_and_death() -> None:
    rows = omop_rows(_unusual_record(), 7, extracted=EXTRACTED)
    assert rows == omop_rows(_unusual_record(), 7, extracted=EXTRACTED)  # pure
    assert rows.person.gender_concept_id == 0
    assert rows.person.gender_source_value == "other"
    conditions = {c.condition_source_value: c for c in rows.condition_occurrence}
    assert "condition.tuberculosis" not in conditions
    refuted = [o for o in rows.observation if o.qualifier_source_value == "refuted"]
    assert [
        (o.observation_concept_id, o.value_as_concept_id, o.observation_date) for o in refuted
    ] == [(concept_id("condition.tuberculosis"), 4188540, date(2024, 1, 1))]
    assert conditions["condition.hiv_infection"].condition_status_concept_id == 32899
    assert conditions["condition.hiv_infection"].condition_status_source_value == "provisional"
    ended = conditions["condition.malignancy"]
    assert (ended.condition_end_date, ended.stop_reason) == (date(2020, 3, 1), "resolved")
    procedures = {p.procedure_source_value: p for p in rows.procedure_occurrence}
    assert procedures["procedure.mechanical_ventilation"].procedure_end_date is None
    assert procedures["procedure.dialysis"].procedure_end_date == date(2025, 6, 13)
    (triglycerides,) = rows.measurement
    assert (triglycerides.value_as_number, triglycerides.unit_source_value) == (342, "mg/dL")
    assert triglycerides.range_low == 0
    assert triglycerides.range_high == pytest.approx(150)
    (drug,) = rows.drug_exposure
    assert (drug.sig, drug.dose_unit_source_value) == ("dose 5 mg", "mg")
    assert rows.death == (DeathRow(7, date(2025, 6, 15), datetime(2025, 6, 15, 3), 32817),)
    assert rows.observation_period.observation_period_start_date == date(2020, 3, 1)
    assert rows.measurement[0].measurement_id == 7_000_001
    genes = [o for o in rows.observation if o.qualifier_source_value == "fusion"]
    assert [(o.observation_source_value, o.value_source_value) for o in genes] == [
        ("HGNC:4428", "HGNC:4428::gene.jak2"),
        ("gene.jak2", "HGNC:4428::gene.jak2"),
    ]
    golga5 = next(c for c in rows.concept if c.concept_id == genes[0].observation_concept_id)
    assert (golga5.vocabulary_id, golga5.concept_code) == ("trialkit", "HGNC:4428")
    assert golga5.concept_id >= 2_000_000_000


def test_writing_rows_twice_for_one_person_is_an_error() -> None:
    con = connect()
    rows = omop_rows(_unusual_record(), 3, extracted=EXTRACTED)
    counts = write_rows(con, [rows])
    assert counts["person"] == 1
    assert counts["concept"] > 400
    assert write_rows(con, [], vocabulary=True)["concept"] == 0  # nothing new
    with pytest.raises(OmopError, match=r"^person\.person_id: 3 is already in the database"):
        write_rows(con, [rows])


def test_record_without_birth_date_cannot_be_written() -> None:
    record = record_from_bundle(BundleBuilder("nobody", None).build(), "nobody")
    with pytest.raises(OmopError, match=r"^person\.year_of_birth: patient 'nobody' has no birth"):
        omop_rows(record, 1, extracted=EXTRACTED)


def test_ongoing_exposure_after_the_extract_time_is_an_error() -> None:
    b = BundleBuilder("late", "2000-01-01", "female")
    b.medication("drug.ruxolitinib", "2025-07-01")
    record = record_from_bundle(b.build(), "late")
    with pytest.raises(OmopError, match=r"^drug_exposure\.drug_exposure_end_date: .* is ongoing"):
        omop_rows(record, 1, extracted=EXTRACTED)
    with pytest.raises(OmopError, match="positive integer"):
        omop_rows(record, 0, extracted=EXTRACTED)
