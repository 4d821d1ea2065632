"""Checks of the plain inputs of :mod:`trialkit.analysis` (times, event codes, groups).

Every check raises :class:`trialkit.errors.TrialkitInputError` with a message that
names the argument, the offending value (and its position) and the reason.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable, Sequence, Sized
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from trialkit.errors import TrialkitInputError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    FloatArray: TypeAlias = NDArray[np.float64]
    IntArray: TypeAlias = NDArray[np.int64]

__all__ = ["as_codes", "as_labels", "as_numbers", "as_times", "same_length"]


def _vector(name: str, values: Iterable[object] | Any) -> NDArray[Any]:
    if isinstance(values, str | bytes) or not hasattr(values, "__len__"):
        raise TrialkitInputError(f"{name}={values!r}: must be a sequence or 1-d array")
    array = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if array.ndim != 1:
        raise TrialkitInputError(f"{name}: must be one-dimensional, not of shape {array.shape}")
    if array.size == 0:
        raise TrialkitInputError(f"{name}: is empty (at least one subject is needed)")
    return array


def _number(name: str, index: int, value: object) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        raise TrialkitInputError(f"{name}[{index}]={value!r}: must be a number")
    number = float(value)
    if math.isnan(number):
        raise TrialkitInputError(f"{name}[{index}] is NaN: a missing value is not allowed here")
    return number


def as_times(name: str, values: Sequence[float] | FloatArray) -> FloatArray:
    """``values`` as a float array of finite times ``>= 0``."""
    array = _vector(name, values)
    if array.dtype.kind in "iuf":
        out = array.astype(np.float64)
        bad = np.flatnonzero(~np.isfinite(out) | (out < 0))
        if bad.size:
            index = int(bad[0])
            _time(name, index, float(out[index]))
        return out
    return np.array([_time(name, i, v) for i, v in enumerate(array)], dtype=np.float64)


def as_numbers(
    name: str, values: Sequence[float | None] | FloatArray, *, missing: bool = False
) -> FloatArray:
    """``values`` as a float array of finite numbers of any sign (study days, scores).

    With ``missing``, ``None`` and NaN are allowed and become NaN.
    """
    array = _vector(name, values)
    out = np.empty(array.size, dtype=np.float64)
    for index, value in enumerate(array.tolist()):
        if missing and (value is None or (isinstance(value, float) and math.isnan(value))):
            out[index] = math.nan
            continue
        number = _number(name, index, value)
        if not math.isfinite(number):
            raise TrialkitInputError(f"{name}[{index}]={number}: must be finite")
        out[index] = number
    return out


def _time(name: str, index: int, value: object) -> float:
    number = _number(name, index, value)
    if not math.isfinite(number):
        raise TrialkitInputError(f"{name}[{index}]={number}: a time must be finite")
    if number < 0:
        raise TrialkitInputError(f"{name}[{index}]={number}: a time must be 0 or more")
    return number


def as_codes(
    name: str, values: Sequence[int] | IntArray, allowed: Collection[int] | None, meaning: str
) -> IntArray:
    """``values`` as integer codes, each one of ``allowed`` if given (``meaning`` explains them)."""
    array = _vector(name, values)
    codes = np.empty(array.size, dtype=np.int64)
    for index, value in enumerate(array.tolist()):
        if isinstance(value, bool):
            value = int(value)
        number = _number(name, index, value)
        if not number.is_integer():
            raise TrialkitInputError(f"{name}[{index}]={value!r}: must be a whole-number code")
        codes[index] = int(number)
    if allowed is None:
        return codes
    unknown = np.flatnonzero(~np.isin(codes, np.fromiter(allowed, dtype=np.int64)))
    if unknown.size:
        index = int(unknown[0])
        raise TrialkitInputError(
            f"{name}[{index}]={int(codes[index])}: unknown event code (expected {meaning})"
        )
    return codes


def as_labels(name: str, values: Sequence[Hashable] | NDArray[Any]) -> list[Hashable]:
    """``values`` as a list of group labels (no missing value)."""
    array = _vector(name, values)
    labels: list[Hashable] = array.tolist()
    for index, label in enumerate(labels):
        if label is None or (isinstance(label, float) and math.isnan(label)):
            raise TrialkitInputError(f"{name}[{index}] is missing: every subject needs a group")
    return labels


def same_length(first: tuple[str, Sized], *others: tuple[str, Sized]) -> None:
    """Every argument has as many values as the first."""
    name, values = first
    for other, more in others:
        if len(more) != len(values):
            raise TrialkitInputError(
                f"{other}: has {len(more)} values but {name} has {len(values)} (one per subject)"
            )
