"""The scores' printed tables as data: thresholds and bands of points, each row with its source.

The tables live in ``trialkit/scores/data/*.yaml`` beside the rules they come
from (HLH-2004, HScore, SOFA, pSOFA). A threshold is written as its source
prints it (:meth:`trialkit.units.Threshold.parse`: ``">= 3.0 mmol/L; >= 265
mg/dL"``); a band table lists its bands worst first, each scoring its points
when the value meets its threshold, and a value meeting none scores 0. Both
back-ends read the same objects: the bedside scores call ``holds``, and the
SQL compiler turns each ``holds`` into per-unit constants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trialkit.errors import DefinitionError
from trialkit.units import Quantity, Threshold

__all__ = ["Band", "band_points", "bands", "read_table", "threshold"]


@dataclass(frozen=True, slots=True)
class Band:
    """``points`` when the value meets ``threshold``."""

    points: int
    threshold: Threshold


class _Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    when: str
    source: str = Field(min_length=1)


class _Band(_Threshold):
    points: int = Field(ge=0)


@cache
def read_table(name: str) -> Mapping[str, Any]:
    """The parsed YAML of ``trialkit/scores/data/<name>.yaml`` (read once)."""
    text = files("trialkit.scores").joinpath("data", f"{name}.yaml").read_text(encoding="utf-8")
    table = yaml.safe_load(text)
    if not isinstance(table, dict):
        raise DefinitionError(f"scores/data/{name}.yaml: not a mapping")
    return table


def threshold(row: object, where: str) -> Threshold:
    """A threshold from its row ``{when, source}``; :class:`DefinitionError` naming ``where``."""
    try:
        parsed = _Threshold.model_validate(row)
        return Threshold.parse(parsed.when, parsed.source)
    except (ValidationError, ValueError) as error:
        raise DefinitionError(f"{where}: {error}") from None


def bands(rows: object, where: str) -> tuple[Band, ...]:
    """A band table from its rows ``{points, when, source}``, worst (most points) first."""
    if not isinstance(rows, list) or not rows:
        raise DefinitionError(f"{where}: a band table is a non-empty list")
    table: list[Band] = []
    for index, row in enumerate(rows):
        try:
            parsed = _Band.model_validate(row)
            table.append(Band(parsed.points, Threshold.parse(parsed.when, parsed.source)))
        except (ValidationError, ValueError) as error:
            raise DefinitionError(f"{where}[{index}]: {error}") from None
    points = [b.points for b in table]
    if points != sorted(points, reverse=True) or len(set(points)) != len(points):
        raise DefinitionError(f"{where}: bands go from the most points down, got {points}")
    if len({b.threshold.upward for b in table}) != 1:
        raise DefinitionError(f"{where}: every band of a table points the same way")
    return tuple(table)


def band_points(quantity: Quantity, table: Sequence[Band]) -> tuple[int, Band | None]:
    """The points of the first band (worst first) ``quantity`` meets, and that band; 0 and None."""
    for band in table:
        if band.threshold.holds(quantity):
            return band.points, band
    return 0, None
