"""Blind endpoint cases: written from the seeds and the published definitions by a reviewer who
had not read trialkit's code (``endpoint_cases.yaml``: 78 cases, each with its reasoning), run
against the shipped protocols' endpoints.

Each case names its study and its endpoint in words; :data:`ENDPOINTS` maps them to the protocol
value they test. trialkit must give the reviewer's answer, except for the cases of
:data:`TRIAGED`, where the reading differs: each says what trialkit answers and why (the
decision it rests on), and the test holds trialkit to that answer, so that neither side can
drift silently.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from trialkit.analysis.proportion import fisher_exact
from trialkit.eligibility import Truth
from trialkit.endpoints import EndpointValue, Subject, evaluate_endpoint
from trialkit.protocol import builtin_protocol
from trialkit.protocol.endpoints import EndpointNode, ValueAt, Yields
from trialkit.record import record_from_bundle
from trialkit.scores.ctcae import TERMS
from trialkit.testing import BundleBuilder
from trialkit.vocab import vocabulary

CASES = yaml.safe_load((Path(__file__).parent / "endpoint_cases.yaml").read_text("utf-8"))

ENDPOINTS: dict[tuple[str, str], tuple[str, str]] = {
    ("000", "primary: survival until"): ("r-hlh", "survival_to_hsct"),
    ("001", "primary: alive at day 7"): ("jak-hs-icu", "primary-sofa-response"),
    ("001", "secondary: ICU length"): ("jak-hs-icu", "icu-los"),
    ("001", "secondary: hospital length"): ("jak-hs-icu", "hospital-los"),
    ("001", "secondary: SOFA score at day 28"): ("jak-hs-icu", "sofa-d28"),
    ("001", "secondary: ferritin level at day 28"): ("jak-hs-icu", "ferritin-d28"),
    ("001", "secondary: haemoglobin level at day 28"): ("jak-hs-icu", "haemoglobin-d28"),
    ("001", "secondary: temperature at day 28"): ("jak-hs-icu", "temperature-d28"),
    ("001", "secondary: clinical and biological"): ("jak-hs-icu", "manifestations-d7"),
    ("001", "secondary: number of adverse events"): ("jak-hs-icu", "adverse-events.any"),
    ("001", "secondary: number of severe (CTCAE"): ("jak-hs-icu", "adverse-events.grade_3_or_more"),
    ("001", "secondary: number of 'severe adverse"): (
        "jak-hs-icu",
        "adverse-events.grade_3_or_more",
    ),
    ("001", "secondary: number of nosocomial"): ("jak-hs-icu", "nosocomial-infections"),
    ("001", "secondary: overall survival"): ("jak-hs-icu", "overall-survival-m6"),
    ("002", "fever normalised"): ("rux-hlh-salvage", "fever-48h"),
    ("002", "response at 1 week"): ("rux-hlh-salvage", "response-w1"),
    ("003", "primary"): ("c-hlh", "survival_to_hsct"),
    ("003", "secondary: number of side effects"): ("c-hlh", "side_effects"),
    ("003", "secondary: time from first"): ("c-hlh", "time_to_complete_remission"),
}
"""(study, the start of the case's endpoint words) → (protocol, endpoint value)."""

NOT_ENCODED = {
    "jak-ae-grade5-fatal": "the maximum CTCAE grade per subject is not an endpoint value of "
    "jak-hs-icu (it counts events by grade: any, grade 3 or more, serious)",
}
"""Cases whose quantity no shipped endpoint computes (listed, not silently skipped)."""

TRIAGED: dict[str, tuple[Any, str]] = {
    "jak-noso-window-and-pathogen": (
        {"number": 3.0},
        "the seed's '(viral and bacterial)' would leave out the fungal infection; trialkit's "
        "vocabulary has one infection concept and no pathogen class, so jak-hs-icu counts every "
        "infection and says so in the endpoint's definition (the reviewer's 2 needs a pathogen "
        "on the diagnosis: a vocabulary change, left open)",
    ),
    "chlh-surviving-count-alive-no-hsct-at-4-months": (
        {"time": 120, "status": "censored"},
        "c-hlh encodes survival until HSCT as a time to HSCT with death competing: a child alive "
        "without HSCT at 4 months is censored there, not counted a success or a failure; the "
        "reviewer's count form (success = survived the window) is one reading of 'number of "
        "surviving patients until HSCT', which the seed does not settle",
    ),
    "chlh-time-to-complete-remission": (
        {"time": 120, "status": "censored"},
        "the case records the investigator's response ('CR' on day 21) without the markers; "
        "trialkit derives complete remission from the markers (marsh2013) and reads no "
        "investigator-assessed response: a form item of the study database (issue 16)",
    ),
    "bj-week1-values-on-study-day7-only": (
        {"category": "PR"},
        "a response reads each marker in the 3 days before the end of the assessment day "
        "(trialkit.scores.hlh_response.CURRENT_LOOKBACK, documented in docs/protocol-format.md), "
        "so values of the day before count; the reviewer read values of that day only",
    ),
    "bj-fever-normal-then-recurs": (
        {"truth": False},
        "rux-hlh-salvage reads 'temperatures decreased to the normal range within 48 h' as no "
        "temperature >= 38.5 Cel from 48 h after the first dose to day 7 (the fever gone and "
        "staying gone); the reviewer read the first normal temperature within 48 h. The abstract "
        "does not say which; trialkit keeps the stricter reading, stated in the definition",
    ),
}
"""Case id → (trialkit's answer, why it differs from the reviewer's)."""

_WORDS = {
    "urine output, 24 h total for this calendar day": "vital.urine_output_24h",
    "soluble CD25 (sIL-2R)": "lab.scd25",
    "invasive mechanical ventilation": "procedure.mechanical_ventilation",
    "allogeneic HSCT": "procedure.hsct_allogeneic",
    "allogeneic HSCT (second, graft failure)": "procedure.hsct_allogeneic",
    "norepinephrine infusion": "drug.norepinephrine",
}
_CATEGORIES = {"improved": "improvement, not PR"}
_PANEL = {"sCD25": "scd25", "wbc": "leukocytes"}
_STATUS = {"hsct": "procedure.hsct_allogeneic"}


def _when(value: Any) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def _concept(item: dict[str, Any]) -> str:
    if item.get("loinc"):
        found = vocabulary().lookup("http://loinc.org", str(item["loinc"]))
        assert found is not None, item
        return found[0].key
    return _WORDS[item["what"]]


def _term(printed: str) -> str | None:
    return next((k for k, t in TERMS.items() if t.name.lower() == printed.lower()), None)


def _bundle(case: dict[str, Any]) -> dict[str, Any]:
    b = BundleBuilder("s1", "1970-01-01", "female")
    for lab in case.get("labs") or []:
        b.quantity(_concept(lab), lab["value"], lab["unit"], _when(lab["at"]))
    for item in case.get("procedures") or []:
        start = item.get("at", item.get("start"))
        b.procedure(_WORDS[item["what"]], _when(start), item.get("end") and _when(item["end"]))
    for item in case.get("medications") or []:
        b.medication(
            _WORDS[item["what"]],
            _when(item["start"]),
            _when(item["end"]),
            kind="MedicationAdministration",
            rate=(item["dose"], item["unit"]),
        )
    for stay in case.get("stays") or []:
        b.stay(stay["setting"], _when(stay["start"]), stay.get("end") and _when(stay["end"]))
    for event in case.get("adverse_events") or []:
        key = _term(event["ctcae_term"])
        if key is not None:
            b.adverse_event(key, _when(event["at"]), event.get("grade"), event.get("serious"))
        else:  # a CTCAE term trialkit does not grade: sent as text, with its grade
            resource: dict[str, Any] = {
                "resourceType": "AdverseEvent",
                "actuality": "actual",
                "subject": {"reference": "Patient/s1"},
                "event": {"text": event["ctcae_term"]},
                "date": _when(event["at"]),
            }
            if event.get("serious") is not None:
                code = "serious" if event["serious"] else "non-serious"
                system = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
                resource["seriousness"] = {"coding": [{"system": system, "code": code}]}
            b.resource(resource)
            if event.get("grade") is not None:
                _grade(b.entries[-1], event["grade"])
    for condition in case.get("conditions") or []:
        b.condition("condition.infection", _when(condition["onset"]))
    bundle = b.build()
    if case.get("death"):
        bundle["entry"][0]["resource"]["deceasedDateTime"] = _when(case["death"])
    return bundle


def _grade(resource: dict[str, Any], grade: int) -> None:
    # the grade extension as BundleBuilder.adverse_event writes it
    probe = BundleBuilder("p")
    probe.adverse_event("anemia", "2026-01-01", grade)
    extension = probe.entries[-1]["extension"]
    resource["extension"] = extension


def _subject(case: dict[str, Any]) -> Subject:
    data = case["subject"]
    day = {k: date.fromisoformat(_when(v)[:10]) for k, v in data.items() if k != "first_dose_at"}
    return Subject("s1", day["inclusion"], day.get("day1"), last_contact=day.get("last_contact"))


def _target(case: dict[str, Any]) -> tuple[str, EndpointNode] | None:
    for (study, start), (protocol_id, key) in ENDPOINTS.items():
        if case["study"] == study and case["endpoint"].startswith(start):
            protocol = builtin_protocol(protocol_id)
            found = {k: n for e in protocol.endpoints for k, n in e.nodes().items()}
            if key in found:
                return key, found[key]
            panel = {k.split(".", 1)[1]: n for k, n in found.items() if k.startswith(key + ".")}
            return key, panel  # type: ignore[return-value]
    return None


def _in_unit(node: EndpointNode, expected: dict[str, Any]) -> EndpointNode:
    """A value node reporting in the reviewer's unit (``10*3/uL`` is ``10*9/L``)."""
    unit = expected.get("unit")
    if not isinstance(node, ValueAt) or unit is None:
        return node
    return node.model_copy(update={"unit": unit})


def _answer(value: EndpointValue) -> dict[str, Any]:
    if not value.decided:
        if value.kind is Yields.CATEGORY:
            return {"unknown": True, "possible": list(value.possible)}
        return {"unknown": True, "range": [value.low, value.high]}
    if value.truth is not None:
        return {"truth": value.truth is Truth.TRUE}
    if value.category is not None:
        return {"category": value.category}
    if value.time is not None:
        return {"time": value.time, "status": value.status}
    return {"number": value.number}


def _agrees(expected: dict[str, Any], value: EndpointValue) -> bool:
    if expected.get("unknown"):
        if value.decided:
            return False
        wanted = expected.get("range")
        if wanted is None:
            return True
        if value.kind is Yields.CATEGORY:
            return set(value.possible) == {_CATEGORIES.get(c, c) for c in wanted}
        return [value.low, value.high] == [float(x) for x in wanted]
    if "truth" in expected:
        return value.truth is Truth.of(expected["truth"])
    if "category" in expected:
        return value.category == _CATEGORIES.get(expected["category"], expected["category"])
    if "time" in expected:
        status = _STATUS.get(expected["status"], expected["status"])
        return (value.time, value.status) == (expected["time"], status)
    number = expected.get("number", expected.get("count"))
    return value.number is not None and math.isclose(value.number, number, abs_tol=1e-6)


def _cases() -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in CASES]


@pytest.mark.parametrize("case", _cases())
def test_blind_endpoint_case(case: dict[str, Any]) -> None:
    if case["id"] in NOT_ENCODED:
        assert _target(case) is not None or case["id"] in NOT_ENCODED
        return
    if "study_data" in case:
        expected = case["expected"]
        table = case["study_data"]["table"]["cells"]
        assert math.isclose(fisher_exact(table).p_value, expected["number"], abs_tol=1e-6)
        return
    target = _target(case)
    assert target is not None, f"no endpoint mapped for {case['study']}: {case['endpoint']}"
    key, node = target
    record = record_from_bundle(_bundle(case))
    subject = _subject(case)
    if isinstance(node, dict):  # a panel: every item, in the unit the reviewer gives
        wanted = {_PANEL.get(n, n): e for n, e in case["expected"]["panel"].items()}
        answers = {
            n: evaluate_endpoint(_in_unit(item, wanted[n]), subject, record)
            for n, item in node.items()
        }
        agreed = all(_agrees(wanted[n], answers[n]) for n in wanted)
        got: Any = {n: _answer(v) for n, v in answers.items()}
    else:
        value = evaluate_endpoint(node, subject, record)
        agreed = _agrees(case["expected"], value)
        got = _answer(value)
    if case["id"] in TRIAGED:
        assert got == TRIAGED[case["id"]][0], (case["id"], got)
        assert not agreed, f"{case['id']} agrees now: remove it from TRIAGED"
        return
    assert agreed, (case["id"], key, got, case["expected"], case.get("reasoning"))
