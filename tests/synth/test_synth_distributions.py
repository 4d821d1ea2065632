"""The synthetic population's distributions fall in the bands trialkit.synth documents."""

from __future__ import annotations

import duckdb
import pytest

from trialkit.synth import SynthResult
from trialkit.units import upper_limit

from .support import PERSONS, column, scalar

_AGE = "date_diff('day', birth_datetime, TIMESTAMP '2025-06-30 20:00') / 365.25"


def _share(con: duckdb.DuckDBPyConnection, where: str, table: str = "person") -> float:
    found = scalar(con, f"SELECT count(*) FROM {table} WHERE {where}")
    return float(found) / PERSONS  # type: ignore[arg-type]


def _persons(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    found = scalar(con, f"SELECT count(DISTINCT person_id) FROM ({sql})")
    return float(found) / PERSONS  # type: ignore[arg-type]


def test_sexes(database: duckdb.DuckDBPyConnection) -> None:
    assert 0.47 <= _share(database, "gender_concept_id = 8532") <= 0.55
    assert 0.44 <= _share(database, "gender_concept_id = 8507") <= 0.52
    unknown = _share(database, "gender_concept_id = 0 AND gender_source_value = 'unknown'")
    assert 0.001 <= unknown <= 0.012


def test_age_pyramid(database: duckdb.DuckDBPyConnection) -> None:
    assert 0.10 <= _share(database, f"{_AGE} < 18") <= 0.16
    assert 0.008 <= _share(database, f"{_AGE} < 28 / 365.25") <= 0.025
    assert 0.20 <= _share(database, f"{_AGE} >= 75") <= 0.32
    assert scalar(database, f"SELECT max({_AGE}) FROM person") < 101  # type: ignore[operator]


def test_a_few_percent_have_hlh_like_laboratory_pictures(
    database: duckdb.DuckDBPyConnection,
) -> None:
    ferritin = (
        "SELECT person_id FROM measurement WHERE measurement_source_value = 'lab.ferritin' "
        "AND value_as_number * CASE unit_source_value WHEN 'mg/L' THEN 1000 ELSE 1 END >= 2000"
    )
    assert 0.012 <= _persons(database, ferritin) <= 0.05
    picture = (
        f"{ferritin} INTERSECT SELECT person_id FROM measurement "
        "WHERE measurement_source_value = 'lab.platelets' AND value_as_number * CASE "
        "WHEN unit_source_value IN ('/uL', '/mm3') THEN 0.001 ELSE 1 END < 100"
    )
    assert 0.005 <= _persons(database, picture) <= 0.04
    fibrinogen = scalar(
        database,
        "SELECT count(*) FROM measurement WHERE measurement_source_value = 'lab.fibrinogen' "
        "AND value_as_number * CASE unit_source_value WHEN 'mg/dL' THEN 0.01 ELSE 1 END <= 1.5",
    )
    assert fibrinogen > 20  # type: ignore[operator]


def test_units_are_mixed_as_hospitals_send_them(database: duckdb.DuckDBPyConnection) -> None:
    def units(key: str) -> dict[str, float]:
        rows = database.execute(
            "SELECT unit_source_value, count(*) / sum(count(*)) OVER () FROM measurement "
            f"WHERE measurement_source_value = '{key}' GROUP BY 1"
        ).fetchall()
        return dict(rows)

    haemoglobin = units("lab.haemoglobin")
    assert set(haemoglobin) == {"g/L", "g/dL", "mmol/L"}
    assert 0.3 <= haemoglobin["g/L"] <= 0.55
    creatinine = units("lab.creatinine")
    assert 0.25 <= creatinine["mg/dL"] <= 0.55 and creatinine["umol/L"] > 0.4
    assert {"10*9/L", "10*3/uL", "/uL", "/mm3", "10*3/mm3"} <= set(units("lab.platelets"))
    assert {"ng/mL", "ug/L"} <= set(units("lab.ferritin"))
    assert {"mmol/L", "mg/dL", "g/L"} <= set(units("lab.triglycerides"))
    assert {"Cel", "[degF]"} <= set(units("vital.temperature"))
    assert {"kPa", "mm[Hg]"} <= set(units("lab.pao2"))


def test_labs_usually_carry_reference_ranges_and_vitals_never(
    database: duckdb.DuckDBPyConnection,
) -> None:
    ranged = scalar(
        database,
        "SELECT avg((range_high IS NOT NULL)::INT) FROM measurement "
        "WHERE measurement_source_value LIKE 'lab.%' AND measurement_source_value NOT IN "
        "('lab.pao2', 'lab.ebv_dna')",
    )
    assert 0.8 <= ranged <= 0.97  # type: ignore[operator]
    vitals = scalar(
        database,
        "SELECT count(*) FROM measurement WHERE range_high IS NOT NULL "
        "AND measurement_source_value NOT LIKE 'lab.%'",
    )
    assert vitals == 0


def test_childrens_creatinine_range_is_the_cited_interval(
    database: duckdb.DuckDBPyConnection,
) -> None:
    rows = database.execute(
        "SELECT CAST(p.birth_datetime AS DATE), CAST(m.measurement_datetime AS DATE), "
        "m.range_high FROM measurement m JOIN person p USING (person_id) "
        "WHERE m.measurement_source_value = 'lab.creatinine' AND m.unit_source_value = 'mg/dL' "
        "AND m.range_high IS NOT NULL AND p.gender_concept_id <> 0 "
        "AND date_diff('day', p.birth_datetime, m.measurement_datetime) BETWEEN 400 AND 4000 "
        "LIMIT 50"
    ).fetchall()
    assert len(rows) >= 5
    for birth, day, high in rows:
        cited = upper_limit("lab.creatinine", birth, day)
        assert cited is not None
        assert cited.reported == pytest.approx(high, abs=0.1)  # band edges: days vs months


def test_icu_stays_carry_sofa_inputs(database: duckdb.DuckDBPyConnection) -> None:
    icu = "SELECT person_id FROM procedure_occurrence WHERE procedure_source_value = 'procedure.icu_admission'"
    assert 0.05 <= _persons(database, icu) <= 0.14
    for key in (
        "lab.pao2",
        "vital.fio2",
        "vital.map",
        "assessment.gcs_total",
        "vital.urine_output_24h",
        "lab.bilirubin_total",
        "lab.creatinine",
        "lab.platelets",
    ):
        found = _persons(
            database,
            f"SELECT person_id FROM measurement WHERE measurement_source_value = '{key}' "
            f"AND person_id IN ({icu})",
        )
        assert found > 0.02, key
    rated = scalar(
        database, "SELECT count(DISTINCT person_id) FROM drug_exposure WHERE sig LIKE 'rate %'"
    )
    assert rated > 40  # type: ignore[operator]


def test_children_with_leukaemia_and_genomic_findings(database: duckdb.DuckDBPyConnection) -> None:
    leukaemia = (
        "SELECT person_id FROM condition_occurrence WHERE condition_source_value IN "
        "('condition.acute_lymphoblastic_leukaemia', 'condition.lymphoblastic_lymphoma')"
    )
    assert 0.008 <= _persons(database, leukaemia) <= 0.025
    genes = set(
        column(
            database,
            "SELECT DISTINCT observation_source_value || ' ' || qualifier_source_value || ' ' || "
            "coalesce(value_as_string, '-') FROM observation WHERE qualifier_source_value IN "
            "('fusion', 'rearrangement', 'mutation', 'deletion', 'overexpression')",
        )
    )
    assert {"gene.crlf2 fusion -", "gene.p2ry8 fusion -"} <= genes
    assert any(g.startswith(("gene.jak1 mutation", "gene.jak2 mutation")) for g in genes)
    resistance = {
        "gene.jak2 mutation Y931C",
        "gene.jak1 mutation F958V",
        "gene.jak1 mutation P960S",
    }
    resistance |= {
        "gene.bcl2 mutation G101V",
        "gene.bcl2 mutation F104L",
        "gene.bcl2 mutation F104C",
    }
    assert genes & resistance
    assert "HGNC:3495 fusion -" in genes  # ETV6::RUNX1, outside the vocabulary


def test_drug_histories_exercise_wash_outs(database: duckdb.DuckDBPyConnection) -> None:
    def persons(where: str) -> int:
        found = scalar(
            database, f"SELECT count(DISTINCT person_id) FROM drug_exposure WHERE {where}"
        )
        return int(found)  # type: ignore[call-overload]

    steroids = "drug_source_value IN ('drug.dexamethasone', 'drug.prednisolone', 'drug.prednisone', 'drug.methylprednisolone', 'drug.hydrocortisone')"
    days = "date_diff('day', drug_exposure_start_datetime, drug_exposure_end_datetime)"
    assert persons(f"{steroids} AND {days} > 14") > 30
    assert persons(f"{steroids} AND {days} <= 14") > 30
    assert (
        persons("drug_source_value IN ('drug.carbamazepine', 'drug.phenytoin', 'drug.rifampicin')")
        > 10
    )
    assert (
        persons(
            "drug_source_value IN ('drug.posaconazole', 'drug.voriconazole', 'drug.clarithromycin')"
        )
        > 10
    )
    assert (
        persons(
            "drug_source_value IN ('drug.blinatumomab', 'drug.inotuzumab_ozogamicin', 'drug.rituximab')"
        )
        > 3
    )
    assert (
        persons("drug_source_value IN ('drug.vincristine', 'drug.cytarabine', 'drug.daunorubicin')")
        > 10
    )
    assert persons("verbatim_end_date IS NULL") > 200


def test_procedures_attestations_and_tentative_diagnoses(
    database: duckdb.DuckDBPyConnection, population: SynthResult
) -> None:
    procedures = set(
        column(database, "SELECT DISTINCT procedure_source_value FROM procedure_occurrence")
    )
    assert {
        "procedure.hsct_allogeneic",
        "procedure.hsct_autologous",
        "procedure.radiotherapy",
        "procedure.major_surgery",
        "procedure.car_t_therapy",
        "procedure.dialysis",
    } <= procedures
    attested = set(
        column(
            database,
            "SELECT DISTINCT observation_source_value FROM observation WHERE observation_source_value LIKE 'attestation.%'",
        )
    )
    assert {
        "attestation.treatment_history_reviewed",
        "attestation.informed_consent",
        "attestation.health_insurance",
    } <= attested
    assert _share(database, "condition_status_concept_id = 32899", "condition_occurrence") > 0.01
    assert population.rows["death"] > 0
