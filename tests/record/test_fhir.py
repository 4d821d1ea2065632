"""FHIR Bundle → PatientRecord: what is read, the queries, and every kind of bad input."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from trialkit.errors import BundleError, PlausibilityError, UnitError
from trialkit.record import (
    AlterationType,
    normalise_protein_change,
    parse_bundle,
    record_from_bundle,
)
from trialkit.testing import BundleBuilder

AT = datetime(2024, 3, 10, 12, 0)


def sample() -> dict[str, Any]:
    b = BundleBuilder(birth_date="2020-02-29", gender="male")
    b.quantity("lab.ferritin", 800, "ug/L", "2024-03-01")
    b.quantity("lab.ferritin", 12500, "ng/mL", "2024-03-09T08:00:00+01:00", reference=(30, 400))
    b.quantity("lab.triglycerides", 310, "mg/dL", "2024-03-09")
    b.quantity("lab.platelets", 45000, "/uL", "2024-03-09")
    b.flag("finding.splenomegaly", True, "2024-03-08")
    b.condition("condition.tuberculosis", "2019-01-01", abatement="2019-09-01")
    b.medication("drug.dexamethasone", "2024-03-02", "2024-03-05")
    b.medication("drug.rifampicin", "2023-01-01", "2023-02-01")
    b.procedure("procedure.hsct_allogeneic", "2023-06-01")
    b.variant(("gene.jak2",), "mutation", "2024-02-01", protein_change="p.Tyr931Cys")
    return b.build()


def test_values_are_read_with_original_and_canonical_units() -> None:
    record = record_from_bundle(sample())
    latest = record.latest("lab.ferritin", AT)
    assert latest is not None
    assert latest.value == 12500.0
    assert latest.quantity is not None and latest.quantity.unit == "ng/mL"
    assert latest.time == datetime(2024, 3, 9, 8, 0)  # offset dropped, wall clock kept
    assert latest.reference_high == 400.0
    tg = record.latest("lab.triglycerides", AT)
    assert tg is not None and tg.value == pytest.approx(310 / 88.57, rel=1e-3)
    platelets = record.latest("lab.platelets", AT)
    assert platelets is not None and platelets.value == pytest.approx(45.0)


def test_latest_respects_the_index_time_and_window() -> None:
    record = record_from_bundle(sample())
    assert record.latest("lab.ferritin", datetime(2024, 3, 5)).value == 800.0  # type: ignore[union-attr]
    assert record.latest("lab.ferritin", datetime(2024, 3, 5), within=timedelta(days=2)) is None
    assert record.latest("lab.ferritin", datetime(2024, 2, 1)) is None
    assert len(record.values("lab.ferritin")) == 2
    assert len(record.window("lab.ferritin", AT, timedelta(days=9, hours=12))) == 2
    assert len(record.window("lab.ferritin", AT, timedelta(days=9))) == 1
    assert len(record.window("lab.ferritin", AT, timedelta(days=2))) == 1


def test_conditions_drugs_procedures_and_genomics() -> None:
    record = record_from_bundle(sample())
    assert record.conditions_at(datetime(2019, 5, 1), "condition.tuberculosis")
    assert not record.conditions_at(AT, "condition.tuberculosis")
    assert record.exposures_to("drug.dexamethasone", datetime(2024, 3, 4), AT)
    assert not record.exposures_to("drug.dexamethasone", datetime(2024, 3, 6), AT)
    last = record.last_exposure("drug.rifampicin", AT)
    assert last is not None and last.end == datetime(2023, 2, 1)
    assert record.procedures_of("procedure.hsct_allogeneic", datetime(2023, 1, 1), AT)
    (finding,) = record.alterations("gene.jak2", AlterationType.MUTATION, "Y931C")
    assert finding.resource.startswith("Observation/")


def test_age_in_years_and_days_with_a_leap_day_birthday() -> None:
    record = record_from_bundle(sample())
    assert record.age_years(date(2024, 2, 28)) == 3
    assert record.age_years(date(2024, 2, 29)) == 4
    assert record.age_years(date(2023, 2, 28)) == 2
    assert record.age_years(date(2023, 3, 1)) == 3
    assert record.age_days(date(2020, 3, 10)) == 10


@pytest.mark.parametrize(
    ("text", "protein"),
    [
        ("p.Tyr931Cys", "Y931C"),
        ("p.(Tyr931Cys)", "Y931C"),
        ("Y931C", "Y931C"),
        ("p.F232C", "F232C"),
        ("p.Gly101Val", "G101V"),
    ],
)
def test_protein_changes_are_normalised(text: str, protein: str) -> None:
    assert normalise_protein_change(text) == protein


def test_unknown_codes_are_reported_not_fatal() -> None:
    bundle = sample()
    bundle["entry"].append(
        {
            "resource": {
                "resourceType": "Observation",
                "id": "mystery",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "99999-9"}]},
                "effectiveDateTime": "2024-03-01",
                "valueQuantity": {"value": 1, "code": "g/L"},
            }
        }
    )
    record = record_from_bundle(bundle)
    (unknown,) = record.unknown_codes
    assert unknown.resource == "Observation/mystery"
    assert unknown.codings == ("http://loinc.org|99999-9",)


def _with(resource: dict[str, Any]) -> dict[str, Any]:
    bundle = sample()
    bundle["entry"].append({"resource": resource})
    return bundle


def _ferritin(**changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": "bad",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2276-4"}]},
        "effectiveDateTime": "2024-03-01",
        "valueQuantity": {"value": 900, "system": "http://unitsofmeasure.org", "code": "ug/L"},
    }
    resource.update(changes)
    return {k: v for k, v in resource.items() if v is not None}


@pytest.mark.parametrize(
    ("bundle", "error", "message"),
    [
        ('{"resourceType": "Bundle", "entry": [', BundleError, r"^bundle: not valid JSON"),
        (
            '{"resourceType": "Patient"}',
            BundleError,
            r"resourceType is 'Patient', expected 'Bundle'",
        ),
        ('{"resourceType": "Bundle"}', BundleError, r"Bundle.entry must be a list"),
        ('{"resourceType": "Bundle", "entry": []}', BundleError, r"the bundle has no Patient"),
        (
            _with(_ferritin(effectiveDateTime=None)),
            BundleError,
            r"^Observation/bad: no date: give effectiveDateTime or effectivePeriod.start",
        ),
        (
            _with(_ferritin(effectiveDateTime="2024-03")),
            BundleError,
            r"^Observation/bad: effectiveDateTime: '2024-03' is not a full FHIR date",
        ),
        (
            _with(_ferritin(valueQuantity={"value": 900, "code": "mmol/L"})),
            UnitError,
            r"^Observation/bad: valueQuantity: unit 'mmol/L' cannot express Ferritin",
        ),
        (
            _with(_ferritin(valueQuantity={"value": -5, "code": "ug/L"})),
            PlausibilityError,
            r"^Observation/bad: valueQuantity: Ferritin of -5 ug/L is implausible",
        ),
        (
            _with(_ferritin(valueQuantity={"value": "high", "code": "ug/L"})),
            BundleError,
            r"^Observation/bad: valueQuantity.value must be a number",
        ),
        (
            _with(
                _ferritin(
                    valueQuantity={"value": 9, "system": "http://example.org", "code": "ug/L"}
                )
            ),
            BundleError,
            r"valueQuantity.system must be http://unitsofmeasure.org",
        ),
        (_with(_ferritin(status=None)), BundleError, r"^Observation/bad: status is required"),
        (
            _with({"resourceType": "Patient", "id": "second"}),
            BundleError,
            r"^Patient/second: a bundle describes one patient",
        ),
    ],
)
def test_bad_input_names_the_resource_and_field(
    bundle: str | dict[str, Any], error: type[Exception], message: str
) -> None:
    text = bundle if isinstance(bundle, str) else json.dumps(bundle)
    with pytest.raises(error, match=message):
        parse_bundle(text)


def test_mass_loinc_code_with_a_molar_unit_is_a_dimension_error() -> None:
    # LOINC 2571-8 is triglyceride mass concentration; mmol/L is a substance concentration.
    resource = _ferritin(
        code={"coding": [{"system": "http://loinc.org", "code": "2571-8"}]},
        valueQuantity={"value": 3.1, "code": "mmol/L"},
    )
    with pytest.raises(BundleError, match=r"wrong dimension for LOINC 2571-8"):
        record_from_bundle(_with(resource))
