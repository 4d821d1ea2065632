"""QTc Fridericia: hand-computed and MedCalc-Bench cases, inputs, adapter pairing, properties."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialkit.errors import TrialkitInputError
from trialkit.record import Observation, PatientRecord, Sex
from trialkit.record.patient import group_observations
from trialkit.scores.qtc import ECG_LOOKBACK, assess, qtc_fridericia, reported_qtcf
from trialkit.units import Quantity


def qt(ms: float, unit: str = "ms") -> Quantity:
    return Quantity(ms, unit, "ecg.qt_interval")


def rr(value: float, unit: str = "ms") -> Quantity:
    return Quantity(value, unit, "ecg.rr_interval")


def hr(per_min: float) -> Quantity:
    return Quantity(per_min, "/min", "vital.heart_rate")


@pytest.mark.parametrize(
    ("qt_ms", "rate", "expected"),
    [
        # inputs of ncbi-nlp/MedCalc-Bench calculator_implementations/qt_calculator_fredericia.py
        # test_outputs; answers hand-computed: RR = 60/HR s, QTcF = QT / RR^(1/3)
        (400.0, 75.0, 400.0 / 0.8 ** (1 / 3)),  # 430.887 ms
        (350.0, 60.0, 350.0),
        (450.0, 90.0, 450.0 / (2 / 3) ** (1 / 3)),  # 515.121 ms
        # hand-computed: HR 120 -> RR 0.5 s -> 300 / 0.7937 = 377.98 ms
        (300.0, 120.0, 300.0 / 0.5 ** (1 / 3)),
    ],
)
def test_from_heart_rate(qt_ms: float, rate: float, expected: float) -> None:
    result = qtc_fridericia(qt(qt_ms), heart_rate=hr(rate))
    assert result.value == pytest.approx(expected, rel=1e-12)
    assert result.unit == "ms"
    assert result.score == "qtc_fridericia"


def test_spot_values() -> None:
    assert qtc_fridericia(qt(400), heart_rate=hr(75)).value == pytest.approx(430.887, abs=5e-4)
    assert qtc_fridericia(qt(450), heart_rate=hr(90)).value == pytest.approx(515.121, abs=5e-4)


def test_medcalc_rounding_differs_only_slightly() -> None:
    # MedCalc-Bench rounds RR to 5 decimals (60/90 -> 0.66667) before the cube root; trialkit does not
    medcalc = 450.0 / round(60 / 90, 5) ** (1 / 3)
    ours = qtc_fridericia(qt(450), heart_rate=hr(90)).value
    assert ours is not None
    assert ours != medcalc
    assert abs(ours - medcalc) < 0.01


def test_from_rr_in_ms_or_s() -> None:
    in_ms = qtc_fridericia(qt(400), rr(800)).value
    in_s = qtc_fridericia(qt(0.4, "s"), rr(0.8, "s")).value
    assert in_ms == pytest.approx(400 / 0.8 ** (1 / 3), rel=1e-12)
    assert in_s == pytest.approx(in_ms, rel=1e-12)


def test_measured_rr_wins_over_heart_rate() -> None:
    result = qtc_fridericia(qt(400), rr(1000), hr(75))
    assert result.value == pytest.approx(400.0)
    assert any("measured RR" in n for n in result.notes)


@pytest.mark.parametrize(
    ("q", "r", "h", "missing"),
    [
        (None, rr(800), None, ("QT interval",)),
        (qt(400), None, None, ("RR interval or heart rate",)),
        (None, None, None, ("QT interval", "RR interval or heart rate")),
    ],
)
def test_missing_inputs(
    q: Quantity | None, r: Quantity | None, h: Quantity | None, missing: tuple[str, ...]
) -> None:
    result = qtc_fridericia(q, r, h)
    assert (result.low, result.high) == (None, None)
    assert result.missing == missing


@pytest.mark.parametrize(
    ("q", "r", "h", "field"),
    [
        (qt(0), rr(800), None, "qt"),
        (qt(400), rr(-1), None, "rr"),
        (qt(400), None, hr(0), "heart_rate"),
    ],
)
def test_refuses_non_positive(
    q: Quantity, r: Quantity | None, h: Quantity | None, field: str
) -> None:
    with pytest.raises(TrialkitInputError, match=field):
        qtc_fridericia(q, r, h)


def test_reported_value_used_as_is() -> None:
    result = reported_qtcf(Quantity(0.452, "s", "ecg.qtc_fridericia"))
    assert result.value == pytest.approx(452.0)
    assert any("not recomputed" in n for n in result.notes)


@given(qt_ms=st.floats(200, 700))
def test_heart_rate_60_leaves_qt_unchanged(qt_ms: float) -> None:
    assert qtc_fridericia(qt(qt_ms), heart_rate=hr(60)).value == qt_ms
    assert qtc_fridericia(qt(qt_ms), rr(1000)).value == qt_ms


@given(a=st.floats(200, 700), b=st.floats(200, 700), rate=st.floats(30, 250))
def test_monotone_in_qt(a: float, b: float, rate: float) -> None:
    short, long = sorted((a, b))
    at_short = qtc_fridericia(qt(short), heart_rate=hr(rate)).value
    at_long = qtc_fridericia(qt(long), heart_rate=hr(rate)).value
    assert at_short is not None
    assert at_long is not None
    assert at_long >= at_short


@given(qt_ms=st.floats(200, 700), rate=st.floats(30, 250))
def test_heart_rate_and_rr_agree(qt_ms: float, rate: float) -> None:
    from_rate = qtc_fridericia(qt(qt_ms), heart_rate=hr(rate)).value
    from_rr = qtc_fridericia(qt(qt_ms), rr(60_000 / rate)).value
    assert from_rr == pytest.approx(from_rate, rel=1e-12)


# -- record adapter ---------------------------------------------------------------------------

AT = datetime(2025, 6, 15, 12, 0)


def obs(key: str, value: float, unit: str, time: datetime, resource: str) -> Observation:
    quantity = Quantity(value, unit, key)
    return Observation(key, resource, time, None, value, quantity)


def patient(*items: Observation) -> PatientRecord:
    return PatientRecord("p1", date(2010, 1, 1), Sex.MALE, observations=group_observations(items))


def test_assess_recomputes_qt_with_rr_of_same_ecg() -> None:
    t = AT - timedelta(days=1)
    record = patient(
        obs("ecg.qt_interval", 400, "ms", t, "Observation/ecg1#component[0]"),
        obs("ecg.rr_interval", 800, "ms", t, "Observation/ecg1#component[1]"),
        obs("ecg.rr_interval", 1000, "ms", t, "Observation/other"),
        obs("ecg.qtc_fridericia", 440, "ms", t, "Observation/ecg1#component[2]"),
    )
    (scored,) = assess(record, AT)
    assert scored.result.value == pytest.approx(400 / 0.8 ** (1 / 3))
    assert scored.evidence["rr"][0].resource == "Observation/ecg1#component[1]"
    assert any("also reports QTcF 440 ms" in n for n in scored.result.notes)


def test_assess_uses_heart_rate_at_the_same_time_only() -> None:
    t = AT - timedelta(hours=3)
    record = patient(
        obs("ecg.qt_interval", 400, "ms", t, "Observation/qt"),
        obs("vital.heart_rate", 120, "/min", t - timedelta(minutes=5), "Observation/hr-early"),
        obs("vital.heart_rate", 75, "/min", t, "Observation/hr"),
    )
    (scored,) = assess(record, AT)
    assert scored.result.value == pytest.approx(400 / 0.8 ** (1 / 3))
    assert set(scored.evidence) == {"qt", "heart_rate"}


def test_assess_falls_back_to_reported_qtcf() -> None:
    t = AT - timedelta(days=2)
    record = patient(
        obs("ecg.qt_interval", 400, "ms", t, "Observation/qt"),
        obs("ecg.qtc_fridericia", 452, "ms", t, "Observation/qtcf"),
    )
    (scored,) = assess(record, AT)
    assert scored.result.value == 452
    assert set(scored.evidence) == {"qtc_reported"}


def test_assess_latest_ecg_wins_and_incomplete_ones_are_skipped() -> None:
    old, new, newest = (AT - timedelta(days=d) for d in (5, 2, 1))
    record = patient(
        obs("ecg.qt_interval", 380, "ms", old, "Observation/a"),
        obs("ecg.rr_interval", 1000, "ms", old, "Observation/a"),
        obs("ecg.qtc_fridericia", 430, "ms", new, "Observation/b"),
        obs("ecg.qt_interval", 500, "ms", newest, "Observation/c"),  # no rate, no QTcF
    )
    (scored,) = assess(record, AT)
    assert scored.result.value == 430
    assert any("not used" in n for n in scored.result.notes)


def test_assess_lookback() -> None:
    def at_age(age: timedelta) -> PatientRecord:
        t = AT - age
        return patient(
            obs("ecg.qt_interval", 400, "ms", t, "Observation/qt"),
            obs("ecg.rr_interval", 1000, "ms", t, "Observation/rr"),
        )

    (inside,) = assess(at_age(ECG_LOOKBACK), AT)
    (outside,) = assess(at_age(ECG_LOOKBACK + timedelta(seconds=1)), AT)
    assert inside.result.value == 400
    assert outside.result.value is None
    assert outside.result.missing == ("QT interval", "RR interval or heart rate")


def test_assess_qt_without_rate() -> None:
    record = patient(obs("ecg.qt_interval", 400, "ms", AT, "Observation/qt"))
    (scored,) = assess(record, AT)
    assert scored.result.missing == ("RR interval or heart rate",)
