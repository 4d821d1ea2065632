"""What a protocol reads from each subject's record, and who reads it.

The study database captures what the protocol's forms hold; a criterion or an
endpoint that reads something no form captures could never be decided from the
trial's own data. :func:`protocol_reads` lists every read: the concepts of the
criteria (:func:`trialkit.protocol.coverage.rule_concepts`), the inputs of each
score a criterion or an endpoint names (:attr:`trialkit.scores.registry.ScoreSpec.concepts`),
an endpoint's values, procedures and diagnoses, the markers of its HLH response
rule set (:data:`trialkit.scores.hlh_response.MARKERS`), its adverse events (any
CTCAE term: the ``adverse_event`` kind), its hospital or ICU stays (the
``care_setting`` kind) and the death. :func:`captured` says whether forms capture
one; ``trialkit protocol check`` reports each read no form captures.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from trialkit.protocol.coverage import rule_concepts
from trialkit.protocol.criteria import Node, Score, children
from trialkit.protocol.endpoints import (
    Alive,
    BestResponse,
    Count,
    EndpointNode,
    Event,
    LengthOfStay,
    Response,
    ScoreAt,
    TimeTo,
    ValueAt,
    endpoint_children,
)
from trialkit.protocol.forms import Form, captured_concepts
from trialkit.protocol.model import Protocol
from trialkit.scores import SCORE_SPECS
from trialkit.scores.hlh_response import MARKERS, RULE_SETS, Falling, Normal
from trialkit.vocab import Kind, vocabulary

__all__ = ["Read", "captured", "protocol_reads", "rule_set_concepts"]

_FEVER_TEMPERATURE = "vital.temperature"
"""The fever marker falls back on the temperatures charted in the 24 h before a time point
when no fever finding is recorded (:mod:`trialkit.scores.hlh_response`, ``FEVER_CELSIUS``)."""


@dataclass(frozen=True, slots=True)
class Read:
    """One thing a criterion or an endpoint reads: a concept, any concept of a kind, or death.

    ``reader`` is ``criterion I2`` or ``endpoint icu-los``; ``via`` the score or
    response rule set through which it reads the concept, when it does.
    """

    reader: str
    concept: str | None = None
    kind: Kind | None = None
    death: bool = False
    via: str | None = None

    @property
    def what(self) -> str:
        """The thing read, as a message names it."""
        if self.concept is not None:
            return f"concept {self.concept}"
        if self.kind is not None:
            return f"{self.kind.value} (any concept of the kind)"
        return "the death (date of death)"

    @property
    def by(self) -> str:
        """The reader, with the score or rule set it reads through."""
        return self.reader if self.via is None else f"{self.reader} ({self.via})"


def protocol_reads(protocol: Protocol) -> list[Read]:
    """Every read of ``protocol``'s criteria and endpoints, in file order (repeats kept)."""
    found: list[Read] = []
    for criterion in protocol.criteria:
        reader = f"criterion {criterion.id}"
        found += [Read(reader, concept=key) for key in rule_concepts(criterion.rule)]
        found += [
            Read(reader, concept=key, via=f"score {score}")
            for score in _scores(criterion.rule)
            for key in SCORE_SPECS[score].concepts
        ]
    for endpoint in protocol.endpoints:
        for key, node in endpoint.nodes().items():
            found += list(_endpoint_reads(f"endpoint {key}", node))
        if endpoint.comparison is not None and endpoint.comparison.by_condition is not None:
            found.append(Read(f"endpoint {endpoint.id}", concept=endpoint.comparison.by_condition))
    return found


def _scores(node: Node) -> Iterator[str]:
    if isinstance(node, Score):
        yield node.score
    for child in children(node):
        yield from _scores(child)


def rule_set_concepts(rule_set: str) -> tuple[str, ...]:
    """The concepts an HLH response rule set reads: the concepts of its markers, in order."""
    rules = RULE_SETS[rule_set]
    markers = [c.marker for c in rules.resolution if isinstance(c, Normal | Falling)]
    markers += [m for item in rules.improvements for m in item.markers]
    keys = [key for marker in dict.fromkeys(markers) for key in MARKERS[marker].concepts]
    if "fever" in markers:
        keys.append(_FEVER_TEMPERATURE)
    return tuple(dict.fromkeys(keys))


def _event_reads(reader: str, event: Event) -> Iterator[Read]:
    if event.death:
        yield Read(reader, death=True)
    if event.procedure is not None:
        yield Read(reader, concept=event.procedure)
    if event.response is not None:
        yield from _response_reads(reader, event.response)


def _response_reads(reader: str, rule_set: str) -> Iterator[Read]:
    via = f"response {rule_set}"
    yield from (Read(reader, concept=key, via=via) for key in rule_set_concepts(rule_set))
    yield Read(reader, death=True, via=via)


def _endpoint_reads(reader: str, node: EndpointNode) -> Iterator[Read]:
    if isinstance(node, ValueAt):
        yield Read(reader, concept=node.value)
    elif isinstance(node, ScoreAt):
        via = f"score {node.score}"
        yield from (Read(reader, concept=k, via=via) for k in SCORE_SPECS[node.score].concepts)
    elif isinstance(node, LengthOfStay):
        yield Read(reader, kind=Kind.CARE_SETTING)
        yield Read(reader, death=True)
    elif isinstance(node, Alive):
        yield Read(reader, death=True)
    elif isinstance(node, Response | BestResponse):
        rule_set = node.response if isinstance(node, Response) else node.best_response
        yield from _response_reads(reader, rule_set)
    elif isinstance(node, TimeTo):
        for event in (node.time_to, *node.competing):
            yield from _event_reads(reader, event)
    elif isinstance(node, Count):
        if node.count == "adverse_events":
            yield Read(reader, kind=Kind.ADVERSE_EVENT)
        else:
            yield Read(reader, concept=node.count)
        if node.hospital_acquired:
            yield Read(reader, kind=Kind.CARE_SETTING)
        if node.until is not None:
            yield from _event_reads(reader, node.until)
    for child in endpoint_children(node):
        yield from _endpoint_reads(reader, child)


def captured(forms: list[Form], read: Read) -> bool:
    """Whether ``forms`` capture what ``read`` reads.

    A concept is captured by an item of that concept, or by a ``type: concept``
    item whose kinds include the concept's kind (a drug class by one choosing
    drugs too: its exposures are recorded as its member drugs); a kind by such an
    item of that kind; the death by a form that ``records: death``.
    """
    if read.death:
        return any(form.records == "death" for form in forms)
    keys, kinds = captured_concepts(forms)
    if read.kind is not None:
        return read.kind in kinds
    assert read.concept is not None
    if read.concept in keys:
        return True
    kind = vocabulary()[read.concept].kind
    if kind is Kind.DRUG_CLASS:
        return bool(kinds & {Kind.DRUG, Kind.DRUG_CLASS})
    return kind in kinds
