"""Enrolment of a Simon two-stage trial against its stopping boundaries.

Cumulative responses against the number of patients enrolled (in order of
enrolment), with the design's boundaries (Simon R. Optimal two-stage designs
for phase II clinical trials. Control Clin Trials 1989;10:1-10; the convention
of :mod:`trialkit.design.two_stage`): after ``n1`` patients the trial stops for
futility with ``r1`` responses or fewer, and after ``n`` the treatment is not
promising with ``r`` or fewer. Each boundary is drawn as a dashed level ending
in a marker at its decision point, ``(n1, r1)`` and ``(n, r)``; a curve at or
below the marker when it reaches that number of patients means stop (stage 1)
or not promising (stage 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from trialkit.analysis._input import as_codes
from trialkit.analysis.plots._figure import new_figure, style_axes
from trialkit.design.two_stage import TwoStageDesign
from trialkit.errors import TrialkitInputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FINAL_LABEL", "RESPONSES_LABEL", "STAGE1_LABEL", "plot_simon_enrolment"]

RESPONSES_LABEL = "cumulative responses"
STAGE1_LABEL = "stage 1 futility boundary"
FINAL_LABEL = "final boundary"


def plot_simon_enrolment(
    design: TwoStageDesign,
    responses: Sequence[int | bool],
    *,
    title: str | None = None,
) -> Figure:
    """Cumulative responses against patients enrolled, with the boundaries of ``design``.

    ``responses`` holds one value per patient enrolled so far, in order of
    enrolment: 1 (or True) for a response, 0 for none; at most ``design.n``.
    Artists, for a reader: the curve is the line labelled ``"cumulative
    responses"`` (its points ``(k, responses among the first k)`` from ``(0, 0)``);
    the boundaries are the lines whose labels begin ``"stage 1 futility
    boundary"`` (ending at ``(n1, r1)``) and ``"final boundary"`` (ending at
    ``(n, r)``).
    """
    if not isinstance(design, TwoStageDesign):
        raise TrialkitInputError(
            f"design: a {type(design).__name__}, not a trialkit.design TwoStageDesign"
        )
    outcome = as_codes("responses", responses, (0, 1), "1 = response or 0 = none")
    if outcome.size > design.n:
        raise TrialkitInputError(
            f"responses: {outcome.size} patients, more than the n={design.n} of the design"
        )
    patients = np.arange(outcome.size + 1)
    total = np.concatenate(([0], np.cumsum(outcome)))
    figure = new_figure()
    axes = figure.add_subplot()
    axes.plot(
        patients,
        total,
        drawstyle="steps-post",
        color="C0",
        linewidth=2.0,
        marker="o",
        markersize=3,
        label=RESPONSES_LABEL,
    )
    for start, end, level, label, colour in (
        (0, design.n1, design.r1, f"{STAGE1_LABEL}: stop if ≤ r1 = {design.r1}", "C3"),
        (design.n1, design.n, design.r, f"{FINAL_LABEL}: not promising if ≤ r = {design.r}", "C1"),
    ):
        axes.plot(
            [start, end],
            [level, level],
            linestyle="--",
            color=colour,
            marker="D",
            markevery=[1],
            label=label,
        )
    for where, name, shift, align in ((design.n1, "n1", 3, "left"), (design.n, "n", -3, "right")):
        axes.axvline(where, color="grey", linestyle=":", linewidth=0.8)
        axes.annotate(
            f"{name} = {where}",
            (where, 0),
            textcoords="offset points",
            xytext=(shift, 3),
            ha=align,
            fontsize="small",
        )
    style_axes(
        axes,
        xlabel="patients enrolled",
        ylabel="cumulative responses",
        title=title if title is not None else f"Two-stage design {design.label()}",
    )
    axes.set_xlim(0, design.n + max(1.0, 0.03 * design.n))
    axes.set_ylim(0, max(design.r + 1, int(total[-1]) + 1) + 0.5)
    axes.legend(loc="upper left", fontsize="small")
    return figure
