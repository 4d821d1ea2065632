"""Cumulative incidence with competing risks (Aalen–Johansen) and Gray's test.

* The estimate (Aalen OO, Johansen S. An empirical transition matrix for
  non-homogeneous Markov chains based on censored observations. Scand J Stat
  1978;5:141-150; Kalbfleisch JD, Prentice RL. The Statistical Analysis of Failure
  Time Data. Wiley 1980, pp 168-169): at each distinct time ``t`` with ``n`` at risk,
  ``d_k`` events of cause ``k`` and ``d = sum d_k``,
  ``F_k(t) = F_k(t-) + S(t-) d_k / n`` and ``S(t) = S(t-) (1 - d / n)``, ``S`` the
  Kaplan–Meier of any event. Ties are exact: all the events of a time, whatever
  their cause, enter the same step, and a subject censored at ``t`` is at risk at
  ``t``. So the estimate depends on the records only through their times and codes,
  never their order (lifelines' ``AalenJohansenFitter`` instead breaks ties between
  causes by jittering the times at random). It equals ``cmprsk::cuminc``'s ``est``.
* The variance is the one ``cmprsk::cuminc`` reports (its ``var``; the asymptotic
  variance of Aalen O. Nonparametric estimation of partial transition probabilities
  in multiple decrement models. Ann Stat 1978;6:534-545, as computed by Gray's
  ``cinc`` routine, cmprsk 2.2-11): the sum over event times ``s <= t`` of
  ``c(d) S(s-)^2 d / n^2 (b - F_k(t) a)^2`` taken separately for the ``d = d_k``
  events of cause ``k`` (``a = 1 / S(s)``, ``b = 1 + F_k(s) a``) and the ``d``
  events of the other causes (``a = 1 / S(s)``, ``b = F_k(s) a``), with the tie
  factor ``c(d) = 1 - (d - 1) / (n - 1)``; where ``S(s) = 0``, ``a = 0`` for cause
  ``k`` and the other causes' term is left out. It changes only at the times of
  cause ``k``.
* Gray's test (Gray RJ. A class of K-sample tests for comparing the cumulative
  incidence of a competing risk. Ann Stat 1988;16:1141-1154) of equal cumulative
  incidence of one cause across groups: the score of each group, the weight
  ``(1 - F(t-))^rho`` with ``F`` the pooled estimate, the variance of the scores
  with its tie corrections, stratified by summing scores and variances over
  strata; the statistic ``s' V^-1 s`` on the first ``g - 1`` groups is
  chi-square with ``g - 1`` degrees of freedom. Computed as ``cmprsk::cuminc``'s
  ``Tests`` (Gray's ``crstm`` routine) computes it, including its guard of
  cmprsk 2.2-12 against ``0 * inf`` when the pooled incidence reaches 1.

Reference values: ``tests/analysis/r_reference.json``, printed by
``scripts/r_reference/analysis.R`` (R 4.2.2, cmprsk 2.2-11).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from scipy.stats import chi2

from trialkit.analysis._input import as_codes, as_labels, as_times, same_length
from trialkit.errors import TrialkitInputError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    FloatArray: TypeAlias = NDArray[np.float64]
    IntArray: TypeAlias = NDArray[np.int64]

__all__ = ["CumulativeIncidence", "GrayTest", "cumulative_incidence", "gray_test"]


@dataclass(frozen=True, slots=True, eq=False)
class CumulativeIncidence:
    """Aalen–Johansen cumulative incidences at each distinct observed time.

    Column ``j`` of ``estimate``, ``variance`` and ``n_event`` belongs to
    ``causes[j]``; ``survival`` is the Kaplan–Meier of any event, so that
    ``estimate.sum(axis=1) + survival == 1``. The arrays are read-only.
    """

    causes: tuple[int, ...]
    time: FloatArray
    n_risk: IntArray
    n_event: IntArray
    n_censor: IntArray
    estimate: FloatArray
    variance: FloatArray
    survival: FloatArray

    def of(self, cause: int) -> tuple[FloatArray, FloatArray]:
        """``(estimate, variance)`` of one cause at each time of :attr:`time`."""
        if cause not in self.causes:
            raise TrialkitInputError(
                f"cause={cause!r}: not among the causes {list(self.causes)} of the estimate"
            )
        column = self.causes.index(cause)
        return self.estimate[:, column], self.variance[:, column]


@dataclass(frozen=True, slots=True)
class GrayTest:
    """Gray's test of equal cumulative incidence of ``cause`` across ``groups``.

    ``statistic`` and ``p_value`` are NaN where the variance of the scores is
    singular (no event of the cause, say; cmprsk prints a statistic of -1 there)
    or not finite (the weight ``(1 - F)^rho`` with ``rho < 0`` where the pooled
    ``F`` reaches 1; cmprsk stops with an error). In very small samples the
    estimated variance can be indefinite and the statistic negative: it is
    reported as cmprsk reports it, with a p-value of 1.
    """

    cause: int
    groups: tuple[Hashable, ...]
    rho: float
    statistic: float
    df: int
    p_value: float


def _events(
    times: Sequence[float] | FloatArray,
    events: Sequence[int] | IntArray,
    causes: Collection[int] | None,
    censor_code: int,
) -> tuple[FloatArray, IntArray, tuple[int, ...]]:
    if isinstance(censor_code, bool) or not isinstance(censor_code, int):
        raise TrialkitInputError(f"censor_code={censor_code!r}: must be an integer code")
    time = as_times("times", times)
    if causes is None:
        code = as_codes("events", events, None, "integer codes")
        kinds = tuple(sorted(int(c) for c in set(code.tolist()) - {censor_code}))
    else:
        kinds = tuple(sorted({int(c) for c in causes}))
        if censor_code in kinds:
            raise TrialkitInputError(
                f"causes={list(kinds)}: the censoring code {censor_code} cannot be a cause"
            )
        meaning = f"{censor_code} = censored or a cause among {list(kinds)}"
        code = as_codes("events", events, (censor_code, *kinds), meaning)
    same_length(("times", time), ("events", code))
    return time, code, kinds


def cumulative_incidence(
    times: Sequence[float] | FloatArray,
    events: Sequence[int] | IntArray,
    *,
    causes: Collection[int] | None = None,
    censor_code: int = 0,
) -> CumulativeIncidence:
    """Aalen–Johansen cumulative incidence of each cause, with cmprsk's variance.

    ``events`` holds one integer code per subject: ``censor_code`` (0) for a
    censoring, otherwise the cause. ``causes`` lists the cause codes allowed (an
    unknown code is an error; a listed cause without events gets a zero curve);
    without it, the causes are the codes found. The result's causes are in
    increasing order. Sources and conventions: the module docstring.
    """
    time, code, kinds = _events(times, events, causes, censor_code)
    distinct, where = np.unique(time, return_inverse=True)
    size = distinct.size
    leaving = np.bincount(where, minlength=size).astype(np.int64)
    n_risk = np.cumsum(leaving[::-1])[::-1]
    n_event = np.zeros((size, len(kinds)), dtype=np.int64)
    for column, kind in enumerate(kinds):
        n_event[:, column] = np.bincount(where[code == kind], minlength=size)
    died = n_event.sum(axis=1)
    # S(t-) and S(t) of any event, in cinc's order of operations: S(t) = S(t-) (n - d) / n
    before = np.empty(size)
    after = np.empty(size)
    current = 1.0
    for index in range(size):
        before[index] = current
        if died[index]:
            current = current * float(n_risk[index] - died[index]) / float(n_risk[index])
        after[index] = current
    estimate = np.empty((size, len(kinds)))
    variance = np.empty((size, len(kinds)))
    for column in range(len(kinds)):
        estimate[:, column], variance[:, column] = _one_cause(
            n_risk, n_event[:, column], died - n_event[:, column], before, after
        )
    result = CumulativeIncidence(
        causes=kinds,
        time=distinct,
        n_risk=n_risk,
        n_event=n_event,
        n_censor=leaving - died,
        estimate=estimate,
        variance=variance,
        survival=after,
    )
    for array in (distinct, n_risk, n_event, result.n_censor, estimate, variance, after):
        array.flags.writeable = False
    return result


def _one_cause(
    n_risk: IntArray, mine: IntArray, others: IntArray, before: FloatArray, after: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``F_k`` and its variance at each distinct time, accumulated as cmprsk's ``cinc``."""
    size = n_risk.size
    estimate = np.empty(size)
    variance = np.empty(size)
    incidence = 0.0
    reported = 0.0
    v1 = v2 = v3 = 0.0
    for index in range(size):
        at_risk = float(n_risk[index])
        own, other = int(mine[index]), int(others[index])
        previous, current = before[index], after[index]
        if own:
            incidence = incidence + previous * own / at_risk
        if other and current > 0:
            weight = _tie(other, at_risk) * previous * previous * other / (at_risk * at_risk)
            a = 1.0 / current
            b = incidence / current
            v1 += b * b * weight
            v2 += a * b * weight
            v3 += a * a * weight
        if own:
            weight = _tie(own, at_risk) * previous * previous * own / (at_risk * at_risk)
            a = 1.0 / current if current > 0 else 0.0
            b = 1.0 + a * incidence
            v1 += b * b * weight
            v2 += a * b * weight
            v3 += a * a * weight
            reported = v1 + incidence * incidence * v3 - 2.0 * incidence * v2
        estimate[index] = incidence
        variance[index] = reported
    return estimate, variance


def _tie(events: int, at_risk: float) -> float:
    """The tie factor ``1 - (d - 1) / (n - 1)`` of cmprsk's variances (1 without ties)."""
    return 1.0 - (events - 1.0) / (at_risk - 1.0) if events > 1 else 1.0


def gray_test(
    times: Sequence[float] | FloatArray,
    events: Sequence[int] | IntArray,
    groups: Sequence[Hashable] | NDArray[Any],
    *,
    cause: int,
    rho: float = 0.0,
    strata: Sequence[Hashable] | NDArray[Any] | None = None,
    causes: Collection[int] | None = None,
    censor_code: int = 0,
) -> GrayTest:
    """Gray's (1988) K-sample test of equal cumulative incidence of ``cause`` across groups.

    ``groups`` (and ``strata``, which only stratify the test) hold one label per
    subject; the other arguments are those of :func:`cumulative_incidence`.
    ``rho`` is the power of the weight ``(1 - F(t-))^rho`` (0: cmprsk's default).
    Matches ``cmprsk::cuminc(...)$Tests``; sources in the module docstring.
    """
    time, code, kinds = _events(times, events, causes, censor_code)
    if isinstance(cause, bool) or not isinstance(cause, int) or cause == censor_code:
        raise TrialkitInputError(
            f"cause={cause!r}: must be an integer code other than the censoring code"
        )
    if causes is not None and cause not in kinds:
        raise TrialkitInputError(f"cause={cause}: not among causes={list(kinds)}")
    if isinstance(rho, bool) or not isinstance(rho, int | float) or not np.isfinite(rho):
        raise TrialkitInputError(f"rho={rho!r}: must be a finite number")
    labels = as_labels("groups", groups)
    same_length(("times", time), ("groups", labels))
    names = _sorted_labels("groups", labels)
    if len(names) < 2:
        raise TrialkitInputError(
            f"groups: only one group ({names[0]!r}); Gray's test compares two or more"
        )
    group = np.array([names.index(label) for label in labels], dtype=np.int64)
    if strata is None:
        layer = np.zeros(time.size, dtype=np.int64)
    else:
        layers = as_labels("strata", strata)
        same_length(("times", time), ("strata", layers))
        keys = _sorted_labels("strata", layers)
        layer = np.array([keys.index(label) for label in layers], dtype=np.int64)
    # cmprsk's coding: 1 = the cause tested, 2 = another cause, 0 = censored
    kind = np.where(code == censor_code, 0, np.where(code == cause, 1, 2))
    count = len(names)
    score = np.zeros(count - 1)
    covariance = np.zeros((count - 1, count - 1))
    for stratum in np.unique(layer):
        chosen = layer == stratum
        s, v = _gray_stratum(time[chosen], kind[chosen], group[chosen], count, float(rho))
        score += s
        covariance += v
    df = count - 1
    finite = bool(np.isfinite(score).all() and np.isfinite(covariance).all())
    if not finite or np.linalg.matrix_rank(covariance) < df:
        statistic = p_value = float("nan")
    else:
        statistic = float(score @ np.linalg.solve(covariance, score))
        p_value = float(chi2.sf(statistic, df))
    return GrayTest(
        cause=cause,
        groups=tuple(names),
        rho=float(rho),
        statistic=statistic,
        df=df,
        p_value=p_value,
    )


def _sorted_labels(name: str, labels: list[Hashable]) -> list[Hashable]:
    try:
        return sorted(set(labels))  # type: ignore[type-var]
    except TypeError:
        raise TrialkitInputError(
            f"{name}: labels of different kinds ({', '.join(sorted({type(x).__name__ for x in labels}))}) cannot be ordered"
        ) from None


def _gray_stratum(
    time: FloatArray, kind: IntArray, group: IntArray, count: int, rho: float
) -> tuple[FloatArray, FloatArray]:
    """Scores of the first ``count - 1`` groups and their covariance in one stratum.

    Follows Gray (1988) as cmprsk's ``crst`` computes it (the names in comments are
    the routine's): per group the risk set ``R`` (``rs``), the left- and
    right-continuous any-event Kaplan–Meier (``skmm``, ``skm``) and cause
    incidence (``f1m``, ``f1``); pooled, ``F`` (``fm``, ``f``).
    """
    order = np.argsort(time, kind="stable")
    time, kind, group = time[order], kind[order], group[order]
    distinct, where = np.unique(time, return_inverse=True)
    leaving = np.zeros((distinct.size, count), dtype=np.int64)
    np.add.at(leaving, (where, group), 1)
    failing = np.zeros((distinct.size, 3, count), dtype=np.int64)
    np.add.at(failing, (where, kind, group), 1)
    last = count - 1
    at_risk = np.bincount(group, minlength=count).astype(np.float64)
    km_before = np.ones(count)
    cif_before = np.zeros(count)
    pooled_before = pooled = 0.0
    score = np.zeros(last)
    c = np.zeros((count, count))
    v = np.zeros((last, last))
    v2 = np.zeros((last, count))
    v3 = np.zeros(count)
    km_after = km_before.copy()
    cif_after = cif_before.copy()
    for index in range(distinct.size):
        own, other = failing[index, 1], failing[index, 2]
        n_own, n_other = int(own.sum()), int(other.sum())
        if n_own or n_other:
            risk = at_risk > 0
            # a group with someone at risk has km_before > 0; the others are masked out
            safe = np.where(risk, at_risk, 1.0)
            km_safe = np.where(risk, km_before, 1.0)
            km_after = np.where(risk, km_before * (at_risk - (own + other)) / safe, km_before)
            cif_after = np.where(risk, cif_before + km_before * own / safe, cif_before)
            h = np.where(risk, at_risk / km_safe, 0.0)  # \hat h_r of the paper
            tr = float(h.sum())
            tq = float(np.where(risk, at_risk * (1.0 - cif_before) / km_safe, 0.0).sum())
            pooled = pooled_before + n_own / tr
            with np.errstate(divide="ignore", invalid="ignore"):
                # inf or NaN when the pooled estimate reaches 1 with rho < 0: no statistic
                weight = float(np.power(1.0 - pooled_before, rho))
            if not np.isfinite(weight):
                return np.full(last, np.nan), np.full((last, last), np.nan)
            a = -weight * np.outer(h, h) / tr
            np.fill_diagonal(a, weight * h * (1.0 - h / tr))
            a[~risk, :] = 0.0
            a[:, ~risk] = 0.0
            with np.errstate(divide="ignore", invalid="ignore"):
                c += np.where(a != 0.0, a * n_own / (tr * (1.0 - pooled_before)), 0.0)
            score += np.where(
                risk, weight * (own - n_own * at_risk * (1.0 - cif_before) / (km_safe * tq)), 0.0
            )[:last]
            if n_own:
                with np.errstate(divide="ignore", invalid="ignore"):  # masked groups only
                    t4 = np.where(km_after > 0, 1.0 - (1.0 - pooled) / km_after, 1.0)
                    tie = 1.0 - (n_own - 1) / (tr * km_before - 1.0) if n_own > 1 else 1.0
                    t3 = np.where(risk, tie * km_before * n_own / (tr * safe), 0.0)
                v3 += t4 * t4 * t3
                t1 = a[:last, :] - t4 * c[:last, :]
                v2 += t1 * (t4 * t3)
                v += (t1 * t3) @ t1.T
            if n_other:
                chosen = (km_after > 0) & (other > 0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    t4 = np.where(chosen, (1.0 - pooled) / km_after, 0.0)
                    tie = np.where(other > 1, 1.0 - (other - 1.0) / (at_risk - 1.0), 1.0)
                    t3 = np.where(chosen, tie * km_before**2 * other / at_risk**2, 0.0)
                v3 += t4 * t4 * t3
                t1 = t4 * c[:last, :]
                v2 -= t1 * (t4 * t3)
                v += (t1 * t3) @ t1.T
        at_risk = at_risk - leaving[index]
        pooled_before = pooled
        cif_before = cif_after
        km_before = km_after
    head = c[:last, :]
    v += (head * v3) @ head.T + head @ v2.T + v2 @ head.T
    return score, v
