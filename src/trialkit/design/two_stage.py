"""A two-stage single-arm design with a futility stop, and its exact probabilities.

Convention (Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin
Trials 1989;10:1-10, and R's ``clinfun::ph2simon``): enrol ``n1`` patients; stop for
futility if the stage-1 responses ``X1 <= r1``; otherwise enrol ``n2 = n - n1`` more and
declare the treatment promising if the total responses ``X1 + X2 > r``.

For a true response rate ``p``::

    PET(p)       = P(X1 <= r1)
    P(promising) = sum_{x1 = r1+1}^{n1} P(X1 = x1) P(X2 > r - x1)
    EN(p)        = n1 + (1 - PET(p)) n2
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from trialkit.design._binomial import pmf_rows
from trialkit.errors import DesignInputError

if TYPE_CHECKING:
    from trialkit.design._binomial import FloatArray

__all__ = ["NMAX_LIMIT", "StageProbabilities", "TwoStageDesign", "stage_probabilities"]

NMAX_LIMIT = 300
"""Largest total sample size: of a searched design (``nmax``) and of a design given explicitly.

The search and the exact probabilities are sized and benchmarked up to this
value; an explicit ``n`` of 10**8 took minutes (``design oc``) or tried to
allocate 48 GiB (``design infer``).
"""


def _check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise DesignInputError(f"{name}={value!r} must be an integer")
    return int(value)


@dataclass(frozen=True, slots=True)
class TwoStageDesign:
    """Stopping boundaries ``r1/n1, r/n`` of a two-stage design (see the module docstring)."""

    r1: int
    n1: int
    r: int
    n: int

    def __post_init__(self) -> None:
        r1, n1 = _check_int("r1", self.r1), _check_int("n1", self.n1)
        r, n = _check_int("r", self.r), _check_int("n", self.n)
        if n1 < 1:
            raise DesignInputError(f"n1={n1} must be at least 1")
        if n <= n1:
            raise DesignInputError(f"n={n} must be greater than n1={n1}")
        if n > NMAX_LIMIT:
            raise DesignInputError(
                f"n={n} exceeds {NMAX_LIMIT}, the largest design trialkit computes (as nmax)"
            )
        if not 0 <= r1 < n1:
            raise DesignInputError(f"r1={r1} must be between 0 and n1-1={n1 - 1}")
        if not r1 <= r < n:
            raise DesignInputError(f"r={r} must be between r1={r1} and n-1={n - 1}")

    @property
    def n2(self) -> int:
        """Patients enrolled in stage 2."""
        return self.n - self.n1

    def label(self) -> str:
        """``"r1/n1, r/n"`` as printed in Simon's tables."""
        return f"{self.r1}/{self.n1}, {self.r}/{self.n}"


@dataclass(frozen=True, slots=True)
class StageProbabilities:
    """Exact probabilities of a design at the true response rates ``p``."""

    p: tuple[float, ...]
    pet: tuple[float, ...]
    promising: tuple[float, ...]
    expected_n: tuple[float, ...]


def _arrays(design: TwoStageDesign, ps: FloatArray) -> tuple[FloatArray, FloatArray]:
    stage1 = pmf_rows(design.n1, ps)
    stage2 = pmf_rows(design.n2, ps)
    # P(X2 > c) for c = -n1 .. n2: the upper tail, padded with ones for c < 0.
    upper = np.cumsum(stage2[:, ::-1], axis=1)[:, ::-1]
    tail = np.concatenate(
        [np.ones((ps.size, design.n1 + 1)), upper[:, 1:], np.zeros((ps.size, 1))], axis=1
    )
    x1 = np.arange(design.r1 + 1, design.n1 + 1)
    needed = np.minimum(design.r - x1, design.n2)  # beyond n2 the tail is 0 anyway
    promising = (stage1[:, x1] * tail[:, needed + design.n1 + 1]).sum(axis=1)
    pet = stage1[:, : design.r1 + 1].sum(axis=1)
    return pet, promising


def stage_probabilities(design: TwoStageDesign, ps: Sequence[float]) -> StageProbabilities:
    """PET, probability of declaring the treatment promising and EN at each ``p`` in ``ps``."""
    values = np.asarray(ps, dtype=np.float64).reshape(-1)
    if values.size and (not np.all(np.isfinite(values)) or values.min() < 0 or values.max() > 1):
        raise DesignInputError(f"response rates {list(ps)!r} must lie in [0, 1]")
    pet, promising = _arrays(design, values)
    expected = design.n1 + (1.0 - pet) * design.n2
    return StageProbabilities(
        p=tuple(float(v) for v in values),
        pet=tuple(float(v) for v in pet),
        promising=tuple(float(v) for v in promising),
        expected_n=tuple(float(v) for v in expected),
    )
