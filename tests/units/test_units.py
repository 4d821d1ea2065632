"""Units: UCUM parsing, allow-lists, molar conversions, plausibility, §9.3 comparisons."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import QUANTITY_CONCEPTS, quantity_of
from trialkit.errors import PlausibilityError, UnitError
from trialkit.units import Quantity, comparable, conversion, convert, parse_unit, to_canonical
from trialkit.vocab import concept


@pytest.mark.parametrize(
    ("unit", "to", "factor"),
    [
        ("10*9/L", "10*3/uL", 1.0),
        ("/uL", "10*9/L", 1e-3),
        ("/mm3", "10*9/L", 1e-3),
        ("g/dL", "g/L", 10.0),
        ("mg/dL", "g/L", 0.01),
        ("ug/L", "ng/mL", 1.0),
        ("kPa", "mm[Hg]", 7.50062),
    ],
)
def test_pure_conversions(unit: str, to: str, factor: float) -> None:
    scale, offset = conversion(unit, to)
    assert scale == pytest.approx(factor, rel=1e-5)
    assert offset == 0


def test_temperature_is_affine() -> None:
    assert to_canonical(concept("vital.temperature"), 101.0, "[degF]") == pytest.approx(
        38.3333333, rel=1e-9
    )
    assert to_canonical(concept("vital.temperature"), 38.5, "Cel") == 38.5


@pytest.mark.parametrize(
    ("key", "value", "unit", "expected", "canonical"),
    [
        # docs/clinical-decisions.md §7.1, cited factors
        ("lab.triglycerides", 265.0, "mg/dL", 2.992, "mmol/L"),
        ("lab.creatinine", 1.2, "mg/dL", 106.1, "umol/L"),
        ("lab.bilirubin_total", 1.2, "mg/dL", 20.5, "umol/L"),
        ("lab.haemoglobin", 9.2, "g/dL", 92.0, "g/L"),
    ],
)
def test_substance_conversions(
    key: str, value: float, unit: str, expected: float, canonical: str
) -> None:
    item = concept(key)
    assert item.unit == canonical
    assert to_canonical(item, value, unit) == pytest.approx(expected, abs=0.05)


@pytest.mark.parametrize(
    ("key", "unit"),
    [("lab.ferritin", "mmol/L"), ("lab.platelets", "g/L"), ("vital.temperature", "kg")],
)
def test_unit_that_cannot_mean_the_concept_is_refused(key: str, unit: str) -> None:
    with pytest.raises(UnitError, match=f"unit '{unit[:3]}"):
        to_canonical(concept(key), 1.0, unit, "Observation/x: valueQuantity")


def test_refusal_names_the_place() -> None:
    with pytest.raises(
        UnitError, match=r"^Observation/x: valueQuantity: unit 'mmol/L' cannot express Ferritin"
    ):
        to_canonical(concept("lab.ferritin"), 1.0, "mmol/L", "Observation/x: valueQuantity")


@pytest.mark.parametrize(
    ("unit"), ["mL/min/1.73.m2x", "mL/min/{1.73_m2}", "", "furlong per fortnight"]
)
def test_invalid_ucum_is_refused(unit: str) -> None:
    with pytest.raises(UnitError):
        parse_unit(unit)


@pytest.mark.parametrize(
    ("key", "value", "unit"),
    [
        ("lab.platelets", -1.0, "10*9/L"),
        ("vital.temperature", 60.0, "Cel"),
        ("vital.temperature", 140.0, "[degF]"),
    ],
)
def test_implausible_values_are_refused(key: str, value: float, unit: str) -> None:
    with pytest.raises(PlausibilityError, match="implausible"):
        to_canonical(concept(key), value, unit)


def test_threshold_is_compared_in_the_reported_unit() -> None:
    # HLH-2004: TG >= 3.0 mmol/L, printed as >= 265 mg/dL (docs/clinical-decisions.md §1 trap).
    limits = {"mmol/L": 3.0, "mg/dL": 265.0}
    value, limit, unit = comparable(Quantity(265.0, "mg/dL", "lab.triglycerides"), limits)
    assert (value, limit, unit) == (265.0, 265.0, "mg/dL")
    value, limit, unit = comparable(Quantity(2.992, "mmol/L", "lab.triglycerides"), limits)
    assert value < limit and unit == "mmol/L"
    # g/L is commensurable with mg/dL: compared there without any molar mass.
    value, limit, unit = comparable(Quantity(2.65, "g/L", "lab.triglycerides"), limits)
    assert unit == "mg/dL" and value == pytest.approx(265.0)
    # only a molar limit given: the mass value is converted with the cited molar mass.
    value, limit, unit = comparable(Quantity(265.0, "mg/dL", "lab.triglycerides"), {"mmol/L": 3.0})
    assert unit == "mmol/L" and value == pytest.approx(2.992, abs=1e-3)


@given(st.sampled_from(QUANTITY_CONCEPTS).flatmap(quantity_of))
def test_round_trip_through_any_allowed_unit(quantity: Quantity) -> None:
    key, value, unit = quantity.concept, quantity.value, quantity.unit
    item = concept(key)
    assert item.unit is not None
    canonical = Quantity(value, unit, key).to(item.unit)
    back = Quantity(canonical, item.unit, key).to(unit)
    assert math.isclose(back, value, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize(
    ("fahrenheit", "celsius"), [(100.4, 38.0), (101.0, 38.3333333333), (212.0, 100.0), (98.6, 37.0)]
)
def test_fahrenheit_boundaries_are_exact(fahrenheit: float, celsius: float) -> None:
    assert Quantity(fahrenheit, "[degF]", "vital.temperature").to("Cel") == celsius


def test_annotation_alone_is_unity_for_scores() -> None:
    # FHIR examples send GCS as {score}; UCUM reads an annotation alone as 1.
    assert to_canonical(concept("assessment.gcs_total"), 13, "{score}") == 13


@pytest.mark.parametrize(
    ("value", "unit", "target", "expected"),
    [
        (1500, "mL/(24.h)", "mL/d", 1500),  # a UCUM code with a number: 24 h is a day
        (1500, "mL/d", "mL/(24.h)", 1500),
        (62.5, "mL/h", "mL/(24.h)", 1500),
    ],
)
def test_a_number_inside_a_ucum_code_counts(
    value: float, unit: str, target: str, expected: float
) -> None:
    # Found by the synthetic population: mL/(24.h) was read as mL/h (24 times too high).
    assert convert(value, unit, target, "vital.urine_output_24h") == pytest.approx(expected)
