"""The R reference values of ``tests/analysis/r_reference.json``, read for the tests.

The file was printed by ``scripts/r_reference/analysis.R`` (run by
``scripts/r_reference/analysis.sh``: R and the survival and cmprsk packages from
Debian); it names the R and package versions it came from and holds the input of
every case beside R's output. Numbers have 17 significant digits; what is not a
finite number is a string (``"NA"``, ``"NaN"``, ``"Inf"``).
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

PATH = Path(__file__).with_name("r_reference.json")
TOLERANCE = 1e-10
"""Agreement required with R: absolute difference (every value compared is a probability,
a variance, a time or a chi-square statistic of order 1)."""

_SPECIAL = {"NA": math.nan, "NaN": math.nan, "Inf": math.inf, "-Inf": -math.inf}


@cache
def reference() -> dict[str, Any]:
    """The whole reference file."""
    with PATH.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def number(value: float | str) -> float:
    """A number of the file (``"NA"`` is NaN)."""
    return _SPECIAL[value] if isinstance(value, str) else float(value)


def optional(value: float | str) -> float | None:
    """A number of the file, ``None`` for R's ``NA`` (a median not reached)."""
    return None if value == "NA" else number(value)


def vector(values: list[float | str]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A vector of the file as floats (NA as NaN)."""
    return np.array([number(v) for v in values], dtype=np.float64)


def assert_close(mine: Any, theirs: list[float | str], what: str) -> float:
    """Same NaN and infinite entries, finite ones within :data:`TOLERANCE`; the largest difference."""
    ours = np.asarray(mine, dtype=np.float64)
    expected = vector(theirs)
    assert ours.shape == expected.shape, f"{what}: {ours.shape} values, R has {expected.shape}"
    assert np.array_equal(np.isnan(ours), np.isnan(expected)), (
        f"{what}: NaN at {ours} vs {expected}"
    )
    assert np.array_equal(np.isinf(ours) & (ours > 0), np.isinf(expected) & (expected > 0)), what
    finite = np.isfinite(expected)
    difference = float(np.max(np.abs(ours[finite] - expected[finite]), initial=0.0))
    assert difference <= TOLERANCE, f"{what}: differs from R by {difference:.3g}"
    return difference
