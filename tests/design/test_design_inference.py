"""Inference after a two-stage trial, checked on cases whose answer is known exactly."""

from __future__ import annotations

import itertools

import pytest
from scipy.stats import beta as beta_dist
from scipy.stats import binom

from trialkit.design import (
    TwoStageDesign,
    clopper_pearson,
    simon_designs,
    single_stage_inference,
    stagewise_p_value,
    two_stage_inference,
    umvue,
)
from trialkit.errors import DesignInputError

DESIGNS = [
    TwoStageDesign(3, 13, 12, 43),  # Simon optimal, p0 0.2 / p1 0.4
    TwoStageDesign(1, 10, 5, 29),  # Simon optimal, p0 0.1 / p1 0.3
    TwoStageDesign(0, 9, 2, 17),  # Simon optimal, p0 0.05 / p1 0.25
    TwoStageDesign(4, 6, 16, 20),  # R-HLH assumed design
]


def outcomes(design: TwoStageDesign, p: float) -> list[tuple[int, int, float]]:
    """Every (x1, total, probability) of a completed trial, probabilities from scipy."""
    found = [(x1, x1, float(binom.pmf(x1, design.n1, p))) for x1 in range(design.r1 + 1)]
    for x1 in range(design.r1 + 1, design.n1 + 1):
        for x2 in range(design.n2 + 1):
            weight = float(binom.pmf(x1, design.n1, p) * binom.pmf(x2, design.n2, p))
            found.append((x1, x1 + x2, weight))
    return found


@pytest.mark.parametrize("design", DESIGNS, ids=lambda d: d.label())
@pytest.mark.parametrize("p", [0.03, 0.2, 0.5, 0.77, 0.95])
def test_umvue_is_unbiased(design: TwoStageDesign, p: float) -> None:
    expectation = sum(w * umvue(design, x1, total) for x1, total, w in outcomes(design, p))
    assert abs(expectation - p) < 1e-12


def test_naive_proportion_is_biased_where_umvue_is_not() -> None:
    design, p = DESIGNS[0], 0.3
    naive = sum(
        w * total / (design.n1 if x1 <= design.r1 else design.n)
        for x1, total, w in outcomes(design, p)
    )
    assert abs(naive - p) > 0.01


def test_umvue_stage_two_formula_by_hand() -> None:
    # 3/13, 12/43 with x1 = 4, total 4 (no stage-2 response): only x1 = 4 is possible, so
    # the estimate is C(12, 3) / C(13, 4) = 4 / 13.
    assert umvue(DESIGNS[0], 4, 4) == pytest.approx(4 / 13, abs=1e-15)


@pytest.mark.parametrize("x1", [0, 1, 2, 3])
def test_stage_one_stop_gives_clopper_pearson(x1: int) -> None:
    design = DESIGNS[0]
    result = two_stage_inference(design, x1, x1, p0=0.2, level=0.95)
    expected_low = 0.0 if x1 == 0 else float(beta_dist.ppf(0.025, x1, design.n1 - x1 + 1))
    expected_high = float(beta_dist.ppf(0.975, x1 + 1, design.n1 - x1))
    assert result.ci.lower == pytest.approx(expected_low, abs=1e-12)
    assert result.ci.upper == pytest.approx(expected_high, abs=1e-12)
    assert (result.stage, result.patients) == (1, 13)
    assert result.umvue == result.naive == x1 / 13
    assert result.p_value == pytest.approx(float(binom.sf(x1 - 1, 13, 0.2)), abs=1e-14)
    assert "Clopper-Pearson" in result.ci.method


def test_p_value_at_the_rejection_boundary_is_the_actual_alpha() -> None:
    optimal = simon_designs(0.2, 0.4).optimal
    for x1 in range(optimal.r1 + 1, optimal.n1 + 1):
        p_value = stagewise_p_value(optimal, x1, max(optimal.r + 1, x1), 0.2)
        if x1 <= optimal.r + 1:
            assert p_value == pytest.approx(optimal.alpha, abs=1e-14)


def test_p_values_fall_along_the_stagewise_ordering() -> None:
    design = DESIGNS[1]
    ordered = [(x1, x1) for x1 in range(design.r1 + 1)]
    ordered += [(design.r1 + 1, total) for total in range(design.r1 + 1, design.n + 1 - 0)]
    ordered = [(x1, t) for x1, t in ordered if t - x1 <= design.n2]
    values = [stagewise_p_value(design, x1, total, 0.1) for x1, total in ordered]
    assert values[0] == 1.0
    assert all(a > b for a, b in itertools.pairwise(values))


def test_p_value_depends_only_on_stage_and_total() -> None:
    design = DESIGNS[0]
    assert stagewise_p_value(design, 4, 14, 0.2) == stagewise_p_value(design, 9, 14, 0.2)


def test_confidence_limits_solve_their_equations() -> None:
    design = DESIGNS[0]
    result = two_stage_inference(design, 6, 17, p0=0.2, level=0.9)

    def at_least(p: float, total: int) -> float:
        return sum(
            float(binom.pmf(x1, 13, p) * binom.sf(total - x1 - 1, 30, p)) for x1 in range(4, 14)
        )

    assert at_least(result.ci.lower, 17) == pytest.approx(0.05, abs=1e-12)
    assert 1 - at_least(result.ci.upper, 18) == pytest.approx(0.05, abs=1e-12)
    assert result.ci.lower < result.umvue < result.ci.upper


@pytest.mark.parametrize("level", [0.9, 0.95])
def test_exact_interval_covers_at_least_its_level(level: float) -> None:
    design = DESIGNS[1]

    def key(x1: int, total: int) -> tuple[int, int]:
        return (1, x1) if x1 <= design.r1 else (2, total)  # the CI depends on these only

    intervals = {}
    for x1, total, _ in outcomes(design, 0.5):
        if key(x1, total) not in intervals:
            intervals[key(x1, total)] = two_stage_inference(design, x1, total, 0.1, level).ci
    for p in [0.02, 0.1, 0.25, 0.31, 0.5, 0.73, 0.9]:
        coverage = 0.0
        for x1, total, weight in outcomes(design, p):
            ci = intervals[key(x1, total)]
            coverage += weight * (ci.lower <= p <= ci.upper)
        assert coverage >= level - 1e-12


def test_extreme_outcomes_have_limits_at_zero_and_one() -> None:
    design = DESIGNS[2]
    assert two_stage_inference(design, 0, 0, 0.05).ci.lower == 0.0
    full = two_stage_inference(design, 9, 17, 0.05)
    assert full.ci.upper == 1.0
    assert full.umvue == 1.0


def test_single_stage_inference() -> None:
    result = single_stage_inference(7, 20, p0=0.2, level=0.95)
    assert result.p_value == pytest.approx(float(binom.sf(6, 20, 0.2)), abs=1e-14)
    assert result.ci.lower == pytest.approx(float(beta_dist.ppf(0.025, 7, 14)), abs=1e-12)
    assert result.ci.upper == pytest.approx(float(beta_dist.ppf(0.975, 8, 13)), abs=1e-12)
    assert result.ci.method == "Clopper-Pearson (1934)"
    assert clopper_pearson(20, 20).upper == 1.0


@pytest.mark.parametrize(
    ("x1", "total", "kwargs", "message"),
    [
        (2, 5, {}, "total=5 must equal x1=2: the trial stops after stage 1"),
        (5, 4, {}, r"total=4 must be between 5 and 35"),
        (5, 36, {}, r"total=36 must be between 5 and 35"),
        (14, 14, {}, r"x1=14 must be between 0 and 13"),
        (5, 15, {"level": 1.0}, "level=1.0 must lie strictly between 0 and 1"),
        (5, 15, {"p0": 0.0}, "p0=0.0 must lie strictly between 0 and 1"),
    ],
)
def test_inconsistent_input(x1: int, total: int, kwargs: dict[str, float], message: str) -> None:
    arguments = {"p0": 0.2, "level": 0.95, **kwargs}
    with pytest.raises(DesignInputError, match=message):
        two_stage_inference(DESIGNS[0], x1, total, **arguments)


def test_interval_at_one_minus_two_alpha_matches_the_test() -> None:
    design, p0, alpha = DESIGNS[3], 0.7, 0.1  # R-HLH's assumed design
    for total in range(design.r1 + 1, design.n + 1):
        x1 = max(design.r1 + 1, total - design.n2)
        result = two_stage_inference(design, x1, total, p0, level=1 - 2 * alpha)
        assert (result.p_value < alpha) == (result.ci.lower > p0)
