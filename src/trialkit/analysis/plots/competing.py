"""Cumulative incidence curves by cause (Aalen–Johansen), with the numbers at risk.

Draws :class:`trialkit.analysis.CumulativeIncidence` results as they are: each
cause's ``F_k(t)`` (Aalen–Johansen, :mod:`trialkit.analysis.competing`), never
``1 - KM`` of the cause with the other causes censored, which overstates the
incidence when competing events occur (Gooley TA, Leisenring W, Crowley J,
Storer BE. Estimation of failure probabilities in the presence of competing
risks: new representations of old estimators. Stat Med 1999;18:695-706): a
Kaplan–Meier result is refused. Unstacked, one step line per cause (and group);
stacked (one estimate), the causes' incidences piled up, so that with every
cause drawn the top edge is ``1 - S(t)``, ``S`` the Kaplan–Meier of any event. The numbers at risk under
the axis are those at risk of any event (Pocock, Clayton & Altman, Lancet 2002).
No confidence band is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from trialkit.analysis.competing import CumulativeIncidence
from trialkit.analysis.plots._figure import style_axes
from trialkit.analysis.plots._risk_table import at_risk, curve_figure, draw_risk_table, table_times
from trialkit.analysis.plots.survival import steps
from trialkit.analysis.survival import KaplanMeier
from trialkit.errors import TrialkitInputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_cumulative_incidence"]

LINE_STYLES = ("-", "--", "-.", ":")


def _estimate(name: str, value: object) -> CumulativeIncidence:
    if isinstance(value, KaplanMeier):
        raise TrialkitInputError(
            f"{name}: a KaplanMeier, not a CumulativeIncidence; 1 - KM of a cause overstates "
            "its incidence under competing risks (estimate it with cumulative_incidence)"
        )
    if not isinstance(value, CumulativeIncidence):
        raise TrialkitInputError(f"{name}: a {type(value).__name__}, not a CumulativeIncidence")
    return value


def _groups(
    incidence: CumulativeIncidence | Mapping[str, CumulativeIncidence],
) -> list[tuple[str, CumulativeIncidence]]:
    if isinstance(incidence, Mapping):
        if not incidence:
            raise TrialkitInputError("incidence: is empty (at least one group is needed)")
        return [
            (str(label), _estimate(f"incidence[{label!r}]", value))
            for label, value in incidence.items()
        ]
    return [("all subjects", _estimate("incidence", incidence))]


def _causes(
    groups: list[tuple[str, CumulativeIncidence]], chosen: Sequence[int] | None
) -> tuple[int, ...]:
    if chosen is None:
        found = groups[0][1].causes
        for label, estimate in groups[1:]:
            if estimate.causes != found:
                raise TrialkitInputError(
                    f"incidence[{label!r}]: causes {list(estimate.causes)} differ from "
                    f"{list(found)} of {groups[0][0]!r}; pass causes= to choose"
                )
        return found
    if isinstance(chosen, str | bytes) or len(chosen) == 0:
        raise TrialkitInputError(f"causes={chosen!r}: must list at least one cause code")
    for cause in chosen:
        for label, estimate in groups:
            if cause not in estimate.causes:
                raise TrialkitInputError(
                    f"causes: {cause!r} is not among the causes {list(estimate.causes)} "
                    f"of {label!r}"
                )
    return tuple(chosen)


def plot_cumulative_incidence(
    incidence: CumulativeIncidence | Mapping[str, CumulativeIncidence],
    *,
    causes: Sequence[int] | None = None,
    cause_labels: Mapping[int, str] | None = None,
    stacked: bool = False,
    risk_times: Sequence[float] | None = None,
    xlabel: str = "days",
    ylabel: str = "cumulative incidence",
    title: str | None = None,
) -> Figure:
    """Aalen–Johansen cumulative incidence by cause, with the numbers at risk under the axis.

    ``incidence`` is one :func:`~trialkit.analysis.cumulative_incidence` result or
    a mapping from group label to result. ``causes`` chooses and orders the causes
    drawn (default: all, which must then be the same in every group);
    ``cause_labels`` names them (default ``"cause <code>"``). With one group each
    cause has its colour; with several, each group its colour and each cause its
    line style. ``stacked`` piles the causes of one estimate up (areas between
    step lines). Artists, for a reader: each curve is a line labelled
    ``"<cause label>"`` (one group) or ``"<group>: <cause label>"``; stacked, the
    line of a cause is the running sum up to it; the table is the axes labelled
    ``"numbers at risk"``.
    """
    groups = _groups(incidence)
    drawn = _causes(groups, causes)
    names = dict(cause_labels or {})
    unknown = sorted(set(names) - set(drawn), key=repr)
    if unknown:
        raise TrialkitInputError(
            f"cause_labels: {unknown[0]!r} is not among the causes drawn {list(drawn)}"
        )
    if stacked and len(groups) > 1:
        raise TrialkitInputError(
            f"stacked=True: stacks the causes of one estimate, got {len(groups)} groups"
        )
    last = max(float(estimate.time.max()) for _, estimate in groups)
    at = table_times(risk_times, last)
    figure, axes, table = curve_figure(len(groups), title)
    rows = []
    several = len(groups) > 1
    for index, (group, estimate) in enumerate(groups):
        below = np.zeros(estimate.time.size + 1)
        for order, cause in enumerate(drawn):
            name = names.get(cause, f"cause {cause}")
            colour = f"C{index}" if several else f"C{order}"
            style = LINE_STYLES[order % len(LINE_STYLES)] if several else "-"
            x, y = steps(estimate.time, estimate.of(cause)[0], 0.0)
            if stacked:
                y = below + y
                axes.fill_between(x, below, y, step="post", color=colour, alpha=0.35, linewidth=0)
                below = y
            label = f"{group}: {name}" if several else name
            axes.plot(x, y, drawstyle="steps-post", color=colour, linestyle=style, label=label)
        leaving = estimate.n_event.sum(axis=1) + estimate.n_censor
        rows.append((group, at_risk(estimate.time, leaving, at), f"C{index}" if several else "k"))
    style_axes(axes, xlabel=xlabel, ylabel=ylabel, title=title)
    axes.set_ylim(-0.02, 1.02)
    axes.legend(loc="upper left", fontsize="small")
    draw_risk_table(axes, table, at, rows)
    return figure
