"""Trajectories of a numeric value (SOFA, a laboratory value) per subject over study days.

A thin line per subject through its values, and on top the median per study
day over the subjects with a value that day, by
:func:`trialkit.analysis.summarise` (type-7 quantiles), optionally with the
quartiles as a band. The subjects behind each day's median change as subjects
die or leave (the median of the survivors); the count per day is
:func:`trialkit.analysis.summarise`'s ``n``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from trialkit.analysis._input import as_labels, as_numbers, same_length
from trialkit.analysis.plots._figure import new_figure, style_axes
from trialkit.analysis.summary import Summary, summarise
from trialkit.errors import TrialkitInputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["MEDIAN_LABEL", "daily_summaries", "plot_trajectories"]

MEDIAN_LABEL = "median"


def daily_summaries(days: Sequence[float], values: Sequence[float | None]) -> dict[float, Summary]:
    """:func:`~trialkit.analysis.summarise` of the values of each study day, in day order."""
    day = as_numbers("days", days)
    value = as_numbers("values", values, missing=True)
    same_length(("days", day), ("values", value))
    return {float(d): summarise(value[day == d]) for d in np.unique(day)}


def plot_trajectories(
    subjects: Sequence[Hashable],
    days: Sequence[float],
    values: Sequence[float | None],
    *,
    quartiles: bool = False,
    xlabel: str = "study day",
    ylabel: str = "value",
    title: str | None = None,
) -> Figure:
    """Each subject's values over study days (thin lines) and the median per day on top.

    One row per measurement: ``subjects[i]`` had ``values[i]`` on study day
    ``days[i]`` (any sign: a screening day may be negative). A missing value
    (``None``, NaN) is left out; one subject with two values on one day is an
    error. ``quartiles`` shades Q1–Q3 of each day. Artists, for a reader: one line
    per subject labelled ``"_subject <id>"`` (out of the legend), the median a line
    labelled ``"median"``.
    """
    ids = as_labels("subjects", subjects)
    day = as_numbers("days", days)
    value = as_numbers("values", values, missing=True)
    same_length(("subjects", ids), ("days", day), ("values", value))
    seen: dict[tuple[Hashable, float], int] = {}
    for index, (subject, when) in enumerate(zip(ids, day.tolist(), strict=True)):
        if (subject, when) in seen:
            raise TrialkitInputError(
                f"days[{index}]={when:g}: subject {subject!r} already has a value on that "
                f"day (row {seen[subject, when]})"
            )
        seen[subject, when] = index
    figure = new_figure()
    axes = figure.add_subplot()
    for subject in dict.fromkeys(ids):
        chosen = np.array([other == subject for other in ids]) & ~np.isnan(value)
        order = np.argsort(day[chosen], kind="stable")
        axes.plot(
            day[chosen][order],
            value[chosen][order],
            color="0.55",
            linewidth=0.8,
            alpha=0.7,
            marker=".",
            markersize=3,
            label=f"_subject {subject}",
        )
    summaries = {d: s for d, s in daily_summaries(days, values).items() if s.n > 0}
    if summaries:
        when = list(summaries)
        if quartiles:
            axes.fill_between(
                when,
                [s.q1 for s in summaries.values()],
                [s.q3 for s in summaries.values()],
                color="C3",
                alpha=0.2,
                linewidth=0,
                label="quartiles",
            )
        axes.plot(
            when,
            [s.median for s in summaries.values()],
            color="C3",
            linewidth=2.2,
            marker="o",
            markersize=4,
            label=MEDIAN_LABEL,
            zorder=3,
        )
        axes.legend(loc="best", fontsize="small")
    style_axes(axes, xlabel=xlabel, ylabel=ylabel, title=title)
    return figure
