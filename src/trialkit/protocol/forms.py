"""Case report forms in a protocol file: typed items, from the vocabulary or typed by hand.

A form is a list of items. An item is either a vocabulary concept (``concept:
lab.ferritin``: its kind of value, its unit allow-list, its plausible range and
its codes come from ``trialkit.vocab``), or a typed item (``type: number`` with
a UCUM ``unit``, ``integer``, ``date``, ``datetime``, ``choice`` with coded
``choices``, ``boolean``, ``text``), or a choice among vocabulary concepts of
some kinds (``type: concept`` with ``kinds: [drug, drug_class]``: a medication
form's drug, an adverse event form's CTCAE term). A repeating form records
events that happen at any time (adverse events, medications, death, HSCT):
each record is one instance, and ``records`` says which entry of the patient
record an instance becomes (an adverse event, a stay, the death), so that the
study database and ``protocol check`` know where death, stays and events are
captured. Visits carry forms (``trialkit.protocol.model.Visit``).

What the forms capture is what the study database (issue 16) stores, and what
``trialkit protocol check`` compares with what the criteria and endpoints read
(:func:`captured_concepts`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from trialkit.errors import TrialkitInputError
from trialkit.units import check_unit
from trialkit.vocab import Kind, ValueType, vocabulary

__all__ = ["RECORD_KINDS", "Choice", "Form", "FormItem", "ItemType", "Records", "captured_concepts"]

ItemType = Literal["number", "integer", "date", "datetime", "choice", "boolean", "text", "concept"]
"""The type of an item that is not a vocabulary concept."""

Records = Literal[
    "adverse_event", "medication", "condition", "procedure", "stay", "death", "genomic_finding"
]
"""The entry of the patient record (``trialkit.record``) one instance of a repeating form is."""

RECORD_KINDS: dict[str, tuple[Kind, ...]] = {
    "adverse_event": (Kind.ADVERSE_EVENT,),
    "medication": (Kind.DRUG, Kind.DRUG_CLASS),
    "condition": (Kind.CONDITION,),
    "procedure": (Kind.PROCEDURE,),
    "stay": (Kind.CARE_SETTING,),
    "genomic_finding": (Kind.GENE,),
}
"""What a repeating form of each ``records`` needs: an item choosing a concept of these kinds."""

_Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Choice(_Row):
    """One coded answer of a choice item."""

    code: str = Field(min_length=1)
    display: str = Field(min_length=1)


class FormItem(_Row):
    """One item of a form: a vocabulary concept, or a typed item with its own id.

    A concept item (``concept: lab.ferritin``) takes its kind of value, unit allow-list,
    plausible range and codes from the vocabulary; a quantity's ``unit`` is the unit the
    form shows. A typed item has an ``id`` and a ``type``; ``type: concept`` chooses any
    concept of its ``kinds``.
    """

    concept: str | None = Field(default=None, description="A vocabulary concept key.")
    id: _Identifier | None = Field(default=None, description="A typed item's id.")
    type: ItemType | None = None
    unit: str | None = Field(
        default=None,
        description="A number's UCUM unit; for a quantity concept, the unit the form shows "
        "(one of the concept's allowed units).",
    )
    choices: list[Choice] | None = None
    kinds: list[Kind] | None = Field(
        default=None, description="``type: concept``: the vocabulary kinds the answer is one of."
    )
    range: tuple[float, float] | None = Field(
        default=None, description="A number's or integer's accepted range (both ends included)."
    )
    required: bool = False
    help: str | None = None

    @model_validator(mode="after")
    def _typed(self) -> FormItem:
        if (self.concept is None) == (self.id is None):
            raise ValueError("an item is a concept, or a typed item with an id: give one")
        if self.concept is not None:
            return self._concept_item(self.concept)
        if self.type is None:
            raise ValueError(f"item {self.id}: give its type")
        if self.type == "number" and self.unit is None:
            raise ValueError(f"item {self.id}: a number needs its UCUM unit (use 1 for a ratio)")
        if self.type != "number" and self.unit is not None:
            raise ValueError(f"item {self.id}: only a number takes a unit")
        if (self.type == "choice") != (self.choices is not None):
            raise ValueError(f"item {self.id}: choices belong to a choice item, which needs them")
        if self.choices is not None:
            codes = [c.code for c in self.choices]
            if len(set(codes)) != len(codes):
                raise ValueError(f"item {self.id}: a choice code appears twice")
        if (self.type == "concept") != bool(self.kinds):
            raise ValueError(f"item {self.id}: kinds belong to a concept item, which needs them")
        if self.range is not None:
            if self.type not in ("number", "integer"):
                raise ValueError(f"item {self.id}: only a number or an integer has a range")
            if self.range[0] > self.range[1]:
                raise ValueError(f"item {self.id}: range {list(self.range)} is empty")
        return self

    def _concept_item(self, key: str) -> FormItem:
        try:
            item = vocabulary()[key]
        except TrialkitInputError:
            raise ValueError(f"unknown concept {key!r}") from None
        if self.type is not None or self.choices is not None or self.kinds is not None:
            raise ValueError(f"item {key}: a concept item takes its type from the vocabulary")
        if self.range is not None:
            raise ValueError(
                f"item {key}: a concept item takes its plausible range from the vocabulary"
            )
        if self.unit is not None:
            if item.value_type is not ValueType.QUANTITY:
                raise ValueError(f"item {key}: only a quantity takes a unit")
            try:
                check_unit(item, self.unit, f"item {key}: unit")
            except TrialkitInputError as error:
                raise ValueError(str(error)) from None
        return self

    @property
    def shown_unit(self) -> str | None:
        """The unit the form shows: the item's, else (a quantity concept) the canonical unit."""
        if self.unit is not None or self.concept is None:
            return self.unit
        item = vocabulary()[self.concept]
        return item.unit if item.value_type is ValueType.QUANTITY else None

    @property
    def name(self) -> str:
        """The item's name on the form: its id, else its concept key."""
        return self.id or self.concept or ""


class Form(_Row):
    """A case report form: its items; ``repeating`` for events recorded at any time."""

    id: _Identifier
    name: str = Field(min_length=1)
    repeating: bool = False
    records: Records | None = Field(
        default=None,
        description="A repeating form: the record entry each instance is (``death``: the date "
        "and cause of death; the others need an item choosing a concept of their kind).",
    )
    items: list[FormItem] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Form:
        names = [i.name for i in self.items]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"form {self.id}: item {doubled[0]!r} appears twice")
        return self

    @model_validator(mode="after")
    def _records(self) -> Form:
        if self.records is None:
            return self
        if not self.repeating and self.records != "death":
            raise ValueError(f"form {self.id}: records {self.records} belongs to a repeating form")
        if self.records == "death":
            if not any(i.type in ("date", "datetime") for i in self.items):
                raise ValueError(f"form {self.id}: a death form needs the date of death")
            return self
        wanted = RECORD_KINDS[self.records]
        if not any(set(i.kinds or ()) & set(wanted) for i in self.items):
            raise ValueError(
                f"form {self.id}: records {self.records} needs a type: concept item of kinds "
                + " or ".join(k.value for k in wanted)
            )
        return self


def captured_concepts(forms: list[Form]) -> tuple[set[str], set[Kind]]:
    """The concepts the forms capture one by one, and the kinds they capture as a choice.

    A concept item captures its concept; a ``type: concept`` item captures any
    concept of its kinds (a medication form's drug item captures every drug).
    """
    keys: set[str] = set()
    kinds: set[Kind] = set()
    for form in forms:
        for item in form.items:
            if item.concept is not None:
                keys.add(item.concept)
            if item.kinds is not None:
                kinds.update(item.kinds)
    return keys, kinds
