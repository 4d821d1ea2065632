"""``trialkit screen``'s human output (issue 12, review): what decided each criterion, in words.

Composite criteria show their parts (the HLH-2004 count with its components, values
with units and dates), the header counts exclusions as absent or present, the index
time has no microseconds, counts agree with their nouns, and a negated fact is never
printed as "not (…: yes)".
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from trialkit._wording import plural
from trialkit.cli import run
from trialkit.cli.common import console, shown_time
from trialkit.testing import BundleBuilder

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines wide enough that no asserted phrase is wrapped."""
    monkeypatch.setattr(console, "width", 400)


def _screen(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert run(["screen", *args]) == 0
    return capsys.readouterr().out


def test_header_counts_inclusions_met_and_exclusions_absent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _screen(capsys, str(EXAMPLES / "r-hlh-eligible.json"), "--protocol", "r-hlh")
    assert "Verdict: eligible (6 inclusions met; 13 exclusions absent)" in out
    assert "13 not met" not in out
    rows = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in out.splitlines()
        if "(excl.)" in line
    }
    assert set(rows.values()) == {"absent"}


def test_ineligible_header_names_the_exclusions_present(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _screen(capsys, str(EXAMPLES / "r-hlh-ineligible.json"), "--protocol", "r-hlh")
    assert (
        "Verdict: ineligible (3 inclusions met, 1 not met, 2 unknown; "
        "3 exclusions present, 10 unknown)"
    ) in out


def test_a_composite_shows_the_count_and_its_components(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _screen(capsys, str(EXAMPLES / "r-hlh-eligible.json"), "--protocol", "r-hlh")
    assert "✓ at least 5 of 8: 8 met" in out
    for component in (
        "✓ Body temperature 39.6 Cel on 2025-06-14 ≥ 38.5 Cel",
        "✓ Haemoglobin 7.4 g/dL (= 74 g/L) on 2025-06-14 < 90 g/L",
        "✓ Ferritin 8450 ng/mL (= 8450 ug/L) on 2025-06-14 ≥ 500 ug/L",
        "✓ Splenomegaly: yes (recorded 2025-06-14)",
    ):
        assert component in out
    assert "Observation/obs-" not in out  # the resource ids are in the JSON


def test_a_score_shows_its_threshold_and_components(capsys: pytest.CaptureFixture[str]) -> None:
    bundle = EXAMPLES / "jak-hs-icu-eligible.json"
    out = _screen(capsys, str(bundle), "--protocol", "jak-hs-icu")
    assert "✓ HScore 337 (required ≥ 200)" in out
    assert "ferritin (50 points): ferritin 14800 ug/L" in out
    assert "SOFA 15 (required ≥ 4)" in out
    assert "coagulation (3 points): platelets 31 10*9/L < 50 10*9/L" in out


def test_no_double_negative_for_a_negated_attestation(capsys: pytest.CaptureFixture[str]) -> None:
    out = _screen(capsys, str(EXAMPLES / "r-hlh-eligible.json"), "--protocol", "r-hlh")
    assert "not (" not in out
    line = next(line for line in out.splitlines() if line.startswith("│ E13 "))
    assert "Can take drugs orally or by nasogastric tube: yes (recorded 2025-06-14)" in line
    assert "none of 5: 5 not met" in out  # I3's "no previous HLH treatment" as a whole


def test_index_time_has_no_microseconds(capsys: pytest.CaptureFixture[str]) -> None:
    bundle = str(EXAMPLES / "r-hlh-eligible.json")
    out = _screen(capsys, bundle, "--protocol", "r-hlh", "--at", "2025-06-15")
    assert "index time 2025-06-15 (end of day)" in out
    assert ".999999" not in out and "23:59:59" not in out
    out = _screen(capsys, bundle, "--protocol", "r-hlh")
    assert "index time 2025-06-14 08:00\n" in out


def test_one_year_is_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = BundleBuilder("infant", "2024-03-01", "male")
    b.quantity("lab.ferritin", 800, "ug/L", "2025-06-14T08:00:00")
    path = tmp_path / "infant.json"
    path.write_text(json.dumps(b.build()), encoding="utf-8")
    out = _screen(capsys, str(path), "--protocol", "r-hlh", "--at", "2025-06-15")
    assert "age 1 year ·" in out
    assert "age 1 year at the index date (< 22 years)" in out
    assert "1 years" not in out
    assert run(["scores", str(path), "--at", "2025-06-15"]) == 0
    assert "age 1 year ·" in capsys.readouterr().out


def test_next_checks_say_criterion_for_one(capsys: pytest.CaptureFixture[str]) -> None:
    bundle = EXAMPLES / "rux-hlh-salvage-missing.json"
    out = _screen(capsys, str(bundle), "--protocol", "rux-hlh-salvage")
    assert "(criterion I5; decides I5)" in out
    assert "(criteria I3, I4; decides I3, I4)" in out


@pytest.mark.parametrize(
    ("count", "text"), [(0, "0 years"), (1, "1 year"), (2, "2 years"), (1.5, "1.5 years")]
)
def test_plural(count: float, text: str) -> None:
    assert plural(count, "year") == text


@pytest.mark.parametrize(
    ("at", "text"),
    [
        (datetime(2025, 6, 15, 23, 59, 59, 999999), "2025-06-15 (end of day)"),
        (datetime(2025, 6, 14, 8, 0), "2025-06-14 08:00"),
        (datetime(2025, 6, 14, 8, 0, 5, 123456), "2025-06-14 08:00:05"),
    ],
)
def test_shown_time(at: datetime, text: str) -> None:
    assert shown_time(at) == text
