"""Each endpoint's study-level estimate, by the method its kind of value calls for.

From the subjects' endpoint values (:mod:`trialkit.endpoints.dataset`):

* a truth value: the proportion met among the subjects for whom it is decided,
  with the exact Clopper–Pearson interval; for the primary endpoint of a Simon
  two-stage design, the inference after the design (stage-wise p-value, exact
  interval, UMVUE: :func:`trialkit.design.inference.two_stage_inference`), since
  the naive proportion is biased after a two-stage design (Koyama & Chen 2008);
* a category: each category's proportion among the subjects with a decided
  category, with its Clopper–Pearson interval;
* a number: the summary of the decided values (n, mean, SD, median, quartiles);
* a count: the subjects with at least one event (incidence proportion,
  Clopper–Pearson) and the summary of the counts;
* a time to event: the Kaplan–Meier estimate when the endpoint has no competing
  event; with competing events, the Aalen–Johansen cumulative incidence of each
  cause (a Kaplan–Meier of one cause, censoring the others, overestimates it:
  Gooley TA et al. Stat Med 1999;18:695-706);
* a comparison between two groups: Fisher's exact test, two-sided, or Gray's
  test of the cumulative incidence (Gray 1988).

Every estimate lists the subjects it rests on and those left out as unknown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from trialkit.analysis.competing import (
    CumulativeIncidence,
    GrayTest,
    cumulative_incidence,
    gray_test,
)
from trialkit.analysis.proportion import (
    FisherTest,
    Proportion,
    TrialInference,
    fisher_exact,
    proportion,
    two_stage_inference,
)
from trialkit.analysis.summary import Summary, summarise
from trialkit.analysis.survival import KaplanMeier, MedianSurvival, kaplan_meier, median_survival
from trialkit.design.two_stage import TwoStageDesign
from trialkit.eligibility.logic import Truth
from trialkit.endpoints.dataset import EvaluatedSubject, value_nodes
from trialkit.endpoints.evaluate import CENSORED, EndpointValue, design_response
from trialkit.protocol import Protocol
from trialkit.protocol.endpoints import Comparison, TimeTo, Yields
from trialkit.protocol.model import SimonDesignSpec

__all__ = ["Compared", "EndpointEstimate", "estimate_endpoints"]


@dataclass(frozen=True, slots=True)
class Compared:
    """A comparison of an endpoint between two groups."""

    comparison: Comparison
    groups: tuple[str, str]
    table: tuple[tuple[int, int], tuple[int, int]] | None = None
    fisher: FisherTest | None = None
    gray: GrayTest | None = None
    left_out: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EndpointEstimate:
    """The study-level estimate of one endpoint value (``key``: ``<endpoint>[.<name>]``)."""

    key: str
    endpoint: str
    name: str
    kind: Yields
    method: str
    subjects: int
    unknown: tuple[str, ...]
    proportion: Proportion | None = None
    inference: TrialInference | None = None
    categories: dict[str, Proportion] = field(default_factory=dict)
    summary: Summary | None = None
    survival: KaplanMeier | None = None
    median: MedianSurvival | None = None
    incidence: CumulativeIncidence | None = None
    causes: tuple[str, ...] = ()
    events: dict[str, int] = field(default_factory=dict)
    compared: Compared | None = None


def estimate_endpoints(
    protocol: Protocol, subjects: Sequence[EvaluatedSubject], level: float = 0.95
) -> list[EndpointEstimate]:
    """The estimate of every endpoint value of ``protocol`` over ``subjects``."""
    endpoints = {e.id: e for e in protocol.endpoints}
    primary = next((e.id for e in protocol.endpoints if e.kind == "primary"), None)
    found = []
    for key, (endpoint_id, node) in value_nodes(protocol).items():
        endpoint = endpoints[endpoint_id]
        values = [(s.subject.subject_id, s.values[key]) for s in subjects]
        unknown = tuple(sid for sid, v in values if not v.decided)
        common: dict[str, Any] = {
            "key": key,
            "endpoint": endpoint_id,
            "name": endpoint.name,
            "kind": node.yields,
            "subjects": len(values),
            "unknown": unknown,
        }
        simon = protocol.design if endpoint_id == primary else None
        if node.yields is Yields.BINARY:
            met = [v.truth is Truth.TRUE for _, v in values if v.decided]
            estimate = EndpointEstimate(
                method="proportion met, exact Clopper–Pearson interval",
                proportion=proportion(sum(met), len(met), level) if met else None,
                inference=_simon(simon, subjects, key, level),
                **common,
            )
        elif node.yields is Yields.CATEGORY:
            decided = [v.category for _, v in values if v.category is not None]
            counts = Counter(decided)
            estimate = EndpointEstimate(
                method="proportion in each category, exact Clopper–Pearson interval",
                categories={c: proportion(n, len(decided), level) for c, n in counts.items()},
                inference=_simon(simon, subjects, key, level),
                **common,
            )
        elif node.yields in (Yields.NUMBER, Yields.COUNT):
            numbers = [v.number for _, v in values if v.number is not None]
            # at least one event is known once the lower bound reaches 1, none once the upper is 0
            at_least_one = [
                v.low >= 1
                for _, v in values
                if v.low is not None and v.high is not None and (v.low >= 1 or v.high == 0)
            ]
            estimate = EndpointEstimate(
                method=(
                    "subjects with at least one event (Clopper–Pearson); counts summarised"
                    if node.yields is Yields.COUNT
                    else "summary of the values (quartiles: R type 7)"
                ),
                summary=summarise(numbers) if numbers else None,
                proportion=(
                    proportion(sum(at_least_one), len(at_least_one), level)
                    if node.yields is Yields.COUNT and at_least_one
                    else None
                ),
                **common,
            )
        else:
            assert isinstance(node, TimeTo)
            estimate = replace(
                _time_to_event(node, values, common, level),
                inference=_simon(simon, subjects, key, level),
            )
        if endpoint.comparison is not None and key == endpoint_id:
            estimate = _with_comparison(estimate, endpoint.comparison, subjects, key)
        found.append(estimate)
    return found


def _simon(
    design: object, subjects: Sequence[EvaluatedSubject], key: str, level: float
) -> TrialInference | None:
    """Inference after the Simon design, for its primary endpoint (responses by stage)."""
    if not isinstance(design, SimonDesignSpec):
        return None
    staged = [s for s in subjects if s.subject.stage is not None]
    if len(staged) != len(subjects) or not staged:
        return None
    responded = {s.subject.subject_id: design_response(s.values[key]) for s in staged}
    if None in responded.values():
        return None
    x1 = sum(1 for s in staged if s.subject.stage == 1 and responded[s.subject.subject_id])
    total = sum(1 for v in responded.values() if v)
    first = sum(1 for s in staged if s.subject.stage == 1)
    second = len(staged) - first
    completed = second == 0 if x1 <= design.r1 else second == design.n - design.n1
    if first != design.n1 or not completed:
        return None  # not a completed trial of the design (an interim, or a stage 2 after a stop)
    return two_stage_inference(
        TwoStageDesign(design.r1, design.n1, design.r, design.n), x1, total, design.p0, level
    )


def _time_to_event(
    node: TimeTo, values: list[tuple[str, EndpointValue]], common: dict[str, Any], level: float
) -> EndpointEstimate:
    names = (node.time_to.name, *(e.name for e in node.competing))
    times = np.array([v.time for _, v in values], dtype=float)
    statuses = [v.status for _, v in values]
    codes = np.array([0 if s == CENSORED else names.index(s) + 1 for s in statuses], dtype=int)
    events = {name: int(np.sum(codes == i + 1)) for i, name in enumerate(names)}
    events[CENSORED] = int(np.sum(codes == 0))
    if not node.competing:
        curve = kaplan_meier(times, codes, level=level)
        return EndpointEstimate(
            method="Kaplan–Meier with Greenwood's variance; median as R's survfit prints it",
            survival=curve,
            median=median_survival(curve),
            causes=names,
            events=events,
            **common,
        )
    incidence = cumulative_incidence(times, codes, causes=tuple(range(1, len(names) + 1)))
    return EndpointEstimate(
        method="Aalen–Johansen cumulative incidence of each cause (competing risks), "
        "variance as cmprsk's cuminc",
        incidence=incidence,
        causes=names,
        events=events,
        **common,
    )


def _with_comparison(
    estimate: EndpointEstimate,
    comparison: Comparison,
    subjects: Sequence[EvaluatedSubject],
    key: str,
) -> EndpointEstimate:
    labels = sorted({g for s in subjects if (g := s.groups.get(estimate.endpoint)) is not None})
    left_out = tuple(
        s.subject.subject_id
        for s in subjects
        if s.groups.get(estimate.endpoint) is None or not s.values[key].decided
    )
    if len(labels) != 2:
        # not two groups in this cohort: nothing to compare (the report says so)
        return replace(estimate, compared=Compared(comparison, ("", ""), left_out=left_out))
    groups = (labels[0], labels[1])
    if comparison.test == "fisher":
        rows = []
        for label in groups:
            members = [
                s.values[key]
                for s in subjects
                if s.groups.get(estimate.endpoint) == label and s.values[key].decided
            ]
            if comparison.success is not None:
                won = sum(1 for v in members if v.category in comparison.success)
            else:
                won = sum(1 for v in members if v.truth is Truth.TRUE)
            rows.append((won, len(members) - won))
        table = ((rows[0][0], rows[0][1]), (rows[1][0], rows[1][1]))
        compared = Compared(comparison, groups, table, fisher_exact(table), left_out=left_out)
    else:
        kept = [s for s in subjects if s.groups.get(estimate.endpoint) in groups]
        times = [float(s.values[key].time or 0) for s in kept]
        names = estimate.causes
        codes = [
            0 if s.values[key].status == CENSORED else names.index(s.values[key].status or "") + 1
            for s in kept
        ]
        test = gray_test(times, codes, [s.groups[estimate.endpoint] for s in kept], cause=1)
        compared = Compared(comparison, groups, gray=test, left_out=left_out)
    return replace(estimate, compared=compared)
