"""A swimmer plot: each subject's follow-up as a bar, responses at assessment days.

One horizontal bar per subject from study day 0 to the last follow-up, a
marker per assessment for its response category (any category set: the HLH
response of :mod:`trialkit.scores`, CR / PR / NR, ...), and at the end of the
bar an arrow when the subject is still followed, a cross for death or a star
for haematopoietic stem cell transplantation. Bars are drawn longest on top
unless the given order is asked for.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np

from trialkit.analysis._input import as_labels, as_times, same_length
from trialkit.analysis.plots._figure import SIZE, new_figure, style_axes
from trialkit.errors import TrialkitInputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

    FloatArray: TypeAlias = NDArray[np.float64]

__all__ = ["END_MARKERS", "End", "plot_swimmer"]

End: TypeAlias = Literal["ongoing", "death", "hsct"]
END_MARKERS: dict[str, tuple[str, str, str]] = {
    "ongoing": (r"$\rightarrow$", "k", "ongoing"),
    "death": ("X", "k", "death"),
    "hsct": ("*", "C6", "HSCT"),
}
"""Each end of follow-up: its marker, colour and legend label."""

CATEGORY_MARKERS = ("o", "s", "^", "D", "v", "P", "<", "h")


def _assessments(
    assessments: Sequence[tuple[Hashable, float, str]],
    lanes: dict[Hashable, int],
    last: FloatArray,
) -> list[tuple[int, float, str]]:
    if isinstance(assessments, str | bytes) or not hasattr(assessments, "__len__"):
        raise TrialkitInputError(
            "assessments: must be a sequence of (subject, day, category) triples"
        )
    rows = []
    for index, row in enumerate(assessments):
        if not isinstance(row, tuple | list) or len(row) != 3:
            raise TrialkitInputError(
                f"assessments[{index}]={row!r}: must be a (subject, day, category) triple"
            )
        subject, day, category = row
        if subject not in lanes:
            raise TrialkitInputError(
                f"assessments[{index}]: subject {subject!r} is not among subjects"
            )
        if (
            isinstance(day, bool)
            or not isinstance(day, int | float | np.number)
            or not math.isfinite(day)
            or day < 0
        ):
            raise TrialkitInputError(
                f"assessments[{index}]: day {day!r} must be a finite study day of 0 or more"
            )
        when = float(day)
        lane = lanes[subject]
        if when > last[lane]:
            raise TrialkitInputError(
                f"assessments[{index}]: day {when:g} is after the last follow-up "
                f"(day {last[lane]:g}) of subject {subject!r}"
            )
        if not isinstance(category, str) or not category:
            raise TrialkitInputError(
                f"assessments[{index}]: category {category!r} must be a non-empty string"
            )
        rows.append((lane, when, category))
    return rows


def plot_swimmer(
    subjects: Sequence[Hashable],
    last_day: Sequence[float],
    ends: Sequence[End | None],
    assessments: Sequence[tuple[Hashable, float, str]] = (),
    *,
    categories: Sequence[str] | None = None,
    longest_first: bool = True,
    xlabel: str = "study day",
    title: str | None = None,
) -> Figure:
    """One bar per subject from day 0 to ``last_day``, response markers, end markers.

    ``subjects``, ``last_day`` and ``ends`` hold one value per subject: its id
    (unique), the study day of its last follow-up and how follow-up ended:
    ``"ongoing"`` (an arrow), ``"death"``, ``"hsct"`` or ``None`` (no marker:
    completed or lost). ``assessments`` are ``(subject, day, category)`` triples,
    on or before the subject's last day. ``categories`` orders the categories
    (legend, marker and colour); without it they come in order of first appearance;
    a category outside a given list is an error. Artists, for a reader: the bars
    are the axes' one bar container (widths the follow-up), each category a line
    labelled with it, each end a line labelled ``"ongoing"``, ``"death"`` or ``"HSCT"``.
    """
    ids = as_labels("subjects", subjects)
    last = as_times("last_day", last_day)
    same_length(("subjects", ids), ("last_day", last), ("ends", ends))
    lanes: dict[Hashable, int] = {}
    for index, subject in enumerate(ids):
        if subject in lanes:
            raise TrialkitInputError(f"subjects[{index}]={subject!r}: appears twice")
        lanes[subject] = index
    for index, end in enumerate(ends):
        if end is not None and end not in END_MARKERS:
            raise TrialkitInputError(
                f"ends[{index}]={end!r}: must be None or one of {', '.join(END_MARKERS)}"
            )
    rows = _assessments(assessments, lanes, last)
    found = list(dict.fromkeys(category for _, _, category in rows))
    if categories is None:
        order = found
    else:
        if isinstance(categories, str) or len(set(categories)) != len(categories):
            raise TrialkitInputError(f"categories={categories!r}: must list distinct categories")
        order = list(categories)
        for index, (_, _, category) in enumerate(rows):
            if category not in order:
                raise TrialkitInputError(
                    f"assessments[{index}]: category {category!r} is not among categories {order}"
                )
    ranking = np.argsort(-last, kind="stable") if longest_first else np.arange(last.size)
    position = np.empty(last.size, dtype=np.int64)
    position[ranking] = np.arange(last.size)
    figure = new_figure((SIZE[0], max(SIZE[1], 1.2 + 0.3 * last.size)))
    axes = figure.add_subplot()
    axes.barh(position, last, left=0.0, height=0.6, color="0.85", edgecolor="0.6")
    for number, category in enumerate(order):
        chosen = [(when, position[lane]) for lane, when, name in rows if name == category]
        axes.plot(
            [when for when, _ in chosen],
            [lane for _, lane in chosen],
            linestyle="none",
            marker=CATEGORY_MARKERS[number % len(CATEGORY_MARKERS)],
            color=f"C{number}",
            markersize=7,
            label=category,
        )
    reach = float(last.max()) if last.max() > 0 else 1.0
    for kind, (marker, colour, label) in END_MARKERS.items():
        chosen_lanes = [lane for lane, value in enumerate(ends) if value == kind]
        if not chosen_lanes:
            continue
        shift = 0.02 * reach if kind == "ongoing" else 0.0
        axes.plot(
            [last[lane] + shift for lane in chosen_lanes],
            [position[lane] for lane in chosen_lanes],
            linestyle="none",
            marker=marker,
            color=colour,
            markersize=10,
            label=label,
        )
    axes.set_yticks(position[np.arange(last.size)], [str(subject) for subject in ids])
    axes.set_ylim(last.size - 0.5, -0.5)
    axes.set_xlim(0.0, reach * 1.08)
    style_axes(axes, xlabel=xlabel, ylabel="subject", title=title)
    axes.grid(axis="y", visible=False)
    if order or any(end is not None for end in ends):
        axes.legend(loc="lower right", fontsize="small")
    return figure
