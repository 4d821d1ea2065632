"""A plain, unpruned loop over every design, kept as the yardstick for the vectorised search.

It visits ``n = 2..nmax``, ``n1 = 1..n-1``, ``r1 = n1-1..0`` and ``r = r1+n2..r1`` in the
order of ``clinfun::ph2simon``, accumulating ``P(X1 > r1, X > r)`` as ``r1`` falls, and keeps
for each ``n`` the first design whose EN(p0) is strictly smaller. Tests compare it with
:func:`trialkit.design._search.best_per_n` and ``bench/bench_simon.py`` times both.
It is ``O(nmax^4)`` in pure Python: use it for small ``nmax`` only.
"""

from __future__ import annotations

from trialkit.design._binomial import pmf_table, tail_table
from trialkit.design._search import TIE, Candidate

__all__ = ["best_per_n_reference"]


def best_per_n_reference(
    p0: float, p1: float, alpha: float, beta: float, nmax: int
) -> list[Candidate]:
    """Best design for every ``n`` that has one, by increasing ``n``."""
    pmf0_table, pmf1_table = pmf_table(nmax, p0), pmf_table(nmax, p1)
    pmf0, pmf1 = pmf0_table.tolist(), pmf1_table.tolist()
    tail0, tail1 = tail_table(pmf0_table).tolist(), tail_table(pmf1_table).tolist()
    cdf0 = pmf0_table.cumsum(axis=1).tolist()
    offset = nmax + 1
    target = 1.0 - beta
    rows: list[Candidate] = []
    for n in range(2, nmax + 1):
        bound = float(n)
        found: Candidate | None = None
        for n1 in range(1, n):
            n2 = n - n1
            up0, up1 = tail0[n2], tail1[n2]
            reject0 = [0.0] * n
            reject1 = [0.0] * n
            for r1 in range(n1 - 1, -1, -1):
                x1 = r1 + 1
                w0, w1 = pmf0[n1][x1], pmf1[n1][x1]
                pet = cdf0[n1][r1]
                for r in range(n2 + r1 + 1):
                    reject0[r] += w0 * up0[offset + r - x1]
                    reject1[r] += w1 * up1[offset + r - x1]
                en = n1 + (1.0 - pet) * n2
                if not en < bound * (1.0 - TIE):
                    continue
                for r in range(n2 + r1, r1 - 1, -1):
                    if reject0[r] < alpha and reject1[r] > target:
                        bound = en
                        found = Candidate(r1, n1, r, n, en, pet)
                        break
        if found is not None:
            rows.append(found)
    return rows
