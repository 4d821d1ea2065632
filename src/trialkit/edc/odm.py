"""The study database as CDISC ODM 1.3.2: the study's forms, and the data captured on them.

CDISC Operational Data Model, version 1.3.2 (CDISC, 2013; schema
``ODM1-3-2.xsd``, namespace ``http://www.cdisc.org/ns/odm/v1.3``). Two documents
of one linked series, as a data manager loads them:

- :func:`study_odm`, the metadata: the ``Study`` with its units and one
  ``MetaDataVersion`` (events, forms, item groups, items, code lists). It is
  written once per version of the forms, reviewed, and loaded into a tool that
  builds a study from ODM metadata.
- :func:`clinical_odm`, the data: the sites (``AdminData``) and every subject's
  events, forms and values (``ClinicalData``). Its ``PriorFileOID`` names the
  study document, where its references resolve (ODM 1.3.2 §2.11, "Element
  Identifiers and References": a reference resolves in the same document or in
  a prior one of the series). It is written at every export.

Two documents rather than one because OpenClinica, the usual target, imports
only ``ClinicalData`` and reads nothing in ``Study`` (OpenClinica 3.1 technical
documentation, "CDISC ODM representation of OpenClinica"): the metadata would
be repeated in every data export for nothing, and is the study's specification
to review on its own. :func:`check_references` resolves every OID reference of
a series (the schema checks structure, not references).

Identifiers (OIDs) are derived from the protocol's ids, so that the same form
keeps the same OID across exports: ``S.<protocol>``, ``SE.<visit>``,
``F.<form>``, ``IG.<form>`` (one item group per form), ``I.<form>.<item>``,
``CL.<form>.<item>`` for a choice item's answers, ``MU.<UCUM unit>`` (characters
other than letters, digits and ``.`` written ``_`` and two hexadecimal digits:
``10*9/L`` is ``MU.10_2A9_2FL``). Names the protocol cannot write start with an
underscore: ``SE._anytime`` (forms recorded outside a visit),
``CL._concepts.<kinds>`` (a choice among vocabulary concepts),
``CL._form_status`` and ``CL._flag_type``. The ``MetaDataVersion`` OID is
``MDV.<digest>``, a SHA-256 of its content, so that it changes exactly when the
forms do; the documents' ``FileOID`` are ``trialkit.<protocol>.study.<digest>``
and ``trialkit.<protocol>.clinical.<digest>``, digests of their content.

Conventions:

- A visit repeated in every cycle is a repeating event; its repeat key is the
  cycle (1, 2, ...). A repeating form is a repeating form; its repeat key is the
  instance (1, 2, ...).
- Every form is carried by the event ``SE._anytime`` too, where it is recorded
  when it is recorded outside a visit: screening data entered before enrolment,
  the repeating forms (events at any time), the death form. Its type is
  ``Common``: in ODM, the event of the forms used across encounters, such as an
  adverse event or concomitant medication log (CDISC ODM v2.0, StudyEventDef,
  which explains the three types 1.3.2 already has).
- A number is stored in its canonical unit (the concept's, or the typed item's):
  the item's first ``MeasurementUnitRef``; a quantity concept shown in another
  unit lists that unit second. Every value with a unit carries it.
- A typed item's range and a quantity concept's plausible range are soft range
  checks (``GE`` low, ``LE`` high) in the stored unit, the error message citing
  the source of the range: soft because the study database accepts a value
  outside with a query for the site to confirm (:mod:`trialkit.edc.values`), so
  the data may hold confirmed values outside.
- A concept item carries its standard codes as ``Alias`` elements (``Context``:
  the code system's URI); so does each answer of a choice among concepts.
- A form's status (open, complete, locked) is a ``Flag`` on the form's data
  (``Annotation``): its value from the code list ``CL._form_status``, its type
  ``form_status`` from ``CL._flag_type``.
- A text item has the ``Length`` ODM 1.3.2 requires of it: a choice's longest
  code, free text :data:`TEXT_LENGTH`.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from trialkit._wording import plural
from trialkit.edc._items import Answer, ItemValue, decimal_text, item_value
from trialkit.edc._references import problems
from trialkit.edc.captured import FORM_STATUSES, CapturedForm, CapturedItem, CapturedSubject
from trialkit.errors import TrialkitInputError
from trialkit.protocol.forms import Form
from trialkit.protocol.model import Protocol, Visit
from trialkit.vocab import SYSTEMS, Code

__all__ = [
    "ANYTIME_EVENT",
    "FLAG_TYPE_CODE_LIST",
    "FORM_STATUS_CODE_LIST",
    "ODM_NAMESPACE",
    "ODM_VERSION",
    "TEXT_LENGTH",
    "check_references",
    "clinical_odm",
    "study_odm",
    "unit_oid",
]

ODM_NAMESPACE = "http://www.cdisc.org/ns/odm/v1.3"
"""The namespace of ODM 1.3.x documents."""

ODM_VERSION = "1.3.2"

ANYTIME_EVENT = "SE._anytime"
"""The event carrying the forms recorded outside visits (repeating forms, death)."""

FORM_STATUS_CODE_LIST = "CL._form_status"
FLAG_TYPE_CODE_LIST = "CL._flag_type"

TEXT_LENGTH = 4000
"""The ``Length`` of a free-text item: the longest text a receiving system must keep, and the
longest :func:`clinical_odm` writes (ODM 1.3.2 requires a ``Length`` on a text item)."""

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_DATA_TYPES = {
    "number": "float",
    "integer": "integer",
    "date": "date",
    "datetime": "datetime",
    "choice": "text",
    "boolean": "boolean",
    "text": "text",
}
"""The ODM 1.3.2 ``DataType`` of each kind of value (ItemDef)."""
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
_INTEGER = re.compile(r"[+-]?\d+")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""A character XML 1.0 cannot hold (its production ``Char``): control characters, surrogates."""
_STATUS_DISPLAY = {
    "open": "Open: data entry under way",
    "complete": "Complete: data entry finished",
    "locked": "Locked: no further change",
}


def _q(tag: str) -> str:
    # Elements are built unqualified and the root declares the ODM namespace as the default
    # (``xmlns``): ElementTree cannot write a default namespace beside unqualified attributes.
    return tag


def _sub(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, _q(tag), attributes)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = _sub(parent, tag)
    translated = _sub(element, "TranslatedText", **{_XML_LANG: "en"})
    translated.text = text
    return element


def _plain(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = _sub(parent, tag)
    element.text = text
    return element


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def unit_oid(unit: str) -> str:
    """The OID of a UCUM unit: ``MU.`` and the unit, other characters than letters, digits and
    ``.`` written ``_XX`` (hexadecimal code point), so that distinct units get distinct OIDs."""
    escaped = "".join(
        c if c.isascii() and (c.isalnum() or c == ".") else f"_{ord(c):02X}" for c in unit
    )
    return f"MU.{escaped}"


def _study_oid(protocol: Protocol) -> str:
    return f"S.{protocol.id}"


def _event_oid(visit: Visit) -> str:
    return f"SE.{visit.id}"


def _form_oid(form_id: str) -> str:
    return f"F.{form_id}"


def _group_oid(form_id: str) -> str:
    return f"IG.{form_id}"


def _item_oid(form_id: str, name: str) -> str:
    return f"I.{form_id}.{name}"


def _code_list_oid(value: ItemValue) -> str:
    if value.answers_from_vocabulary:
        return f"CL._concepts.{value.answer_list}"
    return f"CL.{value.answer_list}"


@dataclass(frozen=True, slots=True)
class _Study:
    """The study metadata of a protocol, with what the clinical data needs from it."""

    element: ET.Element
    metadata_oid: str
    file_oid: str
    values: dict[tuple[str, str], ItemValue]


def study_odm(protocol: Protocol, *, created: datetime | None = None) -> bytes:
    """The ODM 1.3.2 document of the study's metadata (``FileType="Snapshot"``), UTF-8 XML.

    ``created`` is the document's ``CreationDateTime`` (now, in UTC, if not given): the
    document is otherwise a function of the protocol and the vocabulary.
    """
    when = _moment(created)
    study = _study(protocol)
    root = _root(study.file_oid, when, f"{protocol.id}: case report forms (metadata)")
    root.append(study.element)
    return _serialise(root)


def clinical_odm(
    protocol: Protocol, subjects: Sequence[CapturedSubject], *, created: datetime | None = None
) -> bytes:
    """The ODM 1.3.2 document of the captured data (``FileType="Snapshot"``), UTF-8 XML.

    It holds the sites (``AdminData``: one ``Location`` per site code) and the
    ``ClinicalData`` of ``subjects``, and follows the study document of the same
    protocol (``PriorFileOID``). Subjects, events, forms and items are written in
    the protocol's order. Raises :class:`TrialkitInputError` naming the subject,
    the form and the field when the captured data does not fit the protocol
    (an unknown form, visit or item, a form on a visit that does not carry it, a
    cycle or instance number that cannot be, a value that is not of its item's
    kind, a unit other than the stored one).
    """
    when = _moment(created)
    study = _study(protocol)
    study_oid = _study_oid(protocol)
    admin = ET.Element(_q("AdminData"), {"StudyOID": study_oid})
    for site in sorted({s.site for s in subjects}):
        location = _sub(admin, "Location", OID=f"LOC.{site}", Name=site, LocationType="Site")
        _sub(
            location,
            "MetaDataVersionRef",
            StudyOID=study_oid,
            MetaDataVersionOID=study.metadata_oid,
            EffectiveDate=when.date().isoformat(),
        )
    clinical = ET.Element(
        _q("ClinicalData"), {"StudyOID": study_oid, "MetaDataVersionOID": study.metadata_oid}
    )
    labels: set[str] = set()
    for subject in subjects:
        for field, text in (("label", subject.label), ("site", subject.site)):
            _check_xml(text, f"subject {subject.label!r}: {field}")
        if subject.label in labels:
            raise TrialkitInputError(f"subject {subject.label}: given twice")
        labels.add(subject.label)
        clinical.append(_subject_data(protocol, study, subject))
    digest = _digest(admin, clinical)
    root = _root(
        f"trialkit.{protocol.id}.clinical.{digest}",
        when,
        f"{protocol.id}: captured data of {plural(len(subjects), 'subject')}",
        prior=study.file_oid,
    )
    if len(admin):
        root.append(admin)
    root.append(clinical)
    return _serialise(root)


def _moment(created: datetime | None) -> datetime:
    when = created if created is not None else datetime.now(UTC).replace(microsecond=0)
    if when.tzinfo is None:
        raise TrialkitInputError("created: give a time zone (an ODM CreationDateTime is absolute)")
    return when


def _root(file_oid: str, when: datetime, description: str, prior: str | None = None) -> ET.Element:
    attributes = {
        "xmlns": ODM_NAMESPACE,
        "ODMVersion": ODM_VERSION,
        "FileType": "Snapshot",
        "FileOID": file_oid,
        "CreationDateTime": when.isoformat(),
        "Description": description,
        "Originator": "trialkit",
        "SourceSystem": "trialkit",
    }
    if prior is not None:
        attributes["PriorFileOID"] = prior
    return ET.Element(_q("ODM"), attributes)


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return text


def _digest(*elements: ET.Element) -> str:
    content = b"".join(ET.tostring(e, encoding="UTF-8") for e in elements)
    return hashlib.sha256(content).hexdigest()[:16]


def _study(protocol: Protocol) -> _Study:
    values = {(f.id, i.name): item_value(f, i) for f in protocol.forms for i in f.items}
    study = ET.Element(_q("Study"), {"OID": _study_oid(protocol)})
    variables = _sub(study, "GlobalVariables")
    _plain(variables, "StudyName", protocol.id)
    _plain(variables, "StudyDescription", protocol.title)
    sponsor = next((r.id for r in protocol.registry if r.registry == "Sponsor"), None)
    _plain(variables, "ProtocolName", sponsor or protocol.registry[0].id)
    units = _units(values.values())
    if units:
        basic = _sub(study, "BasicDefinitions")
        for unit in units:
            measurement = _sub(basic, "MeasurementUnit", OID=unit_oid(unit), Name=unit)
            _text(measurement, "Symbol", unit)
            _sub(measurement, "Alias", Context=SYSTEMS["ucum"], Name=unit)
    metadata = _metadata(protocol, values)
    metadata_oid = f"MDV.{_digest(metadata)}"
    metadata.set("OID", metadata_oid)
    study.append(metadata)
    _check_unique(metadata)
    return _Study(study, metadata_oid, f"trialkit.{protocol.id}.study.{_digest(study)}", values)


def _units(values: Iterable[ItemValue]) -> list[str]:
    found: dict[str, None] = {}
    for value in values:
        for unit in (value.unit, value.shown_unit, value.bounds and value.bounds.unit):
            if unit:
                found.setdefault(unit)
    return list(found)


def _visits(protocol: Protocol) -> list[Visit]:
    return protocol.schedule.visits if protocol.schedule is not None else []


def _metadata(protocol: Protocol, values: dict[tuple[str, str], ItemValue]) -> ET.Element:
    metadata = ET.Element(_q("MetaDataVersion"), {"Name": f"{protocol.title}: case report forms"})
    metadata.set("Description", f"From protocol file {protocol.id} ({protocol.format})")
    anytime = protocol.forms
    events = _sub(metadata, "Protocol")
    if protocol.schedule is not None:
        _text(events, "Description", protocol.schedule.reference)
    order = 0
    for order, visit in enumerate(_visits(protocol), start=1):
        _sub(events, "StudyEventRef", StudyEventOID=_event_oid(visit), OrderNumber=str(order))
        events[-1].set("Mandatory", "Yes")
    if anytime:
        _sub(events, "StudyEventRef", StudyEventOID=ANYTIME_EVENT, OrderNumber=str(order + 1))
        events[-1].set("Mandatory", "No")
    forms = {f.id: f for f in protocol.forms}
    for visit in _visits(protocol):
        event = _sub(
            metadata,
            "StudyEventDef",
            OID=_event_oid(visit),
            Name=visit.name,
            Repeating=_yes(visit.every_cycle),
            Type="Scheduled",
        )
        _text(event, "Description", _visit_description(protocol, visit))
        for number, form_id in enumerate(visit.forms, start=1):
            mandatory = not forms[form_id].repeating
            _sub(event, "FormRef", FormOID=_form_oid(form_id), OrderNumber=str(number))
            event[-1].set("Mandatory", _yes(mandatory))
    if anytime:
        event = _sub(
            metadata, "StudyEventDef", OID=ANYTIME_EVENT, Name="At any time", Repeating="No"
        )
        event.set("Type", "Common")
        _text(
            event,
            "Description",
            "Forms recorded outside visits: screening data before enrolment, events at any "
            "time (adverse events, medication), death",
        )
        for number, form in enumerate(anytime, start=1):
            _sub(event, "FormRef", FormOID=_form_oid(form.id), OrderNumber=str(number))
            event[-1].set("Mandatory", "No")
    for form in protocol.forms:
        definition = _sub(
            metadata,
            "FormDef",
            OID=_form_oid(form.id),
            Name=form.name,
            Repeating=_yes(form.repeating),
        )
        if form.records is not None:
            _text(
                definition, "Description", f"Each instance is one {form.records.replace('_', ' ')}"
            )
        _sub(definition, "ItemGroupRef", ItemGroupOID=_group_oid(form.id), Mandatory="Yes")
    for form in protocol.forms:
        group = _sub(
            metadata, "ItemGroupDef", OID=_group_oid(form.id), Name=form.name, Repeating="No"
        )
        for number, item in enumerate(form.items, start=1):
            _sub(group, "ItemRef", ItemOID=_item_oid(form.id, item.name), OrderNumber=str(number))
            group[-1].set("Mandatory", _yes(item.required))
    for value in values.values():
        _item_def(metadata, value)
    lists: dict[str, ItemValue] = {}
    for value in values.values():
        if value.kind == "choice":
            lists.setdefault(_code_list_oid(value), value)
    for oid, value in lists.items():
        _code_list(metadata, oid, value.answer_list or oid, value.answers)
    statuses = tuple(Answer(s, _STATUS_DISPLAY[s]) for s in FORM_STATUSES)
    _code_list(metadata, FORM_STATUS_CODE_LIST, "Form status", statuses)
    flags = (Answer("form_status", "The status of a form's data entry"),)
    _code_list(metadata, FLAG_TYPE_CODE_LIST, "Flag type", flags)
    return metadata


def _visit_description(protocol: Protocol, visit: Visit) -> str:
    assert protocol.schedule is not None
    anchor = protocol.schedule.anchor_of(visit)
    when = f"day {visit.day} of every cycle" if visit.every_cycle else f"day {visit.day}"
    window = f", window -{visit.window_before}/+{visit.window_after} days"
    return f"{when} (from {anchor}){window}"


def _item_def(metadata: ET.Element, value: ItemValue) -> None:
    item = _sub(
        metadata,
        "ItemDef",
        OID=_item_oid(value.form, value.name),
        Name=value.name,
        DataType=_DATA_TYPES[value.kind],
    )
    if value.kind == "text":
        item.set("Length", str(TEXT_LENGTH))
    elif value.kind == "choice":
        item.set("Length", str(max(len(a.code) for a in value.answers)))
    if value.help is not None and value.help != value.label:
        _text(item, "Description", value.help)
    _text(item, "Question", value.label)
    units = [u for u in (value.unit, value.shown_unit) if u]
    for unit in dict.fromkeys(units):
        _sub(item, "MeasurementUnitRef", MeasurementUnitOID=unit_oid(unit))
    if value.bounds is not None:
        bounds = value.bounds
        shown = f"{decimal_text(bounds.low)} to {decimal_text(bounds.high)}"
        shown += f" {bounds.unit}" if bounds.unit else ""
        for comparator, limit in (("GE", bounds.low), ("LE", bounds.high)):
            check = _sub(item, "RangeCheck", Comparator=comparator, SoftHard="Soft")
            _plain(check, "CheckValue", decimal_text(limit))
            if bounds.unit:
                _sub(check, "MeasurementUnitRef", MeasurementUnitOID=unit_oid(bounds.unit))
            _text(check, "ErrorMessage", f"{value.label}: expected {shown} ({bounds.source})")
    if value.kind == "choice":
        _sub(item, "CodeListRef", CodeListOID=_code_list_oid(value))
    _aliases(item, value.codes)


def _code_list(metadata: ET.Element, oid: str, name: str, answers: tuple[Answer, ...]) -> None:
    codes = _sub(metadata, "CodeList", OID=oid, Name=name, DataType="text")
    for number, answer in enumerate(answers, start=1):
        entry = _sub(codes, "CodeListItem", CodedValue=answer.code, OrderNumber=str(number))
        _text(entry, "Decode", answer.display)
        _aliases(entry, answer.codes)


def _aliases(parent: ET.Element, codes: tuple[Code, ...]) -> None:
    """A concept's standard codes as ``Alias`` elements, whose ``Context`` is unique in an element
    (the schema's constraint UC-ID-1): the code system's URI, followed by the unit a code is bound
    to, or its rank, when the concept has several codes in one system (a mass and a molar LOINC)."""
    systems = [c.uri for c in codes]
    for rank, code in enumerate(codes, start=1):
        context = code.uri
        if systems.count(code.uri) > 1:
            context += f" ({code.unit})" if code.unit else f" ({rank})"
        _sub(parent, "Alias", Context=context, Name=code.code)


def _check_unique(metadata: ET.Element) -> None:
    """Refuse two definitions with one OID (possible only with dots in form ids: ``I.a.b.c``)."""
    seen: set[tuple[str, str]] = set()
    for element in metadata:
        oid = element.get("OID")
        if oid is None:
            continue
        key = (element.tag, oid)
        if key in seen:
            raise TrialkitInputError(
                f"forms: two {element.tag.rpartition('}')[2]}s would have the OID {oid!r} "
                "(a form id with a dot); rename one form"
            )
        seen.add(key)


def _subject_data(protocol: Protocol, study: _Study, subject: CapturedSubject) -> ET.Element:
    where = f"subject {subject.label}"
    element = ET.Element(_q("SubjectData"), {"SubjectKey": subject.label})
    _sub(element, "SiteRef", LocationOID=f"LOC.{subject.site}")
    visits = {v.id: (order, v) for order, v in enumerate(_visits(protocol))}
    forms = {f.id: (order, f) for order, f in enumerate(protocol.forms)}
    events: dict[tuple[int, int], tuple[str, str | None, list[tuple[int, int, CapturedForm]]]] = {}
    seen: set[tuple[str | None, int, str, int]] = set()
    for captured in subject.forms:
        here = f"{where}, form {captured.form_id}"
        if captured.form_id not in forms:
            raise TrialkitInputError(f"{here}: no such form in protocol {protocol.id}")
        form_order, form = forms[captured.form_id]
        if captured.status not in FORM_STATUSES:
            raise TrialkitInputError(
                f"{here}: status {captured.status!r} is not one of {', '.join(FORM_STATUSES)}"
            )
        if captured.sequence < 1 or (not form.repeating and captured.sequence != 1):
            raise TrialkitInputError(
                f"{here}: instance {captured.sequence} (a repeating form counts 1, 2, ...; "
                "another form has instance 1)"
            )
        key = (captured.visit_id, captured.cycle, captured.form_id, captured.sequence)
        if key in seen:
            raise TrialkitInputError(f"{here}: instance {captured.sequence} given twice")
        seen.add(key)
        if captured.visit_id is None:
            if captured.cycle != 0:
                raise TrialkitInputError(
                    f"{here}: cycle {captured.cycle} outside a visit (a cycle is a visit's)"
                )
            event_key, oid, repeat = (len(visits), 0), ANYTIME_EVENT, None
        else:
            if captured.visit_id not in visits:
                raise TrialkitInputError(f"{here}: no visit {captured.visit_id!r} in the schedule")
            visit_order, visit = visits[captured.visit_id]
            if captured.form_id not in visit.forms:
                raise TrialkitInputError(
                    f"{here}: visit {visit.id} does not carry this form ({', '.join(visit.forms)})"
                )
            if visit.every_cycle != (captured.cycle >= 1) or captured.cycle < 0:
                raise TrialkitInputError(
                    f"{here}: cycle {captured.cycle} at visit {visit.id} (1, 2, ... for a visit "
                    "of every cycle, 0 otherwise)"
                )
            event_key, oid = (visit_order, captured.cycle), _event_oid(visit)
            repeat = str(captured.cycle) if visit.every_cycle else None
        events.setdefault(event_key, (oid, repeat, []))[2].append(
            (form_order, captured.sequence, captured)
        )
    for event_key in sorted(events):
        oid, repeat, captured_forms = events[event_key]
        event = _sub(element, "StudyEventData", StudyEventOID=oid)
        if repeat is not None:
            event.set("StudyEventRepeatKey", repeat)
        for _, _, captured in sorted(captured_forms, key=lambda f: (f[0], f[1])):
            event.append(_form_data(forms[captured.form_id][1], study, captured, where))
    return element


def _form_data(form: Form, study: _Study, captured: CapturedForm, where: str) -> ET.Element:
    here = f"{where}, form {form.id}"
    element = ET.Element(_q("FormData"), {"FormOID": _form_oid(form.id)})
    if form.repeating:
        element.set("FormRepeatKey", str(captured.sequence))
    flag = _sub(_sub(element, "Annotation", SeqNum="1"), "Flag")
    _plain(flag, "FlagValue", captured.status).set("CodeListOID", FORM_STATUS_CODE_LIST)
    _plain(flag, "FlagType", "form_status").set("CodeListOID", FLAG_TYPE_CODE_LIST)
    group = _sub(element, "ItemGroupData", ItemGroupOID=_group_oid(form.id))
    given: dict[str, CapturedItem] = {}
    for item in captured.items:
        if (form.id, item.item) not in study.values:
            raise TrialkitInputError(f"{here}: no item {item.item!r} on this form")
        if item.item in given:
            raise TrialkitInputError(f"{here}, item {item.item}: given twice")
        given[item.item] = item
    for form_item in form.items:
        captured_item = given.get(form_item.name)
        if captured_item is None:
            continue
        value = study.values[(form.id, form_item.name)]
        text = _checked_value(value, captured_item, f"{here}, item {form_item.name}")
        data = _sub(group, "ItemData", ItemOID=_item_oid(form.id, form_item.name), Value=text)
        if captured_item.unit is not None:
            _sub(data, "MeasurementUnitRef", MeasurementUnitOID=unit_oid(captured_item.unit))
    return element


def _checked_value(value: ItemValue, item: CapturedItem, here: str) -> str:
    """The value as ODM writes it; refused if not canonical text of its kind, or in a unit other
    than the stored one. A number in exponent notation (``1e-05``, as a short rendering of a
    small value may be) is written in plain decimals (``0.00001``): ODM's ``float`` is a decimal
    without exponent (the schema's ``float`` type restricts ``xs:decimal``)."""
    text = item.value
    _check_xml(text, here)
    expected_unit = value.unit if value.kind == "number" else None
    if item.unit != expected_unit:
        wanted = f"unit {expected_unit}" if expected_unit else "no unit"
        raise TrialkitInputError(f"{here}: unit {item.unit!r}, expected {wanted}")
    valid = True
    if value.kind == "number":
        valid = _NUMBER.fullmatch(text) is not None
        if valid and _DECIMAL.fullmatch(text) is None:
            text = format(Decimal(text), "f")
    elif value.kind == "integer":
        valid = _INTEGER.fullmatch(text) is not None
    elif value.kind == "boolean":
        valid = text in ("true", "false")
    elif value.kind == "choice":
        valid = text in {a.code for a in value.answers}
    elif value.kind == "text":
        valid = len(text) <= TEXT_LENGTH
    elif value.kind == "date":
        valid = _is_iso(date, text) and len(text) == len("2026-01-31")
    elif value.kind == "datetime":
        valid = _is_iso(datetime, text) and _DATETIME.fullmatch(text) is not None
    if not valid:
        raise TrialkitInputError(f"{here}: {text!r} is not a {value.kind} value of this item")
    return text


def _check_xml(text: str, here: str) -> None:
    bad = _NOT_XML.search(text)
    if bad is not None:
        raise TrialkitInputError(
            f"{here}: character U+{ord(bad.group()):04X} cannot be written in XML"
        )


def _is_iso(kind: type[date] | type[datetime], text: str) -> bool:
    try:
        kind.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def check_references(*documents: bytes) -> tuple[str, ...]:
    """Every OID reference of an ODM series that does not resolve, as readable problems.

    ``documents`` are the files of one series (the study document, then the
    clinical one). The XML Schema checks structure only; this checks what ODM
    1.3.2 §2.11 asks of references: each OID referenced is defined in one of the
    documents (a study event, form, item group or item in the ``MetaDataVersion``
    the data names, a code list, a unit, a site); data nest as the metadata does
    (a form in an event that carries it, an item in its form's group); a coded
    value is in its item's code list; a ``PriorFileOID`` names a given document.
    An empty tuple means every reference resolves.
    """
    return problems([ET.fromstring(d) for d in documents], ODM_NAMESPACE)
