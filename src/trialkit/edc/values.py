"""Edit checks of one entered value: refused, or accepted in its canonical form with the
queries it raises.

- A vocabulary quantity: the unit must be on the concept's allow-list (a unit of
  another dimension is refused with the reason); the value is converted to the
  canonical unit with ``trialkit.units`` (molar masses from the vocabulary). A value
  outside the concept's plausible range is accepted with an automatic query: the
  range (cited in the vocabulary) flags the unlikely, and only the site can say
  whether it was mistyped.
- A typed number: its unit must be commensurable with the item's UCUM unit and is
  converted to it; outside the item's range → accepted with a query.
- An integer, a choice code, a boolean (``true``/``false``/``yes``/``no``/``1``/``0``),
  a date (ISO 8601), a date-time (ISO 8601 with its offset), a concept key of the
  item's kinds, a text.
- A date before the subject's birth, or after today, is refused.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from trialkit.errors import EdcError, TrialkitInputError
from trialkit.protocol.forms import FormItem
from trialkit.units import check_unit, commensurable, conversion, convert
from trialkit.vocab import ValueType, vocabulary

__all__ = ["Checked", "Entry", "check_value", "number_text"]

Entry = str | tuple[str, str | None] | tuple[str, str | None, str | None, str | None]
"""An entered value: its text; or its text and unit; or, for a laboratory value, its
text, unit and the laboratory's normal range (LLN, ULN) in that unit."""

MAX_TEXT = 4000
"""The longest free text an item holds (the ``Length`` the ODM export declares)."""

_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


@dataclass(frozen=True, slots=True)
class Checked:
    """An accepted value: canonical number (with unit) or text, and the queries it raises."""

    number: float | None
    text: str | None
    unit: str | None
    queries: tuple[str, ...] = ()
    reference_low: float | None = None
    reference_high: float | None = None

    @property
    def canonical(self) -> str:
        """The canonical value as text (a number in its canonical unit)."""
        return number_text(self.number) if self.number is not None else self.text or ""


def number_text(number: float) -> str:
    """A number as plain decimal text, 12 significant digits and never an exponent
    (``0.00001``, not ``1e-05``: ODM, CSV and FHIR readers all take the plain form)."""
    text = f"{number:.12g}"
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def _printable(field: str, text: str) -> str:
    for character in text:
        if character in "\t\n\r":
            continue
        if unicodedata.category(character) in ("Cc", "Cs"):
            raise EdcError(
                f"{field}: contains the control character U+{ord(character):04X}; remove it"
            )
    return text


def _number(field: str, entered: str) -> float:
    try:
        value = float(entered.strip().replace(",", "."))
    except ValueError:
        raise EdcError(f"{field}: {entered!r} is not a number") from None
    if not math.isfinite(value):
        raise EdcError(f"{field}: {entered!r} is not a finite number")
    return value


def _outside(field: str, value: float, low: float, high: float, unit: str, source: str) -> str:
    return (
        f"{field}: {number_text(value)} {unit} is outside the expected range "
        f"{number_text(low)}–{number_text(high)} {unit} ({source}): please confirm or correct"
    )


def _reference(
    field: str, key: str, unit: str, reference: tuple[str | None, str | None]
) -> tuple[float | None, float | None]:
    """The laboratory's normal range, given in the value's unit, in the canonical unit."""
    item = vocabulary()[key]
    limits: list[float | None] = []
    for name, given in zip(("LLN", "ULN"), reference, strict=True):
        if given is None or not given.strip():
            limits.append(None)
            continue
        limit = _number(f"{field} {name}", given)
        if limit < 0:
            raise EdcError(f"{field} {name}: {given!r} is negative")
        limits.append(convert(limit, unit, item.unit or unit, key))
    low, high = limits
    if low is not None and high is not None and low > high:
        raise EdcError(f"{field}: normal range {reference[0]}–{reference[1]} {unit} is empty")
    return low, high


def _quantity(field: str, key: str, entered: str, unit: str | None) -> Checked:
    item = vocabulary()[key]
    if unit is None or not unit.strip():
        raise EdcError(f"{field}: give the unit ({', '.join(item.units)})")
    unit = unit.strip()
    try:
        check_unit(item, unit, field)
    except TrialkitInputError as error:
        raise EdcError(str(error)) from None
    value = _number(field, entered)
    canonical = convert(value, unit, item.unit or unit, key)
    queries: tuple[str, ...] = ()
    bounds = item.plausible
    if bounds is not None and not bounds.low <= canonical <= bounds.high:
        queries = (
            _outside(field, canonical, bounds.low, bounds.high, item.unit or "", bounds.source),
        )
    return Checked(canonical, None, item.unit, queries)


def _typed_number(field: str, item: FormItem, entered: str, unit: str | None) -> Checked:
    target = item.unit or "1"
    given = (unit or "").strip() or target
    if given != target and not commensurable(given, target):
        raise EdcError(f"{field}: unit {given!r} cannot express {target!r} (another dimension)")
    value = _number(field, entered)
    if given != target:
        scale, offset = conversion(given, target)
        value = scale * value + offset
    return Checked(value, None, target, _range(field, item, value, target))


def _range(field: str, item: FormItem, value: float, unit: str) -> tuple[str, ...]:
    if item.range is None:
        return ()
    low, high = item.range
    if low <= value <= high:
        return ()
    return (_outside(field, value, low, high, unit, "the form's range"),)


def _date(field: str, entered: str, birth: date | None, today: date, with_time: bool) -> str:
    text = entered.strip()
    try:
        if with_time:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                raise EdcError(
                    f"{field}: {entered!r} needs its UTC offset (2026-03-01T10:00+01:00)"
                )
            day = moment.date()
            canonical = moment.isoformat()
        else:
            day = date.fromisoformat(text)
            canonical = day.isoformat()
    except ValueError:
        kind = "date-time (2026-03-01T10:00+01:00)" if with_time else "date (2026-03-01)"
        raise EdcError(f"{field}: {entered!r} is not an ISO 8601 {kind}") from None
    if birth is not None and day < birth:
        raise EdcError(f"{field}: {day.isoformat()} is before the birth date {birth.isoformat()}")
    if day > today:
        raise EdcError(
            f"{field}: {day.isoformat()} is in the future (today is {today.isoformat()})"
        )
    return canonical


def _boolean(field: str, entered: str) -> str:
    text = entered.strip().lower()
    if text in _TRUE:
        return "true"
    if text in _FALSE:
        return "false"
    raise EdcError(f"{field}: {entered!r} is not yes or no (true/false)")


def check_value(
    field: str,
    item: FormItem,
    entered: str,
    unit: str | None,
    *,
    birth: date | None,
    today: date,
    reference: tuple[str | None, str | None] | None = None,
) -> Checked:
    """Check one entered value of ``item`` (``field`` names it in messages: ``form.item``).

    ``reference`` is the reporting laboratory's normal range (LLN, ULN) in the value's
    unit, for a vocabulary quantity: criteria and CTCAE grades against the ULN read it.
    """
    if reference is not None and (
        item.concept is None or vocabulary()[item.concept].value_type is not ValueType.QUANTITY
    ):
        raise EdcError(f"{field}: only a laboratory value takes a normal range")
    if item.concept is not None:
        concept = vocabulary()[item.concept]
        if concept.value_type is ValueType.QUANTITY:
            checked = _quantity(field, item.concept, entered, unit or item.shown_unit)
            if reference is None:
                return checked
            low, high = _reference(field, item.concept, unit or item.shown_unit or "", reference)
            return replace(checked, reference_low=low, reference_high=high)
        if unit:
            raise EdcError(f"{field}: takes no unit, got {unit!r}")
        return Checked(None, _boolean(field, entered), None)
    if unit and item.type != "number":
        raise EdcError(f"{field}: takes no unit, got {unit!r}")
    text = entered.strip()
    match item.type:
        case "number":
            return _typed_number(field, item, entered, unit)
        case "integer":
            try:
                whole = int(text)
            except ValueError:
                raise EdcError(f"{field}: {entered!r} is not a whole number") from None
            return Checked(float(whole), None, None, _range(field, item, whole, ""))
        case "date" | "datetime":
            return Checked(None, _date(field, text, birth, today, item.type == "datetime"), None)
        case "boolean":
            return Checked(None, _boolean(field, text), None)
        case "choice":
            codes = [c.code for c in item.choices or ()]
            if text not in codes:
                raise EdcError(f"{field}: {entered!r} is not one of {', '.join(codes)}")
            return Checked(None, text, None)
        case "concept":
            vocab = vocabulary()
            if text not in vocab or vocab[text].kind not in (item.kinds or ()):
                kinds = " or ".join(k.value for k in item.kinds or ())
                raise EdcError(f"{field}: {entered!r} is not a vocabulary concept of kind {kinds}")
            return Checked(None, text, None)
        case _:
            if not text:
                raise EdcError(f"{field}: empty text")
            if len(text) > MAX_TEXT:
                raise EdcError(f"{field}: {len(text)} characters; at most {MAX_TEXT}")
            return Checked(None, _printable(field, text), None)
