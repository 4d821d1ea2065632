"""Properties of the Simon design search, agreement with the plain loop, and input errors."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from trialkit.design import simon_designs
from trialkit.design._reference import best_per_n_reference
from trialkit.design._search import best_per_n
from trialkit.design.simon import SimonDesigns, assemble
from trialkit.errors import DesignInputError, TrialkitInputError

rates = st.integers(min_value=2, max_value=85).map(lambda k: k / 100)
gaps = st.integers(min_value=15, max_value=45).map(lambda k: k / 100)
alphas = st.sampled_from([0.05, 0.1, 0.2])
betas = st.sampled_from([0.1, 0.2, 0.3])


def search(p0: float, gap: float, alpha: float, beta: float, nmax: int) -> SimonDesigns:
    p1 = round(p0 + gap, 2)
    assume(p1 < 1)
    try:
        return simon_designs(p0, p1, alpha, beta, nmax)
    except DesignInputError:
        assume(False)
        raise


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(rates, gaps, alphas, betas, st.integers(min_value=20, max_value=70))
def test_designs_meet_constraints_and_order(
    p0: float, gap: float, alpha: float, beta: float, nmax: int
) -> None:
    result = search(p0, gap, alpha, beta, nmax)
    designs = [item.design for item in result.admissible]
    for design in [result.optimal, result.minimax, *designs]:
        assert design.alpha <= alpha
        assert design.power >= 1 - beta
        assert design.n <= nmax
    assert result.optimal.en0 <= result.minimax.en0
    assert result.minimax.n <= result.optimal.n
    assert designs[0] == result.minimax
    assert designs[-1] == result.optimal
    # Admissible designs run from the minimax to the optimal: n up, EN(p0) down, and
    # their q ranges tile [0, 1] from 1 downwards.
    assert all(a.n < b.n and a.en0 > b.en0 for a, b in itertools.pairwise(designs))
    assert result.admissible[0].q_high == 1.0
    assert result.admissible[-1].q_low == 0.0
    for upper, lower in zip(result.admissible, result.admissible[1:], strict=False):
        assert upper.q_low == lower.q_high
        assert 0.0 < upper.q_low < 1.0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(rates, gaps, alphas, betas, st.integers(min_value=8, max_value=32))
def test_pruned_search_agrees_with_plain_loop(
    p0: float, gap: float, alpha: float, beta: float, nmax: int
) -> None:
    p1 = round(p0 + gap, 2)
    assume(p1 < 1)
    plain = best_per_n_reference(p0, p1, alpha, beta, nmax)
    fast = best_per_n(p0, p1, alpha, beta, nmax)
    assert bool(plain) == bool(fast)
    if not plain:
        return
    # The pruned search keeps only designs not dominated by a smaller n; each it keeps is
    # the plain loop's design for that n.
    by_n = {row.n: row for row in plain}
    for row in fast:
        assert (row.r1, row.n1, row.r) == (by_n[row.n].r1, by_n[row.n].n1, by_n[row.n].r)
    assert assemble(plain, p0, p1) == assemble(fast, p0, p1)


def test_larger_nmax_can_only_lower_the_optimal_en() -> None:
    # clinfun's documented example: nmax=100 truncates the optimal design (n = 99).
    small = simon_designs(0.2, 0.35, 0.05, 0.05, nmax=100)
    large = simon_designs(0.2, 0.35, 0.05, 0.05, nmax=150)
    assert large.optimal.en0 < small.optimal.en0
    assert large.minimax == small.minimax


def test_result_is_frozen() -> None:
    result = simon_designs(0.1, 0.3)
    with pytest.raises(AttributeError):
        result.optimal.n = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"p0": 0.3, "p1": 0.2}, "p1=0.2 must be greater than p0=0.3"),
        ({"p0": 0.3, "p1": 0.3}, "p1=0.3 must be greater than p0=0.3"),
        ({"p0": 0.0, "p1": 0.2}, "p0=0.0 must lie strictly between 0 and 1"),
        ({"p0": 0.1, "p1": 1.0}, "p1=1.0 must lie strictly between 0 and 1"),
        ({"p0": 0.1, "p1": 0.3, "alpha": 1.5}, "alpha=1.5 must lie strictly between 0 and 1"),
        ({"p0": 0.1, "p1": 0.3, "alpha": 0.0}, "alpha=0.0 must lie strictly between 0 and 1"),
        ({"p0": 0.1, "p1": 0.3, "beta": -0.1}, "beta=-0.1 must lie strictly between 0 and 1"),
        ({"p0": 0.1, "p1": 0.3, "alpha": float("nan")}, "alpha=nan must lie strictly"),
        ({"p0": "0.1", "p1": 0.3}, "p0='0.1' must be a number"),
        ({"p0": 0.1, "p1": 0.3, "nmax": 301}, "nmax=301 must be between 2 and 300"),
        ({"p0": 0.1, "p1": 0.3, "nmax": 1}, "nmax=1 must be between 2 and 300"),
        ({"p0": 0.1, "p1": 0.3, "nmax": 50.0}, "nmax=50.0 must be an integer"),
        ({"p0": 0.2, "p1": 0.25, "nmax": 50}, "nmax=50 is too small"),
    ],
)
def test_invalid_input_names_parameter_value_and_reason(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(DesignInputError, match=message.replace("(", r"\(")) as caught:
        simon_designs(**kwargs)  # type: ignore[arg-type]
    assert isinstance(caught.value, TrialkitInputError)
    assert isinstance(caught.value, ValueError)


def test_nmax_at_the_limit_says_so() -> None:
    with pytest.raises(DesignInputError, match="nmax=300 is too small") as caught:
        simon_designs(0.45, 0.5, 0.05, 0.2, nmax=300)
    assert "increase nmax" not in str(caught.value)
