"""Binomial probabilities for the design modules (exact sums, no normal approximation).

Probabilities are built with Pascal's recurrence ``P_m(x) = q P_{m-1}(x) + p P_{m-1}(x-1)``:
every step is a convex combination, so the relative error stays near ``m`` ulps even for
``n = 300`` and for ``p`` at 0 or 1, where a log-gamma formula would need special cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

if TYPE_CHECKING:
    # numpy.typing only for the checker: the command line does not import it.
    from numpy.typing import NDArray

    FloatArray: TypeAlias = NDArray[np.float64]

__all__ = ["pmf_rows", "pmf_table", "tail_table"]


def pmf_rows(n: int, ps: Sequence[float] | FloatArray) -> FloatArray:
    """``P(X = x)`` for ``X ~ Binomial(n, p)``: shape ``(len(ps), n + 1)``."""
    p = np.asarray(ps, dtype=np.float64).reshape(-1)
    q = 1.0 - p
    out = np.zeros((p.size, n + 1))
    out[:, 0] = 1.0
    for m in range(1, n + 1):
        # The right-hand side is evaluated before assignment, so the old row is used.
        out[:, 1 : m + 1] = out[:, 1 : m + 1] * q[:, None] + out[:, :m] * p[:, None]
        out[:, 0] *= q
    return out


def pmf_table(nmax: int, p: float) -> FloatArray:
    """``P(X_m = x)`` for every ``m, x <= nmax``: row ``m``, column ``x`` (zero for ``x > m``)."""
    table = np.zeros((nmax + 1, nmax + 1))
    table[0, 0] = 1.0
    q = 1.0 - p
    for m in range(1, nmax + 1):
        table[m, 1 : m + 1] = table[m - 1, 1 : m + 1] * q + table[m - 1, :m] * p
        table[m, 0] = table[m - 1, 0] * q
    return table


def tail_table(pmf: FloatArray) -> FloatArray:
    """``P(X_m > c)`` for ``c = -(nmax + 1) .. nmax``, stored at column ``c + nmax + 1``.

    Summing the upper tail directly (rather than ``1 - cdf``) keeps small tails exact; the
    negative thresholds (probability 1) let callers index ``r - x1`` without branching.
    """
    nmax = pmf.shape[0] - 1
    offset = nmax + 1
    upper = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]  # upper[m, x] = P(X_m >= x)
    out = np.ones((nmax + 1, 2 * nmax + 2))
    out[:, offset : offset + nmax] = upper[:, 1:]
    out[:, offset + nmax] = 0.0
    return out
