"""R-HLH's assumed design and the grid of parameters whose optimal design has n = 20."""

from __future__ import annotations

from trialkit.design import R_HLH_PARAMETERS, optimal_n_candidates, r_hlh_assumed_design


def test_assumed_design_is_the_optimal_design_with_twenty_patients() -> None:
    design = r_hlh_assumed_design()
    assert (design.r1, design.n1, design.r, design.n) == (4, 6, 16, 20)
    assert round(design.en0, 2) == 11.88
    assert round(design.pet0, 3) == 0.580
    assert design.alpha < R_HLH_PARAMETERS.alpha
    assert design.power > 1 - R_HLH_PARAMETERS.beta


def test_parameters_are_marked_as_an_assumption() -> None:
    params = R_HLH_PARAMETERS
    assert params.assumption is True
    assert "NCT05762640" in params.identifiers
    assert (params.p0, params.p1, params.alpha, params.beta) == (0.7, 0.9, 0.1, 0.2)
    assert params.planned_n == 20


def test_grid_candidates_with_optimal_n_twenty() -> None:
    candidates = optimal_n_candidates(20)
    assert len(candidates) == 21  # the list printed in docs/design.md
    assert all(c.design.n == 20 for c in candidates)
    chosen = [c for c in candidates if (c.p0, c.p1, c.alpha, c.beta) == (0.7, 0.9, 0.1, 0.2)]
    assert [c.design for c in chosen] == [r_hlh_assumed_design()]
    # The only candidate with p0 at or above 0.65, the HLH-94 level of survival to HSCT.
    assert [c for c in candidates if c.p0 >= 0.65] == chosen
