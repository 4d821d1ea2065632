"""Operating characteristics: exact values at known points, shape, grid and plot files."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from scipy.stats import binom

from trialkit.design import (
    TwoStageDesign,
    operating_characteristics,
    plot_operating_characteristics,
    response_grid,
    simon_designs,
)
from trialkit.errors import DesignInputError

DESIGN = TwoStageDesign(3, 13, 12, 43)  # Simon's optimal design for p0 0.2, p1 0.4


def brute_force(design: TwoStageDesign, p: float) -> tuple[float, float]:
    """PET and P(promising) by enumerating (x1, x2) with scipy's binomial pmf."""
    pet = float(binom.cdf(design.r1, design.n1, p))
    promising = sum(
        float(binom.pmf(x1, design.n1, p) * binom.pmf(x2, design.n2, p))
        for x1 in range(design.r1 + 1, design.n1 + 1)
        for x2 in range(design.n2 + 1)
        if x1 + x2 > design.r
    )
    return pet, promising


@pytest.mark.parametrize("p", [0.05, 0.2, 0.33, 0.4, 0.75])
def test_matches_enumeration_of_all_outcomes(p: float) -> None:
    (point,) = operating_characteristics(DESIGN, [p])
    pet, promising = brute_force(DESIGN, p)
    assert point.pet == pytest.approx(pet, abs=1e-13)
    assert point.p_promising == pytest.approx(promising, abs=1e-13)
    assert point.expected_n == pytest.approx(DESIGN.n1 + (1 - pet) * DESIGN.n2, abs=1e-11)


def test_values_at_p0_and_p1_are_the_design_alpha_power_and_en() -> None:
    optimal = simon_designs(0.2, 0.4).optimal
    at_p0, at_p1 = operating_characteristics(optimal, [0.2, 0.4])
    assert at_p0.p_promising == pytest.approx(optimal.alpha, abs=1e-15)
    assert at_p1.p_promising == pytest.approx(optimal.power, abs=1e-15)
    assert at_p0.pet == pytest.approx(optimal.pet0, abs=1e-15)
    assert at_p0.expected_n == pytest.approx(optimal.en0, abs=1e-12)


def test_curves_are_monotone_with_exact_ends() -> None:
    points = operating_characteristics(DESIGN, response_grid(0.0, 1.0, 0.01))
    assert (points[0].pet, points[0].p_promising, points[0].expected_n) == (1.0, 0.0, 13.0)
    assert (points[-1].pet, points[-1].p_promising, points[-1].expected_n) == (0.0, 1.0, 43.0)
    for low, high in itertools.pairwise(points):
        assert high.p_promising >= low.p_promising - 1e-15
        assert high.pet <= low.pet + 1e-15


def test_grid() -> None:
    grid = response_grid(0.0, 1.0, 0.05)
    assert len(grid) == 21
    assert grid[:4] == (0.0, 0.05, 0.1, 0.15)
    assert grid[-1] == 1.0
    assert response_grid(0.1, 0.35, 0.1) == (0.1, 0.2, 0.3)
    assert response_grid(0.3, 0.3, 0.1) == (0.3,)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0.0, 1.0, 0.0), "step=0.0 must be positive"),
        ((0.5, 0.2, 0.1), "to=0.2 must not be less than from=0.5"),
        ((-0.1, 1.0, 0.1), "must lie in"),
        ((0.0, 1.0, 1e-6), "at most 1001"),
    ],
)
def test_invalid_grid(args: tuple[float, float, float], message: str) -> None:
    with pytest.raises(DesignInputError, match=message):
        response_grid(*args)


def test_invalid_rates_and_empty_grid() -> None:
    with pytest.raises(DesignInputError, match="must lie in"):
        operating_characteristics(DESIGN, [0.2, 1.2])
    with pytest.raises(DesignInputError, match="empty"):
        operating_characteristics(DESIGN, [])


def test_plot_png_and_svg(tmp_path: Path) -> None:
    points = operating_characteristics(DESIGN, response_grid(0.0, 1.0, 0.05))
    png = plot_operating_characteristics(DESIGN, points, tmp_path / "oc.png", p0=0.2, p1=0.4)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = plot_operating_characteristics(DESIGN, points, tmp_path / "oc.SVG")
    assert b"<svg" in svg.read_bytes()[:500]
    again = plot_operating_characteristics(DESIGN, points, tmp_path / "again.svg")
    assert again.read_bytes() == svg.read_bytes()


def test_plot_rejects_other_formats_and_missing_folders(tmp_path: Path) -> None:
    points = operating_characteristics(DESIGN, [0.2])
    with pytest.raises(DesignInputError, match=r"must end in \.png or \.svg"):
        plot_operating_characteristics(DESIGN, points, tmp_path / "oc.pdf")
    with pytest.raises(DesignInputError, match="does not exist"):
        plot_operating_characteristics(DESIGN, points, tmp_path / "missing" / "oc.png")
