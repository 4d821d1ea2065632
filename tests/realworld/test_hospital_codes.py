"""Issue 12's defects, screened as a hospital sends them: standard codes, routes, statements.

Every bundle here is coded with LOINC, SNOMED CT, ICD-10, ATC, RxNorm, HGNC or
the IPS code systems, never with trialkit's own keys (except attestations, which
docs/fhir-input.md asks for in trialkit's code system).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from trialkit.eligibility import Truth, screen
from trialkit.protocol import builtin_protocol
from trialkit.record import record_from_bundle
from trialkit.testing import BundleBuilder

AT = datetime(2025, 6, 15, 12)
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
HGNC = "http://www.genenames.org/geneId"
IPS = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"
UCUM = "http://unitsofmeasure.org"


def _coding(system: str, code: str, display: str = "") -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def _status(protocol: str, criterion: str, b: BundleBuilder, at: datetime = AT) -> Truth:
    screening = screen(builtin_protocol(protocol), record_from_bundle(b.build()), at)
    return next(r for r in screening.criteria if r.criterion.id == criterion).status


def _outcome(protocol: str, criterion: str, b: BundleBuilder) -> Any:
    screening = screen(builtin_protocol(protocol), record_from_bundle(b.build()), AT)
    return next(r for r in screening.criteria if r.criterion.id == criterion).outcome


def _statement(
    b: BundleBuilder, medication: dict[str, Any], start: str, route: dict[str, Any] | None = None
) -> None:
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "status": "active",
        "medicationCodeableConcept": medication,
        "effectivePeriod": {"start": start},
    }
    if route is not None:
        resource["dosage"] = [{"route": route}]
    b.resource(resource)


def _gene(system: str, code: str) -> dict[str, Any]:
    return {
        "code": _coding(LOINC, "48018-6"),
        "valueCodeableConcept": _coding(system, code),
    }


def _variant(b: BundleBuilder, genes: list[dict[str, Any]], kind: str) -> None:
    b.resource(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": _coding(LOINC, "69548-6"),
            "effectiveDateTime": "2025-05-28",
            "component": [
                *genes,
                {
                    "code": _coding("urn:trialkit:concept", "genomic.alteration_type"),
                    "valueCodeableConcept": _coding("urn:trialkit:alteration-type", kind),
                },
            ],
        }
    )


# -- defect 2: genes by symbol, and EPOR ------------------------------------------------------------
@pytest.mark.parametrize(
    ("genes", "kind"),
    [
        ([_gene("http://www.genenames.org", "JAK2")], "mutation"),
        ([_gene(HGNC, "HGNC:5477"), _gene(HGNC, "HGNC:3416")], "rearrangement"),  # IGH::EPOR
        ([_gene("http://www.genenames.org", "IGH"), _gene(HGNC, "EPOR")], "fusion"),
    ],
    ids=["JAK2-by-symbol", "IGH-EPOR-by-id", "IGH-EPOR-by-symbol"],
)
def test_a_qualifying_alteration_coded_by_hgnc_meets_the_molecular_inclusion(
    genes: list[dict[str, Any]], kind: str
) -> None:
    b = BundleBuilder("gene", "2014-01-01", "male")
    _variant(b, genes, kind)
    assert _status("hem-ismart-c", "I5", b) is Truth.TRUE


# -- defect 3: drugs of the cited classes by ATC and RxNorm ----------------------------------------
@pytest.mark.parametrize(
    "medication",
    [
        _coding(ATC, "J02AC04", "posaconazole"),
        _coding(RXNORM, "282446", "posaconazole"),
        _coding(ATC, "J02AC02", "itraconazole"),
        _coding(ATC, "J01FA09", "clarithromycin"),
        _coding(RXNORM, "85762", "ritonavir"),
    ],
    ids=["posaconazole-ATC", "posaconazole-RxNorm", "itraconazole", "clarithromycin", "ritonavir"],
)
def test_a_strong_cyp3a4_inhibitor_in_use_is_a_prohibited_medication(
    medication: dict[str, Any],
) -> None:
    b = BundleBuilder("azole", "2014-01-01", "male")
    _statement(b, medication, "2025-06-01")
    assert _status("hem-ismart-c", "E18", b) is Truth.TRUE


@pytest.mark.parametrize(
    "medication",
    [_coding(ATC, "N03AA02", "phenobarbital"), _coding(ATC, "N06AX25", "Hyperici herba")],
    ids=["phenobarbital", "st-johns-wort"],
)
def test_a_previous_strong_cyp3a4_inducer_excludes_from_r_hlh(medication: dict[str, Any]) -> None:
    b = BundleBuilder("inducer", "2020-01-01", "male")
    _statement(b, medication, "2025-01-01")
    assert _status("r-hlh", "E1", b) is Truth.TRUE


# -- defect 4: direct bilirubin in umol/L ------------------------------------------------------------
def test_direct_bilirubin_in_umol_per_litre_decides_the_two_times_uln_limit() -> None:
    b = BundleBuilder("bili", "2014-01-01", "male")
    b.resource(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": _coding(LOINC, "14629-0", "Bilirubin.direct [Moles/volume] in Serum or Plasma"),
            "effectiveDateTime": "2025-06-14T08:00:00",
            "valueQuantity": {"value": 30, "system": UCUM, "code": "umol/L"},
            "referenceRange": [{"high": {"value": 5, "system": UCUM, "code": "umol/L"}}],
        }
    )
    # 30 umol/L > 2 x 5 umol/L: the inclusion "direct bilirubin <= 2 x ULN" is not met.
    assert _status("hem-ismart-c", "I6b", b) is Truth.FALSE


# -- defect 5: coded results -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (_coding(SNOMED, "10828004", "Positive"), Truth.TRUE),
        (_coding(SNOMED, "260385009", "Negative"), Truth.FALSE),
        (_coding(LOINC, "LA6576-8", "Positive"), Truth.TRUE),
        (_coding(LOINC, "LA6577-6", "Negative"), Truth.FALSE),
    ],
    ids=["snomed-positive", "snomed-negative", "loinc-positive", "loinc-negative"],
)
def test_a_coded_pregnancy_test_result_is_read(answer: dict[str, Any], expected: Truth) -> None:
    b = BundleBuilder("girl", "2009-01-01", "female")
    b.flag("attestation.childbearing_potential", True, "2025-06-14")
    b.resource(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": _coding(
                LOINC, "2106-3", "Choriogonadotropin (pregnancy test) [Presence] in Urine"
            ),
            "effectiveDateTime": "2025-06-13",
            "valueCodeableConcept": answer,
        }
    )
    assert _status("hem-ismart-c", "E7", b) is expected


def test_an_answer_trialkit_does_not_read_is_reported_not_fatal() -> None:
    b = BundleBuilder("girl", "2009-01-01", "female")
    ident = b.resource(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": _coding(LOINC, "2106-3"),
            "effectiveDateTime": "2025-06-13",
            "valueCodeableConcept": _coding(SNOMED, "42425007", "Equivocal"),
        }
    )
    record = record_from_bundle(b.build())
    assert [u.resource for u in record.unknown_codes] == [ident]


# -- defect 6: routes --------------------------------------------------------------------------------
METHOTREXATE = _coding(ATC, "L01BA01", "methotrexate")


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        (_coding(SNOMED, "72607000", "Intrathecal route"), Truth.FALSE),
        (_coding(SNOMED, "47625008", "Intravenous route"), Truth.TRUE),
        (_coding(SNOMED, "26643006", "Oral route"), Truth.TRUE),  # within 48 h
        (None, Truth.UNKNOWN),
    ],
    ids=["intrathecal", "intravenous", "oral", "no-route"],
)
def test_methotrexate_the_day_before_counts_by_its_route(
    route: dict[str, Any] | None, expected: Truth
) -> None:
    b = BundleBuilder("mtx", "2014-01-01", "male")
    b.flag("attestation.treatment_history_reviewed", True, "2025-06-14")
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "status": "completed",
        "medicationCodeableConcept": METHOTREXATE,
        "effectiveDateTime": "2025-06-14T09:00:00",
    }
    if route is not None:
        resource["dosage"] = {"route": route}
    b.resource(resource)
    assert _status("hem-ismart-c", "E27.1", b) is expected


def test_intravenous_methotrexate_four_days_before_is_cytotoxic_therapy_oral_is_not() -> None:
    for route, expected in (("47625008", Truth.TRUE), ("26643006", Truth.FALSE)):
        b = BundleBuilder("mtx", "2014-01-01", "male")
        b.flag("attestation.treatment_history_reviewed", True, "2025-06-14")
        b.resource(
            {
                "resourceType": "MedicationAdministration",
                "status": "completed",
                "medicationCodeableConcept": METHOTREXATE,
                "effectiveDateTime": "2025-06-11T09:00:00",
                "dosage": {"route": _coding(SNOMED, route)},
            }
        )
        assert _status("hem-ismart-c", "E27.1", b) is expected, route


# -- defect 8: NK function as a number ---------------------------------------------------------------
@pytest.mark.parametrize(("percent", "expected"), [(25.0, Truth.FALSE), (4.0, Truth.TRUE)])
def test_c_hlh_nk_function_is_the_registrys_ten_percent(percent: float, expected: Truth) -> None:
    from trialkit.eligibility import Context, evaluate
    from trialkit.protocol.criteria import Measure

    b = BundleBuilder("nk", "2023-01-01", "male")
    b.flag("finding.nk_activity_low", True, "2025-06-10")  # the laboratory's flag: low
    b.quantity("lab.nk_cell_activity", percent, "%", "2025-06-10")
    rule = builtin_protocol("c-hlh").criteria[1].rule
    leaves = [
        n for n in _walk(rule) if isinstance(n, Measure) and n.measure == "lab.nk_cell_activity"
    ]
    assert len(leaves) == 1
    outcome = evaluate(leaves[0], Context(record_from_bundle(b.build()), AT))
    assert outcome.truth is expected


def _walk(node: Any) -> list[Any]:
    from trialkit.protocol.criteria import children

    return [node, *(n for child in children(node) for n in _walk(child))]


# -- defect 9: childbearing potential ----------------------------------------------------------------
def test_a_prepubertal_girl_is_not_asked_about_contraception() -> None:
    b = BundleBuilder("girl", "2018-01-01", "female")
    b.flag("attestation.childbearing_potential", False, "2025-06-14")
    assert _status("hem-ismart-c", "E8", b) is Truth.FALSE


def test_a_woman_not_of_childbearing_potential_is_not_asked_about_lactation() -> None:
    b = BundleBuilder("woman", "1960-01-01", "female")
    b.flag("attestation.childbearing_potential", False, "2025-06-14")
    assert _status("jak-hs-icu", "E2", b) is Truth.FALSE


# -- defect 12: primary HLH --------------------------------------------------------------------------
def test_familial_hlh_by_icd10_d76_1_is_hlh_not_yet_primary() -> None:
    """ICD-10 D76.1 is any HLH (WHO ICD-10 2019): it is not read as a primary-HLH diagnosis."""
    b = BundleBuilder("fhl", "2024-01-01", "male")
    b.resource(
        {
            "resourceType": "Condition",
            "code": _coding("http://hl7.org/fhir/sid/icd-10", "D76.1"),
            "onsetDateTime": "2025-06-01",
        }
    )
    record = record_from_bundle(b.build())
    assert [c.concept for c in record.conditions] == ["condition.hlh"]


# -- the classes: statements of absence, the open world ----------------------------------------------
ETOPOSIDE_RULE = "E1"  # r-hlh: previous etoposide, ATG, alemtuzumab, JAK inhibitors, inducers ...


def _no_known_medications(b: BundleBuilder, when: str = "2025-06-14") -> None:
    b.resource(
        {
            "resourceType": "MedicationStatement",
            "status": "active",
            "medicationCodeableConcept": _coding(IPS, "no-known-medications"),
            "effectiveDateTime": when,
        }
    )


def test_no_statement_leaves_a_history_exclusion_unknown() -> None:
    b = BundleBuilder("child", "2020-01-01", "male")
    assert _status("r-hlh", ETOPOSIDE_RULE, b) is Truth.UNKNOWN


def test_the_ips_no_known_medications_closes_the_medication_history() -> None:
    b = BundleBuilder("child", "2020-01-01", "male")
    _no_known_medications(b)
    assert _status("r-hlh", ETOPOSIDE_RULE, b) is Truth.FALSE


def test_an_empty_medication_list_with_nil_known_closes_it_too() -> None:
    b = BundleBuilder("child", "2020-01-01", "male")
    b.resource(
        {
            "resourceType": "List",
            "status": "current",
            "mode": "snapshot",
            "code": _coding(LOINC, "10160-0", "History of Medication use Narrative"),
            "date": "2025-06-14",
            "emptyReason": _coding(
                "http://terminology.hl7.org/CodeSystem/list-empty-reason", "nilknown"
            ),
        }
    )
    assert _status("r-hlh", ETOPOSIDE_RULE, b) is Truth.FALSE


def test_a_statement_made_after_the_index_time_closes_nothing_at_it() -> None:
    b = BundleBuilder("child", "2020-01-01", "male")
    _no_known_medications(b, "2025-06-20")
    assert _status("r-hlh", ETOPOSIDE_RULE, b) is Truth.UNKNOWN


def test_an_unrecognised_medication_keeps_a_closed_history_open_and_is_named() -> None:
    b = BundleBuilder("child", "2020-01-01", "male")
    b.flag("attestation.treatment_history_reviewed", True, "2025-06-14")
    _statement(b, _coding(RXNORM, "999999001", "an unlisted product"), "2025-06-01")
    outcome = _outcome("r-hlh", ETOPOSIDE_RULE, b)
    assert outcome.truth is Truth.UNKNOWN
    assert any(m.item.startswith("MedicationStatement/") for m in outcome.missing)


def test_an_unrecognised_medication_outside_the_window_does_not() -> None:
    b = BundleBuilder("azole", "2014-01-01", "male")
    b.flag("attestation.treatment_history_reviewed", True, "2025-06-14")
    b.resource(
        {
            "resourceType": "MedicationStatement",
            "status": "completed",
            "medicationCodeableConcept": _coding(RXNORM, "999999001"),
            "effectivePeriod": {"start": "2024-01-01", "end": "2024-02-01"},
        }
    )
    # E18 asks about current use (the last day): a course that ended in 2024 is not it.
    assert _status("hem-ismart-c", "E18", b) is Truth.FALSE


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (_coding(IPS, "no-known-allergies"), Truth.FALSE),
        (_coding(SNOMED, "716186003", "No known allergy"), Truth.FALSE),
        (_coding(SNOMED, "409137002", "No known drug allergy"), Truth.FALSE),
        (_coding(SNOMED, "429625007", "No known food allergy"), Truth.UNKNOWN),
        (_coding(RXNORM, "1193326", "ruxolitinib"), Truth.TRUE),
    ],
    ids=["ips-none", "snomed-none", "snomed-no-drug", "food-only", "ruxolitinib"],
)
def test_allergy_intolerance_decides_hypersensitivity(
    code: dict[str, Any], expected: Truth
) -> None:
    b = BundleBuilder("adult", "1970-01-01", "male")
    b.resource(
        {
            "resourceType": "AllergyIntolerance",
            "code": code,
            "recordedDate": "2025-06-14",
            "patient": {"reference": "Patient/adult"},
        }
    )
    assert _status("jak-hs-icu", "E4", b) is expected


def test_a_known_problem_list_statement_closes_a_known_diagnosis() -> None:
    b = BundleBuilder("child", "2014-01-01", "male")
    b.resource(
        {
            "resourceType": "Condition",
            "code": _coding(IPS, "no-known-problems"),
            "recordedDate": "2025-06-14",
        }
    )
    from pydantic import TypeAdapter

    from trialkit.eligibility import Context, evaluate
    from trialkit.protocol.criteria import Node

    node = TypeAdapter(Node).validate_python({"condition": "condition.hiv_infection"})
    context = Context(record_from_bundle(b.build()), AT)
    assert evaluate(node, context).truth is Truth.FALSE
    # E14 also asks "any other uncontrolled infection", the investigator's judgement.
    assert _status("hem-ismart-c", "E14", b) is Truth.UNKNOWN


# -- found by the blind cases (tests/independent) ---------------------------------------------------
def test_a_diagnosis_observed_absent_is_read_not_refused() -> None:
    """An Observation coded with a diagnosis and SNOMED CT 'Absent' rules the diagnosis out."""
    b = BundleBuilder("child", "2014-01-01", "male")
    b.resource(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": _coding(SNOMED, "56717001", "Tuberculosis"),
            "effectiveDateTime": "2025-06-10",
            "valueCodeableConcept": _coding(SNOMED, "2667000", "Absent"),
        }
    )
    assert _status("hem-ismart-c", "E26", b) is Truth.FALSE


def test_a_urine_volume_over_24_hours_is_a_daily_output() -> None:
    b = BundleBuilder("adult", "1970-01-01", "male")
    b.resource(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": _coding(LOINC, "9187-6", "Urine output"),
            "effectivePeriod": {"start": "2025-06-14T06:00:00", "end": "2025-06-15T06:00:00"},
            "valueQuantity": {"value": 450, "system": UCUM, "code": "mL"},
        }
    )
    record = record_from_bundle(b.build())
    (found,) = record.observations["vital.urine_output_24h"]
    assert found.value == pytest.approx(450.0)


def test_a_urine_volume_over_six_hours_is_refused_naming_the_field() -> None:
    from trialkit.errors import TrialkitInputError

    b = BundleBuilder("adult", "1970-01-01", "male")
    b.resource(
        {
            "resourceType": "Observation",
            "id": "uo-6h",
            "status": "final",
            "code": _coding(LOINC, "9187-6"),
            "effectivePeriod": {"start": "2025-06-15T00:00:00", "end": "2025-06-15T06:00:00"},
            "valueQuantity": {"value": 200, "system": UCUM, "code": "mL"},
        }
    )
    with pytest.raises(TrialkitInputError, match="Observation/uo-6h: valueQuantity: a volume"):
        record_from_bundle(b.build())


def _list(b: BundleBuilder, code: str, *, entries: bool) -> None:
    resource: dict[str, Any] = {
        "resourceType": "List",
        "status": "current",
        "mode": "working" if entries else "snapshot",
        "code": _coding(LOINC, code),
        "date": "2025-06-14",
    }
    if entries:
        resource["entry"] = [{"item": {"reference": "Condition/hlh"}}]
    else:
        resource["emptyReason"] = _coding(
            "http://terminology.hl7.org/CodeSystem/list-empty-reason", "nilknown"
        )
    b.resource(resource)


@pytest.mark.parametrize(
    ("current", "past", "present", "ever"),
    [
        (True, False, Truth.FALSE, Truth.UNKNOWN),
        (False, True, Truth.UNKNOWN, Truth.UNKNOWN),
        (True, True, Truth.FALSE, Truth.FALSE),
    ],
    ids=["problem-list-only", "past-illness-only", "both"],
)
def test_a_current_problem_list_and_an_empty_past_illness_list_close_diagnoses(
    current: bool, past: bool, present: Truth, ever: Truth
) -> None:
    """A current master problem List closes current problems; past illnesses need their own."""
    from pydantic import TypeAdapter

    from trialkit.eligibility import Context, evaluate
    from trialkit.protocol.criteria import Node

    b = BundleBuilder("child", "2014-01-01", "male")
    b.resource(
        {
            "resourceType": "Condition",
            "id": "hlh",
            "code": _coding("http://hl7.org/fhir/sid/icd-10", "D76.1"),
            "onsetDateTime": "2025-06-01",
        }
    )
    if current:
        _list(b, "11450-4", entries=True)
    if past:
        _list(b, "11348-0", entries=False)
    context = Context(record_from_bundle(b.build()), AT)
    node = TypeAdapter(Node)
    now = node.validate_python({"condition": "condition.tuberculosis"})
    before = node.validate_python({"condition": "condition.tuberculosis", "ever": True})
    assert evaluate(now, context).truth is present
    assert evaluate(before, context).truth is ever


@pytest.mark.parametrize(
    ("born", "expected"),
    [("2019-01-01", Truth.FALSE), ("2013-01-01", Truth.UNKNOWN)],
    ids=["girl-of-6", "girl-of-12"],
)
def test_childbearing_potential_before_the_age_of_puberty(born: str, expected: Truth) -> None:
    """Unassessed: a girl of 6 is before puberty (8, Carel & Léger 2008), a girl of 12 unknown."""
    b = BundleBuilder("girl", born, "female")
    b.flag("attestation.sexually_active", True, "2025-06-14")
    b.flag("attestation.contraception", False, "2025-06-14")
    # HEM-iSMART-C E8: of childbearing potential, sexually active and refusing contraception.
    assert _status("hem-ismart-c", "E8", b) is expected


@pytest.mark.parametrize(
    ("infection", "expected"),
    [(False, Truth.FALSE), (True, Truth.UNKNOWN)],
    ids=["no-infection-at-all", "an-infection-maybe-the-trigger"],
)
def test_no_infection_at_all_rules_out_an_infection_other_than_the_trigger(
    infection: bool, expected: Truth
) -> None:
    """The narrower judgement is absent when the broader finding is recorded absent."""
    b = BundleBuilder("child", "2020-01-01", "male")
    b.resource(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": _coding(SNOMED, "40733004", "Infectious disease"),
            "effectiveDateTime": "2025-06-14",
            "valueCodeableConcept": _coding(
                SNOMED, "52101004" if infection else "2667000", "Present" if infection else "Absent"
            ),
        }
    )
    assert _status("r-hlh", "E6", b) is expected


def test_no_hepatic_failure_rules_out_grade_4_hepatic_failure() -> None:
    b = BundleBuilder("child", "2020-01-01", "male")
    b.resource(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": _coding(SNOMED, "59927004", "Hepatic failure"),
            "effectiveDateTime": "2025-06-14",
            "valueCodeableConcept": _coding(SNOMED, "2667000", "Absent"),
        }
    )
    assert _status("r-hlh", "E8", b) is Truth.FALSE


@pytest.mark.parametrize(
    ("coding", "expected"),
    [
        (
            _coding("http://hl7.org/fhir/sid/icd-10", "J01.0", "Acute maxillary sinusitis"),
            Truth.FALSE,
        ),
        (_coding(SNOMED, "15805002", "Acute maxillary sinusitis"), Truth.UNKNOWN),
    ],
    ids=["icd10-cannot-be-tuberculosis", "snomed-might-be-a-narrower-code"],
)
def test_an_unrecognised_icd10_diagnosis_cannot_be_a_concept_listed_by_icd10(
    coding: dict[str, Any], expected: Truth
) -> None:
    """Tuberculosis is listed by its ICD-10 categories: an unknown ICD-10 code is not it."""
    b = BundleBuilder("child", "2014-01-01", "male")
    b.flag("attestation.problem_list_reviewed", True, "2025-06-14")
    b.resource({"resourceType": "Condition", "code": coding, "onsetDateTime": "2025-06-01"})
    assert _status("hem-ismart-c", "E26", b) is expected
