"""Kaplan–Meier survival with Greenwood's variance, pointwise intervals and the median.

* The estimate (Kaplan EL, Meier P. Nonparametric estimation from incomplete
  observations. J Am Stat Assoc 1958;53:457-481): at each distinct time ``t`` with
  ``n`` subjects at risk and ``d`` events, ``S(t) = S(t-) (1 - d / n)``. A subject
  censored at ``t`` is at risk at ``t`` (censoring is taken to happen just after the
  events of its time), as in R's ``survival::survfit``.
* The variance (Greenwood M. The natural duration of cancer. Reports on Public Health
  and Medical Subjects 33. London: HMSO; 1926): ``Var(log S(t)) = sum d / (n (n - d))``
  over the event times up to ``t``. When everyone left at risk has the event
  (``n = d``, ``S = 0``) the sum is infinite, as in ``survfit`` (``std.err = Inf``).
* Pointwise intervals as ``survfit`` computes them (``survival:::survfit_confint``,
  survival 3.5): ``"log"`` (its default) ``S exp(±z se)`` with the upper limit cut at 1;
  ``"log-log"`` ``S^exp(±z se / log S)`` (Kalbfleisch JD, Prentice RL. The Statistical
  Analysis of Failure Time Data. Wiley 1980); ``"plain"`` ``S ± z S se`` cut to
  ``[0, 1]``; ``se`` the standard error of ``log S``. A limit is NaN where ``survfit``'s
  is ``NA``: ``S = 0`` (log, log-log) or ``S = 1`` (log-log).
* The median and its interval exactly as ``print(survfit(...))`` shows them
  (``survival:::survmean``; the interval inverts the pointwise band, Brookmeyer R,
  Crowley J. A confidence interval for the median survival time. Biometrics
  1982;38:29-41): the first time where the curve is ``<= 0.5`` (to within
  ``sqrt(machine epsilon)``); when the curve is exactly 0.5 there and drops lower
  later, the midpoint between that time and the time of the drop. The lower limit
  applies the same rule to the lower band, the upper limit to the upper band; a
  value never reached is ``None``. Where the curve stays at 0.5 until the last
  time, the printed median is the time it reached 0.5; ``quantile.survfit`` gives
  instead the midpoint with the last follow-up time — trialkit follows the print.

Reference values: ``tests/analysis/r_reference.json``, printed by
``scripts/r_reference/analysis.R`` (R 4.2.2, survival 3.5-3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np
from scipy.stats import norm

from trialkit.analysis._input import as_codes, as_times, same_length
from trialkit.errors import TrialkitInputError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    FloatArray: TypeAlias = NDArray[np.float64]
    IntArray: TypeAlias = NDArray[np.int64]

__all__ = [
    "ConfType",
    "KaplanMeier",
    "MedianSurvival",
    "kaplan_meier",
    "median_survival",
    "number_at_risk",
    "survival_at",
]

ConfType = Literal["log", "log-log", "plain"]
CONF_TYPES: tuple[ConfType, ...] = ("log", "log-log", "plain")
TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))
"""survfit's tolerance when it compares a curve with 0.5 (``.Machine$double.eps^0.5``)."""


@dataclass(frozen=True, slots=True, eq=False)
class KaplanMeier:
    """A Kaplan–Meier curve at each distinct observed time (event or censoring), as survfit.

    ``std_err_log`` is the standard error of ``log S`` (survfit's ``std.err``),
    ``std_err`` that of ``S`` (``S * std_err_log``, summary.survfit's ``std.err``).
    The arrays are read-only.
    """

    time: FloatArray
    n_risk: IntArray
    n_event: IntArray
    n_censor: IntArray
    survival: FloatArray
    std_err_log: FloatArray
    std_err: FloatArray
    lower: FloatArray
    upper: FloatArray
    level: float
    conf_type: ConfType


@dataclass(frozen=True, slots=True)
class MedianSurvival:
    """The median survival time and its interval; ``None`` where the curve never reaches 0.5."""

    median: float | None
    lower: float | None
    upper: float | None
    level: float


def _level(level: object) -> float:
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise TrialkitInputError(f"level={level!r}: must be a number strictly between 0 and 1")
    return float(level)


def _read_only(*arrays: NDArray[np.generic]) -> None:
    for array in arrays:
        array.flags.writeable = False


def kaplan_meier(
    times: Sequence[float] | FloatArray,
    events: Sequence[int] | IntArray,
    *,
    level: float = 0.95,
    conf_type: ConfType = "log",
) -> KaplanMeier:
    """The Kaplan–Meier estimate with Greenwood's variance and pointwise intervals.

    ``times`` are follow-up times (``>= 0``), ``events`` 1 for an event and 0 for a
    censoring, one per subject. ``conf_type`` is ``"log"`` (survfit's default),
    ``"log-log"`` or ``"plain"``. Sources and conventions: the module docstring.
    """
    time = as_times("times", times)
    event = as_codes("events", events, (0, 1), "0 = censored or 1 = event")
    same_length(("times", time), ("events", event))
    confidence = _level(level)
    if conf_type not in CONF_TYPES:
        raise TrialkitInputError(f"conf_type={conf_type!r}: must be one of {', '.join(CONF_TYPES)}")
    distinct, where = np.unique(time, return_inverse=True)
    n_event = np.bincount(where, weights=event, minlength=distinct.size).astype(np.int64)
    n_leaving = np.bincount(where, minlength=distinct.size).astype(np.int64)
    n_risk = np.cumsum(n_leaving[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod((n_risk - n_event) / n_risk, dtype=np.float64)
        terms = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
        std_err_log = np.sqrt(np.cumsum(terms))
        std_err = survival * std_err_log
        lower, upper = _pointwise(survival, std_err_log, confidence, conf_type)
    result = KaplanMeier(
        time=distinct,
        n_risk=n_risk,
        n_event=n_event,
        n_censor=n_leaving - n_event,
        survival=survival,
        std_err_log=std_err_log,
        std_err=std_err,
        lower=lower,
        upper=upper,
        level=confidence,
        conf_type=conf_type,
    )
    _read_only(distinct, n_risk, n_event, result.n_censor, survival, std_err_log, std_err)
    _read_only(lower, upper)
    return result


def _pointwise(
    survival: FloatArray, se: FloatArray, level: float, conf_type: ConfType
) -> tuple[FloatArray, FloatArray]:
    """survfit's pointwise limits from ``S`` and the standard error of ``log S``."""
    z = float(norm.ppf(1.0 - (1.0 - level) / 2.0))
    if conf_type == "plain":
        half = se * survival * z
        return np.maximum(survival - half, 0.0), np.minimum(survival + half, 1.0)
    if conf_type == "log":
        positive = np.where(survival == 0.0, np.nan, survival)
        return (
            np.exp(np.log(positive) - z * se),
            np.minimum(np.exp(np.log(positive) + z * se), 1.0),
        )
    inside = np.where((survival == 0.0) | (survival == 1.0), np.nan, survival)
    spread = z * se / np.log(inside)
    loglog = np.log(-np.log(inside))
    return np.exp(-np.exp(loglog - spread)), np.exp(-np.exp(loglog + spread))


def _first_below_half(time: FloatArray, curve: FloatArray) -> float | None:
    """survmean's rule: the first time the curve is <= 0.5, the midpoint on a flat 0.5."""
    keep = ~np.isnan(curve) & (curve < 0.5 + TOLERANCE)
    if not keep.any():
        return None
    times, values = time[keep], curve[keep]
    if abs(values[0] - 0.5) < TOLERANCE:
        lower = np.flatnonzero(values < values[0])
        if lower.size:
            return float((times[0] + times[lower[0]]) / 2.0)
    return float(times[0])


def median_survival(curve: KaplanMeier) -> MedianSurvival:
    """The median survival time and its interval, as ``print(survfit(...))`` shows them.

    The rule (R's ``survival:::survmean``) is in the module docstring; the interval
    is where the pointwise band of ``curve`` (its ``conf_type`` and ``level``)
    crosses 0.5.
    """
    return MedianSurvival(
        median=_first_below_half(curve.time, curve.survival),
        lower=_first_below_half(curve.time, curve.lower),
        upper=_first_below_half(curve.time, curve.upper),
        level=curve.level,
    )


def survival_at(curve: KaplanMeier, at: Sequence[float] | FloatArray) -> FloatArray:
    """``S(t)`` at each time of ``at``: the right-continuous step function, 1 before the first time.

    Beyond the last observed time the last value is returned, as ``summary(fit,
    times, extend = TRUE)`` does.
    """
    points = as_times("at", at)
    index = np.searchsorted(curve.time, points, side="right") - 1
    return np.where(index < 0, 1.0, curve.survival[np.maximum(index, 0)])


def number_at_risk(
    times: Sequence[float] | FloatArray, at: Sequence[float] | FloatArray
) -> IntArray:
    """The number of subjects at risk at each time of ``at``: follow-up time ``>= t``.

    A subject whose event or censoring is at ``t`` is at risk at ``t``, as in
    survfit's ``n.risk`` (the numbers printed under a survival plot).
    """
    follow_up = np.sort(as_times("times", times))
    points = as_times("at", at)
    return np.asarray(follow_up.size - np.searchsorted(follow_up, points, side="left"), np.int64)
