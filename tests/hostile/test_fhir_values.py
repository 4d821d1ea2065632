"""Impossible FHIR values: refused naming the resource and field, or reported on the one score.

Before: a date in year 1 or ``--at 0001-01-01`` was an ``OverflowError``
traceback; ``birthDate`` 1825 failed the whole ``scores`` command with a
message naming no resource; ``birthDate`` 2030 gave exit 2 in ``scores`` and 0
in ``screen``; ``referenceRange.high`` 0 failed in CTCAE naming no resource, in
the converted unit; ``component: [null, 5]`` said "must be an object, got an
object"; two Observations ``obs-8`` were read as one silently; an entry dated
2099 moved the default index time to 2099 without a word.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from hostile.conftest import EXAMPLES, bundle, resources
from trialkit.cli import run
from trialkit.eligibility import Context, Truth, evaluate
from trialkit.protocol.criteria import Node
from trialkit.record import record_from_bundle
from trialkit.testing import BundleBuilder


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.strip()


@pytest.mark.parametrize("command", ["scores", "screen"])
def test_dates_before_1800_are_refused_naming_the_field(
    command: str, tmp_path: Path, eligible: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["--all"] if command == "screen" else []
    resources(eligible, "Observation")[0]["effectiveDateTime"] = "0001-01-01T00:00:00"
    path = bundle(tmp_path, "year1", eligible)
    assert run([command, str(path), *extra]) == 2
    assert _err(capsys) == (
        "trialkit: error: Observation/obs-1: effectiveDateTime: '0001-01-01T00:00:00' is "
        "before 1800-01-01, the earliest date trialkit reads"
    )
    good = str(EXAMPLES / "r-hlh-eligible.json")
    assert run([command, good, *extra, "--at", "0001-01-01"]) == 2
    assert "--at '0001-01-01' is before 1800-01-01" in _err(capsys)


def _scores(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, Any]:
    assert run(["scores", str(path), "--json"]) == 0, capsys.readouterr().err
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return {score["score"]: score for score in data["scores"]}


@pytest.mark.parametrize("birth", ["1825-01-01", "2030-01-01"])
def test_an_impossible_birth_date_is_reported_on_the_scores_that_read_the_age(
    birth: str, tmp_path: Path, eligible: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    plain = _scores(capsys, bundle(tmp_path, "plain", eligible))
    resources(eligible, "Patient")[0]["birthDate"] = birth
    scores = _scores(capsys, bundle(tmp_path, "born", eligible))
    assert len(scores) == len(plain)  # no score lost (SOFA for pSOFA at 200 years: an adult)
    noted = {
        name
        for name, score in scores.items()
        if any("Patient/r-hlh-eligible: birthDate" in note for note in score["notes"])
    }
    assert "cockcroft_gault" in noted
    assert scores["hscore"]["summary"] == plain["hscore"]["summary"]  # no age in the HScore
    # screen reads the same record: exit 0, the age-dependent criteria unknown.
    path = bundle(tmp_path, "born", eligible)
    assert run(["screen", str(path), "--protocol", "r-hlh", "--json"]) == 0
    screening = json.loads(capsys.readouterr().out)
    assert screening["verdict"] != "eligible"


def test_a_reference_range_high_of_zero_names_the_resource_and_the_unit_sent(
    tmp_path: Path, eligible: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    platelets = next(o for o in resources(eligible, "Observation") if o["id"] == "obs-5")
    zero = {"value": 0, "system": "http://unitsofmeasure.org", "code": "/uL"}
    platelets["referenceRange"] = [{"high": zero}]
    assert run(["scores", str(bundle(tmp_path, "range", eligible))]) == 2
    assert _err(capsys) == (
        "trialkit: error: Observation/obs-5: referenceRange[0].high: 0 /uL is not an upper "
        "limit of normal (it must be above 0)"
    )
    platelets["referenceRange"] = [
        {"low": {**zero, "value": 400000}, "high": {**zero, "value": 150000}}
    ]
    assert run(["scores", str(bundle(tmp_path, "range", eligible))]) == 2
    assert _err(capsys).endswith("referenceRange[0]: low 400000 /uL is above high 150000 /uL")


def test_a_null_component_is_called_null(
    tmp_path: Path, eligible: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    resources(eligible, "Observation")[0]["component"] = [None, 5]
    assert run(["scores", str(bundle(tmp_path, "component", eligible))]) == 2
    assert (
        _err(capsys)
        == "trialkit: error: Observation/obs-1: component[0]: must be an object, got null"
    )


@pytest.mark.parametrize("command", ["scores", "screen"])
def test_two_resources_with_one_id_are_refused(
    command: str, tmp_path: Path, eligible: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    platelets = next(e for e in eligible["entry"] if e["resource"].get("id") == "obs-5")
    twin = json.loads(json.dumps(platelets))
    twin["resource"]["valueQuantity"]["value"] = 400000
    eligible["entry"].append(twin)
    extra = ["--all"] if command == "screen" else []
    assert run([command, str(bundle(tmp_path, "twins", eligible)), *extra]) == 2
    last = len(eligible["entry"]) - 1
    index = eligible["entry"].index(platelets)
    assert _err(capsys) == (
        f"trialkit: error: Observation/obs-5: a second resource with this id "
        f"(Bundle.entry[{index}] and Bundle.entry[{last}]); ids must be unique within a bundle"
    )


def test_a_default_index_time_in_the_future_is_used_with_a_warning(
    tmp_path: Path, eligible: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    resources(eligible, "Observation")[3]["effectiveDateTime"] = "2099-01-01T00:00:00"
    path = bundle(tmp_path, "future", eligible)
    for command in (["scores", str(path), "--json"], ["screen", str(path), "--all", "--json"]):
        assert run(command) == 0
        out, err = capsys.readouterr()
        assert json.loads(out)
        assert err == (
            "trialkit: warning: the index time defaults to the latest entry, 2099-01-01T00:00, "
            "which is in the future; give --at to screen as of another time\n"
        )
    assert run(["scores", str(path), "--at", "2025-06-15", "--json"]) == 0
    assert capsys.readouterr().err == ""


# An age is impossible when it is negative or above the oldest verified human age
# (122 years: trialkit.record.model.OLDEST_AGE_YEARS). The index date of these
# records is 2025-06-15: born 1902-06-15 is 123 years old (impossible), born
# 1903-06-15 122 (possible), 1903-06-16 121.
AT = datetime(2025, 6, 15, 12)
IMPOSSIBLE = ("1825-01-01", "1902-06-15", "2025-06-16", "2030-01-01")
NODE: TypeAdapter[Node] = TypeAdapter(Node)


@pytest.mark.parametrize("birth", ["1825-01-01", "2030-01-01"])
@pytest.mark.parametrize(("protocol", "criterion"), [("r-hlh", "I1"), ("jak-hs-icu", "I1")])
def test_an_impossible_age_decides_no_age_criterion_and_is_not_printed(
    birth: str,
    protocol: str,
    criterion: str,
    tmp_path: Path,
    eligible: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    resources(eligible, "Patient")[0]["birthDate"] = birth
    path = str(bundle(tmp_path, "born", eligible))
    assert run(["screen", path, "--protocol", protocol, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    found = next(c for c in data["criteria"] if c["id"] == criterion)
    assert found["status"] == "unknown", found["reason"]
    assert "impossible age" in found["reason"]
    assert [m["item"] for m in found["missing"]] == ["birth_date"]
    assert data["patient"]["age_years"] is None
    assert "impossible age" in data["patient"]["age_impossible"]
    assert run(["screen", path, "--protocol", protocol]) == 0
    text = capsys.readouterr().out
    line = next(x for x in text.splitlines() if x.startswith("Patient "))
    assert "· age impossible (birthDate " in line, line
    assert run(["scores", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["patient"]["age_years"] is None


def _outcome(rule: dict[str, Any], builder: BundleBuilder) -> Any:
    return evaluate(NODE.validate_python(rule), Context(record_from_bundle(builder.build()), AT))


@pytest.mark.parametrize("birth", IMPOSSIBLE)
@pytest.mark.parametrize(
    "rule",
    [
        {"age": ">=", "value": 18, "unit": "a", "source": "t"},
        {"age": "<", "value": 130, "unit": "a", "source": "t"},
        {"age": ">=", "value": 0, "unit": "d", "source": "t"},
        {"childbearing_potential": True},
        {"score": "performance", "op": ">=", "value": 50, "karnofsky_from_age": 13, "source": "t"},
        {"score": "cockcroft_gault", "op": ">=", "value": 60, "source": "t"},
        {"score": "schwartz_bedside", "op": ">=", "value": 60, "source": "t"},
        {"score": "hlh2004", "op": ">=", "value": 0, "source": "t"},
    ],
)
def test_no_rule_decides_from_an_impossible_age(birth: str, rule: dict[str, Any]) -> None:
    b = BundleBuilder("p", birth, "female")
    b.quantity("assessment.karnofsky", 80, "1", "2025-06-14")
    b.quantity("assessment.lansky", 80, "1", "2025-06-14")
    b.quantity("lab.creatinine", 0.8, "mg/dL", "2025-06-14")
    b.quantity("vital.weight", 60, "kg", "2025-06-14")
    b.quantity("vital.height", 160, "cm", "2025-06-14")
    outcome = _outcome(rule, b)
    assert outcome.truth is Truth.UNKNOWN, outcome.reason
    assert "impossible age" in outcome.reason
    assert "birth_date" in [m.item for m in outcome.missing]


@pytest.mark.parametrize("birth", ["1903-06-15", "1903-06-16"])
def test_an_age_of_122_years_is_possible(birth: str) -> None:
    b = BundleBuilder("p", birth, "female")
    outcome = _outcome({"age": ">=", "value": 122, "unit": "a", "source": "t"}, b)
    assert outcome.truth is Truth.of(birth == "1903-06-15"), outcome.reason


@pytest.mark.parametrize("birth", IMPOSSIBLE)
def test_age_bands_and_age_tables_read_an_impossible_age_as_unknown(birth: str) -> None:
    # Haemoglobin 95 g/L is low under 28 days (< 100) and not otherwise (< 90); the ULN
    # of creatinine comes from a table by age: an impossible age chooses no band or row.
    b = BundleBuilder("p", birth, "male")
    b.quantity("lab.haemoglobin", 95, "g/L", "2025-06-14T08:00:00")
    b.quantity("lab.creatinine", 0.9, "mg/dL", "2025-06-14T08:00:00")
    banded = {
        "measure": "lab.haemoglobin",
        "op": "<",
        "by_age": [{"below": "28 d", "value": 100}, {"value": 90}],
        "unit": "g/L",
        "within": "7 d",
        "source": "Henter 2007",
    }
    uln = {"measure": "lab.creatinine", "op": ">", "uln": 1.5, "within": "48 h", "source": "t"}
    for rule in (banded, uln):
        outcome = _outcome(rule, b)
        assert outcome.truth is Truth.UNKNOWN, (rule, outcome.reason)
        assert "impossible age" in outcome.reason


_STAYS_AND_EVENTS = [
    (
        {
            "resourceType": "Encounter",
            "id": "stay-1",
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
            "period": {"start": "2025-06-10T14:00:00", "end": "2025-06-09T11:00:00"},
        },
        "Encounter/stay-1: period.end is before its start",
    ),
    (
        {
            "resourceType": "AdverseEvent",
            "id": "ae-1",
            "actuality": "actual",
            "event": {"text": "Febrile neutropenia"},
            "date": "2025-06-12",
            "extension": [
                {
                    "url": "http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/ae-grade",
                    "valueInteger": 7,
                }
            ],
        },
        "AdverseEvent/ae-1: extension[0] (ae-grade).valueInteger: 7 is not a CTCAE grade (1 to 5)",
    ),
    (
        {
            "resourceType": "AdverseEvent",
            "id": "ae-2",
            "actuality": "actual",
            "event": {"text": "Anemia"},
        },
        "AdverseEvent/ae-2: no date: give date (when the adverse event occurred), detected or "
        "recordedDate",
    ),
]


@pytest.mark.parametrize("command", ["scores", "screen"])
@pytest.mark.parametrize(("resource", "message"), _STAYS_AND_EVENTS)
def test_bad_stays_and_adverse_events_are_refused_in_one_line(
    command: str,
    resource: dict[str, Any],
    message: str,
    tmp_path: Path,
    eligible: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    eligible["entry"].append({"resource": resource})
    extra = ["--all"] if command == "screen" else []
    assert run([command, str(bundle(tmp_path, "stay", eligible)), *extra]) == 2
    assert _err(capsys) == f"trialkit: error: {message}"
