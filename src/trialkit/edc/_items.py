"""What value each item of a form takes, read once for every export.

A form item (:class:`trialkit.protocol.forms.FormItem`) is a vocabulary concept
or a typed item. The exports (ODM, REDCap) need the same facts about it: the
kind of value, the unit values are stored in and the unit the form shows, the
accepted range and where it comes from, the coded answers and their standard
codes. :func:`item_value` reads them from the protocol and the vocabulary, so
that each export only walks them.

Conventions:

- A quantity concept is a number stored in the concept's canonical UCUM unit
  (what the study database keeps); the form may show another allowed unit.
  Its range is the vocabulary's plausible range, in the canonical unit.
- Every other concept item is a yes/no item, as the study database stores it
  (:func:`trialkit.edc.values.check_value`): a boolean concept (attestations,
  findings), a concept with no value (present or not), a coded concept (the
  vocabulary lists no answers for one; none is on a form yet).
- A ``type: concept`` item is a choice among every vocabulary concept of its
  kinds, in the vocabulary's order, each answer with its standard codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from trialkit.protocol.forms import Form, FormItem
from trialkit.vocab import Code, ValueType, vocabulary

__all__ = ["Answer", "Bounds", "ItemValue", "ValueKind", "decimal_text", "item_value"]

ValueKind = Literal["number", "integer", "date", "datetime", "choice", "boolean", "text"]
"""The kind of value an item takes (``type: concept`` is a choice)."""


_TYPED: dict[str, ValueKind] = {
    "number": "number",
    "integer": "integer",
    "date": "date",
    "datetime": "datetime",
    "boolean": "boolean",
    "text": "text",
}


_CONCEPT_KINDS: dict[ValueType, ValueKind] = {
    ValueType.QUANTITY: "number",
    ValueType.BOOLEAN: "boolean",
    ValueType.NONE: "boolean",
    ValueType.CODED: "boolean",
}


@dataclass(frozen=True, slots=True)
class Answer:
    """One coded answer: its code, what it says, and the concept's standard codes."""

    code: str
    display: str
    codes: tuple[Code, ...] = ()


@dataclass(frozen=True, slots=True)
class Bounds:
    """An accepted range, both ends included, in ``unit``, with where it comes from."""

    low: float
    high: float
    unit: str | None
    source: str


@dataclass(frozen=True, slots=True)
class ItemValue:
    """The value one item of one form takes."""

    form: str
    name: str
    """The item's name on the form (its id, else its concept key)."""
    kind: ValueKind
    label: str
    """What the form asks: the concept's display, else the item's help, else its id."""
    help: str | None
    required: bool
    unit: str | None
    """The UCUM unit a number is stored and exported in."""
    shown_unit: str | None
    """The UCUM unit the form shows (a quantity concept may show another allowed unit)."""
    bounds: Bounds | None
    answers: tuple[Answer, ...]
    answer_list: str | None
    """The name of the answer list, shared by items with the same answers: ``<form>.<item>``
    for a choice item, the kinds joined by ``.`` for a ``type: concept`` item."""
    answers_from_vocabulary: bool
    """The answers are vocabulary concepts (a ``type: concept`` item)."""
    concept: str | None
    """The concept key of a concept item."""
    codes: tuple[Code, ...]
    """A concept item's standard codes (LOINC, SNOMED CT, ...)."""


def item_value(form: Form, item: FormItem) -> ItemValue:
    """What ``item`` of ``form`` takes, from the protocol and the vocabulary."""
    if item.concept is not None:
        return _concept_item(form, item, item.concept)
    kind: ValueKind
    answers: tuple[Answer, ...] = ()
    answer_list = None
    if item.type == "concept":
        kinds = item.kinds or []
        kind = "choice"
        answers = tuple(
            Answer(c.key, c.display, c.codes) for c in vocabulary().values() if c.kind in kinds
        )
        answer_list = ".".join(k.value for k in kinds)
    elif item.type == "choice":
        kind = "choice"
        answers = tuple(Answer(c.code, c.display) for c in item.choices or [])
        answer_list = f"{form.id}.{item.name}"
    else:
        assert item.type is not None, "a typed item has a type (FormItem._typed)"
        kind = _TYPED[item.type]
    bounds = None
    if item.range is not None:
        low, high = item.range
        bounds = Bounds(low, high, item.unit, f"protocol, form {form.id}: accepted range")
    return ItemValue(
        form=form.id,
        name=item.name,
        kind=kind,
        label=item.help or item.name,
        help=item.help,
        required=item.required,
        unit=item.unit,
        shown_unit=item.unit,
        bounds=bounds,
        answers=answers,
        answer_list=answer_list,
        answers_from_vocabulary=item.type == "concept",
        concept=None,
        codes=(),
    )


def _concept_item(form: Form, item: FormItem, key: str) -> ItemValue:
    concept = vocabulary()[key]
    kind = _CONCEPT_KINDS[concept.value_type]
    bounds = None
    if concept.plausible is not None and kind == "number":
        plausible = concept.plausible
        bounds = Bounds(plausible.low, plausible.high, concept.unit, plausible.source)
    return ItemValue(
        form=form.id,
        name=item.name,
        kind=kind,
        label=concept.display,
        help=item.help,
        required=item.required,
        unit=concept.unit,
        shown_unit=item.shown_unit,
        bounds=bounds,
        answers=(),
        answer_list=None,
        answers_from_vocabulary=False,
        concept=key,
        codes=concept.codes,
    )


def decimal_text(value: float) -> str:
    """A number as plain decimal text, without exponent or trailing zeros (``500000``, ``0.2``)."""
    text = format(Decimal(repr(value)).normalize(), "f")
    return "0" if text in ("-0", "") else text
