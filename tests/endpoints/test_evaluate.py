"""The per-subject endpoint evaluator on constructed records (trialkit.endpoints.evaluate)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from trialkit.eligibility import Truth
from trialkit.endpoints import CENSORED, DEATH, Subject, evaluate_endpoint
from trialkit.endpoints.evaluate import _WALKERS
from trialkit.errors import TrialkitInputError
from trialkit.protocol import builtin_protocols
from trialkit.protocol.endpoints import ENDPOINT_NODE_TYPES, EndpointNode
from trialkit.record import PatientRecord, record_from_bundle
from trialkit.testing import BundleBuilder

NODE = TypeAdapter(EndpointNode)
INCLUDED = date(2026, 3, 2)
SUBJECT = Subject("s1", INCLUDED, day1=INCLUDED + timedelta(days=1))


def node(data: dict[str, Any]) -> Any:
    return NODE.validate_python(data)


def on(day: int, hour: int = 8) -> datetime:
    """A time on study day ``day`` counted from inclusion (day 0)."""
    return datetime.combine(INCLUDED + timedelta(days=day), datetime.min.time()) + timedelta(
        hours=hour
    )


def full_sofa(b: BundleBuilder, day: int, platelets: float) -> None:
    """Every adult SOFA input on ``day``: 0 points but for the platelets' system."""
    at = on(day)
    b.quantity("lab.platelets", platelets, "10*9/L", at)
    b.quantity("lab.bilirubin_total", 10, "umol/L", at)
    b.quantity("lab.creatinine", 70, "umol/L", at)
    b.quantity("vital.urine_output_24h", 1500, "mL/d", at)
    b.quantity("vital.map", 80, "mm[Hg]", at)
    b.quantity("assessment.gcs_total", 15, "1", at)
    b.quantity("lab.pao2", 100, "mm[Hg]", at)
    b.quantity("vital.fio2", 0.21, "1", at)


def record(build: Any = None, deceased: str | None = None) -> PatientRecord:
    b = BundleBuilder("s1", "1970-01-01", "female")
    if build is not None:
        build(b)
    bundle = b.build()
    if deceased is not None:
        bundle["entry"][0]["resource"]["deceasedDateTime"] = deceased
    return record_from_bundle(bundle)


PRIMARY = {
    "all_of": [
        {"alive": True, "day": 7},
        {
            "compare": {
                "change": {"score": "sofa", "day": 7},
                "baseline": {"score": "sofa", "day": 0},
            },
            "op": "<=",
            "value": -3,
        },
    ]
}


def test_every_endpoint_node_type_has_an_evaluator() -> None:
    assert set(_WALKERS) == set(ENDPOINT_NODE_TYPES.values())


def test_sofa_down_by_three_and_alive_at_day_7_is_a_success() -> None:
    def build(b: BundleBuilder) -> None:
        full_sofa(b, 0, 15)  # coagulation 4 (< 20)
        full_sofa(b, 7, 120)  # coagulation 1 (< 150)

    value = evaluate_endpoint(node(PRIMARY), SUBJECT, record(build))
    assert value.truth is Truth.TRUE
    change = value.children[1].children[0]
    assert (change.low, change.high) == (-3, -3)


def test_sofa_down_by_two_is_a_failure() -> None:
    def build(b: BundleBuilder) -> None:
        full_sofa(b, 0, 40)  # 3 points (< 50)
        full_sofa(b, 7, 120)  # 1 point

    assert evaluate_endpoint(node(PRIMARY), SUBJECT, record(build)).truth is Truth.FALSE


def test_death_before_day_7_is_a_failure_whatever_the_sofa() -> None:
    def build(b: BundleBuilder) -> None:
        full_sofa(b, 0, 15)

    value = evaluate_endpoint(node(PRIMARY), SUBJECT, record(build, deceased="2026-03-06"))
    assert value.truth is Truth.FALSE
    assert "died on 2026-03-06" in value.reason


def test_a_missing_day_7_sofa_leaves_the_primary_endpoint_unknown_and_says_what_is_missing() -> (
    None
):
    def build(b: BundleBuilder) -> None:
        full_sofa(b, 0, 15)
        b.quantity("lab.ferritin", 500, "ug/L", on(30))  # seen alive on day 30

    value = evaluate_endpoint(node(PRIMARY), SUBJECT, record(build))
    assert value.truth is Truth.UNKNOWN
    assert any("platelets" in m and "day 7" in m for m in value.missing)


def test_a_change_from_a_partial_score_is_the_range_of_every_possible_difference() -> None:
    def build(b: BundleBuilder) -> None:
        full_sofa(b, 0, 15)  # baseline 4
        b.quantity("lab.platelets", 200, "10*9/L", on(7))  # day 7: coagulation 0, the rest open

    day7 = evaluate_endpoint(node({"score": "sofa", "day": 7}), SUBJECT, record(build))
    assert day7.low == 0 and day7.high is not None and day7.high > 4
    change = node({"change": {"score": "sofa", "day": 7}, "baseline": {"score": "sofa", "day": 0}})
    value = evaluate_endpoint(change, SUBJECT, record(build))
    assert (value.low, value.high) == (-4, day7.high - 4)
    assert value.number is None
    primary = evaluate_endpoint(node(PRIMARY), SUBJECT, record(build))
    assert primary.truth is Truth.UNKNOWN  # -4 would succeed, anything above -3 fail


def test_alive_at_a_day_is_unknown_without_a_later_contact_and_known_with_one() -> None:
    alive = node({"alive": True, "day": 7})
    seen_day_3 = record(lambda b: b.quantity("lab.ferritin", 500, "ug/L", on(3)))
    assert evaluate_endpoint(alive, SUBJECT, seen_day_3).truth is Truth.UNKNOWN
    told = Subject("s1", INCLUDED, last_contact=INCLUDED + timedelta(days=10))
    assert evaluate_endpoint(alive, told, seen_day_3).truth is Truth.TRUE
    died_day_7 = record(deceased="2026-03-09T23:00:00")
    assert evaluate_endpoint(alive, SUBJECT, died_day_7).truth is Truth.FALSE
    died_day_8 = record(deceased="2026-03-10")
    assert evaluate_endpoint(alive, SUBJECT, died_day_8).truth is Truth.TRUE


def test_a_value_at_day_28_takes_the_nearest_day_and_that_days_latest_value() -> None:
    def build(b: BundleBuilder) -> None:
        b.quantity("lab.triglycerides", 3.0, "mmol/L", on(27))
        b.quantity("lab.triglycerides", 2.0, "mmol/L", on(29))
        b.quantity("lab.triglycerides", 2.5, "mmol/L", on(28, 6))
        b.quantity("lab.triglycerides", 2.2, "mmol/L", on(28, 18))

    wide = {"value": "lab.triglycerides", "day": 28, "days_before": 1, "days_after": 1}
    assert evaluate_endpoint(node(wide), SUBJECT, record(build)).number == 2.2
    highest = evaluate_endpoint(node({**wide, "pick": "highest"}), SUBJECT, record(build))
    assert highest.number == 3.0


def test_a_value_with_no_result_in_its_window_is_unknown_and_names_it() -> None:
    value = evaluate_endpoint(
        node({"value": "lab.ferritin", "day": 28}),
        SUBJECT,
        record(lambda b: b.quantity("lab.ferritin", 800, "ug/L", on(27))),
    )
    assert value.number is None
    assert value.missing == ("lab.ferritin at day 28 (from inclusion)",)


def test_a_value_is_given_in_the_unit_asked_for() -> None:
    value = evaluate_endpoint(
        node({"value": "lab.triglycerides", "day": 7, "unit": "mg/dL"}),
        SUBJECT,
        record(lambda b: b.quantity("lab.triglycerides", 1.0, "mmol/L", on(7))),
    )
    assert value.unit == "mg/dL"
    assert value.number == pytest.approx(88.57, abs=0.01)  # TG 885.7 g/mol (vocabulary)


def test_day1_counts_cdisc_study_days_with_no_day_zero() -> None:
    subject = Subject("s1", date(2026, 3, 1), day1=date(2026, 3, 2))
    assert subject.day(1, "day1") == date(2026, 3, 2)
    assert subject.day(14, "day1") == date(2026, 3, 15)
    assert subject.day(-1, "day1") == date(2026, 3, 1)
    assert subject.day(0, "inclusion") == date(2026, 3, 1)
    with pytest.raises(ValidationError, match="no day 0"):
        node({"value": "lab.ferritin", "day": 0, "from": "day1"})


def test_a_subject_without_day1_gets_an_error_naming_the_subject_and_the_field() -> None:
    subject = Subject("s9", INCLUDED)
    with pytest.raises(TrialkitInputError, match="subject s9: day1"):
        evaluate_endpoint(
            node({"value": "lab.ferritin", "day": 3, "from": "day1"}), subject, record()
        )


def test_day1_before_inclusion_is_refused() -> None:
    with pytest.raises(TrialkitInputError, match="subject s2: day1 2026-03-01 is before"):
        Subject("s2", date(2026, 3, 2), day1=date(2026, 3, 1))


HSCT = {
    "time_to": {"procedure": "procedure.hsct_allogeneic"},
    "competing": [{"death": True}],
    "from": "day1",
}


def test_time_to_hsct_with_death_competing() -> None:
    transplanted = record(lambda b: b.procedure("procedure.hsct_allogeneic", "2026-04-02"))
    value = evaluate_endpoint(node(HSCT), SUBJECT, transplanted)
    assert (value.time, value.status) == (30, "procedure.hsct_allogeneic")  # from 2026-03-03
    died = record(deceased="2026-03-20T10:00:00")
    value = evaluate_endpoint(node(HSCT), SUBJECT, died)
    assert (value.time, value.status) == (17, "death")


def test_the_event_of_interest_wins_a_tie_with_its_competing_event() -> None:
    both = record(lambda b: b.procedure("procedure.hsct_allogeneic", "2026-03-20"), "2026-03-20")
    assert evaluate_endpoint(node(HSCT), SUBJECT, both).status == "procedure.hsct_allogeneic"


def test_time_to_event_is_censored_at_the_last_contact_or_the_horizon() -> None:
    seen = record(lambda b: b.quantity("lab.ferritin", 500, "ug/L", on(40)))
    value = evaluate_endpoint(node(HSCT), SUBJECT, seen)
    assert (value.time, value.status) == (39, CENSORED)
    capped = evaluate_endpoint(node({**HSCT, "horizon": "1 mo"}), SUBJECT, seen)
    assert (capped.time, capped.status, capped.date) == (31, CENSORED, date(2026, 4, 3))
    late = record(lambda b: b.procedure("procedure.hsct_allogeneic", "2026-05-02"))
    after_horizon = evaluate_endpoint(node({**HSCT, "horizon": "1 mo"}), SUBJECT, late)
    assert after_horizon.status == CENSORED


def test_a_response_is_death_when_the_patient_died_by_the_assessment_day() -> None:
    died = record(deceased="2026-03-05")
    value = evaluate_endpoint(node({"response": "wang2015-joint", "day": 7}), SUBJECT, died)
    assert value.category == DEATH


def test_a_response_reads_the_markers_at_baseline_and_at_the_day() -> None:
    def build(b: BundleBuilder) -> None:
        b.quantity("lab.ferritin", 10000, "ug/L", on(0))
        b.quantity("lab.triglycerides", 5.0, "mmol/L", on(0))
        b.quantity("lab.scd25", 20000, "U/mL", on(0))
        b.quantity("lab.ferritin", 2000, "ug/L", on(7))
        b.quantity("lab.triglycerides", 2.0, "mmol/L", on(7))
        b.quantity("lab.scd25", 5000, "U/mL", on(7))

    value = evaluate_endpoint(
        node({"response": "wang2015-joint", "day": 7}), SUBJECT, record(build)
    )
    # sCD25 down > 1.5-fold and ferritin + TG down > 25 %: two PR items (Wang 2015)
    assert value.category == "PR" or "PR" in value.possible
    assert value.evidence


def test_counts_of_new_diagnoses_in_a_window_and_incomplete_follow_up() -> None:
    count = node({"count": "condition.infection", "first_day": 2, "until_day": 28})

    def build(b: BundleBuilder) -> None:
        b.condition("condition.infection", on(1))  # before day 2: present at inclusion
        b.condition("condition.infection", on(5))
        b.condition("condition.infection", on(29))  # after day 28

    followed = Subject("s1", INCLUDED, last_contact=INCLUDED + timedelta(days=30))
    value = evaluate_endpoint(count, followed, record(build))
    assert (value.low, value.high) == (1, 1)
    lost = Subject("s1", INCLUDED, last_contact=INCLUDED + timedelta(days=10))
    value = evaluate_endpoint(count, lost, record(build))
    assert value.low == 1 and value.high == float("inf")
    assert value.missing == ("follow-up to 2026-03-30",)


def test_every_shipped_endpoint_is_code_or_says_why_not() -> None:
    for protocol in builtin_protocols():
        for endpoint in protocol.endpoints:
            assert endpoint.nodes() or endpoint.not_computed, (protocol.id, endpoint.id)


_DAYS = st.integers(min_value=0, max_value=40)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.tuples(_DAYS, st.floats(0.5, 20.0)), max_size=6),
    later=st.lists(st.tuples(st.integers(29, 60), st.floats(0.5, 20.0)), min_size=1, max_size=4),
    death=st.one_of(st.none(), st.integers(29, 60)),
)
def test_data_dated_after_an_endpoints_last_day_never_change_it(
    values: list[tuple[int, float]], later: list[tuple[int, float]], death: int | None
) -> None:
    """Issue 15: a subject's endpoint never changes when data after its time point are added."""
    nodes = [
        node({"value": "lab.triglycerides", "day": 28, "days_before": 2, "pick": "highest"}),
        node({"compare": {"value": "lab.triglycerides", "day": 28}, "op": "<", "value": 3}),
        node({"score": "sofa", "day": 28}),
        node({"response": "wang2015-joint", "day": 28}),
        node({"time_to": {"death": True}, "horizon": "28 d"}),
        node({"count": "condition.infection", "until_day": 28}),
        node({"count": "adverse_events", "min_grade": 3, "until_day": 28}),
        node({"length_of_stay": "hospital", "horizon": "28 d"}),
    ]
    subject = Subject("s1", INCLUDED, last_contact=INCLUDED + timedelta(days=28))

    def build(extra: list[tuple[int, float]]) -> Any:
        def add(b: BundleBuilder) -> None:
            b.stay("hospital", on(-2), on(10))
            for day, value in [*values, *extra]:
                b.quantity("lab.triglycerides", value, "mmol/L", on(day))
            for day, _ in extra:  # after day 28: an infection, a grade-4 event, a readmission
                b.condition("condition.infection", on(day))
                b.adverse_event("anemia", on(day), grade=4)
                b.stay("hospital", on(day), on(day + 3))

        return add

    deceased = None if death is None else (INCLUDED + timedelta(days=death)).isoformat()
    before = record(build([]))
    after = record(build(later), deceased)
    for item in nodes:
        first, second = (
            evaluate_endpoint(item, subject, before),
            evaluate_endpoint(item, subject, after),
        )
        assert (first.low, first.high, first.truth, first.category, first.time, first.status) == (
            second.low,
            second.high,
            second.truth,
            second.category,
            second.time,
            second.status,
        ), item


def test_icu_length_of_stay_runs_from_inclusion_to_discharge_or_death() -> None:
    icu = node({"length_of_stay": "icu", "horizon": "6 mo"})
    discharged = record(lambda b: b.stay("icu", on(-1), on(5)))
    assert evaluate_endpoint(icu, SUBJECT, discharged).number == 5
    died = record(lambda b: b.stay("icu", on(-1)), deceased=on(3).isoformat())
    value = evaluate_endpoint(icu, SUBJECT, died)
    assert value.number == 3
    assert "death" in value.reason


def test_hospital_length_of_stay_joins_the_icu_and_the_ward_stays() -> None:
    def build(b: BundleBuilder) -> None:
        b.stay("icu", on(-1), on(5))
        b.stay("hospital", on(5), on(12))
        b.stay("hospital", on(40), on(45))  # a readmission is another stay

    hospital = node({"length_of_stay": "hospital", "horizon": "6 mo"})
    assert evaluate_endpoint(hospital, SUBJECT, record(build)).number == 12


def test_a_stay_still_open_gives_a_lower_bound_and_no_stay_is_unknown() -> None:
    icu = node({"length_of_stay": "icu", "horizon": "6 mo"})
    open_stay = record(lambda b: b.stay("icu", on(-1)))
    seen = Subject("s1", INCLUDED, last_contact=INCLUDED + timedelta(days=9))
    value = evaluate_endpoint(icu, seen, open_stay)
    assert (value.low, value.high) == (9, float("inf"))
    assert value.number is None
    nothing = evaluate_endpoint(icu, seen, record())
    assert nothing.low is None and nothing.missing == ("icu stay",)


def test_adverse_events_counted_by_grade_with_an_ungraded_event_in_the_upper_bound() -> None:
    def build(b: BundleBuilder) -> None:
        b.adverse_event("febrile_neutropenia", on(3), grade=3)
        b.adverse_event("febrile_neutropenia", on(4), grade=2)
        b.adverse_event("febrile_neutropenia", on(6))  # grade not recorded
        b.adverse_event("febrile_neutropenia", on(40), grade=4)  # after day 28

    severe = node({"count": "adverse_events", "min_grade": 3, "until_day": 28})
    followed = Subject("s1", INCLUDED, last_contact=INCLUDED + timedelta(days=28))
    value = evaluate_endpoint(severe, followed, record(build))
    assert (value.low, value.high) == (1, 2)
    every = node({"count": "adverse_events", "until_day": 28})
    assert evaluate_endpoint(every, followed, record(build)).number == 3
