"""Curves over time with the numbers at risk in a table under the x axis.

The convention of survival and cumulative incidence figures in clinical papers
(Pocock SJ, Clayton TC, Altman DG. Survival plots of time-to-event outcomes in
clinical trials: good practice and pitfalls. Lancet 2002;359:1686-1689): the
number of subjects still at risk at chosen times, one row per group, aligned
with the x ticks. The numbers are those of
:func:`trialkit.analysis.survival.number_at_risk`, given the follow-up times
that the estimate's counts (subjects leaving at each observed time) hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from trialkit.analysis._input import as_times
from trialkit.analysis.plots._figure import SIZE, new_figure
from trialkit.analysis.survival import number_at_risk

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

    FloatArray: TypeAlias = NDArray[np.float64]
    IntArray: TypeAlias = NDArray[np.int64]

__all__ = ["RISK_TABLE_LABEL", "at_risk", "curve_figure", "draw_risk_table", "table_times"]

RISK_TABLE_LABEL = "numbers at risk"
"""The label of the table's axes (``Axes.get_label()``), by which a reader finds it."""


def follow_up(time: FloatArray, leaving: IntArray) -> FloatArray:
    """The follow-up times behind an estimate: each observed time once per subject leaving then."""
    return np.repeat(time, leaving)


def at_risk(time: FloatArray, leaving: IntArray, at: FloatArray) -> IntArray:
    """The numbers at risk at ``at`` from an estimate's observed times and subjects leaving."""
    return number_at_risk(follow_up(time, leaving), at)


def table_times(given: Sequence[float] | FloatArray | None, last: float) -> FloatArray:
    """The chosen times (checked), or about six round ticks from 0 to the last observed time."""
    if given is not None:
        return np.unique(as_times("risk_times", given))
    from matplotlib.ticker import MaxNLocator

    top = last if last > 0 else 1.0
    # 12 significant digits: the tick printed "0.30" is 0.3, not 2 * 0.15 = 0.30000000000000004,
    # which would leave out a subject followed up to exactly 0.3
    ticks = np.array([float(f"{tick:.12g}") for tick in MaxNLocator(nbins=6).tick_values(0.0, top)])
    return ticks[(ticks >= 0.0) & (ticks <= top)]


def curve_figure(rows: int, title: str | None) -> tuple[Figure, Axes, Axes]:
    """A figure with the curves' axes on top and the table's axes under it, sharing x."""
    height = SIZE[1] + 0.25 * rows
    figure = new_figure((SIZE[0], height))
    grid = figure.add_gridspec(2, 1, height_ratios=[4.0, 0.45 + 0.3 * rows])
    axes = figure.add_subplot(grid[0])
    table = figure.add_subplot(grid[1], sharex=axes, label=RISK_TABLE_LABEL)
    if title is not None:
        axes.set_title(title)
    return figure, axes, table


def draw_risk_table(
    axes: Axes,
    table: Axes,
    at: FloatArray,
    rows: Sequence[tuple[str, IntArray, str]],
) -> None:
    """Write ``(label, numbers, colour)`` rows at times ``at``; the x ticks become ``at``.

    Each number is one text artist of ``table``; the group labels are its y tick labels.
    """
    span = float(at.max()) if at.size else 1.0
    right = max(axes.get_xlim()[1], span)
    axes.set_xticks(at)
    axes.set_xlim(-0.03 * right, right * 1.03)
    table.set_ylim(len(rows) - 0.5, -0.5)
    table.set_yticks(range(len(rows)), [label for label, _, _ in rows])
    for tick, (_, _, colour) in zip(table.get_yticklabels(), rows, strict=True):
        tick.set_color(colour)
    table.tick_params(axis="both", length=0, labelbottom=False)
    table.tick_params(axis="y", labelsize="small")
    for side in ("top", "right", "bottom", "left"):
        table.spines[side].set_visible(False)
    table.set_title("Number at risk", loc="left", fontsize="small")
    for row, (_, numbers, colour) in enumerate(rows):
        for time, number in zip(at, numbers, strict=True):
            table.text(
                float(time),
                row,
                str(int(number)),
                ha="center",
                va="center",
                fontsize="small",
                color=colour,
            )
