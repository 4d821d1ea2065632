"""Review of the FHIR reader against FHIR R4 and docs/fhir-input.md: shapes that were misread.

Each test here failed before its fix: a FHIR shape read wrongly (a censored value
taken as exact, a tapering prescription cut short, an abated condition counted
as present, an absent variant counted as found) or a malformed shape that
escaped as a Python traceback instead of a :class:`TrialkitInputError` naming
the resource and the field.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import pytest

from trialkit.errors import TrialkitInputError
from trialkit.record import record_from_bundle
from trialkit.testing import BundleBuilder

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
ATC = "http://www.whocc.no/atc"
TB = {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "A15"}]}
DEXA = {"coding": [{"system": ATC, "code": "H02AB02"}]}


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    bundle = BundleBuilder(birth_date="2015-01-01").build()
    bundle["entry"].extend({"resource": r} for r in resources)
    return bundle


def _ferritin(**changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": "fer",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "2276-4"}]},
        "effectiveDateTime": "2024-03-01",
        "valueQuantity": {"value": 900, "system": UCUM, "code": "ug/L"},
    }
    resource.update(changes)
    return {k: v for k, v in resource.items() if v is not None}


def _bp(*components: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": "bp",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "85354-9"}]},
        "effectiveDateTime": "2024-03-01",
        "component": list(components),
    }


def _systolic(**changes: Any) -> dict[str, Any]:
    component: dict[str, Any] = {
        "code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
        "valueQuantity": {"value": 104, "system": UCUM, "code": "mm[Hg]"},
    }
    component.update(changes)
    return component


def _statement(**changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": "dexa",
        "status": "active",
        "medicationCodeableConcept": DEXA,
        "effectivePeriod": {"start": "2024-03-01"},
    }
    resource.update(changes)
    return {k: v for k, v in resource.items() if v is not None}


def _administration(**changes: Any) -> dict[str, Any]:
    return _statement(resourceType="MedicationAdministration", status="completed", **changes)


def _request(**changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": "req",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": DEXA,
        "authoredOn": "2024-03-01",
    }
    resource.update(changes)
    return resource


def _condition(**changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": "tb",
        "code": TB,
        "onsetDateTime": "2019-01-01",
    }
    resource.update(changes)
    return {k: v for k, v in resource.items() if v is not None}


def _variant(value: Any = None) -> dict[str, Any]:
    bundle = BundleBuilder()
    bundle.variant(("gene.jak2",), "mutation", "2024-02-01", protein_change="p.Val617Phe")
    variant = copy.deepcopy(bundle.entries[-1])
    variant["id"] = "var"
    if value is not None:
        variant["valueCodeableConcept"] = value
    return variant


# -- Quantity.comparator --------------------------------------------------------------------------
@pytest.mark.parametrize("comparator", ["<", "<=", ">=", ">"])
def test_a_censored_value_is_refused_not_read_as_exact(comparator: str) -> None:
    # "<20 ug/L" read as 20 ug/L could pass or fail a threshold wrongly.
    quantity = {"value": 20, "comparator": comparator, "system": UCUM, "code": "ug/L"}
    with pytest.raises(
        TrialkitInputError, match=r"^Observation/fer: valueQuantity.comparator: "
    ) as raised:
        record_from_bundle(_bundle(_ferritin(valueQuantity=quantity)))
    assert repr(comparator) in str(raised.value)


def test_a_censored_component_value_is_refused() -> None:
    quantity = {"value": 200, "comparator": ">", "system": UCUM, "code": "mm[Hg]"}
    with pytest.raises(
        TrialkitInputError,
        match=r"^Observation/bp#component\[0\]: valueQuantity.comparator: ",
    ):
        record_from_bundle(_bundle(_bp(_systolic(valueQuantity=quantity))))


def test_a_censored_reference_limit_is_refused() -> None:
    ranges = [{"high": {"value": 400, "comparator": "<", "system": UCUM, "code": "ug/L"}}]
    with pytest.raises(
        TrialkitInputError, match=r"^Observation/fer: referenceRange\[0\].high.comparator: "
    ):
        record_from_bundle(_bundle(_ferritin(referenceRange=ranges)))


# -- malformed shapes: an input error naming resource and field, never a traceback ----------------
MALFORMED: list[tuple[str, dict[str, Any], str]] = [
    ("resourceType a list", {"resourceType": ["Observation"], "id": "x"}, r"Bundle.entry\[1\]"),
    ("component an object", {**_bp(), "component": {"code": {}}}, r"^Observation/bp: component: "),
    ("component entry null", _bp(None), r"^Observation/bp: component\[0\]"),
    ("component entry a string", _bp("x"), r"^Observation/bp: component\[0\]"),
    ("component without code", _bp({"valueQuantity": {}}), r"^Observation/bp#component\[0\]: code"),
    ("interpretation an object", _ferritin(interpretation={"coding": []}), r"interpretation"),
    ("interpretation of strings", _ferritin(interpretation=["H"]), r"interpretation\[0\]"),
    (
        "interpretation coding a number",
        _ferritin(interpretation=[{"coding": 7}]),
        r"interpretation",
    ),
    ("referenceRange an object", _ferritin(referenceRange={"low": {}}), r"referenceRange"),
    ("referenceRange entry null", _ferritin(referenceRange=[None]), r"referenceRange\[0\]"),
    ("referenceRange low a list", _ferritin(referenceRange=[{"low": [1]}]), r"referenceRange"),
    ("code.coding a number", _ferritin(code={"coding": 7}), r"^Observation/fer: code.coding"),
    ("statement dosage an object", _statement(dosage={"text": "5 mg"}), r"dosage"),
    ("statement dosage of strings", _statement(dosage=["5 mg"]), r"dosage\[0\]"),
    (
        "doseAndRate an object",
        _statement(dosage=[{"doseAndRate": {"doseQuantity": {}}}]),
        r"dosage\[0\].doseAndRate",
    ),
    (
        "doseAndRate entry null",
        _statement(dosage=[{"doseAndRate": [None]}]),
        r"dosage\[0\].doseAndRate\[0\]",
    ),
    ("administration dosage a list", _administration(dosage=[{"dose": {}}]), r"dosage"),
    (
        "dosageInstruction an object",
        _request(dosageInstruction={"text": "x"}),
        r"dosageInstruction",
    ),
    ("dosageInstruction of strings", _request(dosageInstruction=["x"]), r"dosageInstruction\[0\]"),
    (
        "timing a list",
        _request(dosageInstruction=[{"timing": ["x"]}]),
        r"dosageInstruction\[0\].timing",
    ),
    (
        "medicationReference a string",
        _statement(medicationCodeableConcept=None, medicationReference="Medication/m"),
        r"medicationReference",
    ),
    (
        "verificationStatus coding a string",
        _condition(verificationStatus={"coding": "confirmed"}),
        r"^Condition/tb: verificationStatus",
    ),
    (
        "clinicalStatus coding a number",
        _condition(clinicalStatus={"coding": 7}),
        r"^Condition/tb: clinicalStatus",
    ),
    (
        "onsetPeriod a string",
        _condition(onsetPeriod="2019-01-01", onsetDateTime=None),
        "onsetPeriod",
    ),
    (
        "effectivePeriod a list",
        _ferritin(effectiveDateTime=None, effectivePeriod=["x"]),
        "effective",
    ),
]


@pytest.mark.parametrize(
    ("resource", "message"),
    [pytest.param(r, m, id=name) for name, r, m in MALFORMED],
)
def test_malformed_shapes_are_input_errors(resource: dict[str, Any], message: str) -> None:
    with pytest.raises(TrialkitInputError, match=message):
        record_from_bundle(_bundle(resource))


def test_malformed_variant_components_are_input_errors() -> None:
    for broken in (None, "x", {"code": {"coding": [{"system": LOINC, "code": ["48018-6"]}]}}):
        variant = _variant()
        variant["component"][0] = broken
        with pytest.raises(TrialkitInputError, match=r"^Observation/var: "):
            record_from_bundle(_bundle(variant))
    variant = _variant()
    variant["component"][0]["valueCodeableConcept"] = {"coding": ["HGNC:6192"]}
    with pytest.raises(TrialkitInputError, match=r"^Observation/var: component\[0\]"):
        record_from_bundle(_bundle(variant))


def test_null_reads_as_absent() -> None:
    # null is not valid FHIR JSON; where the profile tolerates absence, it reads as absent.
    condition = _condition(verificationStatus={"coding": None}, clinicalStatus=None)
    ferritin = _ferritin(interpretation=[{"coding": None}], referenceRange=None)
    record = record_from_bundle(_bundle(condition, ferritin))
    assert record.conditions[0].verification == "confirmed"
    assert record.values("lab.ferritin")[0].interpretation == ()


def test_a_medication_full_url_that_is_not_a_string_is_an_input_error() -> None:
    bundle = _bundle()
    medication = {"resourceType": "Medication", "id": "m", "code": DEXA}
    bundle["entry"].append({"fullUrl": ["urn:uuid:m"], "resource": medication})
    with pytest.raises(TrialkitInputError, match=r"fullUrl"):
        record_from_bundle(bundle)


def test_a_medication_without_id_is_not_reachable_as_medication_none() -> None:
    medication = {"resourceType": "Medication", "code": DEXA}
    statement = _statement(
        medicationCodeableConcept=None, medicationReference={"reference": "Medication/None"}
    )
    with pytest.raises(
        TrialkitInputError, match=r"^MedicationStatement/dexa: .*medicationReference"
    ):
        record_from_bundle(_bundle(medication, statement))


def test_a_drug_unit_that_is_not_ucum_names_the_field() -> None:
    dosage = [{"doseAndRate": [{"doseQuantity": {"value": 5, "system": UCUM, "code": "tab s"}}]}]
    with pytest.raises(
        TrialkitInputError,
        match=r"^MedicationStatement/dexa: dosage\[0\].doseAndRate\[0\].doseQuantity: unit 'tab s'",
    ):
        record_from_bundle(_bundle(_statement(dosage=dosage)))


def test_a_value_of_the_wrong_type_is_named_not_called_missing() -> None:
    with pytest.raises(
        TrialkitInputError, match=r"^Observation/fer: valueInteger: .*valueQuantity"
    ):
        record_from_bundle(_bundle(_ferritin(valueQuantity=None, valueInteger=900)))


# -- MedicationRequest with several dosage instructions -------------------------------------------
def test_a_tapering_request_spans_all_its_dosage_instructions() -> None:
    def step(start: str, end: str, mg: float) -> dict[str, Any]:
        return {
            "sequence": 1,
            "timing": {"repeat": {"boundsPeriod": {"start": start, "end": end}}},
            "doseAndRate": [{"doseQuantity": {"value": mg, "system": UCUM, "code": "mg"}}],
        }

    request = _request(
        dosageInstruction=[
            step("2024-03-01", "2024-03-05", 10),
            step("2024-03-06", "2024-03-15", 5),
        ]
    )
    record = record_from_bundle(_bundle(request))
    (exposure,) = record.exposures
    assert (exposure.start, exposure.end) == (datetime(2024, 3, 1), datetime(2024, 3, 15))
    assert exposure.dose is not None and exposure.dose.value == 10  # the first instruction's dose
    assert record.exposures_to("drug.dexamethasone", datetime(2024, 3, 10), datetime(2024, 3, 12))


def test_a_request_with_an_open_ended_instruction_is_ongoing() -> None:
    request = _request(
        dosageInstruction=[
            {"timing": {"repeat": {"boundsPeriod": {"start": "2024-03-01", "end": "2024-03-05"}}}},
            {"timing": {"repeat": {"boundsPeriod": {"start": "2024-03-06"}}}},
        ]
    )
    (exposure,) = record_from_bundle(_bundle(request)).exposures
    assert (exposure.start, exposure.end) == (datetime(2024, 3, 1), None)


def test_a_request_bounds_period_ending_before_it_starts_is_refused() -> None:
    bounds = {"start": "2024-03-05", "end": "2024-03-01"}
    request = _request(dosageInstruction=[{"timing": {"repeat": {"boundsPeriod": bounds}}}])
    with pytest.raises(
        TrialkitInputError,
        match=r"^MedicationRequest/req: dosageInstruction\[0\].timing.repeat.boundsPeriod.end",
    ):
        record_from_bundle(_bundle(request))


# -- Condition.onset[x] / abatement[x] ------------------------------------------------------------
LATER = datetime(2024, 1, 1)


@pytest.mark.parametrize(
    "abatement",
    [
        {"abatementString": "in childhood"},
        {"abatementAge": {"value": 5, "system": UCUM, "code": "a"}},
        {"abatementRange": {"low": {"value": 5, "system": UCUM, "code": "a"}}},
        {"abatementBoolean": True},  # STU3's shape, still sent by some systems
    ],
)
def test_an_abatement_without_a_date_still_means_abated(abatement: dict[str, Any]) -> None:
    record = record_from_bundle(_bundle(_condition(**abatement)))
    assert not record.conditions_at(LATER, "condition.tuberculosis")


def test_abatement_boolean_false_is_not_abated() -> None:
    record = record_from_bundle(_bundle(_condition(abatementBoolean=False)))
    assert record.conditions_at(LATER, "condition.tuberculosis")


def test_an_abatement_period_with_only_an_end_abates_at_the_end() -> None:
    record = record_from_bundle(_bundle(_condition(abatementPeriod={"end": "2019-09-01"})))
    (condition,) = record.conditions
    assert condition.abatement == datetime(2019, 9, 1)
    assert record.conditions_at(datetime(2019, 5, 1), "condition.tuberculosis")
    assert not record.conditions_at(LATER, "condition.tuberculosis")


def test_an_onset_period_with_only_an_end_is_used_before_the_recorded_date() -> None:
    condition = _condition(
        onsetDateTime=None, onsetPeriod={"end": "2019-02-01"}, recordedDate="2023-06-01"
    )
    (read,) = record_from_bundle(_bundle(condition)).conditions
    assert read.onset == datetime(2019, 2, 1)


# -- genomic variants -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "found"),
    [("LA9633-4", True), ("LA9634-2", False), ("LA18198-4", False), ("LA11884-6", False)],
)
def test_a_variant_reported_absent_is_not_a_finding(code: str, found: bool) -> None:
    # Genomics Reporting IG: the variant's value is LOINC LL1971-2 (Present, Absent,
    # No call, Indeterminate); only a present variant is an alteration.
    variant = _variant({"coding": [{"system": LOINC, "code": code}]})
    record = record_from_bundle(_bundle(variant))
    assert bool(record.alterations("gene.jak2")) is found


# -- statuses -------------------------------------------------------------------------------------
def test_a_registered_observation_without_a_result_is_skipped() -> None:
    # FHIR: "registered" means the observation exists but no result is available yet.
    record = record_from_bundle(_bundle(_ferritin(status="registered", valueQuantity=None)))
    assert record.values("lab.ferritin") == ()


def test_an_in_progress_procedure_without_end_lasts_to_the_window_end() -> None:
    procedure = {
        "resourceType": "Procedure",
        "id": "vent",
        "status": "in-progress",
        "code": {
            "coding": [
                {"system": "urn:trialkit:concept", "code": "procedure.mechanical_ventilation"}
            ]
        },
        "performedPeriod": {"start": "2024-03-01T22:00:00"},
    }
    record = record_from_bundle(_bundle(procedure))
    assert record.procedures_of(
        "procedure.mechanical_ventilation", datetime(2024, 3, 5), datetime(2024, 3, 6)
    )
