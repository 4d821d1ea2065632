"""The criteria language: one typed tree per eligibility criterion.

Every node is a small pydantic model; a protocol file writes a node as a mapping
whose *tag* key says what it is (``all_of``, ``measure``, ``drug``, ...). The
tree is walked by the readable-text renderer (:mod:`trialkit.protocol.render`),
by the bedside evaluator (:mod:`trialkit.eligibility.evaluate`), by the SQL
compiler (:mod:`trialkit.eligibility.sql.compiler`) and by the checker
(:mod:`trialkit.protocol.check`). Adding a node means adding one class here
(with its ``tag``, and its line in the union of node classes) and one function
per walker (STYLE §1, after sqlglot's expression tree and OHDSI Circe's
groups); the tag table, :data:`NODE_TYPES`, the tagged union pydantic reads,
the error message listing the tags and the node reference of
``docs/protocol-format.md`` come from the classes.

Logic is Kleene's three-valued logic (the logic of SQL NULL and of CQL): a
criterion is true, false or unknown, and unknown is never silently false: a
measurement, a finding, a score input, an attestation, a genomic profile, a
diagnosis, a drug or a procedure that was never recorded is unknown. Only the
record decides an absence: a diagnosis, a drug exposure, a procedure or a drug
allergy that is not recorded is false where the record states that history
complete (a statement of absence such as the IPS "no known medications", an
empty List with emptyReason nilknown, or trialkit's
``attestation.treatment_history_reviewed`` for drugs and procedures), and holds
no unrecognised entry of that history that might be it. The wording of a
criterion ("known ...") never closes a history.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trialkit.errors import TrialkitInputError
from trialkit.protocol._tagged import TAG_PREFIX, tagged_union
from trialkit.protocol.window import Duration, split
from trialkit.record import AlterationType, Sex
from trialkit.scores import SCORE_SPECS
from trialkit.units import Comparator, Threshold, check_unit
from trialkit.vocab import Kind, ValueType, vocabulary

__all__ = [
    "CHILDBEARING_POTENTIAL",
    "NODE_TYPES",
    "PREGNANCY",
    "PUBERTY_FROM",
    "TAG_PREFIX",
    "Age",
    "AgeBand",
    "AllOf",
    "AnyOf",
    "AtLeast",
    "Attestation",
    "ChildbearingPotential",
    "ConditionNode",
    "Drug",
    "Finding",
    "Genomic",
    "Measure",
    "Node",
    "Not",
    "Op",
    "ProcedureNode",
    "Score",
    "ScoreName",
    "SexNode",
    "child_path",
    "children",
    "concept_of",
    "node_name",
    "node_paths",
]

Op = Comparator
"""A criterion's comparator (the one spelling: :data:`trialkit.units.Comparator`)."""
"""A comparison of a value with a threshold."""

if TYPE_CHECKING:
    ScoreName: TypeAlias = str
else:
    ScoreName = Literal[tuple(SCORE_SPECS)]
"""A score a criterion can compare: one of :data:`trialkit.scores.SCORE_SPECS` (``performance``
is Karnofsky or Lansky by age); the protocol format lists them as an enum."""


class _Model(BaseModel):
    # No inf or NaN threshold (YAML reads 1e999 as inf): every number is finite.
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


class _Node(_Model):
    tag: ClassVar[str]
    """The key that introduces the node in a protocol file (``all_of``, ``measure``, ``gene``)."""
    branches: ClassVar[str | None] = None
    """The field that holds a logic node's children (a list, or one node); None for a leaf."""


def concept_of(key: str, kinds: tuple[Kind, ...], role: str) -> None:
    """Refuse (ValueError) a key that is not a vocabulary concept of one of ``kinds``."""
    try:
        item = vocabulary()[key]
    except TrialkitInputError:
        raise ValueError(f"unknown concept {key!r}") from None
    if item.kind not in kinds:
        allowed = " or ".join(k.value for k in kinds)
        raise ValueError(f"{role} {key!r} is a {item.kind.value}, expected a {allowed} concept")


# -- logic ----------------------------------------------------------------------------------------
class AllOf(_Node):
    """True when every child is true; false when any is false; else unknown."""

    tag = "all_of"
    branches = "all_of"

    all_of: list[Node] = Field(min_length=1)


class AnyOf(_Node):
    """True when any child is true; false when every child is false; else unknown."""

    tag = "any_of"
    branches = "any_of"

    any_of: list[Node] = Field(min_length=1)


class AtLeast(_Node):
    """True when at least ``at_least`` children are true; false when too few can still be."""

    tag = "at_least"
    branches = "of"

    at_least: int = Field(ge=1)
    of: list[Node] = Field(min_length=1)

    @model_validator(mode="after")
    def _reachable(self) -> AtLeast:
        if self.at_least > len(self.of):
            raise ValueError(f"at_least {self.at_least} of only {len(self.of)} children")
        return self


class Not(_Node):
    """The negation of its child (unknown stays unknown)."""

    tag = "not"
    branches = "not_"

    not_: Node = Field(alias="not")


# -- data -----------------------------------------------------------------------------------------
class AgeBand(_Model):
    """One row of an age- (and sex-) dependent threshold: applies below ``below`` of age."""

    below: Duration | None = Field(default=None, description="Upper age bound (exclusive).")
    sex: Sex | None = None
    value: float


class Measure(_Node):
    """The latest value of a measured concept in a look-back window, compared with a threshold.

    The threshold is ``value`` (in ``unit``), or ``by_age`` (rows tried in order,
    the first whose age bound and sex fit the patient), or ``uln``: a multiple of
    the upper limit of normal reported by the laboratory with the result itself
    (its reference range, which is the site's limit for the patient's age and
    sex, and always wins). Without a reference range, ``uln`` uses the cited
    paediatric ULN for the age on the day of the sample and the sex
    (``trialkit.units.reference_intervals``), decided only if every band that could apply
    agrees when the birth date or sex is unknown. No value in the window, or
    no ULN that decides, is unknown.
    """

    tag = "measure"

    measure: str
    op: Op
    value: float | None = None
    by_age: list[AgeBand] | None = None
    unit: str | None = None
    uln: float | None = Field(default=None, gt=0)
    within: Duration
    source: str | None = Field(default=None, description="Where the threshold comes from.")

    @model_validator(mode="after")
    def _threshold(self) -> Measure:
        concept_of(self.measure, (Kind.LAB, Kind.VITAL, Kind.ASSESSMENT), "measure")
        item = vocabulary()[self.measure]
        if item.value_type is not ValueType.QUANTITY:
            raise ValueError(f"measure {self.measure!r} has no numeric value")
        given = [name for name in ("value", "by_age", "uln") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one threshold: value, by_age or uln")
        if self.uln is not None:
            if self.unit is not None:
                raise ValueError("a threshold in multiples of the ULN takes no unit")
            return self
        if self.unit is None:
            raise ValueError(f"a threshold for {self.measure} needs its unit (e.g. {item.unit})")
        try:
            check_unit(item, self.unit, "unit")
        except TrialkitInputError as error:
            raise ValueError(str(error)) from None
        return self

    def threshold(self, limit: float) -> Threshold:
        """``op limit unit`` (``value`` or an age band's) as the one threshold type of trialkit.

        Compared as every score's threshold is (:meth:`trialkit.units.Threshold.holds`,
        docs/clinical-decisions.md §9.3), by the evaluator and, moved into the reported unit,
        by the SQL compiler.
        """
        if self.unit is None:
            raise ValueError(f"measure {self.measure!r}: a threshold in multiples of the ULN")
        return Threshold.of(self.op, {self.unit: limit}, self.source or "")


class Score(_Node):
    """A clinical score compared with a threshold, using its range when inputs are missing.

    True when every possible total satisfies the comparison, false when none
    does, unknown otherwise (the score's missing inputs are what would decide).
    Scores are computed as of the index time by trialkit's score functions.
    """

    tag = "score"

    score: ScoreName
    op: Op
    value: float
    karnofsky_from_age: float | None = Field(
        default=None,
        description="performance only: the protocol's age (completed years) from which "
        "Karnofsky applies instead of Lansky.",
    )
    source: str | None = Field(default=None, description="Where the threshold comes from.")

    @model_validator(mode="after")
    def _performance_only(self) -> Score:
        if self.karnofsky_from_age is not None and self.score != "performance":
            raise ValueError("karnofsky_from_age applies to the performance score only")
        return self


class Age(_Node):
    """Age in completed years, months or days at the index date, or at the first diagnosis of a condition."""

    tag = "age"

    age: Op
    value: float = Field(ge=0)
    unit: Literal["a", "mo", "d"] = "a"
    at_first: str | None = Field(
        default=None, description="A condition: compare the age at its earliest onset."
    )
    source: str | None = None

    @model_validator(mode="after")
    def _event(self) -> Age:
        if self.at_first is not None:
            concept_of(self.at_first, (Kind.CONDITION,), "at_first")
        return self


class SexNode(_Node):
    """Administrative sex (``unknown`` or absent is unknown)."""

    tag = "sex"

    sex: Literal["female", "male"]


CHILDBEARING_POTENTIAL = "attestation.childbearing_potential"
"""The investigator's assessment of childbearing potential that the node reads (CTFG 2020)."""

PREGNANCY = "condition.pregnancy"
"""A pregnancy: a woman found pregnant is of childbearing potential whatever was assessed."""

PUBERTY_FROM: dict[str, int] = {"female": 8, "male": 9}
"""Completed years before which a child is not of childbearing potential unless assessed so.

Puberty that begins before 8 years in a girl or 9 years in a boy is by definition
precocious (Carel JC, Léger J. Precocious puberty. N Engl J Med 2008;358:2366-77), and
menarche, which CTFG 2020 takes as the start of childbearing potential, follows the
onset of puberty; a child with precocious puberty is assessed by the investigator.
"""


class ChildbearingPotential(_Node):
    """Of childbearing potential: the one definition every pregnancy, lactation and
    contraception rule uses.

    CTFG 2020 (Clinical Trials Facilitation and Coordination Group, "Recommendations related
    to contraception and pregnancy testing in clinical trials", version 1.1, §1): a woman is
    of childbearing potential "following menarche and until becoming post-menopausal unless
    permanently sterile"; a man is fertile after puberty unless permanently sterile. It is
    the investigator's assessment, recorded as ``attestation.childbearing_potential`` (the latest
    at or before the index time). Without it, a pregnancy present (recorded, or observed yes)
    makes her of childbearing potential; a girl under 8 or a boy under 9 years of age
    (the ages before which puberty is precocious, :data:`PUBERTY_FROM`) is not of
    childbearing potential; anyone else is unknown. A rule about pregnancy or lactation adds
    ``sex: female``.
    """

    tag = "childbearing_potential"

    childbearing_potential: Literal[True]


class ConditionNode(_Node):
    """A diagnosis present at the index date (``ever``: at any time before it).

    Present and confirmed → true; recorded as unconfirmed, provisional or
    differential → unknown until confirmed or refuted. Recorded as refuted, or
    not recorded while the record states its history complete (the problem
    list; the drug-allergy history for a hypersensitivity) → false. Otherwise
    not recorded → unknown.
    """

    tag = "condition"

    condition: str
    ever: bool = False

    @model_validator(mode="before")
    @classmethod
    def _no_known(cls, data: Any) -> Any:
        if isinstance(data, dict) and "known" in data:
            raise ValueError(
                "'known' is no longer part of the format (trialkit.protocol/2): a history is "
                "closed only by the record's statements of absence (docs/protocol-format.md); "
                "remove it"
            )
        return data

    @model_validator(mode="after")
    def _kind(self) -> ConditionNode:
        concept_of(self.condition, (Kind.CONDITION,), "condition")
        return self


class Finding(_Node):
    """A clinical finding (boolean observation or present condition) in a look-back window.

    Also a qualitative laboratory result (a yes/no lab such as a pregnancy test).
    """

    tag = "finding"

    finding: str
    within: Duration | None = None

    @model_validator(mode="after")
    def _kind(self) -> Finding:
        concept_of(self.finding, (Kind.FINDING, Kind.CONDITION, Kind.LAB), "finding")
        item = vocabulary()[self.finding]
        if item.kind is Kind.LAB and item.value_type is not ValueType.BOOLEAN:
            raise ValueError(f"finding {self.finding!r} is a numeric lab: use measure")
        return self


class Attestation(_Node):
    """A yes/no statement recorded by the team (consent, insurance, contraception): unknown until recorded."""

    tag = "attestation"

    attestation: str
    within: Duration | None = None

    @model_validator(mode="after")
    def _kind(self) -> Attestation:
        concept_of(self.attestation, (Kind.ATTESTATION,), "attestation")
        return self


class Drug(_Node):
    """Exposure to a drug or drug class in a window before the index time.

    ``within`` absent means at any time before (a previous treatment).
    ``half_lives`` shortens the window per drug to that many half-lives when
    shorter ("21 days or 5 half-lives, whichever is shorter"); a drug without
    a cited half-life then leaves exposures between the two bounds unknown.
    ``longer_than`` asks for a cumulative exposure longer than a duration.
    ``routes`` counts only exposures by one of those routes of administration
    (``route.oral``); an exposure whose route is not recorded may count, and
    leaves the node unknown rather than false. Nothing recorded is "no
    exposure" only where the record states the medication history complete;
    until then it is unknown.
    """

    tag = "drug"

    drug: str
    within: Duration | None = None
    half_lives: float | None = Field(default=None, gt=0, le=1000)
    longer_than: Duration | None = None
    routes: list[str] | None = Field(default=None, min_length=1)
    source: str | None = None

    @model_validator(mode="after")
    def _kind(self) -> Drug:
        concept_of(self.drug, (Kind.DRUG, Kind.DRUG_CLASS), "drug")
        for route in self.routes or ():
            concept_of(route, (Kind.ROUTE,), "routes")
        if self.half_lives is not None and self.within is None:
            raise ValueError("half_lives needs the window it shortens (within)")
        for name in ("within", "longer_than"):
            duration = getattr(self, name)
            if duration is not None and split(duration)[1] == "min":
                raise ValueError(f"{name}: a drug window in minutes is not meaningful")
        return self


class ProcedureNode(_Node):
    """A procedure performed in a window before the index time (ever, without ``within``).

    As for a drug, nothing recorded is "none" only where the record states the
    procedure history complete.
    """

    tag = "procedure"

    procedure: str
    within: Duration | None = None

    @model_validator(mode="after")
    def _kind(self) -> ProcedureNode:
        concept_of(self.procedure, (Kind.PROCEDURE,), "procedure")
        return self


class Genomic(_Node):
    """A genomic alteration in one of ``gene`` (of a type, with a protein change, when given).

    ``protein_change`` entries are one-letter short forms: ``Y931C`` matches
    exactly, ``F958`` (no new residue) matches any change at that residue. With
    no genomic result in the record the node is unknown; with results but no
    match it is false.
    """

    tag = "gene"

    gene: list[str] = Field(min_length=1)
    alteration: list[AlterationType] | None = None
    protein_change: list[str] | None = None

    @model_validator(mode="after")
    def _kind(self) -> Genomic:
        for key in self.gene:
            concept_of(key, (Kind.GENE,), "gene")
        return self


_NODE_CLASSES: TypeAlias = (
    AllOf
    | AnyOf
    | AtLeast
    | Not
    | Measure
    | Score
    | Age
    | SexNode
    | ChildbearingPotential
    | ConditionNode
    | Finding
    | Attestation
    | Drug
    | ProcedureNode
    | Genomic
)
"""The one list of the node classes (mypy needs it written out); the rest derives from it."""

NODE_TYPES: dict[str, type[_Node]] = {model.tag: model for model in get_args(_NODE_CLASSES)}
"""Every node type by the tag key that introduces it in a protocol file."""

if TYPE_CHECKING:
    Node: TypeAlias = _NODE_CLASSES
else:
    Node = tagged_union(NODE_TYPES, "a criteria node")
"""Any node of the criteria tree: the tagged union of :data:`NODE_TYPES`, told apart by key."""

for _model in NODE_TYPES.values():
    _model.model_rebuild()


def children(node: Node) -> tuple[Node, ...]:
    """The direct children of a logic node (none for a data node), from its ``branches``."""
    if node.branches is None:
        return ()
    held: Node | list[Node] = getattr(node, node.branches)
    return tuple(held) if isinstance(held, list) else (held,)


def child_path(path: str, index: int) -> str:
    """The path of the ``index``-th of :func:`children` of the node at ``path``.

    A path is the child indices from the criterion's root joined by ``.``
    (``"1.0"``); the root's is ``""``. It names a leaf's evidence columns,
    ``<criterion>.<path>:<field>`` (``docs/sql.md``, ``docs/prescreen.md``).
    """
    return f"{path}.{index}" if path else str(index)


def node_paths(node: Node, path: str = "") -> Iterator[tuple[str, Node]]:
    """Every node under ``node`` (not ``node`` itself) with its path, depth first."""
    for index, child in enumerate(children(node)):
        below = child_path(path, index)
        yield below, child
        yield from node_paths(child, below)


def node_name(criterion: str, path: str) -> str:
    """The node at ``path`` of criterion ``criterion`` as its evidence columns name it: ``I1.0``.

    The root is the criterion's id. Two criteria must never share a node name
    (:class:`~trialkit.protocol.model.Protocol` refuses such ids).
    """
    return f"{criterion}.{path}" if path else criterion
