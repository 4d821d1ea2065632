"""Kaplan–Meier curves of one or more groups, with the numbers at risk under the axis.

Draws :class:`trialkit.analysis.KaplanMeier` results as they are (nothing is
re-estimated): the right-continuous step function from ``S(0-) = 1``, the
pointwise band of the result's ``conf_type`` and ``level`` where it is defined
(``survfit``'s, see :mod:`trialkit.analysis.survival`; no band where it is NaN),
a tick at each time with a censoring (as ``plot.survfit``'s ``mark.time``), and
the numbers at risk in a table under the x axis (Pocock, Clayton & Altman,
Lancet 2002).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from trialkit.analysis.plots._figure import style_axes
from trialkit.analysis.plots._risk_table import at_risk, curve_figure, draw_risk_table, table_times
from trialkit.analysis.survival import KaplanMeier
from trialkit.errors import TrialkitInputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

    FloatArray: TypeAlias = NDArray[np.float64]

__all__ = ["plot_kaplan_meier"]


def _groups(curves: KaplanMeier | Mapping[str, KaplanMeier]) -> list[tuple[str, KaplanMeier]]:
    if isinstance(curves, KaplanMeier):
        return [("all subjects", curves)]
    if not isinstance(curves, Mapping):
        raise TrialkitInputError(
            f"curves: a KaplanMeier or a mapping of group label to KaplanMeier, "
            f"not {type(curves).__name__}"
        )
    if not curves:
        raise TrialkitInputError("curves: is empty (at least one group is needed)")
    groups = []
    for label, curve in curves.items():
        if not isinstance(curve, KaplanMeier):
            raise TrialkitInputError(
                f"curves[{label!r}]: a {type(curve).__name__}, not a KaplanMeier"
            )
        groups.append((str(label), curve))
    return groups


def steps(time: FloatArray, values: FloatArray, start: float) -> tuple[FloatArray, FloatArray]:
    """A right-continuous step function as points for ``drawstyle="steps-post"``, from time 0."""
    return np.concatenate(([0.0], time)), np.concatenate(([start], values))


def plot_kaplan_meier(
    curves: KaplanMeier | Mapping[str, KaplanMeier],
    *,
    risk_times: Sequence[float] | None = None,
    bands: bool = True,
    censor_ticks: bool = True,
    xlabel: str = "days",
    ylabel: str = "survival probability",
    title: str | None = None,
) -> Figure:
    """Kaplan–Meier curves, one per group, with the numbers at risk under the axis.

    ``curves`` is one :func:`~trialkit.analysis.kaplan_meier` result or a mapping
    from group label to result (drawn in the mapping's order, colours ``C0``,
    ``C1``, ...). ``risk_times`` are the times of the table and of the x ticks
    (default: about six round times from 0 to the last observed time). Artists,
    for a reader: each curve is a line labelled with its group; its censor ticks a
    line labelled ``"_censor <group>"``, its band a collection labelled
    ``"_band <group>"``; the table is the axes labelled ``"numbers at risk"``.
    """
    groups = _groups(curves)
    last = max(float(curve.time.max()) for _, curve in groups)
    at = table_times(risk_times, last)
    figure, axes, table = curve_figure(len(groups), title)
    rows = []
    for index, (label, curve) in enumerate(groups):
        colour = f"C{index}"
        x, y = steps(curve.time, curve.survival, 1.0)
        axes.plot(x, y, drawstyle="steps-post", color=colour, label=label)
        if bands:
            _, lower = steps(curve.time, curve.lower, 1.0)
            _, upper = steps(curve.time, curve.upper, 1.0)
            axes.fill_between(
                x,
                lower,
                upper,
                step="post",
                color=colour,
                alpha=0.15,
                linewidth=0,
                label=f"_band {label}",
            )
        if censor_ticks:
            censored = curve.n_censor > 0
            axes.plot(
                curve.time[censored],
                curve.survival[censored],
                linestyle="none",
                marker="|",
                markersize=8,
                color=colour,
                label=f"_censor {label}",
            )
        leaving = curve.n_event + curve.n_censor
        rows.append((label, at_risk(curve.time, leaving, at), colour))
    style_axes(axes, xlabel=xlabel, ylabel=ylabel, title=title)
    axes.set_ylim(-0.02, 1.02)
    if len(groups) > 1:
        axes.legend(loc="best", fontsize="small")
    draw_risk_table(axes, table, at, rows)
    return figure
