"""Proportions with exact intervals, inference after a Simon design, Fisher's exact test.

* :func:`proportion`: ``x / n`` with the exact Clopper–Pearson interval (Clopper CJ,
  Pearson ES. The use of confidence or fiducial limits illustrated in the case of the
  binomial. Biometrika 1934;26:404-413), computed by
  :func:`trialkit.design.inference.clopper_pearson`.
* After a Simon two-stage design the naive proportion is biased: use
  :func:`two_stage_inference` (stage-wise p-value and interval, Koyama & Chen 2008;
  UMVUE, Jung & Kim 2004) or, for a single-stage trial, :func:`single_stage_inference`.
  Both are :mod:`trialkit.design.inference`'s, re-exported here so that an analysis
  imports one package; they are defined there and only there.
* :func:`fisher_exact`: Fisher's exact test of a 2x2 table (Fisher RA. Statistical
  Methods for Research Workers, 5th ed. Oliver & Boyd 1934), two-sided, by
  :func:`scipy.stats.fisher_exact`: the p-value sums the probabilities (hypergeometric,
  margins fixed) of every table no more probable than the one observed, as R's
  ``fisher.test`` does; the odds ratio is the sample one, ``(a d) / (b c)``
  (``fisher.test`` prints a conditional maximum-likelihood estimate instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import fisher_exact as _scipy_fisher_exact

from trialkit.design.inference import (
    ConfidenceInterval,
    TrialInference,
    clopper_pearson,
    single_stage_inference,
    two_stage_inference,
)
from trialkit.errors import TrialkitInputError

__all__ = [
    "ConfidenceInterval",
    "FisherTest",
    "Proportion",
    "TrialInference",
    "clopper_pearson",
    "fisher_exact",
    "proportion",
    "single_stage_inference",
    "two_stage_inference",
]


@dataclass(frozen=True, slots=True)
class Proportion:
    """``count`` of ``total`` subjects: the proportion and its exact interval."""

    count: int
    total: int
    estimate: float
    ci: ConfidenceInterval


@dataclass(frozen=True, slots=True)
class FisherTest:
    """Fisher's exact test of a 2x2 ``table`` (rows as given): two-sided p-value, sample odds ratio."""

    table: tuple[tuple[int, int], tuple[int, int]]
    odds_ratio: float
    p_value: float
    alternative: str = "two-sided"


def proportion(count: int, total: int, level: float = 0.95) -> Proportion:
    """``count / total`` with the exact Clopper–Pearson interval at ``level``.

    Not for the response rate after a two-stage design: see :func:`two_stage_inference`.
    """
    ci = clopper_pearson(count, total, level)
    return Proportion(count=count, total=total, estimate=count / total, ci=ci)


def _cell(row: int, column: int, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TrialkitInputError(
            f"table[{row}][{column}]={value!r}: must be a whole number of subjects, 0 or more"
        )
    return value


def fisher_exact(table: Sequence[Sequence[int]]) -> FisherTest:
    """Fisher's exact test of the 2x2 ``table`` ``[[a, b], [c, d]]``, two-sided.

    Rows are the groups compared and columns the outcome (or the reverse: the test
    is symmetric). Sources and conventions: the module docstring.
    """
    if (
        isinstance(table, str)
        or len(table) != 2
        or any(isinstance(row, str) or len(row) != 2 for row in table)
    ):
        raise TrialkitInputError(f"table={table!r}: must be 2x2, [[a, b], [c, d]]")
    cells = tuple(
        tuple(_cell(i, j, value) for j, value in enumerate(row)) for i, row in enumerate(table)
    )
    (a, b), (c, d) = cells
    result = _scipy_fisher_exact([[a, b], [c, d]], alternative="two-sided")
    return FisherTest(
        table=((a, b), (c, d)),
        odds_ratio=float(result.statistic),
        p_value=float(result.pvalue),
    )
