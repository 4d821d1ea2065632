"""HLH-2004 criteria against Henter 2007 Table I and Jordan 2011 Table 1, at every boundary.

The decisions cited below (§9.1, §9.3, §9.8) are those of docs/clinical-decisions.md.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from trialkit.errors import TrialkitInputError
from trialkit.record import Condition, GenomicFinding, Observation, PatientRecord, Sex
from trialkit.record.model import AlterationType
from trialkit.record.patient import group_observations
from trialkit.scores.hlh2004 import HENTER_2007, assess, hlh2004
from trialkit.scores.result import ScoreResult
from trialkit.units import Quantity, Threshold


def temp(value: float, unit: str = "Cel") -> Quantity:
    return Quantity(value, unit, "vital.temperature")


def hb(value: float, unit: str = "g/L") -> Quantity:
    return Quantity(value, unit, "lab.haemoglobin")


def plt(value: float, unit: str = "10*9/L") -> Quantity:
    return Quantity(value, unit, "lab.platelets")


def anc(value: float, unit: str = "10*9/L") -> Quantity:
    return Quantity(value, unit, "lab.neutrophils")


def tg(value: float, unit: str = "mmol/L") -> Quantity:
    return Quantity(value, unit, "lab.triglycerides")


def fib(value: float, unit: str = "g/L") -> Quantity:
    return Quantity(value, unit, "lab.fibrinogen")


def ferritin(value: float, unit: str = "ug/L") -> Quantity:
    return Quantity(value, unit, "lab.ferritin")


def scd25(value: float, unit: str = "U/mL") -> Quantity:
    return Quantity(value, unit, "lab.scd25")


def scd25_mass(value: float, unit: str = "pg/mL") -> Quantity:
    return Quantity(value, unit, "lab.scd25_mass")


def item(result: ScoreResult, name: str) -> tuple[float, float]:
    found = next(i for i in result.items if i.name == name)
    return found.low, found.high


MET, NOT_MET, OPEN = (1, 1), (0, 0), (0, 1)


# -- criterion 1: fever (decision §9.1: ≥ 38.5 °C by default) ------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [(38.4, NOT_MET), (38.5, MET), (38.6, MET), (37.0, NOT_MET)]
)
def test_fever_threshold(value: float, expected: tuple[int, int]) -> None:
    assert item(hlh2004(temperature=temp(value), fever=False), "fever") == expected


def test_fever_threshold_in_fahrenheit() -> None:
    assert item(hlh2004(temperature=temp(101.3, "[degF]"), fever=False), "fever") == MET  # 38.5 °C
    assert item(hlh2004(temperature=temp(101.2, "[degF]"), fever=False), "fever") == NOT_MET


def test_fever_threshold_is_a_parameter() -> None:
    result = hlh2004(temperature=temp(38.0), fever=False, fever_threshold=38.0)
    assert item(result, "fever") == MET
    assert "overridden" in result.notes[0]


def test_fever_finding_counts_and_missing_is_never_normal() -> None:
    assert item(hlh2004(temperature=temp(37.0), fever=True), "fever") == MET
    assert item(hlh2004(fever=True), "fever") == MET
    assert item(hlh2004(temperature=temp(39.0)), "fever") == MET
    below = hlh2004(temperature=temp(37.0))
    assert item(below, "fever") == OPEN
    assert "fever" in below.items[0].missing
    # A fever finding recorded absent is known absence (docs/fhir-input.md; issue 12
    # defect 11): "no fever" without a temperature is not met, not open.
    assert item(hlh2004(fever=False), "fever") == NOT_MET
    assert item(hlh2004(temperature=temp(39.0), fever=False), "fever") == MET
    assert hlh2004().items[0].missing == ("temperature", "fever")


# -- criterion 2, 5, 6: findings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("splenomegaly", "splenomegaly"),
        ("haemophagocytosis", "haemophagocytosis"),
        ("nk_activity_low", "nk_activity"),
    ],
)
def test_findings(field: str, name: str) -> None:
    assert item(hlh2004(**{field: True}), name) == MET
    assert item(hlh2004(**{field: False}), name) == NOT_MET
    result = hlh2004()
    assert item(result, name) == OPEN
    assert field in result.missing


# -- criterion 3: cytopenias -----------------------------------------------------------------------

LOW_PLT = plt(50)
LOW_ANC = anc(0.5)


@pytest.mark.parametrize(
    ("value", "age", "low"),
    [
        (89.9, 28, True),  # "Hemoglobin < 90 g/L"
        (90.0, 28, False),
        (90.1, 28, False),
        (99.9, 27, True),  # "(in infants < 4 weeks: hemoglobin < 100 g/L)"
        (100.0, 27, False),
        (100.1, 27, False),
        (95.0, 28, False),  # 28 days is 4 weeks: the adult limit applies
        (95.0, 0, True),
    ],
)
def test_haemoglobin_limits(value: float, age: int, low: bool) -> None:
    result = hlh2004(haemoglobin=hb(value), age_days=age, platelets=LOW_PLT, neutrophils=anc(2))
    assert item(result, "cytopenias") == (MET if low else NOT_MET)


def test_haemoglobin_with_unknown_age() -> None:
    def cyto(value: float) -> tuple[float, float]:
        return item(
            hlh2004(haemoglobin=hb(value), platelets=LOW_PLT, neutrophils=anc(2)), "cytopenias"
        )

    assert cyto(89.9) == MET
    assert cyto(100.0) == NOT_MET
    undecided = hlh2004(haemoglobin=hb(95), platelets=LOW_PLT, neutrophils=anc(2))
    assert item(undecided, "cytopenias") == OPEN
    assert "age_days" in undecided.missing


def test_haemoglobin_in_g_per_dl() -> None:
    def low(value: float) -> tuple[float, float]:
        result = hlh2004(
            haemoglobin=hb(value, "g/dL"), age_days=400, platelets=LOW_PLT, neutrophils=anc(2)
        )
        return item(result, "cytopenias")

    assert low(8.99) == MET
    assert low(9.0) == NOT_MET


@pytest.mark.parametrize(
    ("platelets", "neutrophils", "expected"),
    [
        (99.9, 0.99, MET),  # "Platelets < 100 × 10⁹/L", "Neutrophils < 1.0 × 10⁹/L"
        (100.0, 0.99, NOT_MET),
        (100.1, 0.99, NOT_MET),
        (99.9, 1.0, NOT_MET),
        (99.9, 1.01, NOT_MET),
    ],
)
def test_platelet_and_neutrophil_limits(
    platelets: float, neutrophils: float, expected: tuple[int, int]
) -> None:
    result = hlh2004(
        haemoglobin=hb(120), age_days=400, platelets=plt(platelets), neutrophils=anc(neutrophils)
    )
    assert item(result, "cytopenias") == expected


def test_counts_in_other_units() -> None:
    result = hlh2004(platelets=plt(99_900, "/uL"), neutrophils=anc(0.99, "10*3/uL"))
    assert item(result, "cytopenias") == MET


def test_cytopenias_with_missing_lineages() -> None:
    one_low = hlh2004(platelets=LOW_PLT)
    assert item(one_low, "cytopenias") == OPEN
    assert {"haemoglobin", "neutrophils"} <= set(one_low.missing)
    one_low_one_normal = hlh2004(platelets=LOW_PLT, neutrophils=anc(3))
    assert item(one_low_one_normal, "cytopenias") == OPEN
    # at most one lineage can still be low: decided, not met
    assert item(hlh2004(platelets=plt(200), neutrophils=anc(3)), "cytopenias") == NOT_MET
    assert (
        item(
            hlh2004(platelets=LOW_PLT, neutrophils=anc(3), haemoglobin=hb(120), age_days=400),
            "cytopenias",
        )
        == NOT_MET
    )
    assert item(hlh2004(platelets=LOW_PLT, neutrophils=LOW_ANC), "cytopenias") == MET


# -- criterion 4: triglycerides and/or fibrinogen (§9.3 unit-boundary trap) -------------------------


@pytest.mark.parametrize(
    ("quantity", "met"),
    [
        (tg(3.0), True),  # "Fasting triglycerides ≥ 3.0 mmol/L (i.e., ≥ 265 mg/dL)"
        (tg(2.99), False),
        (tg(3.01), True),
        (tg(265, "mg/dL"), True),  # = 2.992 mmol/L, yet met: compared in the reported unit
        (tg(264.9, "mg/dL"), False),
        (tg(2.992), False),  # the same concentration reported in mmol/L is not met
        (tg(2.65, "g/L"), True),  # g/L is commensurable with mg/dL: 265 mg/dL
    ],
)
def test_triglyceride_limit(quantity: Quantity, met: bool) -> None:
    result = hlh2004(triglycerides=quantity, fibrinogen=fib(3.0))
    assert item(result, "hypertriglyceridaemia_or_hypofibrinogenaemia") == (MET if met else NOT_MET)


@pytest.mark.parametrize(
    ("quantity", "met"),
    [
        (fib(1.5), True),  # "Fibrinogen ≤ 1.5 g/L"
        (fib(1.49), True),
        (fib(1.51), False),
        (fib(150, "mg/dL"), True),
        (fib(151, "mg/dL"), False),
    ],
)
def test_fibrinogen_limit(quantity: Quantity, met: bool) -> None:
    result = hlh2004(triglycerides=tg(1.0), fibrinogen=quantity)
    assert item(result, "hypertriglyceridaemia_or_hypofibrinogenaemia") == (MET if met else NOT_MET)


def test_lipids_and_or() -> None:
    name = "hypertriglyceridaemia_or_hypofibrinogenaemia"
    assert item(hlh2004(triglycerides=tg(4)), name) == MET
    assert item(hlh2004(fibrinogen=fib(1)), name) == MET
    only_tg = hlh2004(triglycerides=tg(1))
    assert item(only_tg, name) == OPEN
    assert "fibrinogen" in only_tg.missing
    assert "triglycerides" not in only_tg.missing


# -- criteria 7 and 8 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "met"),
    [
        (ferritin(500), True),  # "Ferritin ≥ 500 μg/L"
        (ferritin(499.9), False),
        (ferritin(500.1), True),
        (ferritin(500, "ng/mL"), True),
        (ferritin(0.5, "mg/L"), True),
    ],
)
def test_ferritin_limit(quantity: Quantity, met: bool) -> None:
    assert item(hlh2004(ferritin=quantity), "ferritin") == (MET if met else NOT_MET)


@pytest.mark.parametrize(
    ("quantity", "met"),
    [
        (scd25(2400), True),  # "sCD25 ≥ 2400 U/mL"
        (scd25(2399), False),
        (scd25(2401), True),
        (scd25(2400, "kU/L"), True),  # 1 kU/L = 1 U/mL
        (scd25(2399, "kU/L"), False),
    ],
)
def test_scd25_limit(quantity: Quantity, met: bool) -> None:
    assert item(hlh2004(scd25=quantity), "scd25") == (MET if met else NOT_MET)


def test_scd25_in_pg_per_ml_is_not_evaluated() -> None:
    """Decision §9.8: no fixed factor to U/mL; a ULN flag counts only when the protocol accepts it."""
    for above in (True, False, None):
        result = hlh2004(scd25=scd25_mass(50_000), scd25_above_uln=above)
        assert item(result, "scd25") == OPEN
        reason = next(i.reason for i in result.items if i.name == "scd25")
        assert "sCD25 reported in pg/mL: no fixed factor to U/mL" in reason
    accepted = hlh2004(scd25=scd25_mass(50_000), scd25_above_uln=True, accept_scd25_uln_flag=True)
    assert item(accepted, "scd25") == MET
    below = hlh2004(scd25=scd25_mass(500), scd25_above_uln=False, accept_scd25_uln_flag=True)
    assert item(below, "scd25") == OPEN


def test_uln_flag_does_not_override_a_value_in_u_per_ml() -> None:
    result = hlh2004(scd25=scd25(1000), scd25_above_uln=True, accept_scd25_uln_flag=True)
    assert item(result, "scd25") == NOT_MET


# -- Jordan 2011 strict comparators ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("inputs", "name", "expected"),
    [
        ({"triglycerides": tg(265, "mg/dL")}, "hypertriglyceridaemia_or_hypofibrinogenaemia", OPEN),
        (
            {"triglycerides": tg(265.1, "mg/dL")},
            "hypertriglyceridaemia_or_hypofibrinogenaemia",
            MET,
        ),
        ({"fibrinogen": fib(150, "mg/dL")}, "hypertriglyceridaemia_or_hypofibrinogenaemia", OPEN),
        ({"fibrinogen": fib(149.9, "mg/dL")}, "hypertriglyceridaemia_or_hypofibrinogenaemia", MET),
        ({"fibrinogen": fib(1.5)}, "hypertriglyceridaemia_or_hypofibrinogenaemia", OPEN),
        ({"ferritin": ferritin(500)}, "ferritin", NOT_MET),
        ({"ferritin": ferritin(500.1)}, "ferritin", MET),
        ({"scd25": scd25(2400)}, "scd25", OPEN),  # not above 2400; the lab norm is unknown
        ({"scd25": scd25(2401)}, "scd25", MET),
        ({"scd25": scd25(2400), "scd25_above_uln": False}, "scd25", NOT_MET),
        ({"scd25": scd25(1000), "scd25_above_uln": True}, "scd25", MET),
        ({"scd25": scd25_mass(3000), "scd25_above_uln": True}, "scd25", MET),
        ({"scd25": scd25_mass(300), "scd25_above_uln": False}, "scd25", NOT_MET),
        ({"scd25": scd25_mass(3000)}, "scd25", OPEN),
    ],
)
def test_jordan_2011(inputs: dict[str, Any], name: str, expected: tuple[int, int]) -> None:
    result = hlh2004(rules="jordan2011", **inputs)
    assert item(result, name) == expected
    assert result.label == "HLH-2004 (Jordan 2011 comparators)"


def test_jordan_triglycerides_in_mmol_per_l_convert_to_mg_per_dl() -> None:
    """Jordan prints mg/dL only, so mmol/L is converted (§9.3): 3.0 mmol/L = 265.7 mg/dL > 265."""
    name = "hypertriglyceridaemia_or_hypofibrinogenaemia"
    assert item(hlh2004(rules="jordan2011", triglycerides=tg(3.0)), name) == MET
    assert item(hlh2004(rules="jordan2011", triglycerides=tg(2.99)), name) == OPEN  # 264.8


@pytest.mark.parametrize(
    ("value", "age", "low"),
    [(8.99, 400, True), (9.0, 400, False), (9.99, 10, True), (10.0, 10, False)],
)
def test_jordan_haemoglobin(value: float, age: int, low: bool) -> None:
    result = hlh2004(
        rules="jordan2011",
        haemoglobin=hb(value, "g/dL"),
        age_days=age,
        platelets=LOW_PLT,
        neutrophils=anc(2),
    )
    assert item(result, "cytopenias") == (MET if low else NOT_MET)


# -- diagnosis: counts, the molecular route and Kleene logic ---------------------------------------

FIVE = {
    "temperature": temp(39.0),
    "splenomegaly": True,
    "platelets": LOW_PLT,
    "neutrophils": LOW_ANC,
    "ferritin": ferritin(5000),
    "triglycerides": tg(4.0),
}


def test_five_criteria_meet_the_diagnosis() -> None:
    result = hlh2004(**FIVE)
    assert (result.low, result.high) == (5, 8)
    assert result.category == "met"
    assert result.possible == ()
    assert "molecular" not in result.missing


def test_molecular_route_alone_meets_the_diagnosis() -> None:
    result = hlh2004(molecular=True)
    assert result.category == "met"
    assert (result.low, result.high) == (0, 8)  # the molecular item does not count
    route = result.items[-1]
    assert route.name == "molecular"
    assert route.counts is False


def test_not_met_needs_a_negative_molecular_route() -> None:
    four = {**FIVE, "splenomegaly": False}
    complete = {
        **four,
        "fever": False,
        "haemoglobin": hb(120),
        "age_days": 400,
        "fibrinogen": fib(3),
        "haemophagocytosis": False,
        "nk_activity_low": False,
        "scd25": scd25(500),
    }
    undetermined = hlh2004(**complete)
    assert (undetermined.low, undetermined.high) == (4, 4)
    assert undetermined.category is None
    assert undetermined.possible == ("met", "not_met")
    assert undetermined.missing == ("molecular",)
    assert "molecular route not evaluated" in (undetermined.interpretation or "")
    decided = hlh2004(**complete, molecular=False)
    assert decided.category == "not_met"
    assert decided.complete


def test_range_straddling_five_is_open_either_way() -> None:
    result = hlh2004(
        temperature=temp(39), splenomegaly=True, ferritin=ferritin(900), molecular=False
    )
    assert (result.low, result.high) == (3, 8)
    assert result.category is None
    assert "molecular" not in result.missing


def test_summary_reads_as_a_count() -> None:
    result = hlh2004(**FIVE)
    assert result.summary().startswith("HLH-2004 5–8 of 8 criteria (met); missing: ")
    assert "5/8 met, 0 not met, 3 not evaluated" in (result.interpretation or "")


def test_published_case_world_j_clin_cases_2022() -> None:
    """Sun J et al., World J Clin Cases 2022;10(10):3178, Table 2: 5/8 criteria met.

    Fever 39.7 °C, no splenomegaly, Hb 53 g/L and platelets 64×10⁹/L, fibrinogen
    1.26 g/L, haemophagocytosis in bone marrow, ferritin 679.93 ng/mL; NK
    activity and sCD25 marked "N" (taken here as not done); adult patient.
    """
    result = hlh2004(
        temperature=temp(39.7),
        splenomegaly=False,
        haemoglobin=hb(53),
        platelets=plt(64),
        fibrinogen=fib(1.26),
        haemophagocytosis=True,
        ferritin=ferritin(679.93, "ng/mL"),
    )
    assert result.low == 5
    assert result.category == "met"


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(TrialkitInputError, match="age_days"):
        hlh2004(age_days=-1)
    with pytest.raises(TrialkitInputError, match="ferritin"):
        hlh2004(ferritin=tg(3.0))
    with pytest.raises(TrialkitInputError, match="rules"):
        hlh2004(rules="hlh94")  # type: ignore[arg-type]
    with pytest.raises(TrialkitInputError, match="fever_threshold"):
        hlh2004(fever_threshold=100.4)


# -- properties ------------------------------------------------------------------------------------

FIELDS = (
    "temperature",
    "fever",
    "splenomegaly",
    "haemoglobin",
    "age_days",
    "platelets",
    "neutrophils",
    "triglycerides",
    "fibrinogen",
    "haemophagocytosis",
    "nk_activity_low",
    "ferritin",
    "scd25",
    "scd25_above_uln",
    "molecular",
)


def _values(draw: st.DrawFn) -> dict[str, float]:
    return {
        "temperature": draw(st.floats(35.0, 42.0)),
        "haemoglobin": draw(st.floats(40.0, 160.0)),
        "platelets": draw(st.floats(5.0, 400.0)),
        "neutrophils": draw(st.floats(0.0, 8.0)),
        "triglycerides": draw(st.floats(0.3, 8.0)),
        "fibrinogen": draw(st.floats(0.3, 6.0)),
        "ferritin": draw(st.floats(10.0, 50_000.0)),
        "scd25": draw(st.floats(100.0, 20_000.0)),
    }


def _flags(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "fever": draw(st.booleans()),
        "splenomegaly": draw(st.booleans()),
        "age_days": draw(st.integers(0, 6000)),
        "haemophagocytosis": draw(st.booleans()),
        "nk_activity_low": draw(st.booleans()),
        "scd25_above_uln": draw(st.booleans()),
        "molecular": draw(st.booleans()),
        "mass": draw(st.booleans()),
    }


def _build(values: dict[str, float], flags: dict[str, Any]) -> dict[str, Any]:
    made = scd25_mass if flags["mass"] else scd25
    return {
        **{k: v for k, v in flags.items() if k != "mass"},
        "temperature": temp(values["temperature"]),
        "haemoglobin": hb(values["haemoglobin"]),
        "platelets": plt(values["platelets"]),
        "neutrophils": anc(values["neutrophils"]),
        "triglycerides": tg(values["triglycerides"]),
        "fibrinogen": fib(values["fibrinogen"]),
        "ferritin": ferritin(values["ferritin"]),
        "scd25": made(values["scd25"]),
    }


@st.composite
def full_inputs(draw: st.DrawFn) -> dict[str, Any]:
    return _build(_values(draw), _flags(draw))


OPTIONS = st.fixed_dictionaries(
    {
        "rules": st.sampled_from(["henter2007", "jordan2011"]),
        "accept_scd25_uln_flag": st.booleans(),
    }
)


@settings(max_examples=300, deadline=None)
@given(full_inputs(), st.sets(st.sampled_from(FIELDS)), OPTIONS)
def test_missing_inputs_bound_every_filling(
    full: dict[str, Any], dropped: set[str], options: dict[str, Any]
) -> None:
    """The result with all inputs lies within the range of the result with some dropped.

    One exception, by design: a fever finding recorded false decides "no fever"
    (known absence) unless a temperature reaches the threshold, so dropping the
    temperature beside a "no fever" finding may turn fever from met to not met.
    """
    assume(not (full.get("fever") is False and "temperature" in dropped and "fever" not in dropped))
    complete = hlh2004(**full, **options)
    partial = hlh2004(**{k: v for k, v in full.items() if k not in dropped}, **options)
    assert partial.low is not None and partial.high is not None
    assert complete.low is not None and complete.high is not None
    assert partial.low <= complete.low <= complete.high <= partial.high
    for mine, theirs in zip(complete.items, partial.items, strict=True):
        assert theirs.low <= mine.low <= mine.high <= theirs.high, mine.name
    if partial.category is not None:
        assert complete.category == partial.category
    elif complete.category is not None:
        assert complete.category in partial.possible


@st.composite
def worse_pair(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """Inputs and the same inputs with higher temperature, TG, ferritin, sCD25 and lower counts."""
    values = _values(draw)
    worse = dict(values)
    for key in ("temperature", "triglycerides", "ferritin", "scd25"):
        worse[key] = values[key] + draw(st.floats(0.0, 10.0))
    for key in ("haemoglobin", "platelets", "neutrophils", "fibrinogen"):
        worse[key] = max(0.0, values[key] - draw(st.floats(0.0, 10.0)))
    flags = _flags(draw)
    return _build(values, flags), _build(worse, flags)


@settings(max_examples=300, deadline=None)
@given(worse_pair(), OPTIONS, st.sets(st.sampled_from(FIELDS)))
def test_worse_values_never_lower_the_count(
    pair: tuple[dict[str, Any], dict[str, Any]], options: dict[str, Any], dropped: set[str]
) -> None:
    base, worse = ({k: v for k, v in inputs.items() if k not in dropped} for inputs in pair)
    first = hlh2004(**base, **options)
    second = hlh2004(**worse, **options)
    assert first.low is not None and second.low is not None
    assert first.high is not None and second.high is not None
    assert second.low >= first.low
    assert second.high >= first.high


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0.3, 8.0),
    st.floats(35.0, 42.0),
    st.floats(4.0, 16.0),
    st.floats(0.3, 6.0),
)
def test_unit_invariance(tg_mmol: float, celsius: float, hb_g_dl: float, fib_g_l: float) -> None:
    """The same value in another unit gives the same criteria, except where §9.3 intends otherwise.

    Pure factors (g/dL ↔ g/L, mg/dL ↔ g/L, °F ↔ °C) never change a criterion. Triglycerides in
    mg/dL are compared with 265, in mmol/L with 3.0: they may differ only between 2.992 and
    3.0 mmol/L, the §9.3 trap.
    """
    base = hlh2004(
        temperature=temp(celsius),
        haemoglobin=hb(hb_g_dl * 10),
        age_days=400,
        fibrinogen=fib(fib_g_l),
        triglycerides=tg(tg_mmol),
        platelets=LOW_PLT,
    )
    other = hlh2004(
        temperature=temp(celsius * 9 / 5 + 32, "[degF]"),
        haemoglobin=hb(hb_g_dl, "g/dL"),
        age_days=400,
        fibrinogen=fib(fib_g_l * 100, "mg/dL"),
        triglycerides=tg(tg_mmol * 88.57, "mg/dL"),
        platelets=LOW_PLT,
    )
    for mine, theirs in zip(base.items, other.items, strict=True):
        if mine.name == "hypertriglyceridaemia_or_hypofibrinogenaemia" and 2.99 <= tg_mmol < 3.0:
            continue
        assert (mine.low, mine.high) == (theirs.low, theirs.high), mine.name


# -- the record adapter ----------------------------------------------------------------------------

AT = datetime(2025, 3, 10, 12, 0)


def obs(
    concept: str, value: float | bool, days_before: float, q: Quantity | None = None, **kw: Any
) -> Observation:
    return Observation(
        concept=concept,
        resource=f"Observation/{concept}-{days_before}",
        time=AT - timedelta(days=days_before),
        end=None,
        value=value,
        quantity=q,
        **kw,
    )


def record(
    *observations: Observation, birth: date | None = date(2020, 1, 1), **kw: Any
) -> PatientRecord:
    return PatientRecord(
        patient_id="p1",
        birth_date=birth,
        sex=Sex.FEMALE,
        observations=group_observations(observations),
        **kw,
    )


def test_adapter_reads_the_record_with_evidence() -> None:
    patient = record(
        obs("vital.temperature", 37.2, 1, temp(37.2)),
        obs("vital.temperature", 39.1, 3, temp(39.1)),
        obs("vital.temperature", 40.0, 9, temp(40.0)),  # outside the 7-day look-back
        obs("lab.platelets", 80.0, 2, plt(80)),
        obs("lab.neutrophils", 0.8, 2, anc(0.8)),
        obs("lab.ferritin", 12_000.0, 1, ferritin(12_000)),
        obs("lab.triglycerides", 2.992, 1, tg(265, "mg/dL")),  # met in the unit reported
        obs("lab.triglycerides", 2.995, 2, tg(2.995)),  # higher, but not met in mmol/L
        obs("finding.splenomegaly", True, 20),
        obs("finding.haemophagocytosis_marrow", True, 5),
    )
    (scored,) = assess(patient, AT)
    result = scored.result
    assert result.low == 6
    assert result.category == "met"
    assert scored.evidence["temperature"][0].resource == "Observation/vital.temperature-3"
    assert scored.evidence["triglycerides"][0].resource == "Observation/lab.triglycerides-1"
    assert "haemophagocytosis_marrow" in scored.evidence


def test_adapter_charted_temperatures_stand_for_the_fever_record() -> None:
    (scored,) = assess(record(obs("vital.temperature", 37.5, 1, temp(37.5))), AT)
    assert item(scored.result, "fever") == NOT_MET
    (nothing,) = assess(record(), AT)
    assert item(nothing.result, "fever") == OPEN


def test_adapter_infant_haemoglobin_uses_age_at_the_sample() -> None:
    born = AT.date() - timedelta(days=30)
    # drawn at 27 days of age: the infant limit (< 100 g/L) applies
    patient = record(
        obs("lab.haemoglobin", 95.0, 3, hb(95)),
        obs("lab.platelets", 50.0, 3, plt(50)),
        obs("lab.neutrophils", 3.0, 3, anc(3)),
        birth=born,
    )
    (scored,) = assess(patient, AT)
    assert item(scored.result, "cytopenias") == MET
    (unknown_age,) = assess(
        record(*(o for group in patient.observations.values() for o in group), birth=None), AT
    )
    assert item(unknown_age.result, "cytopenias") == OPEN


def test_adapter_scd25_flags() -> None:
    high = obs("lab.scd25_mass", 5000.0, 1, scd25_mass(5000), interpretation=("H",))
    (plain,) = assess(record(high), AT)
    assert item(plain.result, "scd25") == OPEN
    (accepted,) = assess(record(high), AT, accept_scd25_uln_flag=True)
    assert item(accepted.result, "scd25") == MET
    by_range = obs("lab.scd25_mass", 5000.0, 1, scd25_mass(5000), reference_high=1033.0)
    (ranged,) = assess(record(by_range), AT, accept_scd25_uln_flag=True)
    assert item(ranged.result, "scd25") == MET
    preferred = obs("lab.scd25", 3000.0, 2, scd25(3000))
    (both,) = assess(record(high, preferred), AT)
    assert item(both.result, "scd25") == MET
    assert both.evidence["scd25"][0].concept == "lab.scd25"


def test_adapter_molecular_route() -> None:
    condition = Condition(
        concept="condition.hlh_primary",
        resource="Condition/fhl2",
        onset=AT - timedelta(days=100),
        abatement=None,
        verification="confirmed",
        clinical_status="active",
    )
    (scored,) = assess(record(conditions=(condition,)), AT)
    assert scored.result.category == "met"
    assert scored.evidence["molecular"] == (condition,)
    variant = GenomicFinding(
        genes=("gene.prf1",),
        alteration=AlterationType.MUTATION,
        protein_change="A91V",
        resource="Observation/prf1",
        time=AT - timedelta(days=10),
    )
    (gene_only,) = assess(record(genomics=(variant,)), AT)
    assert gene_only.result.category is None  # a variant alone is not a molecular diagnosis
    assert any("gene.prf1" in note for note in gene_only.result.notes)
    assert item(gene_only.result, "molecular") == OPEN


def test_adapter_rule_set_is_named() -> None:
    (scored,) = assess(record(), AT, rules="jordan2011")
    assert scored.result.label.startswith("HLH-2004 (Jordan")
    assert HENTER_2007.name == "henter2007"


@given(
    st.sampled_from([90.0, 100.0, 9.0, 1.0, 1.5, 3.0, 265.0, 150.0, 500.0, 2400.0, 38.5]),
    st.floats(-1e-8, 1e-8) | st.sampled_from([0.0, 4.9e-10, 5e-10, 5.1e-10, -5e-10, 1e-9]),
    st.sampled_from(["<", "<=", ">=", ">"]),
)
def test_limit_rounds_values_only_where_rounding_can_matter(
    limit: float, offset: float, comparator: Any
) -> None:
    # Limit.holds rounds to 10 significant digits only near the limit; everywhere it
    # must agree with rounding every value.
    value = limit * (1 + offset)
    rounded = float(f"{value:.10g}")
    expected = {"<": rounded < limit, "<=": rounded <= limit, ">=": rounded >= limit}.get(
        comparator, rounded > limit
    )
    assert Threshold.of(comparator, {"g/L": limit}).holds(hb(value)) is expected
