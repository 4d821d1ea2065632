"""HScore against the Fardet 2014 points and probability tables, at every boundary.

Source of the expected values: Fardet L et al., Arthritis Rheumatol 2014;66:2613-2620, as
copied verbatim in Case Rep Rheumatol 2017:5304180, Table 3 (docs/clinical-decisions.md §2).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialkit.errors import TrialkitInputError
from trialkit.record import Observation, PatientRecord, Sex
from trialkit.record.patient import group_observations
from trialkit.scores.hscore import (
    MAX_SCORE,
    PROBABILITY_TABLE,
    assess,
    hscore,
    probability_band,
)
from trialkit.scores.result import ScoreResult
from trialkit.units import Quantity


def temp(value: float, unit: str = "Cel") -> Quantity:
    return Quantity(value, unit, "vital.temperature")


def hb(value: float, unit: str = "g/L") -> Quantity:
    return Quantity(value, unit, "lab.haemoglobin")


def wbc(value: float, unit: str = "10*9/L") -> Quantity:
    return Quantity(value, unit, "lab.leukocytes")


def plt(value: float, unit: str = "10*9/L") -> Quantity:
    return Quantity(value, unit, "lab.platelets")


def ferritin(value: float, unit: str = "ug/L") -> Quantity:
    return Quantity(value, unit, "lab.ferritin")


def tg(value: float, unit: str = "mmol/L") -> Quantity:
    return Quantity(value, unit, "lab.triglycerides")


def fib(value: float, unit: str = "g/L") -> Quantity:
    return Quantity(value, unit, "lab.fibrinogen")


def ast(value: float, unit: str = "U/L") -> Quantity:
    return Quantity(value, unit, "lab.ast")


def points(result: ScoreResult, name: str) -> tuple[float, float]:
    found = next(i for i in result.items if i.name == name)
    return found.low, found.high


# -- points per item, every band edge inclusive as printed ----------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (38.3, 0),  # "0 (< 38.4)"
        (38.4, 33),  # "33 (38.4–39.4)"
        (38.5, 33),
        (39.4, 33),
        (39.5, 49),  # "49 (> 39.4)"
        (39.41, 49),
    ],
)
def test_temperature(value: float, expected: int) -> None:
    assert points(hscore(temperature=temp(value)), "temperature") == (expected, expected)


def test_temperature_in_fahrenheit() -> None:
    assert points(hscore(temperature=temp(101.12, "[degF]")), "temperature") == (33, 33)  # 38.4
    assert points(hscore(temperature=temp(102.92, "[degF]")), "temperature") == (33, 33)  # 39.4
    assert points(hscore(temperature=temp(102.93, "[degF]")), "temperature") == (49, 49)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1999, 0), (2000, 35), (2001, 35), (5999, 35), (6000, 35), (6001, 50)],
)
def test_ferritin(value: float, expected: int) -> None:
    assert points(hscore(ferritin=ferritin(value)), "ferritin") == (expected, expected)
    assert points(hscore(ferritin=ferritin(value, "ng/mL")), "ferritin") == (expected, expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.49, 0), (1.5, 44), (1.51, 44), (3.99, 44), (4.0, 44), (4.01, 64)],
)
def test_triglycerides(value: float, expected: int) -> None:
    assert points(hscore(triglycerides=tg(value)), "triglycerides") == (expected, expected)


@pytest.mark.parametrize(
    ("mg_dl", "expected"),
    [
        (132.8, 0),  # 1.4994 mmol/L with the triolein molar mass 885.7 g/mol
        (132.9, 44),  # 1.5005 mmol/L
        (354.2, 44),  # 3.9991 mmol/L
        (354.3, 64),  # 4.0002 mmol/L
    ],
)
def test_triglycerides_in_mg_per_dl_are_converted(mg_dl: float, expected: int) -> None:
    """The HScore prints mmol/L only, so mg/dL is converted with the cited molar mass (§9.3)."""
    assert points(hscore(triglycerides=tg(mg_dl, "mg/dL")), "triglycerides") == (
        expected,
        expected,
    )


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (fib(2.51), 0),  # "0 (> 2.5)"
        (fib(2.5), 30),  # "30 (≤ 2.5)"
        (fib(2.49), 30),
        (fib(250, "mg/dL"), 30),
        (fib(251, "mg/dL"), 0),
    ],
)
def test_fibrinogen(quantity: Quantity, expected: int) -> None:
    assert points(hscore(fibrinogen=quantity), "fibrinogen") == (expected, expected)


@pytest.mark.parametrize(("value", "expected"), [(29, 0), (29.9, 0), (30, 19), (31, 19)])
def test_ast(value: float, expected: int) -> None:
    assert points(hscore(ast=ast(value)), "ast") == (expected, expected)


@pytest.mark.parametrize(
    ("field", "name", "yes"),
    [
        ("immunosuppression", "immunosuppression", 18),
        ("marrow_haemophagocytosis", "marrow_haemophagocytosis", 35),
    ],
)
def test_yes_no_items(field: str, name: str, yes: int) -> None:
    assert points(hscore(**{field: True}), name) == (yes, yes)
    assert points(hscore(**{field: False}), name) == (0, 0)
    assert points(hscore(), name) == (0, yes)


@pytest.mark.parametrize(
    ("liver", "spleen", "expected"),
    [
        (False, False, (0, 0)),
        (True, False, (23, 23)),
        (False, True, (23, 23)),
        (True, True, (38, 38)),
        (None, None, (0, 38)),
        (True, None, (23, 38)),
        (False, None, (0, 23)),
    ],
)
def test_organomegaly(liver: bool | None, spleen: bool | None, expected: tuple[int, int]) -> None:
    assert points(hscore(hepatomegaly=liver, splenomegaly=spleen), "organomegaly") == expected


# -- cytopenias: the HScore's own, inclusive definition --------------------------------------------

NORMAL = {"haemoglobin": hb(130), "leukocytes": wbc(7), "platelets": plt(250)}


@pytest.mark.parametrize(
    ("lineage", "quantity", "low"),
    [
        ("haemoglobin", hb(92), True),  # "≤ 9.2 g/dl"
        ("haemoglobin", hb(92.1), False),
        ("haemoglobin", hb(9.2, "g/dL"), True),
        ("haemoglobin", hb(9.21, "g/dL"), False),
        ("haemoglobin", hb(5.71, "mmol/L"), True),  # "(≤ 5.71 mmoles/liter)"
        ("haemoglobin", hb(5.72, "mmol/L"), False),
        ("leukocytes", wbc(5.0), True),  # "≤ 5000/mm³"
        ("leukocytes", wbc(5.01), False),
        ("leukocytes", wbc(5000, "/mm3"), True),
        ("leukocytes", wbc(5001, "/mm3"), False),
        ("platelets", plt(110), True),  # "≤ 110,000/mm³"
        ("platelets", plt(110.1), False),
        ("platelets", plt(110_000, "/uL"), True),
    ],
)
def test_cytopenia_limits(lineage: str, quantity: Quantity, low: bool) -> None:
    """One lineage scores 0; with a second low lineage the boundary shows as 24 vs 0."""
    inputs = {**NORMAL, lineage: quantity}
    other = "platelets" if lineage != "platelets" else "leukocytes"
    inputs[other] = {"platelets": plt(50), "leukocytes": wbc(1)}[other]
    assert points(hscore(**inputs), "cytopenias") == ((24, 24) if low else (0, 0))


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (NORMAL, (0, 0)),  # 0 lineages → 0
        ({**NORMAL, "platelets": plt(50)}, (0, 0)),  # "0 (1 lineage)"
        ({**NORMAL, "platelets": plt(50), "leukocytes": wbc(2)}, (24, 24)),  # "24 (2 lineages)"
        ({"platelets": plt(50), "leukocytes": wbc(2), "haemoglobin": hb(80)}, (34, 34)),
        ({}, (0, 34)),
        ({"platelets": plt(50)}, (0, 34)),
        ({"platelets": plt(50), "leukocytes": wbc(2)}, (24, 34)),
        ({"platelets": plt(500), "leukocytes": wbc(9)}, (0, 0)),  # at most 1 lineage
        ({"platelets": plt(500)}, (0, 24)),
    ],
)
def test_cytopenia_count(inputs: dict[str, Quantity], expected: tuple[int, int]) -> None:
    assert points(hscore(**inputs), "cytopenias") == expected


def test_cytopenias_use_leukocytes_not_neutrophils() -> None:
    with pytest.raises(TrialkitInputError, match="leukocytes"):
        hscore(leukocytes=Quantity(0.5, "10*9/L", "lab.neutrophils"))


# -- totals, ranges and the probability band -------------------------------------------------------

ALL_MAX: dict[str, Any] = {
    "immunosuppression": True,
    "temperature": temp(40),
    "hepatomegaly": True,
    "splenomegaly": True,
    "haemoglobin": hb(70),
    "leukocytes": wbc(1),
    "platelets": plt(20),
    "ferritin": ferritin(20_000),
    "triglycerides": tg(5),
    "fibrinogen": fib(1),
    "ast": ast(200),
    "marrow_haemophagocytosis": True,
}


def test_maximum_is_337() -> None:
    result = hscore(**ALL_MAX)
    assert result.value == MAX_SCORE == 337
    assert result.complete
    assert "≥ 250" in (result.interpretation or "")


def test_everything_unknown_spans_0_to_337() -> None:
    result = hscore()
    assert (result.low, result.high) == (0, 337)
    assert len(result.missing) == 12


def test_unknown_temperature_gives_0_to_49() -> None:
    inputs = {k: v for k, v in ALL_MAX.items() if k != "temperature"}
    result = hscore(**inputs)
    assert points(result, "temperature") == (0, 49)
    assert (result.low, result.high) == (337 - 49, 337)
    assert result.missing == ("temperature",)
    assert result.summary() == "HScore 288–337; missing: temperature"


def test_worked_total() -> None:
    """38.4 °C (33) + splenomegaly only (23) + 2 lineages (24) + ferritin 2000 (35) + TG 1.5 (44)
    + fibrinogen 2.5 (30) + AST 30 (19) = 208, no immunosuppression, no marrow haemophagocytosis."""
    result = hscore(
        immunosuppression=False,
        temperature=temp(38.4),
        hepatomegaly=False,
        splenomegaly=True,
        haemoglobin=hb(92),
        leukocytes=wbc(5.0),
        platelets=plt(110.1),
        ferritin=ferritin(2000),
        triglycerides=tg(1.5),
        fibrinogen=fib(2.5),
        ast=ast(30),
        marrow_haemophagocytosis=False,
    )
    assert result.value == 208
    assert "88–93 %" in (result.interpretation or "")


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "<1 %"),
        (90, "<1 %"),  # "90: <1"
        (91, "<1–1 %"),
        (100, "<1–1 %"),
        (101, "1–3 %"),
        (161, "40–54 %"),  # MDCalc "161–170 → 40–54 %" (docs/clinical-decisions.md §2.2)
        (169, "40–54 %"),  # the best cutoff is ~half, not 93 %
        (170, "40–54 %"),
        (171, "54–70 %"),
        (209, "88–93 %"),  # SHM abstract: HScore 209 = 88–93 % (docs/clinical-decisions.md §2.2)
        (240, "98–99 %"),
        (241, "99–>99 %"),
        (249, "99–>99 %"),
        (250, ">99 %"),  # "250: >99"
        (337, ">99 %"),
    ],
)
def test_probability_band(score: int, band: str) -> None:
    assert probability_band(score) == band


def test_probability_table_is_the_published_one() -> None:
    assert PROBABILITY_TABLE == (
        (90, "<1"), (100, "1"), (110, "3"), (120, "5"), (130, "9"), (140, "16"),
        (150, "25"), (160, "40"), (170, "54"), (180, "70"), (190, "80"), (200, "88"),
        (210, "93"), (220, "96"), (230, "98"), (240, "99"), (250, ">99"),
    )  # fmt: skip


def test_probability_band_refuses_non_scores() -> None:
    for bad in (-1, 338, 150.5):
        with pytest.raises(TrialkitInputError, match="score"):
            probability_band(bad)


def test_range_reports_the_band_of_each_end() -> None:
    inputs = {k: v for k, v in ALL_MAX.items() if k not in {"ferritin", "marrow_haemophagocytosis"}}
    inputs["immunosuppression"] = False
    inputs["temperature"] = temp(37)
    result = hscore(**inputs)
    assert (result.low, result.high) == (185, 270)  # 38 + 34 + 64 + 30 + 19; + 50 + 35
    text = result.interpretation or ""
    assert "Fardet 2014 table" in text
    assert "185 → 70–80 % (band 181–190)" in text
    assert "270 → >99 % (band ≥ 250)" in text


def test_cutoff_note_is_not_a_probability() -> None:
    note = hscore().notes[0]
    assert "169" in note
    assert "not a 93 % probability" in note
    assert "40–54 %" in note


# -- properties ------------------------------------------------------------------------------------

FIELDS = tuple(ALL_MAX)


def _values(draw: st.DrawFn) -> dict[str, float]:
    return {
        "temperature": draw(st.floats(35.0, 42.0)),
        "haemoglobin": draw(st.floats(40.0, 160.0)),
        "leukocytes": draw(st.floats(0.1, 30.0)),
        "platelets": draw(st.floats(5.0, 400.0)),
        "ferritin": draw(st.floats(10.0, 50_000.0)),
        "triglycerides": draw(st.floats(0.3, 8.0)),
        "fibrinogen": draw(st.floats(0.3, 6.0)),
        "ast": draw(st.floats(5.0, 2000.0)),
    }


def _flags(draw: st.DrawFn) -> dict[str, bool]:
    names = ("immunosuppression", "hepatomegaly", "splenomegaly", "marrow_haemophagocytosis")
    return {name: draw(st.booleans()) for name in names}


def _build(values: dict[str, float], flags: dict[str, bool]) -> dict[str, Any]:
    made = {
        "temperature": temp,
        "haemoglobin": hb,
        "leukocytes": wbc,
        "platelets": plt,
        "ferritin": ferritin,
        "triglycerides": tg,
        "fibrinogen": fib,
        "ast": ast,
    }
    return {**flags, **{k: made[k](v) for k, v in values.items()}}


@st.composite
def full_inputs(draw: st.DrawFn) -> dict[str, Any]:
    return _build(_values(draw), _flags(draw))


@settings(max_examples=300, deadline=None)
@given(full_inputs(), st.sets(st.sampled_from(FIELDS)))
def test_missing_inputs_bound_every_filling(full: dict[str, Any], dropped: set[str]) -> None:
    complete = hscore(**full)
    partial = hscore(**{k: v for k, v in full.items() if k not in dropped})
    assert complete.value is not None
    assert partial.low is not None and partial.high is not None
    assert partial.low <= complete.value <= partial.high
    assert set(partial.missing) == dropped
    for mine, theirs in zip(complete.items, partial.items, strict=True):
        assert theirs.low <= mine.low <= mine.high <= theirs.high, mine.name


@st.composite
def worse_pair(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """Inputs, and the same with higher temperature/ferritin/TG/AST and lower Hb/WBC/plt/fibrinogen."""
    values = _values(draw)
    worse = dict(values)
    for key in ("temperature", "ferritin", "triglycerides", "ast"):
        worse[key] = values[key] + draw(st.floats(0.0, 10.0))
    for key in ("haemoglobin", "leukocytes", "platelets", "fibrinogen"):
        worse[key] = max(0.0, values[key] - draw(st.floats(0.0, 10.0)))
    flags = _flags(draw)
    return _build(values, flags), _build(worse, flags)


@settings(max_examples=300, deadline=None)
@given(worse_pair(), st.sets(st.sampled_from(FIELDS)))
def test_worse_values_never_lower_the_score(
    pair: tuple[dict[str, Any], dict[str, Any]], dropped: set[str]
) -> None:
    base, worse = ({k: v for k, v in inputs.items() if k not in dropped} for inputs in pair)
    first, second = hscore(**base), hscore(**worse)
    assert first.low is not None and first.high is not None
    assert second.low is not None and second.high is not None
    assert second.low >= first.low
    assert second.high >= first.high


@settings(max_examples=200, deadline=None)
@given(
    st.floats(35.0, 42.0),
    st.floats(4.0, 16.0),
    st.floats(0.1, 30.0),
    st.floats(5.0, 400.0),
    st.floats(10.0, 50_000.0),
    st.floats(0.3, 6.0),
    st.floats(0.3, 8.0),
)
def test_unit_invariance(
    celsius: float,
    g_dl: float,
    per_l: float,
    platelets: float,
    ferr: float,
    fib_g_l: float,
    mmol: float,
) -> None:
    """The same values in other allowed units give the same items (pure factors: g/dL, mg/dL,
    /mm³, ng/mL, °F; triglycerides in mg/dL through the cited molar mass, as the HScore prints
    mmol/L only)."""
    base = hscore(
        temperature=temp(celsius),
        haemoglobin=hb(g_dl * 10),
        leukocytes=wbc(per_l),
        platelets=plt(platelets),
        ferritin=ferritin(ferr),
        fibrinogen=fib(fib_g_l),
        triglycerides=tg(mmol),
    )
    other = hscore(
        temperature=temp(celsius * 9 / 5 + 32, "[degF]"),
        haemoglobin=hb(g_dl, "g/dL"),
        leukocytes=wbc(per_l * 1000, "/mm3"),
        platelets=plt(platelets, "10*3/uL"),
        ferritin=ferritin(ferr, "ng/mL"),
        fibrinogen=fib(fib_g_l * 100, "mg/dL"),
        triglycerides=tg(tg(mmol).to("mg/dL"), "mg/dL"),
    )
    for mine, theirs in zip(base.items, other.items, strict=True):
        assert (mine.low, mine.high) == (theirs.low, theirs.high), mine.name


# -- the record adapter ----------------------------------------------------------------------------

AT = datetime(2025, 3, 10, 12, 0)


def obs(
    concept: str, value: float | bool, days_before: float, q: Quantity | None = None
) -> Observation:
    return Observation(
        concept=concept,
        resource=f"Observation/{concept}-{days_before}",
        time=AT - timedelta(days=days_before),
        end=None,
        value=value,
        quantity=q,
    )


def record(*observations: Observation) -> PatientRecord:
    return PatientRecord(
        patient_id="p1",
        birth_date=date(2012, 5, 1),
        sex=Sex.MALE,
        observations=group_observations(observations),
    )


def test_adapter_takes_the_worst_value_of_7_days() -> None:
    patient = record(
        obs("vital.temperature", 38.0, 1, temp(38.0)),
        obs("vital.temperature", 39.6, 4, temp(39.6)),
        obs("vital.temperature", 41.0, 8, temp(41.0)),  # outside the look-back
        obs("lab.ferritin", 1500.0, 1, ferritin(1500)),
        obs("lab.ferritin", 7000.0, 6, ferritin(7000)),
        obs("lab.fibrinogen", 3.0, 1, fib(3.0)),
        obs("lab.fibrinogen", 2.0, 2, fib(2.0)),
        obs("lab.platelets", 90.0, 1, plt(90)),
        obs("lab.leukocytes", 3.0, 1, wbc(3.0)),
        obs("lab.haemoglobin", 120.0, 1, hb(120)),
        obs("finding.splenomegaly", True, 10),
        obs("finding.hepatomegaly", False, 10),
        obs("finding.haemophagocytosis", True, 3),  # site unstated: not the marrow item
    )
    (scored,) = assess(patient, AT)
    result = scored.result
    assert points(result, "temperature") == (49, 49)
    assert points(result, "ferritin") == (50, 50)
    assert points(result, "fibrinogen") == (30, 30)
    assert points(result, "cytopenias") == (24, 24)
    assert points(result, "organomegaly") == (23, 23)
    assert points(result, "marrow_haemophagocytosis") == (0, 35)
    assert scored.evidence["temperature"][0].resource == "Observation/vital.temperature-4"
    assert scored.evidence["ferritin"][0].resource == "Observation/lab.ferritin-6"
    assert set(result.missing) == {
        "immunosuppression",
        "triglycerides",
        "ast",
        "marrow_haemophagocytosis",
    }


def test_adapter_on_an_empty_record() -> None:
    (scored,) = assess(record(), AT)
    assert (scored.result.low, scored.result.high) == (0, 337)
    assert scored.evidence == {}
