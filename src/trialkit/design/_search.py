"""Vectorised exact search: the design of smallest EN(p0) for each maximum sample size n.

The search visits the same designs as ``clinfun::ph2simon`` (``n = 2..nmax``,
``n1 = 1..n-1``, ``0 <= r1 < n1``, ``r1 <= r <= r1 + n2``; strict ``alpha < alpha_max`` and
``power > 1 - beta``) but skips, with proofs rather than heuristics, every design that
cannot change the optimal, minimax or admissible answer:

* ``n`` below the single-stage bound: the randomised Neyman-Pearson test on all ``n``
  patients is the most powerful level-``alpha`` test, so if its power does not reach
  ``1 - beta`` no two-stage rule on the same patients can.
* ``r1`` above ``b(n1)``, the largest ``r1`` with ``P1(X1 <= r1) < beta``: power can never
  exceed ``P1(X1 > r1)``.
* ``r1`` below ``a(n1)``, where ``EN(p0)`` would not beat the best design already found
  for a smaller ``n`` (a design with larger ``n`` and no smaller EN is dominated: it is
  neither optimal, under the smallest-``n`` tie rule, nor admissible). For the first
  feasible ``n`` the bound is ``n`` itself, as in clinfun.
* ``r`` outside ``[low, high]``: for a given ``(n1, r1)`` only the largest ``r`` with power
  above ``1 - beta`` matters (alpha falls as ``r`` grows), and that ``r`` lies between
  ``max(r1, L)`` and the single-stage power bound, where ``L`` satisfies
  ``P1(X > L) > 1 - beta + P1(X1 <= b(n1))``.

Within one ``n`` all surviving ``(n1, r1, r)`` are evaluated at once: alpha and power for
every ``r1`` come from one cumulative sum over ``x1`` of ``P(X1 = x1) P(X2 > r - x1)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from trialkit.design._binomial import pmf_table, tail_table

if TYPE_CHECKING:
    from trialkit.design._binomial import FloatArray

__all__ = ["TIE", "Candidate", "best_per_n", "single_stage_bound"]

# Relative difference under which two EN(p0) values count as equal (a tie).
TIE = 1e-12
# Slack that makes every pruning bound err on the side of keeping a design; the final
# feasibility test is always the exact strict comparison.
_SLACK = 1e-12


@dataclass(frozen=True, slots=True)
class Candidate:
    """The best design found for one maximum sample size ``n``."""

    r1: int
    n1: int
    r: int
    n: int
    en0: float
    pet0: float


def single_stage_bound(
    pmf0: FloatArray,
    pmf1: FloatArray,
    tail0: FloatArray,
    tail1: FloatArray,
    alpha: float,
    beta: float,
) -> int | None:
    """Smallest ``n`` whose randomised single-stage test reaches power ``1 - beta``, if any."""
    nmax = pmf0.shape[0] - 1
    offset = nmax + 1
    above0 = tail0[1:, offset : offset + nmax + 1]  # P0(X_n > c), c = 0..nmax
    k = np.count_nonzero(above0 > alpha, axis=1)  # smallest c with P0(X > c) <= alpha
    ns = np.arange(1, nmax + 1)
    atom0 = pmf0[ns, k]
    gamma = np.where(atom0 > 0, (alpha - above0[ns - 1, k]) / np.where(atom0 > 0, atom0, 1.0), 0.0)
    power = tail1[ns, offset + k] + gamma * pmf1[ns, k]
    reach = np.flatnonzero(power >= 1.0 - beta - 1e-9)
    return int(ns[reach[0]]) if reach.size else None


def best_per_n(p0: float, p1: float, alpha: float, beta: float, nmax: int) -> list[Candidate]:
    """Best design per ``n`` (only those not dominated by a smaller ``n``), by increasing ``n``."""
    pmf0, pmf1 = pmf_table(nmax, p0), pmf_table(nmax, p1)
    cdf0, cdf1 = np.cumsum(pmf0, axis=1), np.cumsum(pmf1, axis=1)
    tail0, tail1 = tail_table(pmf0), tail_table(pmf1)
    offset = nmax + 1
    target = 1.0 - beta
    sizes = np.arange(nmax + 1)
    below = sizes[None, :] < sizes[:, None]  # [n1, r1]: r1 < n1

    stop_max = np.count_nonzero((cdf1 < beta + _SLACK) & below, axis=1) - 1  # b(n1)
    stop_mass = np.where(stop_max >= 0, cdf1[sizes, np.maximum(stop_max, 0)], 0.0)

    start = single_stage_bound(pmf0, pmf1, tail0, tail1, alpha, beta)
    rows: list[Candidate] = []
    if start is None:
        return rows
    best = np.inf
    for n in range(max(start, 2), nmax + 1):
        power_single = tail1[n, offset : offset + n]  # P1(X > r), r = 0..n-1
        high = int(np.count_nonzero(power_single > target - _SLACK)) - 1
        if high < 0:
            continue
        bound = min(float(n), best)
        n1 = np.arange(1, n)
        n2 = n - n1
        room = bound - n1  # EN < bound  <=>  PET(r1) > 1 - room / n2
        threshold = np.where(room > 0, 1.0 - room / n2, 2.0)
        low_r1 = np.count_nonzero(
            (cdf0[1:n, :n] <= threshold[:, None] - _SLACK) & below[1:n, :n], axis=1
        )
        high_r1 = stop_max[1:n]
        active = (room > 0) & (high_r1 >= low_r1)
        if not active.any():
            continue
        n1, n2 = n1[active], n2[active]
        low_r1, high_r1 = low_r1[active], high_r1[active]

        needed = target + stop_mass[n1] + _SLACK
        power_low = np.count_nonzero(power_single[None, :] > needed[:, None], axis=1) - 1
        low = int(np.min(np.minimum(np.maximum(low_r1, power_low), n2 + low_r1)))
        low = max(low, 0)
        if low > high:
            continue
        r = np.arange(low, high + 1)

        depth = n1 - low_r1  # stage-1 outcomes x1 = n1, n1-1, ..., low_r1 + 1
        k = np.arange(int(depth.max()))
        x1 = n1[:, None] - k[None, :]
        valid = k[None, :] < depth[:, None]
        x1 = np.where(valid, x1, 0)
        w0 = np.where(valid, pmf0[n1[:, None], x1], 0.0)
        w1 = np.where(valid, pmf1[n1[:, None], x1], 0.0)
        column = offset + r[None, None, :] - x1[:, :, None]
        stage2 = n2[:, None, None]
        # alpha[i, k, j]: P0(X1 >= n1 - k, X > r_j), i.e. the design with r1 = n1 - k - 1.
        alpha_m = np.cumsum(w0[:, :, None] * tail0[stage2, column], axis=1)
        power_m = np.cumsum(w1[:, :, None] * tail1[stage2, column], axis=1)
        r1 = n1[:, None] - 1 - k[None, :]
        rows_ok = valid & (r1 <= high_r1[:, None])
        feasible = (
            (alpha_m < alpha)
            & (power_m > target)
            & rows_ok[:, :, None]
            & (r[None, None, :] >= r1[:, :, None])
            & (r[None, None, :] <= (n2[:, None] + r1)[:, :, None])
        )
        has = feasible.any(axis=2)
        pet = cdf0[n1[:, None], np.maximum(r1, 0)]
        en = n1[:, None] + n2[:, None] * (1.0 - pet)
        chosen = has & (en < bound * (1.0 - TIE))
        if not chosen.any():
            continue
        en_min = float(en[chosen].min())
        chosen &= en <= en_min * (1.0 + TIE)
        # Row-major order is n1 ascending, then r1 descending: the documented tie rule.
        i, j = divmod(int(np.argmax(chosen.ravel())), chosen.shape[1])
        top = r.size - 1 - int(np.argmax(feasible[i, j, ::-1]))
        row = Candidate(
            r1=int(r1[i, j]),
            n1=int(n1[i]),
            r=int(r[top]),
            n=n,
            en0=float(en[i, j]),
            pet0=float(pet[i, j]),
        )
        rows.append(row)
        best = min(best, row.en0)
    return rows
