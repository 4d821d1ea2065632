"""Inference after a two-stage trial: p-value, exact confidence interval and UMVUE.

The naive proportion ``x / n`` is biased after a two-stage design (the trial continues
only when stage 1 went well), so the final analysis uses:

* p-value and exact confidence interval under the stage-wise ordering of the sample
  space (Koyama T, Chen H. Proper inference from Simon's two-stage designs. Stat Med
  2008;27:3145-3154): every outcome that stopped after stage 1 ranks below every outcome
  that completed stage 2; within a stage, outcomes rank by their number of responses.
  ``P_p(T >= t)`` is increasing in ``p`` (the event is increasing in the responses), so
  each confidence limit is the unique root of a monotone equation.
* the UMVUE of the response rate (Jung SH, Kim KM. On the estimation of the binomial
  probability in multistage clinical trials. Stat Med 2004;23:881-896): ``x1 / n1`` after
  a futility stop; after stage 2 with ``s`` responses in total,
  ``sum C(n1-1, x1-1) C(n2, s-x1) / sum C(n1, x1) C(n2, s-x1)`` over
  ``max(r1+1, s-n2) <= x1 <= min(s, n1)``.
* for a single-stage trial, the exact binomial p-value and the Clopper-Pearson interval
  (Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the
  case of the binomial. Biometrika 1934;26:404-413), which the stage-wise interval
  reduces to when a two-stage trial stops after stage 1.

Conventions: the p-value is one-sided for ``H0: p <= p0``; the interval is two-sided and
equal-tailed, each limit excluding ``(1 - level) / 2`` with the observed outcome inside
(lower: ``P_p(T >= t) = a``; upper: ``P_p(T <= t) = a``, the Clopper-Pearson form; Jennison
C, Turnbull BW, Technometrics 1983;25:49-58). clinfun's ``twostage.inference(alpha = a)``
has the same lower limit at ``level = 1 - 2a`` but a lower upper limit,
``P_p(T >= t) = 1 - a`` (the p-value-function interval it attributes to Koyama & Chen),
which covers less than its level: docs/design.md compares them (``scripts/ci_coverage.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import betaincinv

from trialkit.design._binomial import pmf_rows
from trialkit.design.two_stage import TwoStageDesign
from trialkit.errors import DesignInputError

if TYPE_CHECKING:
    from trialkit.design._binomial import FloatArray

__all__ = [
    "ConfidenceInterval",
    "TrialInference",
    "clopper_pearson",
    "single_stage_inference",
    "stagewise_p_value",
    "two_stage_inference",
    "umvue",
]

STAGEWISE = "exact, stage-wise ordering (Koyama & Chen 2008)"
CLOPPER_PEARSON = "Clopper-Pearson (1934)"


@dataclass(frozen=True, slots=True)
class ConfidenceInterval:
    """A two-sided confidence interval, its level and how it was computed."""

    lower: float
    upper: float
    level: float
    method: str


@dataclass(frozen=True, slots=True)
class TrialInference:
    """The final analysis of a trial that ended at ``stage`` with ``responses``/``patients``."""

    stage: int
    x1: int
    responses: int
    patients: int
    p0: float
    p_value: float
    p_value_method: str
    ci: ConfidenceInterval
    umvue: float
    naive: float


def _rate(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DesignInputError(f"{name}={value!r} must be a number")
    number = float(value)
    if not (math.isfinite(number) and 0.0 < number < 1.0):
        raise DesignInputError(f"{name}={value!r} must lie strictly between 0 and 1")
    return number


def _responses(name: str, value: object, low: int, high: int, why: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DesignInputError(f"{name}={value!r} must be a whole number of responses")
    if not low <= value <= high:
        raise DesignInputError(f"{name}={value} must be between {low} and {high} ({why})")
    return value


def _ge_two_stage(design: TwoStageDesign, stage: int, x: int, ps: FloatArray) -> FloatArray:
    """``P_p(T >= (stage, x))`` under the stage-wise ordering, for each ``p`` in ``ps``."""
    first = pmf_rows(design.n1, ps)
    if stage == 1:
        # Clipped: a sum of all probabilities may round to 1 + 4e-16.
        return np.asarray(np.minimum(first[:, x:].sum(axis=1), 1.0))
    second = pmf_rows(design.n2, ps)
    at_least = np.cumsum(second[:, ::-1], axis=1)[:, ::-1]  # P(X2 >= c), c = 0..n2
    x1 = np.arange(design.r1 + 1, design.n1 + 1)
    needed = x - x1
    tail = np.where(
        needed <= 0, 1.0, at_least[:, np.clip(needed, 0, design.n2)] * (needed <= design.n2)
    )
    return np.asarray(np.minimum((first[:, x1] * tail).sum(axis=1), 1.0))


def _root(increasing: Callable[[FloatArray], FloatArray], target: float) -> float:
    """The ``p`` in (0, 1) where a continuous increasing function crosses ``target``.

    Each round evaluates 64 points at once (the binomial sums are vectorised over p) and
    keeps the bracketing cell, so about 9 rounds reach double precision.
    """
    low, high = 0.0, 1.0
    for _ in range(20):
        grid = np.linspace(low, high, 65)
        above = np.flatnonzero(increasing(grid) >= target)
        if above.size and above[0] == 0:
            return low
        index = int(above[0]) if above.size else 64
        low, high = float(grid[index - 1]), float(grid[index])
        if high - low <= 1e-15:
            break
    return 0.5 * (low + high)


def _interval(
    at_least: Callable[[FloatArray], FloatArray],
    above: Callable[[FloatArray], FloatArray],
    minimal: bool,
    maximal: bool,
    level: float,
    method: str,
) -> ConfidenceInterval:
    tail = (1.0 - level) / 2.0
    lower = 0.0 if minimal else _root(at_least, tail)
    upper = 1.0 if maximal else _root(above, 1.0 - tail)
    return ConfidenceInterval(lower, upper, level, method)


def _level(level: object) -> float:
    return _rate("level", level)


def clopper_pearson(x: int, n: int, level: float = 0.95) -> ConfidenceInterval:
    """The exact (Clopper-Pearson) two-sided interval for ``x`` responses in ``n`` patients.

    Each limit is the ``p`` at which a binomial tail equals ``(1 - level) / 2``; since
    ``P_p(X >= x) = I_p(x, n - x + 1)`` (the regularized incomplete beta function), the limits
    are beta quantiles: ``lower = B(a/2; x, n - x + 1)`` and ``upper = B(1 - a/2; x + 1, n - x)``
    (Brown LD, Cai TT, DasGupta A. Interval estimation for a binomial proportion. Stat Sci
    2001;16:101-133, §2.1; as R's ``binom.test`` computes them), which costs microseconds at any
    ``n`` where summing the distribution grows with ``n``.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise DesignInputError(f"n={n!r} must be a positive whole number of patients")
    x = _responses("x", x, 0, n, f"responses among n={n} patients")
    confidence = _level(level)
    tail = (1.0 - confidence) / 2.0
    lower = 0.0 if x == 0 else float(betaincinv(x, n - x + 1, tail))
    upper = 1.0 if x == n else float(betaincinv(x + 1, n - x, 1.0 - tail))
    return ConfidenceInterval(lower, upper, confidence, CLOPPER_PEARSON)


def stagewise_p_value(design: TwoStageDesign, x1: int, total: int, p0: float) -> float:
    """One-sided p-value of ``H0: p <= p0`` under the stage-wise ordering (Koyama & Chen)."""
    stage, responses = _outcome(design, x1, total)
    null = _rate("p0", p0)
    return float(_ge_two_stage(design, stage, responses, np.array([null]))[0])


def umvue(design: TwoStageDesign, x1: int, total: int) -> float:
    """Jung & Kim's (2004) uniformly minimum variance unbiased estimator of the response rate."""
    stage, responses = _outcome(design, x1, total)
    if stage == 1:
        return x1 / design.n1
    n1, n2 = design.n1, design.n2
    low, high = max(design.r1 + 1, responses - n2), min(responses, n1)
    # Exact integers: the binomial coefficients reach 1e89 for n = 300.
    top = sum(math.comb(n1 - 1, k - 1) * math.comb(n2, responses - k) for k in range(low, high + 1))
    bottom = sum(math.comb(n1, k) * math.comb(n2, responses - k) for k in range(low, high + 1))
    return float(Fraction(top, bottom))


def _outcome(design: TwoStageDesign, x1: int, total: int) -> tuple[int, int]:
    """``(stage, responses)`` of a completed trial, or an error if it cannot happen."""
    x1 = _responses("x1", x1, 0, design.n1, f"stage-1 responses among n1={design.n1}")
    if x1 <= design.r1:
        if total != x1:
            raise DesignInputError(
                f"total={total!r} must equal x1={x1}: the trial stops after stage 1 "
                f"(x1 is at most r1={design.r1})"
            )
        return 1, x1
    total = _responses(
        "total",
        total,
        x1,
        x1 + design.n2,
        f"x1={x1} plus at most n2={design.n2} stage-2 responses",
    )
    return 2, total


def two_stage_inference(
    design: TwoStageDesign, x1: int, total: int, p0: float, level: float = 0.95
) -> TrialInference:
    """p-value, exact CI, UMVUE and naive proportion after a completed two-stage trial.

    ``x1`` is the number of stage-1 responses and ``total`` the number over the whole trial
    (equal to ``x1`` if the trial stopped after stage 1).
    """
    stage, responses = _outcome(design, x1, total)
    null, confidence = _rate("p0", p0), _level(level)
    patients = design.n1 if stage == 1 else design.n

    def at_least(ps: FloatArray) -> FloatArray:
        return _ge_two_stage(design, stage, responses, ps)

    def above(ps: FloatArray) -> FloatArray:
        if stage == 1:  # the next outcome up: one more stage-1 response (or stage 2)
            return _ge_two_stage(design, 1, responses + 1, ps)
        return _ge_two_stage(design, 2, responses + 1, ps)

    method = STAGEWISE + (" = Clopper-Pearson for x1/n1" if stage == 1 else "")
    ci = _interval(
        at_least,
        above,
        stage == 1 and responses == 0,
        stage == 2 and responses == design.n,
        confidence,
        method,
    )
    return TrialInference(
        stage=stage,
        x1=x1,
        responses=responses,
        patients=patients,
        p0=null,
        p_value=float(at_least(np.array([null]))[0]),
        p_value_method="exact one-sided, " + STAGEWISE.removeprefix("exact, "),
        ci=ci,
        umvue=umvue(design, x1, total),
        naive=responses / patients,
    )


def single_stage_inference(x: int, n: int, p0: float, level: float = 0.95) -> TrialInference:
    """Exact binomial p-value and Clopper-Pearson interval for a single-stage trial."""
    ci = clopper_pearson(x, n, level)
    null = _rate("p0", p0)
    p_value = float(pmf_rows(n, [null])[0, x:].sum())
    return TrialInference(
        stage=1,
        x1=x,
        responses=x,
        patients=n,
        p0=null,
        p_value=p_value,
        p_value_method="exact one-sided binomial",
        ci=ci,
        umvue=x / n,
        naive=x / n,
    )
