"""Adverse events by term and worst CTCAE grade, as stacked horizontal bars.

Grades are those of CTCAE v5.0 (U.S. Department of Health and Human Services.
Common Terminology Criteria for Adverse Events, version 5.0, 2017): 1 mild to
5 death related to the event. Counting subjects, each subject counts once per
term, at the worst grade it had for that term (the usual safety table); counting
events, every event counts at its own grade. Terms are drawn most frequent on
top (ties in the order of the terms' text).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np

from trialkit.analysis._input import as_codes, as_labels, same_length
from trialkit.analysis.plots._figure import SIZE, new_figure, style_axes
from trialkit.errors import TrialkitInputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

    IntArray: TypeAlias = NDArray[np.int64]

__all__ = ["GRADES", "GRADE_COLOURS", "grade_counts", "plot_adverse_event_grades"]

GRADES = (1, 2, 3, 4, 5)
GRADE_COLOURS = ("#fed976", "#fd8d3c", "#e31a1c", "#800026", "#000000")
"""Light to dark with the grade; grade 5 (death) black."""

Count: TypeAlias = Literal["subjects", "events"]


def grade_counts(
    terms: Sequence[Hashable],
    grades: Sequence[int],
    subjects: Sequence[Hashable] | None = None,
) -> tuple[tuple[str, ...], IntArray]:
    """The terms (most frequent first) and a ``(term, grade 1-5)`` table of counts.

    Counts subjects at their worst grade per term when ``subjects`` is given (one
    per event), else events.
    """
    names = [str(term) for term in as_labels("terms", terms)]
    grade = as_codes("grades", grades, GRADES, "a CTCAE grade 1 to 5")
    same_length(("terms", names), ("grades", grade))
    worst: dict[tuple[Hashable, str], int] = {}
    if subjects is None:
        for index, (name, g) in enumerate(zip(names, grade.tolist(), strict=True)):
            worst[index, name] = int(g)
    else:
        ids = as_labels("subjects", subjects)
        same_length(("terms", names), ("subjects", ids))
        for subject, name, g in zip(ids, names, grade.tolist(), strict=True):
            worst[subject, name] = max(worst.get((subject, name), 0), int(g))
    totals: dict[str, int] = {}
    for (_, name), _g in worst.items():
        totals[name] = totals.get(name, 0) + 1
    order = tuple(sorted(totals, key=lambda name: (-totals[name], name)))
    table = np.zeros((len(order), len(GRADES)), dtype=np.int64)
    row = {name: index for index, name in enumerate(order)}
    for (_, name), g in worst.items():
        table[row[name], g - 1] += 1
    return order, table


def plot_adverse_event_grades(
    terms: Sequence[Hashable],
    grades: Sequence[int],
    *,
    subjects: Sequence[Hashable] | None = None,
    count: Count = "subjects",
    title: str | None = None,
) -> Figure:
    """Stacked horizontal bars of adverse events by term and CTCAE grade 1–5.

    One row per event: ``terms[i]`` of grade ``grades[i]`` (and, to count
    subjects, of subject ``subjects[i]``). ``count`` is ``"subjects"`` (each
    subject once per term at its worst grade; needs ``subjects``) or
    ``"events"``. Artists, for a reader: one bar container per grade, labelled
    ``"grade <g>"``, whose bar widths are the counts of each term (top to bottom
    as the y tick labels).
    """
    if count not in ("subjects", "events"):
        raise TrialkitInputError(f"count={count!r}: must be 'subjects' or 'events'")
    if count == "subjects" and subjects is None:
        raise TrialkitInputError("subjects: needed to count subjects (or pass count='events')")
    order, table = grade_counts(terms, grades, subjects if count == "subjects" else None)
    figure = new_figure((SIZE[0], max(SIZE[1], 1.5 + 0.35 * len(order))))
    axes = figure.add_subplot()
    position = np.arange(len(order))
    left = np.zeros(len(order), dtype=np.int64)
    for column, grade in enumerate(GRADES):
        axes.barh(
            position,
            table[:, column],
            left=left,
            height=0.7,
            color=GRADE_COLOURS[column],
            edgecolor="white",
            linewidth=0.5,
            label=f"grade {grade}",
        )
        left = left + table[:, column]
    axes.set_yticks(position, list(order))
    axes.set_ylim(len(order) - 0.5, -0.5)
    style_axes(axes, xlabel=f"number of {count}", ylabel="adverse event term", title=title)
    axes.grid(axis="y", visible=False)
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(
        loc="lower right",
        fontsize="small",
        title="worst CTCAE grade" if count == "subjects" else "CTCAE grade",
    )
    return figure
