"""The endpoint language: one typed tree per endpoint, beside its verbatim text.

An endpoint of a ``trialkit.protocol/3`` file has a ``compute`` node (or a
``not_computed`` reason): a small tree of the node classes below, each
introduced by its tag key as criteria nodes are (:mod:`trialkit.protocol.criteria`).
Every node yields one kind of value (:class:`Yields`): a number (a
measurement or a score at a study day, a change from baseline, a length of
stay), a truth value (alive at a day, a number compared with a limit, and
their conjunctions), a category (the response under a cited rule set), a
time to an event with its competing events, or a count of events. The
per-subject evaluator is :mod:`trialkit.endpoints.evaluate`.

Study days count from an anchor of the subjects table (``docs/analysis.md``):
``from: inclusion`` counts day 0 as the inclusion date (day 7 is seven days
after it); ``from: day1`` counts day 1 as the date of the first dose, the day
before it as day -1 and has no day 0 (CDISC SDTM study day, ``--DY``). A day
is a calendar day; a value "at day N" is read from the records of that date
(with ``days_before`` / ``days_after``), and a score at day N as of the end of
it (its own look-back: SOFA takes the worst of the 24 h before).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, Literal, TypeAlias, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trialkit.errors import TrialkitInputError
from trialkit.protocol._tagged import tagged_union
from trialkit.protocol.criteria import Op, ScoreName, concept_of
from trialkit.protocol.window import Duration
from trialkit.scores.ctcae import TERMS
from trialkit.scores.hlh_response import RULE_SETS
from trialkit.units import check_unit
from trialkit.vocab import Kind, ValueType, vocabulary

__all__ = [
    "ENDPOINT_NODE_TYPES",
    "Alive",
    "AllOf",
    "Anchor",
    "AnyOf",
    "BestResponse",
    "Change",
    "Compare",
    "Comparison",
    "Count",
    "EndpointNode",
    "Event",
    "LengthOfStay",
    "Response",
    "ScoreAt",
    "TimeTo",
    "ValueAt",
    "Yields",
    "endpoint_children",
    "first_day",
]


class Yields(StrEnum):
    """The kind of value an endpoint node gives for one subject."""

    NUMBER = "number"
    BINARY = "binary"
    CATEGORY = "category"
    TIME = "time"
    COUNT = "count"


Anchor = Literal["inclusion", "day1"]
"""What study days count from: the inclusion date is day 0, or the first dose is day 1."""


def first_day(anchor: Anchor) -> int:
    """The number of the anchor's own day: 0 for the inclusion date, 1 for the first dose."""
    return 1 if anchor == "day1" else 0


if TYPE_CHECKING:
    RuleSetName: TypeAlias = str
else:
    RuleSetName = Literal[tuple(RULE_SETS)]
"""An HLH response rule set of :data:`trialkit.scores.hlh_response.RULE_SETS`."""


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


class _Node(_Model):
    tag: ClassVar[str]
    yields: ClassVar[Yields]
    branches: ClassVar[tuple[str, ...]] = ()
    """The fields that hold child nodes (a node or a list of nodes)."""


class _Day(_Model):
    """A study day counted from an anchor (see the module docstring)."""

    day: int
    from_: Anchor = Field(default="inclusion", alias="from")

    @model_validator(mode="after")
    def _no_day_zero(self) -> _Day:
        if self.from_ == "day1" and self.day == 0:
            raise ValueError(
                "from: day1 has no day 0 (day 1 is the first dose, the day before is -1)"
            )
        return self


# -- numbers --------------------------------------------------------------------------------------
class ValueAt(_Day, _Node):
    """A measured value at a study day: one value of the concept picked from the days around it.

    The values dated from ``day - days_before`` to ``day + days_after`` are
    candidates; ``pick`` chooses one: ``nearest`` the value of the day nearest
    to the target (the earlier day on a tie, the day's latest value), ``highest``
    or ``lowest`` the extreme of all candidates. The number is in ``unit``
    (the concept's canonical unit when not given). No candidate is unknown.
    """

    tag = "value"
    yields = Yields.NUMBER

    value: str
    days_before: int = Field(default=0, ge=0)
    days_after: int = Field(default=0, ge=0)
    pick: Literal["nearest", "highest", "lowest"] = "nearest"
    unit: str | None = None

    @model_validator(mode="after")
    def _quantity(self) -> ValueAt:
        concept_of(self.value, (Kind.LAB, Kind.VITAL, Kind.ASSESSMENT), "value")
        item = vocabulary()[self.value]
        if item.value_type is not ValueType.QUANTITY:
            raise ValueError(f"value {self.value!r} has no numeric value")
        if self.unit is not None:
            try:
                check_unit(item, self.unit, "unit")
            except TrialkitInputError as error:
                raise ValueError(str(error)) from None
        return self


class ScoreAt(_Day, _Node):
    """A score as of the end of a study day (its look-back is the score's own).

    A score whose missing inputs leave a range gives the range: a comparison
    or a change built on it is decided only when the whole range decides it.
    """

    tag = "score"
    yields = Yields.NUMBER

    score: ScoreName


class Change(_Node):
    """``change`` minus ``baseline``: a change from baseline (negative is a decrease)."""

    tag = "change"
    yields = Yields.NUMBER
    branches = ("change", "baseline")

    change: EndpointNode
    baseline: EndpointNode

    @model_validator(mode="after")
    def _numbers(self) -> Change:
        _expect(self.change, (Yields.NUMBER,), "change")
        _expect(self.baseline, (Yields.NUMBER,), "baseline")
        return self


class LengthOfStay(_Node):
    """Days from the inclusion date to discharge from the last stay of a setting, or death.

    The stay is the first one in the setting (``icu``; ``hospital`` reads the ICU
    stays too) going on at or begun after the inclusion date, with the stays that
    follow it without a break; a readmission after a discharge is another stay. The
    length ends at its discharge date, or the death date when the patient died during
    it. A stay still going on at ``horizon`` counts to the horizon (the length "up to
    6 months"); a stay still open at the last contact before the horizon gives a lower
    bound, reported as unknown with that bound.
    """

    tag = "length_of_stay"
    yields = Yields.NUMBER

    length_of_stay: Literal["icu", "hospital"]
    horizon: Duration


# -- truth values ---------------------------------------------------------------------------------
class Compare(_Node):
    """A number compared with a limit (in the number's unit): true when every possible value
    satisfies it, false when none does, unknown otherwise."""

    tag = "compare"
    yields = Yields.BINARY
    branches = ("compare",)

    compare: EndpointNode
    op: Op
    value: float
    source: str | None = Field(default=None, description="Where the limit comes from.")

    @model_validator(mode="after")
    def _number(self) -> Compare:
        _expect(self.compare, (Yields.NUMBER, Yields.COUNT), "compare")
        return self


class Alive(_Day, _Node):
    """Alive at the end of a study day: false when the patient died on or before it, true when
    known alive on or after it (a later contact), else unknown (lost to follow-up)."""

    tag = "alive"
    yields = Yields.BINARY

    alive: Literal[True]


class AllOf(_Node):
    """True when every child is true; false when any is false (a death makes a composite fail)."""

    tag = "all_of"
    yields = Yields.BINARY
    branches = ("all_of",)

    all_of: list[EndpointNode] = Field(min_length=1)

    @model_validator(mode="after")
    def _binary(self) -> AllOf:
        for child in self.all_of:
            _expect(child, (Yields.BINARY,), "all_of")
        return self


class AnyOf(_Node):
    """True when any child is true; false when every child is false."""

    tag = "any_of"
    yields = Yields.BINARY
    branches = ("any_of",)

    any_of: list[EndpointNode] = Field(min_length=1)

    @model_validator(mode="after")
    def _binary(self) -> AnyOf:
        for child in self.any_of:
            _expect(child, (Yields.BINARY,), "any_of")
        return self


# -- categories -----------------------------------------------------------------------------------
class Response(_Day, _Node):
    """The HLH response category at a study day against baseline, under a cited rule set.

    Read by :func:`trialkit.scores.hlh_response.assess_between` (baseline the end
    of ``baseline_day``, by default the anchor's own day; the assessment the end of ``day``). A patient who died
    on or before the assessment day is ``death``; the categories are the rule
    set's, best first, then ``death``.
    """

    tag = "response"
    yields = Yields.CATEGORY

    response: RuleSetName
    baseline_day: int | None = None

    @model_validator(mode="after")
    def _order(self) -> Response:
        _baseline_before(self.baseline_day, self.from_, [self.day])
        return self


class BestResponse(_Node):
    """The best response category over several assessment days (``death`` ranks last)."""

    tag = "best_response"
    yields = Yields.CATEGORY

    best_response: RuleSetName
    days: list[int] = Field(min_length=1)
    baseline_day: int | None = None
    from_: Anchor = Field(default="inclusion", alias="from")

    @model_validator(mode="after")
    def _order(self) -> BestResponse:
        _baseline_before(self.baseline_day, self.from_, self.days)
        return self


# -- events ---------------------------------------------------------------------------------------
class Event(_Model):
    """An event a time is counted to: ``death``, a ``procedure`` (its start), or the first
    assessment day at which the response under ``response`` is ``category``."""

    death: Literal[True] | None = None
    procedure: str | None = None
    response: RuleSetName | None = None
    category: str | None = None
    days: list[int] | None = None
    baseline_day: int | None = None

    @model_validator(mode="after")
    def _one(self) -> Event:
        given = [n for n in ("death", "procedure", "response") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("an event is exactly one of: death, procedure, response")
        if self.procedure is not None:
            concept_of(self.procedure, (Kind.PROCEDURE,), "procedure")
        if (self.response is None) != (self.category is None) or (
            (self.response is None) != (self.days is None)
        ):
            raise ValueError("a response event needs response, category and days together")
        if self.response is not None and self.category is not None:
            categories = RULE_SETS[self.response].categories
            if self.category not in categories:
                raise ValueError(
                    f"category {self.category!r} is not one of {self.response}'s: "
                    + ", ".join(categories)
                )
        return self

    @property
    def name(self) -> str:
        """How the event is named in the analysis dataset (``death``, ``procedure.hsct_allogeneic``)."""
        if self.death:
            return "death"
        if self.procedure is not None:
            return self.procedure
        return f"{self.response}:{self.category}"


class TimeTo(_Node):
    """Days from the origin to the first of the event and its competing events, or to censoring.

    The origin is the anchor's day (inclusion date, or day 1). The subject is
    censored at the last contact, or at ``horizon`` after the origin when that
    comes first. The value's status is the event's name, a competing event's
    name, or ``censored``.
    """

    tag = "time_to"
    yields = Yields.TIME

    time_to: Event
    competing: list[Event] = []
    from_: Anchor = Field(default="inclusion", alias="from")
    horizon: Duration | None = None

    @model_validator(mode="after")
    def _distinct(self) -> TimeTo:
        names = [self.time_to.name, *(e.name for e in self.competing)]
        if len(set(names)) != len(names):
            raise ValueError("the event and its competing events must differ")
        return self


# -- counts ---------------------------------------------------------------------------------------
class Count(_Node):
    """The number of adverse events (by term, least grade, seriousness) or of new diagnoses of a
    condition with onset from ``first_day`` to the end of the window, both days included.

    The window ends at ``until_day``, or ``horizon`` after the anchor's day, or the end of
    follow-up, and earlier at the first ``until`` event when it comes first (its day
    included: "until transplantation"). ``hospital_acquired`` counts only a diagnosis whose
    onset is on day 3 or later of the hospital stay it falls in, the day of admission being day 1
    (ECDC point prevalence survey protocol 4.3, 2012: a healthcare-associated infection); a
    diagnosis with no stay recorded around it counts in the upper bound only.
    """

    tag = "count"
    yields = Yields.COUNT

    count: str = Field(description="``adverse_events``, or a condition concept key.")
    min_grade: int | None = Field(default=None, ge=1, le=5)
    serious: bool | None = None
    term: str | None = Field(default=None, description="A CTCAE v5 term key (adverse events).")
    from_: Anchor = Field(default="inclusion", alias="from")
    first_day: int | None = Field(default=None, description="Default: the anchor's first day.")
    until_day: int | None = None
    horizon: Duration | None = None
    until: Event | None = None
    hospital_acquired: bool = False

    @model_validator(mode="after")
    def _what(self) -> Count:
        first = self.first_day if self.first_day is not None else first_day(self.from_)
        if self.until_day is not None and self.until_day < first:
            raise ValueError(f"until_day {self.until_day} is before the first day {first}")
        if self.until_day is not None and self.horizon is not None:
            raise ValueError("give until_day or horizon, not both")
        if self.hospital_acquired and self.count == "adverse_events":
            raise ValueError("hospital_acquired applies to a condition")
        if self.count == "adverse_events":
            if self.term is not None and self.term not in TERMS:
                raise ValueError(f"term {self.term!r} is not a CTCAE v5.0 term trialkit knows")
            return self
        concept_of(self.count, (Kind.CONDITION,), "count")
        if (self.min_grade, self.serious, self.term) != (None, None, None):
            raise ValueError("min_grade, serious and term apply to adverse_events only")
        return self


class Comparison(_Model):
    """A comparison of an endpoint between two groups of subjects, as the protocol states it.

    The groups are the subjects with a diagnosis (``by_condition``: recorded on or
    before the inclusion date, not refuted) and the others, or the values of a
    column of the subjects table (``by_column``, two values). ``test`` is
    Fisher's exact test, two-sided (a truth value: met against not met; a
    category: ``success`` categories against the rest), or Gray's test of the
    cumulative incidence of the event (a time to event).
    """

    by_condition: str | None = None
    by_column: str | None = None
    test: Literal["fisher", "gray"]
    success: list[str] | None = None

    @model_validator(mode="after")
    def _one(self) -> Comparison:
        if (self.by_condition is None) == (self.by_column is None):
            raise ValueError("give by_condition or by_column")
        if self.by_condition is not None:
            concept_of(self.by_condition, (Kind.CONDITION,), "by_condition")
        if self.test == "gray" and self.success is not None:
            raise ValueError("success applies to Fisher's exact test only")
        return self


def _baseline_before(baseline_day: int | None, anchor: Anchor, days: list[int]) -> None:
    if sorted(set(days)) != days:
        raise ValueError("days must be increasing")
    baseline = first_day(anchor) if baseline_day is None else baseline_day
    if anchor == "day1" and baseline == 0:
        raise ValueError("from: day1 has no day 0 (day 1 is the first dose, the day before is -1)")
    if days[0] <= baseline:
        raise ValueError(f"day {days[0]} is not after the baseline day {baseline}")


def _expect(node: EndpointNode, kinds: tuple[Yields, ...], field: str) -> None:
    if node.yields not in kinds:
        wanted = " or ".join(k.value for k in kinds)
        raise ValueError(
            f"{field}: a {node.tag} node gives a {node.yields.value}, expected a {wanted}"
        )


_NODE_CLASSES: TypeAlias = (
    ValueAt
    | ScoreAt
    | Change
    | LengthOfStay
    | Compare
    | Alive
    | AllOf
    | AnyOf
    | Response
    | BestResponse
    | TimeTo
    | Count
)
"""The one list of the endpoint node classes; the rest derives from it."""

ENDPOINT_NODE_TYPES: dict[str, type[_Node]] = {m.tag: m for m in get_args(_NODE_CLASSES)}
"""Every endpoint node type by its tag key."""

if TYPE_CHECKING:
    EndpointNode: TypeAlias = _NODE_CLASSES
else:
    EndpointNode = tagged_union(ENDPOINT_NODE_TYPES, "an endpoint node")

for _model in ENDPOINT_NODE_TYPES.values():
    _model.model_rebuild()


def endpoint_children(node: EndpointNode) -> tuple[EndpointNode, ...]:
    """The direct child nodes of ``node`` (from its ``branches``)."""
    found: list[EndpointNode] = []
    for name in node.branches:
        held = getattr(node, name)
        found.extend(held if isinstance(held, list) else [held])
    return tuple(found)
