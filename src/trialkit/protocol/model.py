"""The protocol model: what a protocol file (YAML) holds, validated by pydantic.

The file format is a public contract (``docs/protocol-format.md``), versioned by
:data:`FORMAT`; its JSON Schema is generated from these classes
(``trialkit protocol schema``). A protocol is identifiers, population, arms,
criteria (each with the verbatim source text and a rule in the criteria
language of :mod:`trialkit.protocol.criteria`), the schedule of assessments,
endpoints and the design, with every discrepancy found in the sources recorded
beside the text it concerns.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from trialkit.protocol.criteria import Node, node_name, node_paths
from trialkit.protocol.endpoints import Comparison, EndpointNode, Yields
from trialkit.protocol.forms import Form
from trialkit.vocab import Kind, vocabulary

__all__ = [
    "FORMAT",
    "OUTPUT_COLUMNS",
    "Arm",
    "Criterion",
    "CriterionKind",
    "Design",
    "Discrepancy",
    "Endpoint",
    "FixedDesign",
    "Intervention",
    "ObservationalDesign",
    "Protocol",
    "RegistryId",
    "Schedule",
    "SimonDesignSpec",
    "Source",
    "Visit",
    "VisitAnchor",
]

FORMAT = "trialkit.protocol/4"
"""The version of the protocol file format written in each file's ``format`` field.

``/4`` (2026-12): case report forms (``forms``, :mod:`trialkit.protocol.forms`); a
visit names the forms it carries and what its day counts from (``anchor``); the
schedule has an anchor and visits repeated in every treatment cycle
(``every_cycle``). A ``/3`` or ``/2`` file is still read, without forms; a ``/4``
field in it is refused with what to change.

``/3`` (2026-12): every endpoint is code (``compute``, the endpoint language of
:mod:`trialkit.protocol.endpoints`) or says why it cannot be computed from data
(``not_computed``). A ``/2`` file is still read, its endpoints text only.

``/2`` (2026-12): a condition's ``known`` is gone (the record's statements of
absence close a history, never a criterion's wording); drug nodes take
``routes``; the ``childbearing_potential`` node. A ``/1`` file is refused with
what to change.
"""

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


OUTPUT_COLUMNS = ("person_id", "protocol", "index_time", "verdict", "deceased")
"""The columns of a pre-screening file before the criteria's (``trialkit.prescreen/2``,
``docs/prescreen.md``): no criterion id may be one of them, compared without case as SQL
compares column names."""


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Source(_Row):
    """A document the protocol file was written from (seed text, registry record, paper)."""

    id: Identifier
    citation: str = Field(min_length=1)
    url: str | None = None


class Discrepancy(_Row):
    """Where a source says something other than the published definition, and what was decided."""

    source_says: str = Field(min_length=1)
    published: str = Field(min_length=1, description="What the primary source defines.")
    decision: str = Field(min_length=1, description="What this protocol file encodes, and why.")
    source: str = Field(min_length=1, description="The primary source relied on.")


class RegistryId(_Row):
    """An identifier in a trial registry (ClinicalTrials.gov, EudraCT, sponsor)."""

    registry: str = Field(min_length=1)
    id: str = Field(min_length=1)


class Intervention(_Row):
    """A drug or procedure given in an arm."""

    name: str = Field(min_length=1)
    drug: str | None = Field(default=None, description="The drug's concept key, if a drug.")
    description: str | None = None

    @model_validator(mode="after")
    def _drug(self) -> Intervention:
        if self.drug is not None:
            item = vocabulary().get(self.drug)
            if item is None:
                raise ValueError(f"unknown concept {self.drug!r}")
            if item.kind is not Kind.DRUG:
                raise ValueError(f"{self.drug!r} is a {item.kind.value}, not a drug")
        return self


class Arm(_Row):
    """One arm (group) of the study."""

    id: Identifier
    name: str = Field(min_length=1)
    type: Literal["experimental", "active_comparator", "placebo_comparator", "observational"]
    interventions: list[Intervention] = []


class CriterionKind(StrEnum):
    """An inclusion criterion must be met; an exclusion criterion must not be."""

    INCLUSION = "inclusion"
    EXCLUSION = "exclusion"


class Criterion(_Row):
    """One eligibility criterion: the source's verbatim text and its executable rule."""

    id: Identifier
    kind: CriterionKind
    text: str = Field(min_length=1, description="The criterion verbatim, as in the source.")
    rule: Node
    source: str | None = Field(
        default=None, description="A source id, when the text is not from the seed (registry)."
    )
    notes: str | None = None
    discrepancies: list[Discrepancy] = []

    @field_validator("id")
    @classmethod
    def _not_a_column(cls, value: str) -> str:
        if value.lower() in OUTPUT_COLUMNS:
            raise ValueError(
                f"criterion id {value!r} is a column of the pre-screening file "
                f"({', '.join(OUTPUT_COLUMNS)}); choose another"
            )
        return value


ScheduleAnchor = Literal["inclusion", "day1"]
"""What a schedule's days count from: the inclusion date is day 0, or the first dose is
day 1 (CDISC SDTM study day: the day before is day -1, there is no day 0)."""

VisitAnchor = Literal["inclusion", "day1", "hsct"]
"""What a visit's day counts from: the schedule's anchors, or the day of haematopoietic
stem cell transplantation (the graft infusion, day 0, the transplant convention)."""


class Visit(_Row):
    """A visit of the schedule: its target day counted from its anchor, its window, its forms.

    ``anchor`` is what ``day`` counts from (default: the schedule's anchor).
    ``every_cycle`` repeats the visit in every treatment cycle of the schedule's
    ``cycle_days``: ``day`` is then the day of the cycle, its first day being
    day 1 (``day: 1`` is C1D1, C2D1, ...; the cycles count from the first dose).
    """

    id: Identifier
    name: str = Field(min_length=1)
    day: int
    anchor: VisitAnchor | None = Field(
        default=None, description="What the day counts from (default: the schedule's anchor)."
    )
    every_cycle: bool = Field(
        default=False, description="Repeated in every cycle; ``day`` is the day of the cycle."
    )
    window_before: int = Field(default=0, ge=0, description="Days allowed before the target.")
    window_after: int = Field(default=0, ge=0, description="Days allowed after the target.")
    assessments: list[str] = Field(default=[], description="The assessments, as the source says.")
    forms: list[Identifier] = Field(
        default=[], description="The ids of the forms the visit carries."
    )

    @model_validator(mode="after")
    def _forms(self) -> Visit:
        _unique_ids(f"visit {self.id}: form", self.forms)
        return self


class Schedule(_Row):
    """The schedule of assessments."""

    reference: str = Field(min_length=1, description="What day 0 / day 1 is, in words.")
    anchor: ScheduleAnchor = Field(
        default="inclusion",
        description="What the visits' days count from: ``inclusion`` (day 0) or ``day1`` "
        "(the first dose, day 1, no day 0).",
    )
    cycle_days: int | None = Field(
        default=None, gt=0, description="The length of a treatment cycle in days."
    )
    visits: list[Visit] = []

    @model_validator(mode="after")
    def _unique(self) -> Schedule:
        _unique_ids("visit", [v.id for v in self.visits])
        for visit in self.visits:
            anchor = self.anchor_of(visit)
            if anchor == "day1" and visit.day == 0:
                raise ValueError(
                    f"visit {visit.id}: anchor day1 has no day 0 (day 1 is the first dose, the "
                    "day before is -1)"
                )
            if not visit.every_cycle:
                continue
            if self.cycle_days is None:
                raise ValueError(f"visit {visit.id}: every_cycle needs the schedule's cycle_days")
            if anchor != "day1":
                raise ValueError(
                    f"visit {visit.id}: every_cycle counts from the first dose (anchor day1)"
                )
            if not 1 <= visit.day <= self.cycle_days:
                raise ValueError(
                    f"visit {visit.id}: day {visit.day} is not a day of a {self.cycle_days}-day "
                    f"cycle (1 to {self.cycle_days})"
                )
        return self

    def anchor_of(self, visit: Visit) -> VisitAnchor:
        """What ``visit``'s day counts from: its own anchor, else the schedule's."""
        return visit.anchor or self.anchor


class Endpoint(_Row):
    """A primary or secondary endpoint."""

    id: Identifier
    kind: Literal["primary", "secondary"]
    name: str = Field(min_length=1)
    time_point: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    compute: EndpointNode | None = Field(
        default=None, description="The endpoint as code (from trialkit.protocol/3)."
    )
    panel: dict[Identifier, EndpointNode] | None = Field(
        default=None,
        min_length=1,
        description="Several values assessed together, each as code (from trialkit.protocol/3).",
    )
    comparison: Comparison | None = Field(
        default=None, description="A comparison between two groups, as the protocol states it."
    )
    not_computed: str | None = Field(
        default=None,
        min_length=1,
        description="Why the endpoint cannot be computed from data (from trialkit.protocol/3).",
    )
    discrepancies: list[Discrepancy] = []

    @model_validator(mode="after")
    def _one_way(self) -> Endpoint:
        given = [n for n in ("compute", "panel", "not_computed") if getattr(self, n) is not None]
        if len(given) > 1:
            raise ValueError(
                f"give one of compute, panel or not_computed, not {' and '.join(given)}"
            )
        return self

    @model_validator(mode="after")
    def _comparable(self) -> Endpoint:
        if self.comparison is None:
            return self
        if self.compute is None:
            raise ValueError("a comparison needs the endpoint as one value (compute)")
        wanted = {"fisher": (Yields.BINARY, Yields.CATEGORY), "gray": (Yields.TIME,)}
        if self.compute.yields not in wanted[self.comparison.test]:
            raise ValueError(
                f"comparison: {self.comparison.test} does not compare a {self.compute.yields.value}"
            )
        if (self.comparison.success is not None) != (self.compute.yields is Yields.CATEGORY):
            raise ValueError("comparison: give success (categories) for a category, only then")
        return self

    def nodes(self) -> dict[str, EndpointNode]:
        """The endpoint's values as code: ``{id: compute}``, or the panel as ``{id.name: node}``."""
        if self.compute is not None:
            return {self.id: self.compute}
        return {f"{self.id}.{name}": node for name, node in (self.panel or {}).items()}


class SimonDesignSpec(_Row):
    """A Simon (1989) two-stage design: stop after n1 if responses <= r1; promising if > r of n."""

    type: Literal["simon_two_stage"]
    variant: Literal["optimal", "minimax", "admissible"]
    p0: float = Field(gt=0, lt=1)
    p1: float = Field(gt=0, lt=1)
    alpha: float = Field(gt=0, lt=1)
    beta: float = Field(gt=0, lt=1)
    r1: int = Field(ge=0)
    n1: int = Field(ge=1)
    r: int = Field(ge=0)
    n: int = Field(ge=2)
    assumption: bool = Field(description="True when p0/p1/alpha/beta are not from the sponsor.")
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> SimonDesignSpec:
        if not self.p0 < self.p1:
            raise ValueError(f"p1 {self.p1} must exceed p0 {self.p0}")
        if not (self.r1 < self.n1 < self.n and self.r1 <= self.r < self.n):
            raise ValueError("needs r1 < n1 < n and r1 <= r < n")
        return self


class FixedDesign(_Row):
    """A single-stage design with a planned sample size."""

    type: Literal["single_stage"]
    n: int = Field(ge=1)
    source: str = Field(min_length=1)
    notes: str | None = None


class ObservationalDesign(_Row):
    """An observational (e.g. retrospective) cohort: the criteria define the cohort."""

    type: Literal["observational"]
    n: int | None = Field(default=None, ge=1)
    source: str = Field(min_length=1)
    notes: str | None = None


Design = Annotated[SimonDesignSpec | FixedDesign | ObservationalDesign, Field(discriminator="type")]


class Protocol(_Row):
    """A whole protocol file."""

    @model_validator(mode="before")
    @classmethod
    def _format_1(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("format") == "trialkit.protocol/1":
            raise ValueError(
                "format trialkit.protocol/1 is no longer read: change it to trialkit.protocol/2 "
                "and remove every condition's 'known' (a history is closed by the record's "
                "statements of absence; docs/protocol-format.md, 'Changes')"
            )
        return data

    format: Literal["trialkit.protocol/2", "trialkit.protocol/3", "trialkit.protocol/4"]
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
    title: str = Field(min_length=1)
    registry: list[RegistryId] = Field(min_length=1)
    sponsor: str = Field(min_length=1)
    phase: str = Field(min_length=1)
    study_type: Literal["interventional", "observational"]
    population: str = Field(min_length=1)
    index_date: str = Field(
        min_length=1, description="What the screening index date stands for in this protocol."
    )
    seed: str = Field(min_length=1, description="The seed text the file encodes.")
    sources: list[Source] = Field(min_length=1)
    arms: list[Arm] = Field(min_length=1)
    forms: list[Form] = Field(
        default=[], description="The case report forms (trialkit.protocol/4)."
    )
    criteria: list[Criterion] = Field(min_length=1)
    schedule: Schedule | None = None
    endpoints: list[Endpoint] = Field(min_length=1)
    design: Design
    discrepancies: list[Discrepancy] = []
    notes: str | None = None

    @model_validator(mode="after")
    def _references(self) -> Protocol:
        _unique_ids("criterion", [c.id for c in self.criteria])
        # Each criterion is a column of the pre-screening file, where case does not count.
        folded: dict[str, str] = {}
        for criterion in self.criteria:
            other = folded.setdefault(criterion.id.lower(), criterion.id)
            if other != criterion.id:
                raise ValueError(
                    f"criterion ids {other!r} and {criterion.id!r} differ only in case "
                    "(one column of the pre-screening file)"
                )
        _no_id_names_a_node(self.criteria)
        _unique_ids("arm", [a.id for a in self.arms])
        _unique_ids("endpoint", [e.id for e in self.endpoints])
        _endpoints_of_format(self.format, self.endpoints)
        _forms_of_format(self.format, self.forms, self.schedule)
        _unique_ids("form", [f.id for f in self.forms])
        known_forms = {f.id for f in self.forms}
        for visit in self.schedule.visits if self.schedule is not None else []:
            for form in visit.forms:
                if form not in known_forms:
                    raise ValueError(
                        f"visit {visit.id}: form {form!r} is not in forms "
                        f"({', '.join(sorted(known_forms)) or 'none'})"
                    )
        _unique_ids("source", [s.id for s in self.sources])
        known = {s.id for s in self.sources}
        for criterion in self.criteria:
            if criterion.source is not None and criterion.source not in known:
                raise ValueError(
                    f"criterion {criterion.id}: source {criterion.source!r} is not in sources "
                    f"({', '.join(sorted(known))})"
                )
        return self

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id (KeyError if none)."""
        for item in self.criteria:
            if item.id == criterion_id:
                return item
        raise KeyError(criterion_id)


def _endpoints_of_format(version: str, endpoints: list[Endpoint]) -> None:
    """Formats 3 and 4 make every endpoint executable or say why not; format 2 has text only."""
    for endpoint in endpoints:
        typed = any(getattr(endpoint, n) is not None for n in ("compute", "panel", "not_computed"))
        if version != "trialkit.protocol/2" and not typed:
            raise ValueError(
                f"endpoint {endpoint.id}: give compute (the endpoint as code), panel (several "
                "values as code) or not_computed (why it cannot be computed from data)"
            )
        if version == "trialkit.protocol/2" and typed:
            raise ValueError(
                f"endpoint {endpoint.id}: compute, panel and not_computed are read from format "
                "trialkit.protocol/3 (set format: trialkit.protocol/3)"
            )


def _forms_of_format(version: str, forms: list[Form], schedule: Schedule | None) -> None:
    """Forms, visit anchors and cycles are read from format 4; an older file gets what to change."""
    if version == "trialkit.protocol/4":
        return
    used: list[str] = []
    if forms:
        used.append("forms")
    if schedule is not None:
        if "anchor" in schedule.model_fields_set:
            used.append("schedule.anchor")
        for visit in schedule.visits:
            used += [
                f"visit {visit.id}: {name}"
                for name in ("forms", "anchor", "every_cycle")
                if name in visit.model_fields_set
            ]
    if used:
        raise ValueError(
            f"{used[0]}: forms, a schedule's anchor and a visit's forms, anchor and every_cycle "
            f"are read from format trialkit.protocol/4 (set format: trialkit.protocol/4; "
            f"this file is {version})"
        )


def _unique_ids(what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"duplicate {what} id {item!r}")
        seen.add(item)


def _no_id_names_a_node(criteria: list[Criterion]) -> None:
    """Refuse a criterion id that is the name of another criterion's node (``I1.0``, ``I1.1.0``).

    A leaf's evidence columns in the pre-screening file are ``<node name>:<field>``
    (``I1.0:value``, ``docs/prescreen.md``), so a criterion ``I1.0`` beside an
    ``I1`` with children would share columns with I1's first child; SQL compares
    the names without case. Ids hold no ``:``, so that with this check and
    :meth:`Protocol._references`' (ids unique without case, none a fixed column)
    every name of the file is unique: two evidence columns can only clash when one
    criterion's id is the other's id followed by ``.`` and a path in its rule.
    """
    nodes: dict[str, tuple[str, str]] = {}
    for criterion in criteria:
        for path, _ in node_paths(criterion.rule):
            nodes.setdefault(node_name(criterion.id, path).lower(), (criterion.id, path))
    for criterion in criteria:
        clash = nodes.get(criterion.id.lower())
        if clash is not None:
            owner, path = clash
            raise ValueError(
                f"criterion ids {owner!r} and {criterion.id!r} clash: {criterion.id!r} names "
                f"node {path} of {owner!r} too, and both would have the evidence columns "
                f"'{node_name(owner, path)}:<field>' in the pre-screening file (names compare "
                "without case); choose another id"
            )
