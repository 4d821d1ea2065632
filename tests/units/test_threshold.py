"""The one threshold type: parsing, comparison in the reported unit (docs/clinical-decisions.md §9.3), negation, band tables."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import quantity_of
from trialkit.errors import DefinitionError
from trialkit.protocol.criteria import Measure
from trialkit.scores.bands import Band, band_points, bands, threshold
from trialkit.units import Quantity, Threshold
from trialkit.units.threshold import COMPARE, NEGATION, Bound

TG = Threshold.parse(">= 3.0 mmol/L; >= 265 mg/dL", "Henter 2007 Table I")
BILIRUBIN_4 = Threshold.parse(">= 12.0 mg/dL; > 204 umol/L", "Vincent 1996 Table 1")


def tg(value: float, unit: str) -> Quantity:
    return Quantity(value, unit, "lab.triglycerides")


def bilirubin(value: float, unit: str) -> Quantity:
    return Quantity(value, unit, "lab.bilirubin_total")


def test_parse_keeps_each_unit_with_its_comparator_in_the_printed_order() -> None:
    assert BILIRUBIN_4.bounds == (Bound(">=", 12.0, "mg/dL"), Bound(">", 204.0, "umol/L"))
    assert BILIRUBIN_4.limits == {"mg/dL": 12.0, "umol/L": 204.0}
    assert BILIRUBIN_4.comparator == ">="
    assert BILIRUBIN_4.source == "Vincent 1996 Table 1"
    assert str(TG) == "≥ 3 mmol/L"
    assert TG.text() == "≥ 3 mmol/L; ≥ 265 mg/dL"
    assert Threshold.parse("< 6 1").text() == "< 6"


def test_of_gives_every_unit_the_same_comparator() -> None:
    assert Threshold.of(">=", {"mmol/L": 3.0, "mg/dL": 265}, "Henter 2007 Table I") == TG


@pytest.mark.parametrize(
    "text",
    ["3.0 mmol/L", ">= mmol/L", ">= 3.0", "=> 3.0 mmol/L", ">= 3.0 mmol/L; ", ""],
)
def test_a_threshold_that_does_not_read_as_comparator_number_unit_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not 'comparator number unit'"):
        Threshold.parse(text)


def test_a_threshold_printing_a_unit_twice_or_pointing_both_ways_is_refused() -> None:
    with pytest.raises(ValueError, match="each unit once"):
        Threshold.parse(">= 3 mmol/L; > 3 mmol/L")
    with pytest.raises(ValueError, match="point one way"):
        Threshold.parse(">= 3 mmol/L; < 265 mg/dL")


def test_two_printed_units_are_two_boundaries_compared_in_the_reported_unit() -> None:
    # §9.3: 265 mg/dL is 2.992 mmol/L, below 3.0, yet meets the threshold printed in mg/dL
    assert TG.holds(tg(265, "mg/dL"))
    assert not TG.holds(tg(2.992, "mmol/L"))
    assert TG.holds(tg(3.0, "mmol/L"))
    assert not TG.holds(tg(264.9, "mg/dL"))
    # a unit the source does not print: converted to the first commensurable unit (2.65 g/L
    # = 265 mg/dL, the printed mg/dL boundary)
    assert TG.holds(tg(2.65, "g/L"))


def test_each_unit_keeps_its_own_comparator() -> None:
    assert BILIRUBIN_4.holds(bilirubin(12.0, "mg/dL"))  # "> 12.0", the 3-point band ends at 11.9
    assert not BILIRUBIN_4.holds(bilirubin(204, "umol/L"))  # "102-204" is the 3-point band
    assert BILIRUBIN_4.holds(bilirubin(204.1, "umol/L"))


def test_conversion_noise_does_not_move_a_printed_boundary() -> None:
    # 92 g/L is 9.200000000000001 g/dL in floating point
    hb = Threshold.parse("<= 9.2 g/dL")
    assert hb.holds(Quantity(92, "g/L", "lab.haemoglobin"))


@given(quantity_of("lab.triglycerides"))
def test_a_negated_threshold_holds_exactly_where_the_threshold_does_not(value: Quantity) -> None:
    for threshold_ in (TG, Threshold.parse("< 1.5 mmol/L"), Threshold.parse("> 265 mg/dL")):
        assert threshold_.negated().holds(value) is not threshold_.holds(value)
        assert threshold_.negated().negated() == threshold_


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.sampled_from(sorted(COMPARE)))
def test_negation_is_the_complement_of_each_comparator(value: float, limit: float, op: str) -> None:
    assert COMPARE[NEGATION[op]](value, limit) is not COMPARE[op](value, limit)  # type: ignore[index]


@given(quantity_of("lab.bilirubin_total"))
def test_holds_is_monotone_in_the_value(value: Quantity) -> None:
    # what the SQL compiler relies on to move a comparison into the reported unit
    higher = Quantity(value.value * 1.5 + 1, value.unit, value.concept)
    assert not BILIRUBIN_4.holds(value) or BILIRUBIN_4.holds(higher)


def test_band_table_rows_carry_their_source_and_go_from_the_most_points_down() -> None:
    rows = [
        {"points": 2, "when": "< 100 10*9/L", "source": "t"},
        {"points": 1, "when": "< 150 10*9/L", "source": "t"},
    ]
    table = bands(rows, "test")
    assert [b.points for b in table] == [2, 1]
    platelets = Quantity(120, "10*9/L", "lab.platelets")
    assert band_points(platelets, table) == (1, table[1])
    assert band_points(Quantity(150, "10*9/L", "lab.platelets"), table) == (0, None)
    assert isinstance(table[0], Band)


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ([{"points": 1, "when": "< 150 10*9/L"}], "source"),
        ([{"points": 1, "when": "< 150 10*9/L", "source": ""}], "source"),
        ([{"points": 1, "when": "150", "source": "t"}], "comparator number unit"),
        (
            [
                {"points": 1, "when": "< 150 10*9/L", "source": "t"},
                {"points": 2, "when": "< 100 10*9/L", "source": "t"},
            ],
            "most points down",
        ),
        (
            [
                {"points": 2, "when": "> 150 10*9/L", "source": "t"},
                {"points": 1, "when": "< 100 10*9/L", "source": "t"},
            ],
            "same way",
        ),
        ([], "non-empty list"),
    ],
)
def test_a_bad_band_table_names_the_table_and_the_reason(
    rows: list[dict[str, object]], reason: str
) -> None:
    with pytest.raises(DefinitionError, match=reason) as error:
        bands(rows, "sofa.yaml platelets")
    assert "sofa.yaml platelets" in str(error.value)


def test_a_threshold_row_without_its_source_is_refused() -> None:
    with pytest.raises(DefinitionError, match=r"hscore\.yaml x"):
        threshold({"when": "< 1 g/L"}, "hscore.yaml x")


def test_a_measure_criterion_compares_as_every_score_threshold() -> None:
    node = Measure.model_validate(
        {"measure": "lab.ferritin", "op": ">=", "value": 500, "unit": "ug/L", "within": "7 d"}
    )
    assert node.threshold(500) == Threshold.of(">=", {"ug/L": 500})
    # 0.49999999999 mg/L is 499.99999999 ug/L: within 1e-9 of the limit, compared at 10 digits
    assert node.threshold(500).holds(Quantity(0.49999999999, "mg/L", "lab.ferritin"))
    assert not node.threshold(500).holds(Quantity(0.49999, "mg/L", "lab.ferritin"))
    uln = Measure.model_validate({"measure": "lab.alt", "op": "<=", "uln": 5, "within": "7 d"})
    with pytest.raises(ValueError, match="multiples of the ULN"):
        uln.threshold(5)


def test_ctcae_limits_compare_twelve_digits_as_admiral_and_the_others_ten() -> None:
    anc = Quantity(0.49999999999, "10*9/L", "lab.neutrophils")  # 11 significant digits
    assert Threshold.of("<", {"10*9/L": 0.5}, digits=12).holds(anc)
    assert not Threshold.of("<", {"10*9/L": 0.5}).holds(anc)  # 10 digits: 0.5000000000
    assert Threshold.of("<", {"10*9/L": 0.5}, digits=12).negated().digits == 12
    with pytest.raises(ValueError, match="10 to 15 significant digits"):
        Threshold.of("<", {"10*9/L": 0.5}, digits=9)
