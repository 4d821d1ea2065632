"""The paediatric ULN table: every band at both boundaries, per sex, against the cited rows.

The expected numbers are written here from the sources, not read from the
package's table (STYLE §2: a table cited but untested is still wrong):

- Creatinine: UCSF Clinical Laboratories lab manual, "Creatinine, Plasma /
  Serum" (test 265), normal-range table, paediatric rows "adopted from
  CLSI-based transference of the CALIPER database ... to Beckman Coulter DxC
  biochemical assays, Clin Biochem 2015;48:870-880"; enzymatic, IDMS-traceable.
- ALT: CALIPER 2012 (Colantonio, Clin Chem 2012;58:854-868) as tabulated in
  Flegar-Meštrić et al., World J Methodol 2016;6(1):93-100, Table 2.
- AST: the same, Table 3.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import pytest

from trialkit.errors import DefinitionError, TrialkitInputError
from trialkit.units import Limit, reference_intervals, upper_limit, upper_limits
from trialkit.units.reference_intervals import _parse, age_reached

BIRTH = date(2012, 3, 15)
MG_DL_TO_UMOL_L = 10_000 / 113.12  # creatinine 113.12 g/mol (concepts.yaml)

Sex = Literal["male", "female"] | None
# (concept, sex, from, to, ULN as printed, unit as printed); ages as (number, "d" | "a").
Band = tuple[str, Sex, tuple[int, str], tuple[int, str], float, str]

BANDS: list[Band] = [
    # UCSF lab manual test 265, rows "0 to 14 days 0.30-0.90 mg/dL 0.30-0.90 mg/dL",
    # "15 days to < 2 years 0.10-0.30", "2 to < 5 years 0.20-0.40", "5 to < 12 years
    # 0.30-0.60", "12 to < 15 years 0.40-0.80" (male = female).
    ("lab.creatinine", None, (0, "d"), (15, "d"), 0.90, "mg/dL"),
    ("lab.creatinine", None, (15, "d"), (2, "a"), 0.30, "mg/dL"),
    ("lab.creatinine", None, (2, "a"), (5, "a"), 0.40, "mg/dL"),
    ("lab.creatinine", None, (5, "a"), (12, "a"), 0.60, "mg/dL"),
    ("lab.creatinine", None, (12, "a"), (15, "a"), 0.80, "mg/dL"),
    # Same table, row "15 to < 19 years 0.60-1.00 mg/dL (male) 0.50-0.80 mg/dL (female)".
    ("lab.creatinine", "male", (15, "a"), (19, "a"), 1.00, "mg/dL"),
    ("lab.creatinine", "female", (15, "a"), (19, "a"), 0.80, "mg/dL"),
    # World J Methodol 2016 Table 2, CALIPER rows: "Male, female 0 < 1 5-51",
    # "Male, female 1 < 13 11-30", "Male 13 < 19 10-33", "Female 13 < 19 8-24".
    ("lab.alt", None, (0, "d"), (1, "a"), 51, "U/L"),
    ("lab.alt", None, (1, "a"), (13, "a"), 30, "U/L"),
    ("lab.alt", "male", (13, "a"), (19, "a"), 33, "U/L"),
    ("lab.alt", "female", (13, "a"), (19, "a"), 24, "U/L"),
    # World J Methodol 2016 Table 3, CALIPER rows: "Male, female 1 < 7 26-55",
    # "Male, female 7 < 12 22-41", "Male 12 < 19 18-40", "Female 12 < 19 17-33".
    ("lab.ast", None, (1, "a"), (7, "a"), 55, "U/L"),
    ("lab.ast", None, (7, "a"), (12, "a"), 41, "U/L"),
    ("lab.ast", "male", (12, "a"), (19, "a"), 40, "U/L"),
    ("lab.ast", "female", (12, "a"), (19, "a"), 33, "U/L"),
]


def _on(age: tuple[int, str]) -> date:
    value, unit = age
    if unit == "d":
        return BIRTH + timedelta(days=value)
    return BIRTH.replace(year=BIRTH.year + value)


def _expected(concept: str, sex: Sex, on: date) -> float | None:
    """The printed ULN that the bands above give for this day (None: no row)."""
    for key, band_sex, start, end, uln, _ in BANDS:
        if key == concept and band_sex in (None, sex) and _on(start) <= on < _on(end):
            return uln
    return None


def _canonical(concept: str, printed: float) -> float:
    return printed * MG_DL_TO_UMOL_L if concept == "lab.creatinine" else printed


def _check(concept: str, sex: Literal["male", "female"], on: date) -> None:
    expected = _expected(concept, sex, on)
    got = upper_limit(concept, BIRTH, on, sex)
    if expected is None:
        assert got is None, (concept, sex, on)
        return
    assert got is not None, (concept, sex, on)
    assert got.reported == expected
    assert got.value == pytest.approx(_canonical(concept, expected))


@pytest.mark.parametrize("band", BANDS, ids=lambda b: f"{b[0]}-{b[1] or 'both'}-{b[2]}-{b[3]}")
def test_every_band_at_its_boundaries(band: Band) -> None:
    concept, band_sex, start, end, uln, unit = band
    for sex in (band_sex,) if band_sex else ("male", "female"):
        # At the lower bound (inclusive) and the day before the upper bound: this band.
        for on in (_on(start), _on(end) - timedelta(days=1)):
            limit = upper_limit(concept, BIRTH, on, sex)
            assert limit is not None, (on, sex)
            assert (limit.reported, limit.reported_unit) == (uln, unit)
            assert limit.sex == band_sex
        # The day before the lower bound and the upper bound itself: the neighbour (or no row).
        if start != (0, "d"):
            _check(concept, sex, _on(start) - timedelta(days=1))
        _check(concept, sex, _on(end))


def test_the_table_has_exactly_the_cited_rows() -> None:
    table = reference_intervals()
    assert set(table.concepts) == {"lab.creatinine", "lab.alt", "lab.ast"}
    rows = sorted(
        (r.concept, r.sex, r.from_, r.to, r.upper, r.unit)
        for key in table.concepts
        for r in table.bands(key)
    )
    written = sorted(
        (c, s or "both", f"{a[0]} {a[1]}", f"{b[0]} {b[1]}", uln, unit)
        for c, s, a, b, uln, unit in BANDS
    )
    assert rows == written


def test_the_lower_limits_are_the_cited_ones() -> None:
    lower = {
        (r.concept, r.sex, r.from_): r.lower
        for key in reference_intervals().concepts
        for r in reference_intervals().bands(key)
    }
    assert lower == {
        ("lab.creatinine", "both", "0 d"): 0.30,
        ("lab.creatinine", "both", "15 d"): 0.10,
        ("lab.creatinine", "both", "2 a"): 0.20,
        ("lab.creatinine", "both", "5 a"): 0.30,
        ("lab.creatinine", "both", "12 a"): 0.40,
        ("lab.creatinine", "male", "15 a"): 0.60,
        ("lab.creatinine", "female", "15 a"): 0.50,
        ("lab.alt", "both", "0 d"): 5,
        ("lab.alt", "both", "1 a"): 11,
        ("lab.alt", "male", "13 a"): 10,
        ("lab.alt", "female", "13 a"): 8,
        ("lab.ast", "both", "1 a"): 26,
        ("lab.ast", "both", "7 a"): 22,
        ("lab.ast", "male", "12 a"): 18,
        ("lab.ast", "female", "12 a"): 17,
    }


def test_every_row_names_its_source_and_printed_row() -> None:
    table = reference_intervals()
    for key in table.concepts:
        for row in table.bands(key):
            source = table.source(row.source)
            assert source.citation and source.checked and row.row and row.method


def test_below_the_first_ast_band_and_from_19_years_there_is_no_row() -> None:
    assert upper_limit("lab.ast", BIRTH, _on((1, "a")) - timedelta(days=1), "male") is None
    assert upper_limit("lab.alt", BIRTH, _on((19, "a")), "female") is None
    assert upper_limit("lab.bilirubin_direct", BIRTH, _on((5, "a")), "female") is None
    assert upper_limits("lab.bilirubin_direct", _on((5, "a")), BIRTH, "female") == ()


def test_unknown_sex_gives_both_sexes_of_a_partitioned_band() -> None:
    on = _on((16, "a"))
    limits = upper_limits("lab.creatinine", on, BIRTH, None)
    assert [(lim.sex, lim.reported) for lim in limits if lim] == [("male", 1.0), ("female", 0.8)]
    assert upper_limit("lab.creatinine", BIRTH, on) is None
    (both,) = upper_limits("lab.creatinine", _on((14, "a")), BIRTH, None)
    assert both is not None and both.sex is None and both.reported == 0.8


def test_unknown_birth_date_gives_every_band_and_no_row() -> None:
    limits = upper_limits("lab.alt", date(2025, 6, 15), None, "female")
    assert [lim.reported if lim else None for lim in limits] == [51, 30, 24, None]


def test_a_29_february_birthday_is_reached_on_1_march() -> None:
    birth = date(2016, 2, 29)
    assert not age_reached(birth, date(2021, 2, 28), "5 a")
    assert age_reached(birth, date(2021, 3, 1), "5 a")
    before = upper_limit("lab.creatinine", birth, date(2021, 2, 28), "male")
    after = upper_limit("lab.creatinine", birth, date(2021, 3, 1), "male")
    assert before is not None and before.reported == 0.40  # 2 to < 5 years
    assert after is not None and after.reported == 0.60  # 5 to < 12 years


def test_an_age_before_birth_is_refused() -> None:
    with pytest.raises(TrialkitInputError, match="before the birth date"):
        upper_limit("lab.alt", BIRTH, BIRTH - timedelta(days=1))


def test_a_limit_says_which_uln_it_is() -> None:
    limit = upper_limit("lab.creatinine", BIRTH, _on((3, "a")), "female")
    assert isinstance(limit, Limit)
    text = limit.describe()
    assert text.startswith("ULN 0.4 mg/dL (35.36 umol/L) for age 2 y to <5 y, both sexes, ")
    assert "CALIPER" in text


# -- malformed tables --------------------------------------------------------------------------
SOURCE = """
sources:
  - {key: s, label: S, citation: C, checked: K}
"""


def _row(**fields: object) -> str:
    row: dict[str, object] = {
        "concept": "lab.alt",
        "sex": "both",
        "from": "0 d",
        "to": "1 a",
        "lower": 5,
        "upper": 51,
        "unit": "U/L",
        "method": "m",
        "source": "s",
        "row": "r",
    }
    row.update(fields)
    return "  - {" + ", ".join(f"{k}: {v}" for k, v in row.items()) + "}\n"


def _table(*rows: str) -> str:
    return SOURCE + "intervals:\n" + "".join(rows)


def test_a_well_formed_table_loads_and_equal_ages_join() -> None:
    table = _parse(
        _table(_row(to="12 mo"), _row(**{"from": "1 a", "to": "2 a"}, upper=30)), "t.yaml"
    )
    assert [r.upper for r in table.bands("lab.alt")] == [51, 30]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_table(_row(), _row(**{"from": "6 mo", "to": "2 a"})), "overlap"),
        (_table(_row(), _row(**{"from": "2 a", "to": "3 a"})), "leave a gap"),
        (_table(_row(), _row(sex="male"), _row(sex="female")), "overlap"),
        (_table(_row(), _row(sex="male", **{"from": "13 mo", "to": "2 a"})), "gap"),
        (_table(_row(concept="lab.nonexistent")), "unknown concept"),
        (_table(_row(concept="finding.splenomegaly")), "no numeric value"),
        (_table(_row(unit="g/L")), "cannot express"),
        (_table(_row(source="elsewhere")), "unknown source"),
        (_table(_row(**{"from": "1 a", "to": "1 a"})), "must be below"),
        (_table(_row(**{"from": "1 a", "to": "6 mo"})), "must be below"),
        (_table(_row(lower=60)), "lower 60 must be below upper 51"),
        (_table(_row(to="1 year")), "to"),
        (_table(_row(sex="unknown")), "sex"),
        (_table(_row(extra=1)), "extra"),
        (SOURCE + SOURCE.replace("sources:\n", "") + "intervals: []\n", "duplicate source"),
        ("sources: [\n", "invalid YAML"),
        ("- just a list\n", "t.yaml"),
    ],
)
def test_a_malformed_table_is_refused(text: str, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        _parse(text, "t.yaml")
