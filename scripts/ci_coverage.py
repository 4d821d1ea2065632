"""Exact coverage of the two-stage confidence interval: trialkit's limits against clinfun's.

Both intervals use the stage-wise ordering of Koyama & Chen (2008) and the same lower
limit, the root of ``P_p(T >= t) = a``. They differ in the upper limit:

- trialkit (``two_stage_inference``, Clopper–Pearson form): ``P_p(T <= t) = a``, i.e.
  ``P_p(T >= t+) = 1 - a`` where ``t+`` is the next outcome up;
- R clinfun 1.1.5 ``twostage.inference(alpha = a)``: ``P_p(T >= t) = 1 - a``, the observed
  outcome's own tail (R/ph2simon.R: ``UCL <- pp0[which(pval >= 1-alpha)[1]-1]`` on the
  same ``pval`` as the lower limit), solved here exactly instead of on its 1e-4 grid.

For each design (Simon's optimal design of each (p0, p1), alpha 0.05, power 0.8, found
by ``trialkit.design.simon_designs``) and each true rate p on a grid 0.01 … 0.99, the
exact coverage ``sum over outcomes of P_p(outcome) * [lower <= p <= upper]`` is summed
over every outcome of the trial; the script prints the minimum and maximum over p, for
the two-sided interval at the nominal level 1 - 2a = 0.90 (a = 0.05, the design's alpha)
and for the upper limit alone (``P(p <= upper)``, nominal 1 - a = 0.95).

Run: ``uv run python scripts/ci_coverage.py``.
"""

from __future__ import annotations

import numpy as np

from trialkit.design import TwoStageDesign, simon_designs, two_stage_inference
from trialkit.design._binomial import pmf_rows
from trialkit.design.inference import _ge_two_stage, _root

A = 0.05
PAIRS = ((0.05, 0.25), (0.1, 0.3), (0.2, 0.4), (0.3, 0.5), (0.5, 0.7))
GRID = np.round(np.arange(0.01, 1.0, 0.01), 2)


def outcomes(design: TwoStageDesign) -> list[tuple[int, int]]:
    """Every final outcome (stage, responses) under the stage-wise ordering."""
    stopped = [(1, x) for x in range(design.r1 + 1)]
    completed = [(2, s) for s in range(design.r1 + 1, design.n + 1)]
    return stopped + completed


def clinfun_upper(design: TwoStageDesign, stage: int, responses: int) -> float:
    """clinfun's UCL: the root of ``P_p(T >= t) = 1 - a``.

    After 0 responses in stage 1, ``P_p(T >= t) = 1`` for every p and clinfun returns NA
    (``pp[0]`` is empty in R); that outcome counts here as covered (upper limit 1), the
    reading most favourable to clinfun. After n responses of n the limit is 1.
    """
    if (stage, responses) == (1, 0) or (stage == 2 and responses == design.n):
        return 1.0
    return _root(lambda ps: _ge_two_stage(design, stage, responses, ps), 1.0 - A)


def probabilities(design: TwoStageDesign, p: float) -> dict[tuple[int, int], float]:
    """``P_p(outcome)`` for every outcome."""
    first = pmf_rows(design.n1, [p])[0]
    second = pmf_rows(design.n2, [p])[0]
    found = {(1, x): float(first[x]) for x in range(design.r1 + 1)}
    for x1 in range(design.r1 + 1, design.n1 + 1):
        for x2 in range(design.n2 + 1):
            key = (2, x1 + x2)
            found[key] = found.get(key, 0.0) + float(first[x1] * second[x2])
    return found


def main() -> None:
    print(f"a = {A}: two-sided nominal {1 - 2 * A:.2f}, upper limit alone nominal {1 - A:.2f}")
    print("exact coverage, min – max over p = 0.01 ... 0.99")
    print(f"{'design':<34} {'two-sided':^31} {'upper limit alone':^31}")
    print(f"{'':<34} {'trialkit':>15} {'clinfun':>15} {'trialkit':>15} {'clinfun':>15}")
    for p0, p1 in PAIRS:
        design = simon_designs(p0, p1, A, 0.2, 100).optimal
        limits = {}
        for stage, responses in outcomes(design):
            # The interval depends on (stage, responses) only; any consistent x1 will do.
            x1 = responses if stage == 1 else min(responses, design.n1)
            ci = two_stage_inference(design, x1, responses, p0, 1 - 2 * A).ci
            limits[(stage, responses)] = (
                ci.lower,
                ci.upper,
                clinfun_upper(design, stage, responses),
            )
        covered: list[list[float]] = [[], [], [], []]
        for p in GRID:
            weights = probabilities(design, float(p))
            for column, (lower, upper) in enumerate(((True, 1), (True, 2), (False, 1), (False, 2))):
                covered[column].append(
                    sum(
                        w
                        for k, w in weights.items()
                        if (not lower or limits[k][0] <= p) and p <= limits[k][upper]
                    )
                )
        # columns: two-sided trialkit, two-sided clinfun, upper alone trialkit, clinfun
        shown = "".join(f"  {min(v):.3f} – {max(v):.3f}" for v in covered)
        print(f"{p0}/{p1} optimal {design.label():<17}{shown}")


if __name__ == "__main__":
    main()
