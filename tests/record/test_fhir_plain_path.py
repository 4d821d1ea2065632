"""The one-pass reading of plain results gives what the checked reading gives.

``_Reader._plain_quantity`` reads the common Observation (a coded quantity with
a date and maybe a reference range) without the field-by-field checks; for
anything else it must hand over to ``_Reader._observation`` having changed
nothing. Each case is loaded twice, with the one-pass reading and with it
switched off: the records, or the errors, must be the same.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from trialkit.errors import TrialkitInputError
from trialkit.record import PatientRecord, fhir, record_from_bundle
from trialkit.testing import BundleBuilder

Resource = dict[str, Any]


def _bundle() -> dict[str, Any]:
    b = BundleBuilder(birth_date="1970-05-01", gender="female")
    b.quantity("lab.ferritin", 4300, "ug/L", "2024-03-09T06:00:00", reference=(20, 300))
    b.quantity("lab.triglycerides", 310, "mg/dL", "2024-03-09", reference=(None, 150))
    b.quantity("lab.platelets", 45, "10*9/L", "2024-03-08T06:00:00+01:00")
    b.quantity("vital.temperature", 101.2, "[degF]", "2024-03-09T07:30:00")
    b.quantity("vital.fio2", 0.4, "1", "2024-03-09T07:30:00")
    return b.build()


def _first_observation(bundle: dict[str, Any]) -> Resource:
    resource: Resource = bundle["entry"][1]["resource"]
    assert resource["resourceType"] == "Observation"
    return resource


def _set(path: str, value: Any) -> Callable[[Resource], None]:
    def change(resource: Resource) -> None:
        *heads, last = path.split(".")
        holder: Any = resource
        for head in heads:
            holder = holder[int(head)] if head.isdigit() else holder[head]
        if value is _DELETE:
            del holder[last]
        else:
            holder[last] = value

    return change


_DELETE = object()

CHANGES: dict[str, Callable[[Resource], None]] = {
    "unchanged": lambda resource: None,
    "preliminary": _set("status", "preliminary"),
    "registered": _set("status", "registered"),
    "entered in error": _set("status", "entered-in-error"),
    "empty status": _set("status", ""),
    "status a number": _set("status", 3),
    "unit only, no code": _set("valueQuantity.code", _DELETE),
    "no UCUM system": _set("valueQuantity.system", _DELETE),
    "another unit system": _set("valueQuantity.system", "http://example.org/units"),
    "allowed other unit": _set("valueQuantity.code", "ng/mL"),
    "unit not allowed": _set("valueQuantity.code", "mmol/L"),
    "not UCUM": _set("valueQuantity.code", "micrograms per litre"),
    "comparator": _set("valueQuantity.comparator", "<"),
    "boolean value": _set("valueQuantity.value", True),
    "string value": _set("valueQuantity.value", "4300"),
    "float value": _set("valueQuantity.value", 4300.5),
    "implausible": _set("valueQuantity.value", 1e9),
    "zero": _set("valueQuantity.value", 0),
    "effective instant": lambda r: r.update(effectiveInstant=r.pop("effectiveDateTime")),
    "effective period": lambda r: r.update(effectivePeriod={"start": r.pop("effectiveDateTime")}),
    "date only": _set("effectiveDateTime", "2024-03-09"),
    "bad date": _set("effectiveDateTime", "09/03/2024"),
    "no date": _set("effectiveDateTime", _DELETE),
    "interpretation": _set("interpretation", [{"coding": [{"code": "H"}]}]),
    "interpretation null": _set("interpretation", None),
    "empty components": _set("component", []),
    "unknown first coding": lambda r: r["code"]["coding"].insert(
        0, {"system": "http://loinc.org", "code": "0000-0"}
    ),
    "coding without system": _set("code.coding.0.system", _DELETE),
    "mass code with a molar unit": lambda r: r.update(
        code={"coding": [{"system": "http://loinc.org", "code": "2571-8"}]},
        valueQuantity={"value": 3.5, "system": "http://unitsofmeasure.org", "code": "mmol/L"},
    ),
    "unknown code": _set("code.coding", [{"system": "http://loinc.org", "code": "0000-0"}]),
    "no range": _set("referenceRange", _DELETE),
    "empty ranges": _set("referenceRange", []),
    "two ranges": lambda r: r["referenceRange"].append({"low": {"value": 1, "code": "ug/L"}}),
    "range not an object": _set("referenceRange", ["20-300"]),
    "range low only": _set("referenceRange.0.high", _DELETE),
    "range in another unit": _set("referenceRange.0.low.code", "ng/mL"),
    "range bound zero": _set("referenceRange.0.low.value", 0),
    "range bound a boolean": _set("referenceRange.0.low.value", True),
    "range unit not allowed": _set("referenceRange.0.high.code", "g/L"),
    "range implausible": _set("referenceRange.0.high.value", 1e12),
    "range comparator": _set("referenceRange.0.low.comparator", ">"),
    "value boolean instead": lambda r: r.update(valueBoolean=True),
    "value quantity not an object": _set("valueQuantity", [4300]),
}


def _load(bundle: dict[str, Any]) -> PatientRecord | str:
    try:
        return record_from_bundle(copy.deepcopy(bundle))
    except TrialkitInputError as error:
        return f"{type(error).__name__}: {error}"


@pytest.mark.parametrize("name", CHANGES)
def test_one_pass_and_checked_readings_agree(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = _bundle()
    CHANGES[name](_first_observation(bundle))
    one_pass = _load(bundle)
    monkeypatch.setattr(fhir._Reader, "_plain_quantity", lambda self, where, resource: False)
    checked = _load(bundle)
    assert one_pass == checked


def test_plain_results_take_the_one_pass_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[str] = []
    plain = fhir._Reader._plain_quantity

    def spy(self: Any, where: str, resource: Resource) -> bool:
        if plain(self, where, resource):
            taken.append(where)
            return True
        return False

    monkeypatch.setattr(fhir._Reader, "_plain_quantity", spy)
    record_from_bundle(_bundle())
    assert len(taken) == 5
