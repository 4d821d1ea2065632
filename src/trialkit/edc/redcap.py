"""The study's forms as a REDCap data dictionary (the CSV REDCap uploads to build instruments).

A REDCap data dictionary has one row per field and 18 columns (:data:`COLUMNS`,
REDCap's own headings). :func:`redcap_dictionary` writes one instrument per form
of the protocol, in the protocol's order, and first the record identifier
``record_id`` (REDCap takes the first field of the first instrument as the
record id: here the subject's pseudonymous study id).

Names. REDCap requires field and instrument names of lowercase letters, digits
and underscores, starting with a letter, unique in the project (REDCap's
requirements B.6.7.2200, vanderbilt-redcap/redcap_rsvc; names over 26
characters only draw an advisory warning), and keeps them to 100 characters.
:func:`field_names` derives them, deterministically:

- an instrument is the form id, lowercased, every run of other characters an
  underscore (``hlh_diagnosis``);
- a field is ``<instrument>_<item>``, the item its id, or its concept key
  without the kind (``lab.ferritin`` on ``hlh_biology``: ``hlh_biology_ferritin``);
- a name that would be taken (by an earlier field, ``record_id``, or a field
  REDCap adds itself, ``<instrument>_complete`` and ``<instrument>_timestamp``),
  or be over 100 characters, ends instead with ``_`` and 8 hexadecimal digits of
  the SHA-256 of ``<form id>/<item name>``.

Each field's annotation (``Field Annotation``) names the form and item it
comes from, and a concept's standard codes.

Fields. A number is a text field validated ``number`` (an integer:
``integer``) with its unit in the field note and its accepted range (a typed
item's range, a quantity concept's plausible range converted to the unit the
form shows) as validation minimum and maximum; a date ``date_ymd``; a datetime
``datetime_seconds_ymd`` (the study database keeps the seconds); a yes/no item
``yesno``; free text ``notes``; a choice ``radio``, and a choice among
vocabulary concepts (tens of answers) ``dropdown``. A choice's raw values are
its codes; one REDCap cannot hold (anything but letters, digits and
underscores: a concept key's dot) is written as its name would be, lowercased,
other characters underscores (``drug.ruxolitinib``: ``drug_ruxolitinib``), with
the hash suffix if two answers would share one.

Not in a data dictionary, and so left to the project's setup: the events of a
longitudinal project (the visits) and which forms repeat.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re

from trialkit.edc._items import Answer, ItemValue, decimal_text, item_value
from trialkit.protocol.model import Protocol
from trialkit.units import convert
from trialkit.vocab import Code

__all__ = [
    "COLUMNS",
    "FIELD_TYPES",
    "MAX_NAME_LENGTH",
    "RECORD_ID",
    "VALIDATIONS",
    "choice_codes",
    "field_names",
    "instrument_name",
    "redcap_dictionary",
]

COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
"""The 18 columns of a REDCap data dictionary, in REDCap's order and spelling."""

FIELD_TYPES = frozenset(
    {
        "text",
        "notes",
        "dropdown",
        "radio",
        "checkbox",
        "yesno",
        "truefalse",
        "calc",
        "file",
        "slider",
        "descriptive",
        "sql",
    }
)
"""REDCap's field types."""

VALIDATIONS = {
    "number": "number",
    "integer": "integer",
    "date": "date_ymd",
    "datetime": "datetime_seconds_ymd",
}
"""The text validation of each kind of value written as a text field."""

RECORD_ID = "record_id"
MAX_NAME_LENGTH = 100
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_OTHER = re.compile(r"[^a-z0-9]+")
_CODE = re.compile(r"[A-Za-z0-9_]+")
_SUFFIX_LENGTH = 9  # "_" and 8 hexadecimal digits


def instrument_name(form_id: str) -> str:
    """The REDCap instrument name of a form (before any hash suffix, see :func:`field_names`)."""
    return _snake(form_id)


def _snake(text: str) -> str:
    name = _OTHER.sub("_", text.lower()).strip("_")
    return name if _NAME.fullmatch(name) else f"x_{name}".rstrip("_")


def _hashed(base: str, key: str) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    return f"{base[: MAX_NAME_LENGTH - _SUFFIX_LENGTH]}_{digest}"


def _unique(base: str, key: str, taken: set[str]) -> str:
    name = base
    if name in taken or len(name) > MAX_NAME_LENGTH:
        name = _hashed(base, key)
    taken.add(name)
    return name


def _instruments(protocol: Protocol) -> dict[str, str]:
    taken: set[str] = set()
    return {f.id: _unique(instrument_name(f.id), f.id, taken) for f in protocol.forms}


def field_names(protocol: Protocol) -> dict[tuple[str, str], str]:
    """The REDCap field name of each item: ``{(form id, item name): field name}``."""
    instruments = _instruments(protocol)
    taken = {RECORD_ID}
    for instrument in instruments.values():
        taken |= {f"{instrument}_complete", f"{instrument}_timestamp"}
    names: dict[tuple[str, str], str] = {}
    for form in protocol.forms:
        for item in form.items:
            short = item.concept.split(".", 1)[1] if item.concept else item.name
            base = _snake(f"{instruments[form.id]}_{short}")
            names[(form.id, item.name)] = _unique(base, f"{form.id}/{item.name}", taken)
    return names


def redcap_dictionary(protocol: Protocol) -> str:
    """The REDCap data dictionary of the protocol's forms, as CSV text (header and one row a field)."""
    instruments = _instruments(protocol)
    names = field_names(protocol)
    rows: list[dict[str, str]] = []
    if protocol.forms:
        rows.append(
            _row(
                RECORD_ID,
                instruments[protocol.forms[0].id],
                "text",
                "Study ID (pseudonymous)",
                **{"Field Annotation": "trialkit: the subject's pseudonymous study id"},
            )
        )
    for form in protocol.forms:
        for number, item in enumerate(form.items):
            value = item_value(form, item)
            row = _field(names[(form.id, item.name)], instruments[form.id], value)
            if number == 0:
                row["Section Header"] = form.name
            rows.append(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _row(name: str, instrument: str, kind: str, label: str, **columns: str) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        {
            "Variable / Field Name": name,
            "Form Name": instrument,
            "Field Type": kind,
            "Field Label": label,
        }
    )
    row.update(columns)
    return row


def _field(name: str, instrument: str, value: ItemValue) -> dict[str, str]:
    columns: dict[str, str] = {}
    notes = [u for u in (value.shown_unit,) if u]
    if value.help and value.help != value.label:
        notes.append(value.help)
    columns["Field Note"] = "; ".join(notes)
    if value.kind in VALIDATIONS:
        kind = "text"
        columns["Text Validation Type OR Show Slider Number"] = VALIDATIONS[value.kind]
        if value.bounds is not None:
            low, high = _shown_bounds(value)
            columns["Text Validation Min"] = low
            columns["Text Validation Max"] = high
    elif value.kind == "choice":
        kind = "dropdown" if value.answers_from_vocabulary else "radio"
        columns["Choices, Calculations, OR Slider Labels"] = _choices(value.answers)
    elif value.kind == "boolean":
        kind = "yesno"
    else:
        kind = "notes"
    if value.required:
        columns["Required Field?"] = "y"
    columns["Field Annotation"] = _annotation(value)
    return _row(name, instrument, kind, value.label, **columns)


def _shown_bounds(value: ItemValue) -> tuple[str, str]:
    """The range in the unit the form shows (a quantity concept's range is in its canonical unit)."""
    assert value.bounds is not None
    bounds = value.bounds
    low, high = bounds.low, bounds.high
    shown = value.shown_unit
    if value.concept is not None and bounds.unit and shown and shown != bounds.unit:
        low = convert(low, bounds.unit, shown, value.concept)
        high = convert(high, bounds.unit, shown, value.concept)
    if value.kind == "integer":
        return decimal_text(float(math.ceil(low))), decimal_text(float(math.floor(high)))
    return decimal_text(low), decimal_text(high)


def choice_codes(answers: tuple[Answer, ...]) -> dict[str, str]:
    """The REDCap raw value of each answer code: the code if REDCap can hold it, else a name."""
    taken: set[str] = set()
    codes: dict[str, str] = {}
    for answer in answers:
        if _CODE.fullmatch(answer.code) and answer.code not in taken:
            taken.add(answer.code)
            codes[answer.code] = answer.code
        else:
            codes[answer.code] = _unique(_snake(answer.code), answer.code, taken)
    return codes


def _choices(answers: tuple[Answer, ...]) -> str:
    codes = choice_codes(answers)
    return " | ".join(f"{codes[a.code]}, {a.display.replace('|', '/')}" for a in answers)


def _annotation(value: ItemValue) -> str:
    origin = f"trialkit: form {value.form}, item {value.name}"
    return "; ".join([origin, *(_code_text(c) for c in value.codes)])


def _code_text(code: Code) -> str:
    return f"{code.system} {code.code}"
