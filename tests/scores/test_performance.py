"""Karnofsky and Lansky: age rules at their boundaries, level validation, wording, adapter."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialkit.errors import TrialkitInputError
from trialkit.record import Observation, PatientRecord, Sex
from trialkit.record.patient import group_observations
from trialkit.scores.performance import (
    KARNOFSKY,
    LANSKY,
    PERFORMANCE_LOOKBACK,
    Scale,
    assess,
    performance_scale,
    performance_status,
    validate_level,
    wording,
)
from trialkit.units import Quantity


@pytest.mark.parametrize(
    ("age", "scale"),
    [
        # CIBMTR (docs/clinical-decisions.md §5): Lansky 1 to < 16 y, Karnofsky from 16 y
        (0, Scale.LANSKY),
        (1, Scale.LANSKY),
        (15, Scale.LANSKY),
        (15.99, Scale.LANSKY),
        (16, Scale.KARNOFSKY),
        (16.01, Scale.KARNOFSKY),
        (70, Scale.KARNOFSKY),
    ],
)
def test_cibmtr_age_rule(age: float, scale: Scale) -> None:
    assert performance_scale(age) is scale


@pytest.mark.parametrize(
    ("age", "scale"),
    [(11, Scale.LANSKY), (12, Scale.LANSKY), (13, Scale.KARNOFSKY), (17, Scale.KARNOFSKY)],
)
def test_hem_ismart_age_rule(age: int, scale: Scale) -> None:
    # HEM-iSMART-C: Karnofsky for > 12 years, Lansky for <= 12 years (completed years)
    assert performance_scale(age, karnofsky_from_age=13) is scale


def test_negative_age_refused() -> None:
    with pytest.raises(TrialkitInputError, match="age"):
        performance_scale(-1)


def test_scales_have_eleven_levels() -> None:
    assert sorted(KARNOFSKY) == list(range(0, 101, 10))
    assert sorted(LANSKY) == list(range(0, 101, 10))
    assert KARNOFSKY[0] == "Dead"
    assert LANSKY[0] == "Unresponsive"
    assert "moribund" in KARNOFSKY[10].lower()
    assert "very sick" in KARNOFSKY[20].lower()
    assert "death not imminent" in KARNOFSKY[30]


@pytest.mark.parametrize("level", [0, 10, 50, 100, 70.0])
def test_valid_levels(level: float) -> None:
    assert validate_level(level, "assessment.karnofsky") == int(level)


@pytest.mark.parametrize("level", [-10, 5, 75, 99.9, 101, 110, float("nan"), float("inf")])
def test_invalid_levels_name_the_field(level: float) -> None:
    with pytest.raises(TrialkitInputError, match=r"assessment\.lansky: .* not a level"):
        validate_level(level, "assessment.lansky")


def test_wording_is_display_text() -> None:
    assert wording(Scale.KARNOFSKY, 50) == KARNOFSKY[50]
    assert wording(Scale.LANSKY, 60).startswith("Up and around")


def test_status_result() -> None:
    result = performance_status(60, Scale.LANSKY, age_years=8)
    assert result.value == 60
    assert result.score == "lansky"
    assert result.interpretation == LANSKY[60]
    assert result.notes == ()
    assert result.summary() == "Lansky play-performance scale 60"


def test_status_notes_a_scale_that_does_not_match_the_age() -> None:
    result = performance_status(80, Scale.KARNOFSKY, age_years=14)
    assert result.value == 80
    assert any("calls for the Lansky" in n for n in result.notes)
    # the same patient under the HEM-iSMART-C rule: no note
    assert performance_status(80, Scale.KARNOFSKY, 14, karnofsky_from_age=13).notes == ()


def test_lansky_under_one_year_is_noted() -> None:
    assert any("from 1 year" in n for n in performance_status(90, Scale.LANSKY, 0).notes)


def test_missing_level() -> None:
    result = performance_status(None, Scale.KARNOFSKY, 40)
    assert (result.low, result.high) == (None, None)
    assert result.missing == ("assessment.karnofsky",)


@given(age=st.floats(0, 120), cut=st.floats(1, 25))
def test_scale_switches_once(age: float, cut: float) -> None:
    expected = Scale.KARNOFSKY if age >= cut else Scale.LANSKY
    assert performance_scale(age, cut) is expected


# -- record adapter ---------------------------------------------------------------------------

AT = datetime(2025, 6, 15, 12, 0)


def level(scale: Scale, value: float, ago: timedelta = timedelta(days=1)) -> Observation:
    key = f"assessment.{scale.value}"
    return Observation(
        key, f"Observation/{scale.value}-{ago}", AT - ago, None, value, Quantity(value, "1", key)
    )


def patient(born: date | None, *items: Observation) -> PatientRecord:
    return PatientRecord("p1", born, Sex.FEMALE, observations=group_observations(items))


def test_assess_child_uses_lansky_when_both_recorded() -> None:
    (scored,) = assess(
        patient(date(2015, 1, 1), level(Scale.KARNOFSKY, 80), level(Scale.LANSKY, 70)), AT
    )
    assert scored.result.score == "lansky"
    assert scored.result.value == 70
    assert set(scored.evidence) == {"lansky"}


def test_assess_returns_other_scale_with_note() -> None:
    # 14 years old: Lansky under the CIBMTR rule, but only Karnofsky was recorded
    (scored,) = assess(patient(date(2011, 1, 1), level(Scale.KARNOFSKY, 60)), AT)
    assert scored.result.score == "karnofsky"
    assert scored.result.value == 60
    assert any("calls for the Lansky" in n for n in scored.result.notes)


def test_assess_adult_missing() -> None:
    (scored,) = assess(patient(date(1980, 1, 1)), AT)
    assert scored.result.score == "karnofsky"
    assert scored.result.missing == ("assessment.karnofsky",)


def test_assess_lookback() -> None:
    born = date(1980, 1, 1)
    (inside,) = assess(patient(born, level(Scale.KARNOFSKY, 90, PERFORMANCE_LOOKBACK)), AT)
    old = PERFORMANCE_LOOKBACK + timedelta(seconds=1)
    (outside,) = assess(patient(born, level(Scale.KARNOFSKY, 90, old)), AT)
    assert inside.result.value == 90
    assert outside.result.value is None


def test_assess_without_birth_date_uses_latest() -> None:
    record = patient(
        None,
        level(Scale.KARNOFSKY, 80, timedelta(days=3)),
        level(Scale.LANSKY, 50, timedelta(days=1)),
    )
    (scored,) = assess(record, AT)
    assert scored.result.score == "lansky"
    assert any("age unknown" in n for n in scored.result.notes)
    (empty,) = assess(patient(None), AT)
    assert empty.result.missing == ("assessment.karnofsky or assessment.lansky",)


def test_assess_refuses_an_invalid_recorded_level() -> None:
    with pytest.raises(TrialkitInputError, match=r"assessment\.karnofsky: 75"):
        assess(patient(date(1980, 1, 1), level(Scale.KARNOFSKY, 75)), AT)
