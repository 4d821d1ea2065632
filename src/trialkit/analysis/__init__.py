"""Study-level statistics of a trial, on plain inputs (arrays of times, codes, counts).

Pure functions returning frozen values; bad input raises
:class:`trialkit.errors.TrialkitInputError` naming the argument and the reason.
Each module cites its sources and states its conventions:

* :mod:`~trialkit.analysis.proportion`: proportions with exact Clopper–Pearson
  intervals, inference after a Simon two-stage design (from :mod:`trialkit.design`),
  Fisher's exact test;
* :mod:`~trialkit.analysis.survival`: Kaplan–Meier with Greenwood's variance,
  pointwise intervals, the median and its interval as R's ``survfit`` prints them,
  numbers at risk;
* :mod:`~trialkit.analysis.competing`: cumulative incidence with competing risks by
  Aalen–Johansen (exact ties), cmprsk's variance, Gray's test;
* :mod:`~trialkit.analysis.summary`: summaries of continuous values;
* :mod:`~trialkit.analysis.plots`: the plots of an analysis (Kaplan–Meier and
  cumulative incidence with numbers at risk, swimmer, trajectories, enrolment
  against a Simon design, adverse-event grades) as matplotlib Figures, written as
  PNG and SVG; matplotlib is imported on the first plot.

Checked against R (survival 3.5-3, cmprsk 2.2-11): ``tests/analysis/r_reference.json``.
"""

from __future__ import annotations

from trialkit.analysis.competing import (
    CumulativeIncidence,
    GrayTest,
    cumulative_incidence,
    gray_test,
)
from trialkit.analysis.plots import (
    plot_adverse_event_grades,
    plot_cumulative_incidence,
    plot_kaplan_meier,
    plot_simon_enrolment,
    plot_swimmer,
    plot_trajectories,
    save_figure,
)
from trialkit.analysis.proportion import (
    ConfidenceInterval,
    FisherTest,
    Proportion,
    TrialInference,
    clopper_pearson,
    fisher_exact,
    proportion,
    single_stage_inference,
    two_stage_inference,
)
from trialkit.analysis.summary import Summary, summarise
from trialkit.analysis.survival import (
    ConfType,
    KaplanMeier,
    MedianSurvival,
    kaplan_meier,
    median_survival,
    number_at_risk,
    survival_at,
)

__all__ = [
    "ConfType",
    "ConfidenceInterval",
    "CumulativeIncidence",
    "FisherTest",
    "GrayTest",
    "KaplanMeier",
    "MedianSurvival",
    "Proportion",
    "Summary",
    "TrialInference",
    "clopper_pearson",
    "cumulative_incidence",
    "fisher_exact",
    "gray_test",
    "kaplan_meier",
    "median_survival",
    "number_at_risk",
    "plot_adverse_event_grades",
    "plot_cumulative_incidence",
    "plot_kaplan_meier",
    "plot_simon_enrolment",
    "plot_swimmer",
    "plot_trajectories",
    "proportion",
    "save_figure",
    "single_stage_inference",
    "summarise",
    "survival_at",
    "two_stage_inference",
]
