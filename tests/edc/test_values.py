"""Edit checks of one value (``trialkit.edc.values``): numbers written plainly, free text
without control characters, the laboratory normal range."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialkit.edc.values import MAX_TEXT, check_value, number_text
from trialkit.errors import EdcError
from trialkit.protocol.forms import FormItem

TODAY = date(2026, 3, 10)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e30, max_value=1e30))
def test_a_number_is_plain_decimal_text_of_the_same_value(number: float) -> None:
    text = number_text(number)
    assert "e" not in text.lower()
    assert float(text) == pytest.approx(number, rel=1e-11, abs=1e-300)


@pytest.mark.parametrize("bad", ["a\x00b", "line\x1bescape", "x\ud800"])
def test_control_characters_in_text_are_refused(bad: str) -> None:
    with pytest.raises(EdcError, match="control character"):
        check_value("f.t", FormItem(id="t", type="text"), bad, None, birth=None, today=TODAY)


def test_text_has_a_length_limit() -> None:
    item = FormItem(id="t", type="text")
    assert check_value("f.t", item, "ok\nline 2", None, birth=None, today=TODAY).text
    with pytest.raises(EdcError, match=f"at most {MAX_TEXT}"):
        check_value("f.t", item, "x" * (MAX_TEXT + 1), None, birth=None, today=TODAY)


def test_the_normal_range_is_kept_in_the_canonical_unit() -> None:
    # bilirubin 1 mg/dL = 17.1 umol/L (molar mass 584.66 g/mol, the vocabulary's)
    checked = check_value(
        "f.b",
        FormItem(concept="lab.bilirubin_direct"),
        "0.5",
        "mg/dL",
        birth=None,
        today=TODAY,
        reference=("0", "0.3"),
    )
    assert checked.unit == "umol/L"
    assert checked.reference_low == 0
    assert checked.reference_high == pytest.approx(5.13, rel=1e-3)


@pytest.mark.parametrize(
    ("reference", "message"),
    [(("-1", "3"), "negative"), (("5", "3"), "is empty"), (("a", "3"), "not a number")],
)
def test_a_bad_normal_range_is_refused(reference: tuple[str, str], message: str) -> None:
    with pytest.raises(EdcError, match=message):
        check_value(
            "f.b",
            FormItem(concept="lab.alt"),
            "40",
            "U/L",
            birth=None,
            today=TODAY,
            reference=reference,
        )


def test_only_a_laboratory_value_takes_a_normal_range() -> None:
    with pytest.raises(EdcError, match="only a laboratory value"):
        check_value(
            "f.d",
            FormItem(id="d", type="date"),
            "2026-01-01",
            None,
            birth=None,
            today=TODAY,
            reference=("0", "1"),
        )
