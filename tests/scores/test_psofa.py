"""Paediatric SOFA against Matics & Sanchez-Pinto 2017 Table 1, and its record adapter.

Source: Matics TJ, Sanchez-Pinto LN, JAMA Pediatr 2017;171(10):e172352, Table 1 (read in the
verbatim copy at medicalcriteria.com/web/psofa; docs/clinical-decisions.md §3.2, decisions §9.3,
§9.9).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from trialkit.errors import TrialkitInputError
from trialkit.record import Observation, PatientRecord, Procedure, Sex
from trialkit.record.patient import group_observations
from trialkit.scores import sofa as adult
from trialkit.scores.psofa import (
    AGE_BANDS,
    PsofaInputs,
    age_band,
    age_in_months,
    assess,
    cardiovascular,
    liver,
    psofa,
    psofa_from_record,
    renal,
    respiration,
)
from trialkit.scores.sofa import Infusion
from trialkit.units import Quantity


def q(value: float, unit: str, key: str) -> Quantity:
    return Quantity(value, unit, key)


def creatinine(value: float, unit: str = "mg/dL") -> Quantity:
    return q(value, unit, "lab.creatinine")


def mean_pressure(value: float) -> Quantity:
    return q(value, "mm[Hg]", "vital.map")


def spo2(value: float) -> Quantity:
    return q(value, "%", "vital.spo2")


def fio2(value: float) -> Quantity:
    return q(value, "1", "vital.fio2")


# -- age in completed months --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "at", "months"),
    [
        (date(2025, 5, 15), date(2025, 5, 15), 0),
        (date(2025, 5, 15), date(2025, 6, 14), 0),
        (date(2025, 5, 15), date(2025, 6, 15), 1),
        (date(2025, 1, 31), date(2025, 2, 28), 0),  # no 31 February: the month completes on 1 March
        (date(2025, 1, 31), date(2025, 3, 1), 1),
        (date(2025, 1, 31), date(2025, 3, 31), 2),
        (date(2024, 2, 29), date(2025, 2, 28), 11),
        (date(2024, 2, 29), date(2025, 3, 1), 12),
        (date(2007, 6, 14), date(2025, 6, 13), 215),
        (date(2007, 6, 14), date(2025, 6, 14), 216),
    ],
)
def test_age_in_completed_months(birth: date, at: date, months: int) -> None:
    assert age_in_months(birth, at) == months


def test_age_before_birth_is_refused() -> None:
    with pytest.raises(TrialkitInputError):
        age_in_months(date(2025, 1, 2), date(2025, 1, 1))
    with pytest.raises(TrialkitInputError):
        age_band(-1)


@pytest.mark.parametrize(
    ("months", "label"),
    [
        (0, "<1 mo"),
        (1, "1-11 mo"),
        (11, "1-11 mo"),
        (12, "12-23 mo"),
        (23, "12-23 mo"),
        (24, "24-59 mo"),
        (59, "24-59 mo"),
        (60, "60-143 mo"),
        (143, "60-143 mo"),
        (144, "144-216 mo"),
        (216, "144-216 mo"),
        (217, ">216 mo"),
    ],
)
def test_age_band_edges(months: int, label: str) -> None:
    assert age_band(months).label == label


# -- age-banded MAP and creatinine --------------------------------------------------------------

_MAP = [(b, m) for b, m in zip(AGE_BANDS, (0, 1, 12, 24, 60, 144, 217), strict=True)]


@pytest.mark.parametrize(("band", "months"), _MAP, ids=[b.label for b, _ in _MAP])
def test_map_limit_by_age(band: object, months: int) -> None:
    limit = age_band(months).map_limit
    assert limit == {0: 46, 1: 55, 12: 60, 24: 62, 60: 65, 144: 67, 217: 70}[months]
    assert cardiovascular(mean_pressure(limit), (), months).points == 0
    assert cardiovascular(mean_pressure(limit - 0.1), (), months).points == 1


_CREATININE = {  # Matics 2017 Table 1, printed lower edges of 1, 2, 3, 4 points (mg/dL)
    0: (0.8, 1.0, 1.2, 1.6),
    6: (0.3, 0.5, 0.8, 1.2),
    18: (0.4, 0.6, 1.1, 1.5),
    40: (0.6, 0.9, 1.6, 2.3),
    100: (0.7, 1.1, 1.8, 2.6),
    200: (1.0, 1.7, 2.9, 4.2),
    230: (1.2, 2.0, 3.5, 5.0),
}


@pytest.mark.parametrize(
    ("months", "value", "points"),
    [
        (months, value, expected)
        for months, edges in _CREATININE.items()
        for points, edge in enumerate(edges, start=1)
        for value, expected in ((edge, points), (round(edge - 0.01, 2), points - 1))
    ],
)
def test_creatinine_edges_by_age(months: int, value: float, points: int) -> None:
    assert renal(creatinine(value), months).points == points


@pytest.mark.parametrize(
    ("months", "value", "points"),
    [
        (18, 0.55, 1),  # printed 0.4-0.5 | 0.6-1.0: half-open, the gap belongs to 1
        (18, 1.05, 2),
        (18, 1.45, 3),
        (0, 0.95, 1),
        (100, 2.55, 3),
        (200, 4.15, 3),
    ],
)
def test_creatinine_gaps_are_half_open(months: int, value: float, points: int) -> None:
    assert renal(creatinine(value), months).points == points


def test_creatinine_in_umol_is_converted_to_mg_dl() -> None:
    # 53 umol/L = 0.599 mg/dL (113.12 g/mol): 1 point at 12-23 months, 88.4 umol/L = 1.0 mg/dL: 2
    assert renal(creatinine(53, "umol/L"), 18).points == 1
    assert renal(creatinine(88.4, "umol/L"), 18).points == 2


# -- respiration: PaO2/FiO2 first, else SpO2/FiO2 with SpO2 <= 97 % ------------------------------


@pytest.mark.parametrize(
    ("ratio", "points"),
    [
        (292, 0),
        (291.9, 1),
        (291.5, 1),
        (264, 1),  # printed in both 264-291 and 221-264; 264 scores 1 (§3.2)
        (263.9, 2),
        (221, 2),
        (220.9, 3),
        (220.5, 3),  # the gap 220 | 221 belongs to the band below
        (148, 3),
        (147.9, 4),
    ],
)
def test_sf_edges_with_support(ratio: float, points: int) -> None:
    fraction = 0.3
    assert respiration(None, spo2(ratio * fraction), fio2(fraction), True).points == points


@pytest.mark.parametrize("ratio", [220.9, 150, 100])
def test_sf_below_221_without_support_scores_2(ratio: float) -> None:
    assert respiration(None, spo2(ratio * 0.4), fio2(0.4), False).points == 2


def test_sf_only_from_saturations_of_97_or_less() -> None:
    assert respiration(None, spo2(97), fio2(0.25), False).points == 0  # 388
    high = respiration(None, spo2(97.5), fio2(0.25), False)
    assert (high.low, high.high) == (0, 4)
    assert "97 %" in high.reason


def test_pf_is_preferred_to_sf() -> None:
    item = respiration(q(70, "mm[Hg]", "lab.pao2"), spo2(85), fio2(0.5), True)
    assert item.points == 3  # P/F 140 -> 3; S/F 170 would also be 3, but P/F decides
    assert item.reason.startswith("PaO2/FiO2")
    assert respiration(q(160, "mm[Hg]", "lab.pao2"), spo2(85), fio2(0.5), True).points == 1


def test_missing_oxygenation_is_a_range() -> None:
    item = respiration(None, None, fio2(0.4), None)
    assert (item.low, item.high) == (0, 4)
    assert item.missing == ("PaO2/FiO2 or SpO2/FiO2 (SpO2 <= 97 %)",)


# -- bilirubin: mg/dL only ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "points"),
    [
        (1.19, "mg/dL", 0),
        (1.2, "mg/dL", 1),
        (2.0, "mg/dL", 2),
        (6.0, "mg/dL", 3),
        (11.9, "mg/dL", 3),
        (12.0, "mg/dL", 4),
        # Table 1 prints only mg/dL: µmol/L is converted (584.66 g/mol), so 20 µmol/L
        # (1.17 mg/dL) scores 0 here although adult SOFA's printed µmol/L band gives it 1
        (20, "umol/L", 0),
        (20.6, "umol/L", 1),
    ],
)
def test_bilirubin_edges(value: float, unit: str, points: int) -> None:
    assert liver(q(value, unit, "lab.bilirubin_total")).points == points


# -- unknown age and whole score ---------------------------------------------------------------


def test_unknown_age_ranges_over_the_bands() -> None:
    low_map = cardiovascular(mean_pressure(50), (), None)
    assert (low_map.low, low_map.high) == (0, 1)
    assert "age" in low_map.missing
    assert cardiovascular(mean_pressure(80), (), None).points == 0
    kidney = renal(creatinine(0.5), None)
    assert (kidney.low, kidney.high) == (0, 2)  # 0 under 1 month and as an adult, 2 at 1-11 months


def test_a_worked_child() -> None:
    # 40-month-old (band 24-59 mo): P/F 90 / 0.5 = 180 ventilated -> 3; platelets 45 -> 3;
    # bilirubin 2.4 -> 2; MAP 58 < 62 with dopamine 6 -> 3; GCS 11 -> 2; creatinine 0.9 -> 2.
    result = psofa(
        PsofaInputs(
            age_months=40,
            pao2=q(90, "mm[Hg]", "lab.pao2"),
            fio2=fio2(0.5),
            respiratory_support=True,
            platelets=q(45, "10*9/L", "lab.platelets"),
            bilirubin=q(2.4, "mg/dL", "lab.bilirubin_total"),
            mean_arterial_pressure=mean_pressure(58),
            infusions=(Infusion("drug.dopamine", 6),),
            gcs=11,
            creatinine=creatinine(0.9),
        )
    )
    assert result.value == 15
    assert result.summary() == "pSOFA 15"


def test_nothing_known() -> None:
    result = psofa(PsofaInputs(age_months=30))
    assert (result.low, result.high) == (0, 21)
    with pytest.raises(TrialkitInputError):
        psofa(PsofaInputs(age_months=-2))


# -- properties --------------------------------------------------------------------------------


@given(months=st.integers(0, 300), a=st.floats(0, 10), b=st.floats(0, 10))
def test_higher_creatinine_never_scores_lower(months: int, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert renal(creatinine(high), months).low >= renal(creatinine(low), months).low


@given(months=st.integers(0, 300), a=st.floats(0, 150), b=st.floats(0, 150))
def test_lower_map_never_scores_lower(months: int, a: float, b: float) -> None:
    low, high = sorted((a, b))
    lower = cardiovascular(mean_pressure(low), (), months).low
    assert lower >= cardiovascular(mean_pressure(high), (), months).low


@given(
    a=st.floats(10, 97),
    b=st.floats(10, 97),
    fraction=st.floats(0.21, 1.0),
    support=st.sampled_from([True, False, None]),
)
def test_lower_sf_never_scores_lower(
    a: float, b: float, fraction: float, support: bool | None
) -> None:
    low, high = sorted((a, b))
    worse = respiration(None, spo2(low), fio2(fraction), support)
    better = respiration(None, spo2(high), fio2(fraction), support)
    assert (worse.low, worse.high) >= (better.low, better.high)


@given(months=st.integers(0, 300), value=st.floats(0.05, 8))
def test_creatinine_unit_invariance(months: int, value: float) -> None:
    edges = age_band(months).creatinine
    assume(all(abs(value - edge) > 1e-6 for edge in edges))
    molar = creatinine(value).to("umol/L")
    assert (
        renal(creatinine(value), months).points == renal(creatinine(molar, "umol/L"), months).points
    )


@st.composite
def complete_inputs(draw: st.DrawFn) -> PsofaInputs:
    use_gas = draw(st.booleans())
    return PsofaInputs(
        age_months=draw(st.integers(0, 260)),
        pao2=q(draw(st.floats(30, 500)), "mm[Hg]", "lab.pao2") if use_gas else None,
        spo2=spo2(draw(st.floats(60, 97))),
        fio2=fio2(draw(st.floats(0.21, 1.0))),
        respiratory_support=draw(st.booleans()),
        platelets=q(draw(st.floats(0, 400)), "10*9/L", "lab.platelets"),
        bilirubin=q(draw(st.floats(0, 25)), "mg/dL", "lab.bilirubin_total"),
        mean_arterial_pressure=mean_pressure(draw(st.floats(20, 110))),
        infusions=tuple(
            Infusion(d, draw(st.floats(0, 20)))
            for d in draw(st.lists(st.sampled_from(sorted(adult.VASOACTIVE_TIERS)), max_size=2))
        ),
        gcs=draw(st.integers(3, 15)),
        creatinine=creatinine(draw(st.floats(0.1, 6))),
    )


_HIDEABLE = sorted(set(PsofaInputs.__dataclass_fields__) - {"pao2", "spo2"})


@settings(max_examples=150)
@given(complete=complete_inputs(), hidden=st.sets(st.sampled_from(_HIDEABLE)))
def test_any_completion_of_missing_inputs_lies_in_the_range(
    complete: PsofaInputs, hidden: set[str]
) -> None:
    fields = {name: getattr(complete, name) for name in PsofaInputs.__dataclass_fields__}
    partial = PsofaInputs(**{**fields, **dict.fromkeys(hidden)})
    bounds = psofa(partial)
    total = psofa(complete)
    assert total.value is not None
    assert bounds.low is not None and bounds.high is not None
    assert bounds.low <= total.value <= bounds.high


# -- the record adapter ------------------------------------------------------------------------

AT = datetime(2025, 6, 14, 12, 0)
CHILD = date(2022, 2, 10)  # 40 completed months on 14 June 2025


def obs(key: str, value: float, unit: str, when: datetime) -> Observation:
    return Observation(
        key, f"Observation/{key}-{when:%H%M}", when, None, value, Quantity(value, unit, key)
    )


def record(observations: list[Observation], birth: date | None = CHILD) -> PatientRecord:
    return PatientRecord("c1", birth, Sex.FEMALE, observations=group_observations(observations))


def child_day(t: datetime = AT - timedelta(hours=2)) -> list[Observation]:
    return [
        obs("vital.spo2", 94, "%", t),
        obs("vital.fio2", 40, "%", t - timedelta(hours=1)),
        obs("lab.platelets", 210, "10*9/L", t),
        obs("lab.bilirubin_total", 8, "umol/L", t),
        obs("vital.map", 60, "mm[Hg]", t),
        obs("assessment.gcs_total", 15, "1", t),
        obs("lab.creatinine", 0.5, "mg/dL", t),
    ]


def test_adapter_uses_sf_without_a_blood_gas_and_the_age_band() -> None:
    scored = psofa_from_record(record(child_day()), AT)
    assert scored is not None
    items = {i.name: i for i in scored.result.items}
    assert items["respiration"].points == 2  # 94 / 0.40 = 235
    assert items["cardiovascular"].points == 1  # 60 < 62 at 24-59 months
    assert "24-59 mo" in items["cardiovascular"].reason
    assert items["renal"].points == 0  # 0.5 < 0.6 at 24-59 months
    assert scored.result.value == 3
    assert scored.evidence["SpO2"][0].concept == "vital.spo2"
    assert any("40 completed months" in note for note in scored.result.notes)


def test_adapter_prefers_a_blood_gas() -> None:
    t = AT - timedelta(hours=1)
    values = [*child_day(), obs("lab.pao2", 120, "mm[Hg]", t), obs("vital.fio2", 0.4, "1", t)]
    scored = psofa_from_record(record(values), AT)
    assert scored is not None
    assert scored.result.items[0].points == 1  # P/F 300 -> 1
    assert "SpO2" not in scored.evidence


def test_adapter_explains_saturations_above_97() -> None:
    values = [o for o in child_day() if o.concept != "vital.spo2"]
    values.append(obs("vital.spo2", 99, "%", AT - timedelta(hours=1)))
    scored = psofa_from_record(record(values), AT)
    assert scored is not None
    item = scored.result.items[0]
    assert (item.low, item.high) == (0, 4)
    assert "97 %" in item.reason


def test_adapter_support_and_vasoactives_as_adult_sofa() -> None:
    t = AT - timedelta(hours=1)
    values = [*child_day(), obs("lab.pao2", 60, "mm[Hg]", t), obs("vital.fio2", 0.5, "1", t)]
    vent = Procedure(
        "procedure.mechanical_ventilation",
        "Procedure/v",
        t - timedelta(hours=3),
        None,
        "in-progress",
    )
    child = PatientRecord(
        "c1", CHILD, Sex.FEMALE, observations=group_observations(values), procedures=(vent,)
    )
    scored = psofa_from_record(child, AT)
    assert scored is not None
    assert scored.result.items[0].points == 3  # 120 with invasive ventilation


def test_assess_scores_children_only() -> None:
    assert len(assess(record(child_day()), AT)) == 1
    assert assess(record(child_day(), birth=None), AT) == ()
    assert assess(record(child_day(), birth=date(2007, 6, 14)), AT) == ()  # 18 today: adult SOFA
    assert len(assess(record(child_day(), birth=date(2007, 6, 15)), AT)) == 1
    assert psofa_from_record(record(child_day(), birth=None), AT) is None


def test_each_patient_gets_exactly_one_of_sofa_and_psofa() -> None:
    for birth in (None, date(2024, 1, 1), date(2007, 6, 15), date(2007, 6, 14), date(1950, 1, 1)):
        patient = record(child_day(), birth=birth)
        assert len(adult.assess(patient, AT)) + len(assess(patient, AT)) == 1
