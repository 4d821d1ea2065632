"""Plots of a trial's analysis, each returning a matplotlib Figure, and how to write them.

Drawn from the results of :mod:`trialkit.analysis` (nothing is re-estimated) or
from plain per-subject inputs; bad input raises
:class:`trialkit.errors.TrialkitInputError` naming the argument.

* :func:`plot_kaplan_meier` (:mod:`~trialkit.analysis.plots.survival`): Kaplan–Meier
  curves with bands, censor ticks and the numbers at risk under the axis;
* :func:`plot_cumulative_incidence` (:mod:`~trialkit.analysis.plots.competing`):
  Aalen–Johansen cumulative incidence by cause, stacked or not, never ``1 - KM``;
* :func:`plot_swimmer` (:mod:`~trialkit.analysis.plots.swimmer`): follow-up bars with
  responses at assessment days and how follow-up ended;
* :func:`plot_trajectories` (:mod:`~trialkit.analysis.plots.trajectory`): a value per
  subject over study days with the daily median;
* :func:`plot_simon_enrolment` (:mod:`~trialkit.analysis.plots.enrolment`): cumulative
  responses against a Simon two-stage design's boundaries;
* :func:`plot_adverse_event_grades` (:mod:`~trialkit.analysis.plots.adverse_events`):
  stacked bars by term and worst CTCAE grade;
* :func:`save_figure`: PNG and SVG, byte-identical for the same figure.

matplotlib is imported on the first plot (Agg canvas, no display), not by this package.
"""

from __future__ import annotations

from trialkit.analysis.plots._figure import save_figure
from trialkit.analysis.plots.adverse_events import plot_adverse_event_grades
from trialkit.analysis.plots.competing import plot_cumulative_incidence
from trialkit.analysis.plots.enrolment import plot_simon_enrolment
from trialkit.analysis.plots.survival import plot_kaplan_meier
from trialkit.analysis.plots.swimmer import plot_swimmer
from trialkit.analysis.plots.trajectory import plot_trajectories

__all__ = [
    "plot_adverse_event_grades",
    "plot_cumulative_incidence",
    "plot_kaplan_meier",
    "plot_simon_enrolment",
    "plot_swimmer",
    "plot_trajectories",
    "save_figure",
]
