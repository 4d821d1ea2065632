"""Simon's optimal and minimax two-stage designs and the admissible designs between them.

Sources:

* Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials
  1989;10:1-10 (optimal: smallest EN(p0); minimax: smallest maximum sample size n).
* Jung SH, Lee T, Kim K, George SL. Admissible two-stage designs for phase II cancer
  clinical trials. Stat Med 2004;23:561-569 (designs minimising ``q n + (1 - q) EN(p0)``
  for some weight ``q`` in [0, 1]).
* R package clinfun (``ph2simon``, ``twostage.admissible``), whose conventions are
  followed so that results agree design for design.

Conventions (where sources differ, clinfun's choice is kept):

* Stop for futility after stage 1 if responses ``<= r1``; the treatment is promising if
  total responses ``> r``.
* Constraints are strict, as in clinfun: actual alpha ``< alpha`` and power ``> 1 - beta``.
* Search ``n = 2..nmax``, ``n1 = 1..n-1``, ``0 <= r1 < n1``, ``r1 <= r <= r1 + n2``.
* For a given ``(n, n1, r1)`` the reported ``r`` is the largest that meets both constraints.
* For a given ``n`` the design of smallest EN(p0) is kept (EN(p0) must be below ``n``, i.e.
  ``PET(p0) > 0``); among equal EN(p0) (relative difference below 1e-12) the smallest
  ``n1``, then the largest ``r1``.
* Optimal: smallest EN(p0), ties to the smallest ``n``. Minimax: smallest ``n``, then the
  smallest EN(p0) at that ``n``.
* Admissible: the lower convex hull of (n, EN(p0)) of the per-``n`` best designs from the
  minimax to the optimal design, walked from the minimax by the smallest slope (nearest
  point on ties), as ``twostage.admissible``. The list includes both ends; each design is
  admissible for ``q`` in ``[q_low, q_high]`` (minimax up to 1, optimal down to 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Literal

from trialkit.design._search import TIE, Candidate, best_per_n
from trialkit.design.two_stage import NMAX_LIMIT, TwoStageDesign, stage_probabilities
from trialkit.errors import DesignInputError

__all__ = [
    "NMAX_LIMIT",
    "AdmissibleDesign",
    "SimonDesign",
    "SimonDesigns",
    "evaluate_design",
    "simon_designs",
]


DesignKind = Literal["minimax", "admissible", "optimal", "minimax and optimal"]


@dataclass(frozen=True, slots=True)
class SimonDesign(TwoStageDesign):
    """A two-stage design with its characteristics at ``p0`` (null) and ``p1`` (alternative).

    ``en0`` and ``pet0`` are EN and PET at ``p0``; ``alpha`` is the actual type I error
    ``P(promising | p0)`` and ``power`` is ``P(promising | p1)``.
    """

    en0: float
    pet0: float
    alpha: float
    power: float


@dataclass(frozen=True, slots=True)
class AdmissibleDesign:
    """An admissible design and the range of weights ``q`` for which it is admissible."""

    design: SimonDesign
    q_low: float
    q_high: float
    kind: DesignKind


@dataclass(frozen=True, slots=True)
class SimonDesigns:
    """The result of :func:`simon_designs`: inputs, optimal, minimax and admissible designs."""

    p0: float
    p1: float
    alpha: float
    beta: float
    nmax: int
    optimal: SimonDesign
    minimax: SimonDesign
    admissible: tuple[AdmissibleDesign, ...]


def _probability(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DesignInputError(f"{name}={value!r} must be a number")
    number = float(value)
    if not (math.isfinite(number) and 0.0 < number < 1.0):
        raise DesignInputError(f"{name}={value!r} must lie strictly between 0 and 1")
    return number


def validate_rates(p0: object, p1: object) -> tuple[float, float]:
    """``(p0, p1)`` as floats, or :class:`DesignInputError` naming the bad value."""
    low, high = _probability("p0", p0), _probability("p1", p1)
    if high <= low:
        raise DesignInputError(f"p1={p1!r} must be greater than p0={p0!r}")
    return low, high


def _validate(
    p0: object, p1: object, alpha: object, beta: object, nmax: object
) -> tuple[float, float, float, float, int]:
    low, high = validate_rates(p0, p1)
    size, miss = _probability("alpha", alpha), _probability("beta", beta)
    if isinstance(nmax, bool) or not isinstance(nmax, int):
        raise DesignInputError(f"nmax={nmax!r} must be an integer")
    if not 2 <= nmax <= NMAX_LIMIT:
        raise DesignInputError(f"nmax={nmax} must be between 2 and {NMAX_LIMIT}")
    return low, high, size, miss, nmax


def evaluate_design(design: TwoStageDesign, p0: float, p1: float) -> SimonDesign:
    """The boundaries of ``design`` with EN(p0), PET(p0), actual alpha and power."""
    low, high = validate_rates(p0, p1)
    probs = stage_probabilities(design, [low, high])
    return SimonDesign(
        r1=design.r1,
        n1=design.n1,
        r=design.r,
        n=design.n,
        en0=probs.expected_n[0],
        pet0=probs.pet[0],
        alpha=probs.promising[0],
        power=probs.promising[1],
    )


def _hull(rows: list[Candidate], last: int) -> list[int]:
    """Indices of the lower convex hull of (n, EN) from row 0 to row ``last``."""
    chosen = [0]
    start = 0
    while start < last:
        slopes = [
            (rows[j].en0 - rows[start].en0) / (rows[j].n - rows[start].n)
            for j in range(start + 1, last + 1)
        ]
        start += 1 + slopes.index(min(slopes))
        chosen.append(start)
    return chosen


def assemble(
    rows: list[Candidate], p0: float, p1: float
) -> tuple[SimonDesign, SimonDesign, tuple[AdmissibleDesign, ...]]:
    """Optimal, minimax and admissible designs from per-``n`` best designs sorted by ``n``."""
    en_min = min(row.en0 for row in rows)
    last = next(i for i, row in enumerate(rows) if row.en0 <= en_min * (1.0 + TIE))
    hull = _hull(rows, last)
    designs = [
        evaluate_design(TwoStageDesign(rows[i].r1, rows[i].n1, rows[i].r, rows[i].n), p0, p1)
        for i in hull
    ]
    # Design h is preferred for q between its crossings with its neighbours.
    crossings = [
        (rows[b].en0 - rows[a].en0) / ((rows[b].en0 - rows[a].en0) - (rows[b].n - rows[a].n))
        for a, b in pairwise(hull)
    ]
    highs = [1.0, *crossings]
    lows = [*crossings, 0.0]
    admissible: list[AdmissibleDesign] = []
    for index, design in enumerate(designs):
        kind: DesignKind = "admissible"
        if len(designs) == 1:
            kind = "minimax and optimal"
        elif index == 0:
            kind = "minimax"
        elif index == len(designs) - 1:
            kind = "optimal"
        admissible.append(AdmissibleDesign(design, lows[index], highs[index], kind))
    return designs[-1], designs[0], tuple(admissible)


@lru_cache(maxsize=64)
def _cached(p0: float, p1: float, alpha: float, beta: float, nmax: int) -> SimonDesigns:
    rows = best_per_n(p0, p1, alpha, beta, nmax)
    if not rows:
        raise DesignInputError(
            f"nmax={nmax} is too small: no two-stage design with n <= {nmax} has "
            f"alpha < {alpha:g} and power > {1 - beta:g} for p0={p0:g}, p1={p1:g}"
            + ("" if nmax == NMAX_LIMIT else f"; increase nmax (at most {NMAX_LIMIT})")
        )
    optimal, minimax, admissible = assemble(rows, p0, p1)
    return SimonDesigns(p0, p1, alpha, beta, nmax, optimal, minimax, admissible)


def simon_designs(
    p0: float, p1: float, alpha: float = 0.05, beta: float = 0.2, nmax: int = 100
) -> SimonDesigns:
    """Simon's optimal and minimax designs and the admissible designs between them.

    Exact binomial search over every design with ``n <= nmax`` for the hypotheses
    ``H0: p <= p0`` against ``H1: p >= p1`` (Simon 1989; admissible designs: Jung et al.
    2004). Conventions, those of R's ``clinfun::ph2simon`` and ``twostage.admissible``:

    * stop for futility after stage 1 if responses ``<= r1``; promising if total ``> r``;
    * strict constraints: actual alpha ``< alpha``, power ``> 1 - beta``;
    * search ``n = 2..nmax``, ``n1 = 1..n-1``; for a given ``(n, n1, r1)`` the largest ``r``
      meeting both constraints;
    * among designs of equal EN(p0): the smallest ``n1``, then the largest ``r1``;
    * optimal: smallest EN(p0), then smallest ``n``; minimax: smallest ``n``, then
      smallest EN(p0);
    * ``admissible`` runs from the minimax to the optimal design (both included), each
      with the range ``[q_low, q_high]`` of weights ``q`` for which it minimises
      ``q n + (1 - q) EN(p0)``.

    Details and sources are in the module docstring of :mod:`trialkit.design.simon`.

    Raises :class:`trialkit.errors.DesignInputError` if ``p0``, ``p1``, ``alpha`` or ``beta``
    is outside (0, 1), if ``p1 <= p0``, if ``nmax`` is not in ``2..300``, or if no design
    with ``n <= nmax`` meets the constraints.
    """
    return _cached(*_validate(p0, p1, alpha, beta, nmax))
