"""Summaries of continuous values: n, missing, mean, SD, median, quartiles, range.

Conventions: missing values (``None``, NaN) are counted and left out; the standard
deviation is the sample one (divisor ``n - 1``, R's ``sd``); the median and
quartiles are sample quantiles of type 7 (Hyndman RJ, Fan Y. Sample quantiles in
statistical packages. Am Stat 1996;50:361-365): linear interpolation between
order statistics at ``1 + (n - 1) p``, R's ``quantile`` default and numpy's
``"linear"`` method. With one value the SD is NaN (as R's ``sd``); with none every
statistic is NaN and ``n`` is 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from trialkit.errors import TrialkitInputError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    FloatArray: TypeAlias = NDArray[np.float64]

__all__ = ["QUANTILE_METHOD", "Summary", "summarise"]

QUANTILE_METHOD = "type 7 (Hyndman & Fan 1996; R's default, numpy's 'linear')"


@dataclass(frozen=True, slots=True)
class Summary:
    """A summary of continuous values; ``n`` counts the values present."""

    n: int
    missing: int
    mean: float
    sd: float
    median: float
    q1: float
    q3: float
    min: float
    max: float
    quantile_method: str = QUANTILE_METHOD


def _values(values: Sequence[float | None] | FloatArray) -> FloatArray:
    if isinstance(values, str | bytes) or not hasattr(values, "__len__"):
        raise TrialkitInputError(f"values={values!r}: must be a sequence or 1-d array of numbers")
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        if values.ndim != 1:
            raise TrialkitInputError(
                f"values: must be one-dimensional, not of shape {values.shape}"
            )
        array = values.astype(np.float64)
    else:
        numbers = []
        for index, value in enumerate(values):
            if value is None:
                numbers.append(math.nan)
            elif isinstance(value, bool | np.bool_) or not isinstance(
                value, int | float | np.number
            ):
                raise TrialkitInputError(f"values[{index}]={value!r}: must be a number or None")
            else:
                numbers.append(float(value))
        array = np.array(numbers, dtype=np.float64)
    infinite = np.flatnonzero(np.isinf(array))
    if infinite.size:
        index = int(infinite[0])
        raise TrialkitInputError(f"values[{index}]={array[index]}: must be finite")
    return array


def summarise(values: Sequence[float | None] | FloatArray) -> Summary:
    """n, missing, mean, SD, median, Q1, Q3, min and max of ``values`` (module docstring)."""
    array = _values(values)
    present = array[~np.isnan(array)]
    n = int(present.size)
    if n == 0:
        nan = math.nan
        return Summary(0, int(array.size), nan, nan, nan, nan, nan, nan, nan)
    q1, median, q3 = (float(q) for q in np.quantile(present, [0.25, 0.5, 0.75], method="linear"))
    return Summary(
        n=n,
        missing=int(array.size - n),
        mean=float(present.mean()),
        sd=float(present.std(ddof=1)) if n > 1 else math.nan,
        median=median,
        q1=q1,
        q3=q3,
        min=float(present.min()),
        max=float(present.max()),
    )
