"""The report's figures: which plot each endpoint gets, from the subjects' endpoint values.

* a time to event: the Kaplan–Meier curve, or with competing events the
  cumulative incidence of each cause (never 1 − KM), with the numbers at risk;
* a response (category at study days): a swimmer plot of each subject's
  follow-up with the category at each assessment day;
* a score read at several days (SOFA at day 0, 7, 28): the trajectory of each
  subject with the daily median, once per score;
* the primary endpoint of a Simon two-stage design: the cumulative responses in
  order of inclusion against the design's boundaries;
* adverse events counted by grade: the subjects by term and worst CTCAE grade.

Nothing is re-estimated: the curves come from :mod:`trialkit.analysis.study`'s
estimates, the rest from the endpoint values and their evidence.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trialkit.analysis.plots import (
    plot_adverse_event_grades,
    plot_cumulative_incidence,
    plot_kaplan_meier,
    plot_simon_enrolment,
    plot_swimmer,
    plot_trajectories,
)
from trialkit.analysis.plots.swimmer import End
from trialkit.analysis.study import EndpointEstimate
from trialkit.design.two_stage import TwoStageDesign
from trialkit.endpoints.dataset import EvaluatedSubject
from trialkit.endpoints.evaluate import DEATH, EndpointValue
from trialkit.protocol import Protocol
from trialkit.protocol.endpoints import (
    Count,
    EndpointNode,
    Response,
    ScoreAt,
    Yields,
    endpoint_children,
)
from trialkit.protocol.model import SimonDesignSpec
from trialkit.record import AdverseEvent

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["EndpointFigure", "endpoint_figures"]


@dataclass(frozen=True, slots=True)
class EndpointFigure:
    """A figure of an endpoint: its file name part (``survival.km``), what it shows, the figure."""

    endpoint: str
    name: str
    caption: str
    figure: Figure


def endpoint_figures(
    protocol: Protocol,
    subjects: Sequence[EvaluatedSubject],
    estimates: Sequence[EndpointEstimate],
) -> list[EndpointFigure]:
    """Every figure of the report, in the order of the protocol's endpoints."""
    found: list[EndpointFigure] = []
    if not subjects:
        return found
    by_key = {e.key: e for e in estimates}
    scores_drawn: set[str] = set()
    # a score's trajectory gathers its values from every endpoint (SOFA at days 0, 7 and 28)
    every_node = {k: n for e in protocol.endpoints for k, n in e.nodes().items()}
    trajectories = _score_points(every_node, subjects)
    primary = next((e.id for e in protocol.endpoints if e.kind == "primary"), None)
    for endpoint in protocol.endpoints:
        nodes = endpoint.nodes()
        for key, node in nodes.items():
            estimate = by_key[key]
            if estimate.incidence is not None:
                labels = {i + 1: cause for i, cause in enumerate(estimate.causes)}
                figure = plot_cumulative_incidence(
                    estimate.incidence, cause_labels=labels, title=endpoint.name
                )
                found.append(EndpointFigure(endpoint.id, f"{key}.incidence", _cif(key), figure))
            elif estimate.survival is not None:
                figure = plot_kaplan_meier(estimate.survival, title=endpoint.name)
                found.append(EndpointFigure(endpoint.id, f"{key}.km", _km(key), figure))
            if isinstance(node, Count) and node.min_grade is None and node.serious is None:
                grades = _grades(subjects, key)
                if grades:
                    terms, levels, who = zip(*grades, strict=True)
                    figure = plot_adverse_event_grades(
                        terms, levels, subjects=who, title=endpoint.name
                    )
                    found.append(
                        EndpointFigure(
                            endpoint.id,
                            f"{key}.grades",
                            f"{key}: subjects by adverse event term and worst CTCAE grade",
                            figure,
                        )
                    )
        swimmer = _swimmer(endpoint.id, nodes, subjects)
        if swimmer is not None:
            found.append(swimmer)
        for score in _score_points(nodes, subjects):
            points = trajectories[score]
            if score in scores_drawn or len({day for _, day, _ in points}) < 2:
                continue
            scores_drawn.add(score)
            who, days, values = zip(*points, strict=True)
            figure = plot_trajectories(who, days, values, ylabel=score, title=f"{score} by day")
            found.append(
                EndpointFigure(
                    endpoint.id,
                    f"{endpoint.id}.{score}.trajectories",
                    f"{score} of each subject by study day, with the daily median",
                    figure,
                )
            )
        if endpoint.id == primary and isinstance(protocol.design, SimonDesignSpec):
            enrolment = _enrolment(protocol.design, endpoint.id, subjects)
            if enrolment is not None:
                found.append(enrolment)
    return found


def _cif(key: str) -> str:
    return f"{key}: cumulative incidence of each cause (Aalen–Johansen), numbers at risk below"


def _km(key: str) -> str:
    return f"{key}: Kaplan–Meier estimate with 95 % intervals, numbers at risk below"


def _walk(node: EndpointNode, value: EndpointValue) -> Iterator[tuple[EndpointNode, EndpointValue]]:
    """The node tree beside its value tree (each value's children follow the node's branches)."""
    yield node, value
    for child, below in zip(endpoint_children(node), value.children, strict=False):
        yield from _walk(child, below)


def _score_points(
    nodes: dict[str, EndpointNode], subjects: Sequence[EvaluatedSubject]
) -> dict[str, list[tuple[str, float, float]]]:
    points: dict[str, list[tuple[str, float, float]]] = {}
    for key, root in nodes.items():
        for item in subjects:
            for node, value in _walk(root, item.values[key]):
                if isinstance(node, ScoreAt) and value.number is not None:
                    row = (item.subject.subject_id, float(node.day), value.number)
                    if row not in points.setdefault(node.score, []):
                        points[node.score].append(row)
    return points


def _swimmer(
    endpoint: str, nodes: dict[str, EndpointNode], subjects: Sequence[EvaluatedSubject]
) -> EndpointFigure | None:
    responses = {k: n for k, n in nodes.items() if isinstance(n, Response)}
    if not responses:
        return None
    ids: list[str] = []
    last: list[float] = []
    ends: list[End | None] = []
    assessments: list[tuple[Any, float, str]] = []
    for item in subjects:
        subject = item.subject
        first = next(iter(responses.values()))
        origin = subject.origin(first.from_)
        known = [d for d in (subject.last_contact, item.death) if d is not None]
        stop = max(known) if known else None
        marks = [
            (float(node.day), item.values[key].category)
            for key, node in responses.items()
            if item.values[key].category not in (None, DEATH)
        ]
        days = [day for day, _ in marks]
        ends_at = [float((stop - origin).days)] if stop is not None else []
        final = max([*ends_at, *days, 0.0])
        ids.append(subject.subject_id)
        last.append(final)
        ends.append("death" if item.death is not None else None)
        assessments += [(subject.subject_id, day, str(c)) for day, c in marks]
    figure = plot_swimmer(ids, last, ends, assessments, title=endpoint)
    caption = f"{endpoint}: each subject's follow-up, the category at each assessment day"
    return EndpointFigure(endpoint, f"{endpoint}.swimmer", caption, figure)


def _grades(subjects: Sequence[EvaluatedSubject], key: str) -> list[tuple[str, int, str]]:
    rows = []
    for item in subjects:
        for entry in item.values[key].evidence:
            if isinstance(entry, AdverseEvent) and entry.grade is not None:
                term = entry.term or entry.text or "(no term)"
                rows.append((term, entry.grade, item.subject.subject_id))
    return rows


def _enrolment(
    design: SimonDesignSpec, key: str, subjects: Sequence[EvaluatedSubject]
) -> EndpointFigure | None:
    ordered = sorted(subjects, key=lambda s: (s.subject.inclusion, s.subject.subject_id))
    if len(ordered) > design.n:
        return None  # more subjects than the design enrols: not a Simon trial's cohort
    responses = []
    for item in ordered:
        value = item.values.get(key)
        if value is None or not value.decided:
            return None
        if value.kind is Yields.TIME:
            responses.append(value.status not in ("censored", DEATH))
        else:
            responses.append(value.truth is not None and value.truth.value == "met")
    figure = plot_simon_enrolment(
        TwoStageDesign(design.r1, design.n1, design.r, design.n), responses
    )
    caption = f"{key}: cumulative responses in order of inclusion, against the Simon boundaries"
    return EndpointFigure(key, f"{key}.enrolment", caption, figure)
