"""The ODM 1.3.2 exports validate against CDISC's schema, and their references resolve.

The schema is CDISC's ODM 1.3.2 XSD (``ODM1-3-2.xsd`` with
``ODM1-3-2-foundation.xsd``, ``xml.xsd``, ``xmldsig-core-schema.xsd``) as the
odmlib package ships it (PyPI ``odmlib``, MIT; the schema files are CDISC's,
published for free use at https://www.cdisc.org/standards/data-exchange/odm),
compiled with ``xmlschema`` as odmlib's ``ODMSchemaValidator`` does. The schema
checks structure; :func:`check_references` checks what it cannot, the OIDs.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from odmlib.odm_parser import ODMSchemaValidator

from edc.captured_examples import TEXT, subject
from trialkit.edc._items import ItemValue, decimal_text, item_value
from trialkit.edc.captured import CapturedItem, CapturedSubject
from trialkit.edc.odm import (
    ANYTIME_EVENT,
    ODM_NAMESPACE,
    TEXT_LENGTH,
    check_references,
    clinical_odm,
    study_odm,
    unit_oid,
)
from trialkit.errors import TrialkitInputError
from trialkit.protocol import builtin_ids, builtin_protocol
from trialkit.vocab import vocabulary

CREATED = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)
NS = {"odm": ODM_NAMESPACE}


@pytest.fixture(scope="module")
def schema() -> Any:
    return ODMSchemaValidator(standard="odm", version="1.3.2").xsd


def errors(schema: Any, document: bytes) -> list[str]:
    return [
        str(e).splitlines()[0] + " " + str(e.reason) for e in schema.iter_errors(document.decode())
    ]


def parse(document: bytes) -> ET.Element:
    return ET.fromstring(document)


@pytest.mark.parametrize("protocol_id", builtin_ids())
def test_the_study_document_of_every_shipped_protocol_is_valid(
    schema: Any, protocol_id: str
) -> None:
    document = study_odm(builtin_protocol(protocol_id), created=CREATED)
    assert errors(schema, document) == []
    assert check_references(document) == ()


@pytest.mark.parametrize("protocol_id", builtin_ids())
def test_captured_data_of_every_shipped_protocol_is_valid(schema: Any, protocol_id: str) -> None:
    protocol = builtin_protocol(protocol_id)
    subjects = [subject(protocol, "PAR-0001-A", "075"), subject(protocol, "PAR-0002-B", "069")]
    study = study_odm(protocol, created=CREATED)
    clinical = clinical_odm(protocol, subjects, created=CREATED)
    assert errors(schema, clinical) == []
    assert check_references(study, clinical) == ()
    root = parse(clinical)
    assert root.get("PriorFileOID") == parse(study).get("FileOID")
    values = [d.get("Value") for d in root.iter(f"{{{ODM_NAMESPACE}}}ItemData")]
    assert len(values) == sum(len(f.items) for s in subjects for f in s.forms)


def test_the_study_document_holds_every_form_visit_and_unit() -> None:
    protocol = builtin_protocol("jak-hs-icu")
    root = parse(study_odm(protocol, created=CREATED))
    metadata = root.find("odm:Study/odm:MetaDataVersion", NS)
    assert metadata is not None
    forms = {f.get("OID"): f for f in metadata.findall("odm:FormDef", NS)}
    assert set(forms) == {f"F.{f.id}" for f in protocol.forms}
    for form in protocol.forms:
        assert forms[f"F.{form.id}"].get("Repeating") == ("Yes" if form.repeating else "No")
    events = [
        e.get("StudyEventOID") for e in metadata.findall("odm:Protocol/odm:StudyEventRef", NS)
    ]
    assert events == [f"SE.{v.id}" for v in protocol.schedule.visits] + [ANYTIME_EVENT]
    units = {u.get("Name") for u in root.iter(f"{{{ODM_NAMESPACE}}}MeasurementUnit")}
    assert {"mm[Hg]", "pg/mL", "g/dL", "g/L", "ug/kg/min", "10*9/L"} <= units
    # haemoglobin is stored in the canonical g/L and shown in g/dL on this protocol's form
    item = metadata.find("odm:ItemDef[@OID='I.haematology.lab.haemoglobin']", NS)
    assert item is not None
    shown = [r.get("MeasurementUnitOID") for r in item.findall("odm:MeasurementUnitRef", NS)]
    assert shown == [unit_oid("g/L"), unit_oid("g/dL")]


def test_a_plausible_range_is_a_soft_range_check_in_the_canonical_unit() -> None:
    root = parse(study_odm(builtin_protocol("r-hlh"), created=CREATED))
    item = root.find(".//odm:ItemDef[@OID='I.hlh_diagnosis.lab.ferritin']", NS)
    assert item is not None
    plausible = vocabulary()["lab.ferritin"].plausible
    assert plausible is not None
    checks = {
        c.get("Comparator"): (
            c.get("SoftHard"),
            float(c.findtext("odm:CheckValue", namespaces=NS) or "nan"),
            c.find("odm:MeasurementUnitRef", NS).get("MeasurementUnitOID"),  # type: ignore[union-attr]
        )
        for c in item.findall("odm:RangeCheck", NS)
    }
    assert checks == {
        # soft: the database accepts a value outside with a query the site answers
        "GE": ("Soft", plausible.low, unit_oid("ug/L")),
        "LE": ("Soft", plausible.high, unit_oid("ug/L")),
    }
    aliases = {(a.get("Context"), a.get("Name")) for a in item.findall("odm:Alias", NS)}
    assert ("http://loinc.org", "2276-4") in aliases


def test_a_typed_range_and_a_choice_list_come_from_the_form() -> None:
    protocol = builtin_protocol("rux-hlh-salvage")
    root = parse(study_odm(protocol, created=CREATED))
    grade = root.find(".//odm:ItemDef[@OID='I.adverse_event.grade']", NS)
    assert grade is not None and grade.get("DataType") == "integer"
    values = [
        c.findtext("odm:CheckValue", namespaces=NS) for c in grade.findall("odm:RangeCheck", NS)
    ]
    assert values == ["1", "5"]
    category = root.find(".//odm:ItemDef[@OID='I.response.category']", NS)
    assert category is not None
    reference = category.find("odm:CodeListRef", NS)
    assert reference is not None
    codes = root.find(f".//odm:CodeList[@OID='{reference.get('CodeListOID')}']", NS)
    assert codes is not None
    coded = [c.get("CodedValue") for c in codes.findall("odm:CodeListItem", NS)]
    assert coded == ["CR", "PR", "improved", "NR"]


def test_a_choice_among_concepts_lists_the_vocabulary_with_its_codes() -> None:
    root = parse(study_odm(builtin_protocol("c-hlh"), created=CREATED))
    term = root.find(".//odm:ItemDef[@OID='I.adverse_event.term']", NS)
    assert term is not None
    reference = term.find("odm:CodeListRef", NS)
    assert reference is not None
    codes = root.find(f".//odm:CodeList[@OID='{reference.get('CodeListOID')}']", NS)
    assert codes is not None
    terms = [c for c in vocabulary().values() if c.kind.value == "adverse_event"]
    entries = codes.findall("odm:CodeListItem", NS)
    assert [e.get("CodedValue") for e in entries] == [c.key for c in terms]
    meddra = {(a.get("Context"), a.get("Name")) for a in entries[0].findall("odm:Alias", NS)}
    assert {(c.uri, c.code) for c in terms[0].codes} == meddra


def test_a_visit_of_every_cycle_repeats_with_the_cycle_as_its_key() -> None:
    protocol = builtin_protocol("hem-ismart-c")
    root = parse(study_odm(protocol, created=CREATED))
    event = root.find(".//odm:StudyEventDef[@OID='SE.cycle-end']", NS)
    assert event is not None and event.get("Repeating") == "Yes"
    clinical = parse(clinical_odm(protocol, [subject(protocol)], created=CREATED))
    keys = [
        e.get("StudyEventRepeatKey")
        for e in clinical.iter(f"{{{ODM_NAMESPACE}}}StudyEventData")
        if e.get("StudyEventOID") == "SE.cycle-end"
    ]
    assert keys == ["1", "2"]
    repeats = [
        f.get("FormRepeatKey")
        for e in clinical.iter(f"{{{ODM_NAMESPACE}}}StudyEventData")
        if e.get("StudyEventOID") == ANYTIME_EVENT
        for f in e.findall("odm:FormData[@FormOID='F.adverse_event']", NS)
    ]
    assert repeats == ["1", "2"]


def test_values_keep_their_text_and_unit() -> None:
    protocol = builtin_protocol("c-hlh")
    clinical = parse(clinical_odm(protocol, [subject(protocol)], created=CREATED))
    items = {d.get("ItemOID"): d for d in clinical.iter(f"{{{ODM_NAMESPACE}}}ItemData")}
    assert items["I.death.cause"].get("Value") == TEXT
    ferritin = items["I.hlh_biology.lab.ferritin"]
    unit = ferritin.find("odm:MeasurementUnitRef", NS)
    assert unit is not None and unit.get("MeasurementUnitOID") == unit_oid("ug/L")
    statuses = {
        f.findtext(".//odm:FlagValue", namespaces=NS)
        for f in clinical.iter(f"{{{ODM_NAMESPACE}}}FormData")
    }
    assert statuses == {"open", "complete", "locked"}
    types = {
        f.findtext(".//odm:FlagType", namespaces=NS)
        for f in clinical.iter(f"{{{ODM_NAMESPACE}}}FormData")
    }
    assert types == {"form_status"}


def test_a_text_item_has_the_length_odm_requires() -> None:
    protocol = builtin_protocol("c-hlh")
    root = parse(study_odm(protocol, created=CREATED))
    cause = root.find(".//odm:ItemDef[@OID='I.death.cause']", NS)
    verification = root.find(".//odm:ItemDef[@OID='I.medical_history.verification']", NS)
    assert cause is not None and verification is not None
    assert cause.get("Length") == str(TEXT_LENGTH)
    # confirmed, provisional, differential, refuted: the longest code has 12 characters
    assert verification.get("Length") == str(len("differential"))
    good = subject(protocol)
    death = next(f for f in good.forms if f.form_id == "death")
    long = replace(death, items=(CapturedItem("cause", "x" * (TEXT_LENGTH + 1), None),))
    with pytest.raises(TrialkitInputError, match="item cause"):
        clinical_odm(protocol, [replace(good, forms=(long,))], created=CREATED)


def test_the_documents_are_functions_of_their_input() -> None:
    protocol = builtin_protocol("r-hlh")
    assert study_odm(protocol, created=CREATED) == study_odm(protocol, created=CREATED)
    first = clinical_odm(protocol, [subject(protocol)], created=CREATED)
    assert first == clinical_odm(protocol, [subject(protocol)], created=CREATED)
    renamed = protocol.model_copy(
        update={"forms": [f.model_copy(update={"name": "Renamed"}) for f in protocol.forms]}
    )
    oid = parse(study_odm(protocol, created=CREATED)).find(".//odm:MetaDataVersion", NS)
    other = parse(study_odm(renamed, created=CREATED)).find(".//odm:MetaDataVersion", NS)
    assert oid is not None and other is not None
    assert oid.get("OID") != other.get("OID")


# --- what the schema and the reference check refuse -------------------------------------------


def test_the_schema_refuses_a_broken_document(schema: Any) -> None:
    document = study_odm(builtin_protocol("r-hlh"), created=CREATED)
    without_type = re.sub(rb' DataType="[a-z]+"', b"", document, count=1)
    assert any("DataType" in e for e in errors(schema, without_type))
    unknown_type = document.replace(b'DataType="float"', b'DataType="decimal"', 1)
    assert errors(schema, unknown_type) != []


def test_an_undeclared_item_is_found_by_the_reference_check(schema: Any) -> None:
    protocol = builtin_protocol("r-hlh")
    study = study_odm(protocol, created=CREATED)
    clinical = clinical_odm(protocol, [subject(protocol)], created=CREATED)
    broken = clinical.replace(b'ItemOID="I.death.cause"', b'ItemOID="I.death.undeclared"')
    assert errors(schema, broken) == []  # the schema cannot see it
    found = check_references(study, broken)
    assert len(found) == 1 and "I.death.undeclared" in found[0]


def test_the_reference_check_finds_each_kind_of_dangling_reference() -> None:
    protocol = builtin_protocol("r-hlh")
    study = study_odm(protocol, created=CREATED)
    clinical = clinical_odm(protocol, [subject(protocol)], created=CREATED)
    assert check_references(study, clinical) == ()
    assert any("PriorFileOID" in p for p in check_references(clinical))
    assert any("MetaDataVersion" in p for p in check_references(clinical))
    cases = {
        b'FormOID="F.death"': b'FormOID="F.eligibility"',  # a form the event does not carry
        b'Value="refuted"': b'Value="certain"',  # not in the code list
        b'LocationOID="LOC.075"': b'LocationOID="LOC.999"',
        b'FlagValue CodeListOID="CL._form_status">open': b'FlagValue CodeListOID="CL._form_status">draft',
        b'FlagType CodeListOID="CL._flag_type">': b'FlagType CodeListOID="CL._nowhere">',
        b'MeasurementUnitOID="MU.ug_2FL"': b'MeasurementUnitOID="MU.ng_2FmL"',
    }
    for old, new in cases.items():
        assert old in clinical, old
        assert check_references(study, clinical.replace(old, new, 1)) != (), new
    dangling = study.replace(b'ItemOID="I.death.cause"', b'ItemOID="I.death.nowhere"')
    assert any("I.death.nowhere" in p for p in check_references(dangling))


def test_captured_data_that_does_not_fit_the_protocol_is_refused() -> None:
    protocol = builtin_protocol("hem-ismart-c")
    good = subject(protocol)
    first = good.forms[0]
    ferritin_form = next(f for f in good.forms if f.form_id == "organ_function")
    cases: dict[str, CapturedSubject] = {
        "no such form": replace(good, forms=(replace(first, form_id="nowhere"),)),
        "no visit": replace(good, forms=(replace(first, visit_id="nowhere"),)),
        "does not carry": replace(good, forms=(replace(first, visit_id="c1d1"),)),
        "cycle 3 at visit screening": replace(good, forms=(replace(first, cycle=3),)),
        "instance 2": replace(good, forms=(replace(first, sequence=2),)),
        "status": replace(good, forms=(replace(first, status="draft"),)),
        "given twice": replace(good, forms=(first, first)),
        "no item": replace(good, forms=(replace(first, items=(CapturedItem("x", "1", None),)),)),
        "unit 'mg/dL'": replace(
            good,
            forms=(
                replace(
                    ferritin_form,
                    items=(CapturedItem("lab.creatinine", "80", "mg/dL"),),
                ),
            ),
        ),
        "not a number": replace(
            good,
            forms=(
                replace(ferritin_form, items=(CapturedItem("lab.creatinine", "8,1", "umol/L"),)),
            ),
        ),
        "cycle 1 outside a visit": replace(good, forms=(replace(first, visit_id=None, cycle=1),)),
    }
    for reason, broken in cases.items():
        with pytest.raises(TrialkitInputError, match=re.escape(reason)):
            clinical_odm(protocol, [broken], created=CREATED)
    with pytest.raises(TrialkitInputError, match="given twice"):
        clinical_odm(protocol, [good, good], created=CREATED)


def test_a_value_outside_its_range_is_exported_and_an_exponent_written_out() -> None:
    protocol = builtin_protocol("hem-ismart-c")
    good = subject(protocol)
    organ = next(f for f in good.forms if f.form_id == "organ_function")
    for entered, written in (("4001", "4001"), ("8e1", "80"), ("1.5E-5", "0.000015")):
        odd = replace(organ, items=(CapturedItem("lab.creatinine", entered, "umol/L"),))
        clinical = parse(clinical_odm(protocol, [replace(good, forms=(odd,))], created=CREATED))
        values = [d.get("Value") for d in clinical.iter(f"{{{ODM_NAMESPACE}}}ItemData")]
        assert values == [written]


def test_a_form_on_a_visit_may_be_recorded_outside_one() -> None:
    protocol = builtin_protocol("r-hlh")
    good = subject(protocol)
    before = next(f for f in good.forms if f.form_id == "hlh_diagnosis")
    screening = replace(before, visit_id=None)
    clinical = parse(
        clinical_odm(protocol, [replace(good, forms=(before, screening))], created=CREATED)
    )
    events = [e.get("StudyEventOID") for e in clinical.iter(f"{{{ODM_NAMESPACE}}}StudyEventData")]
    assert events == ["SE.inclusion", ANYTIME_EVENT]
    study = parse(study_odm(protocol, created=CREATED))
    anytime = study.find(f".//odm:StudyEventDef[@OID='{ANYTIME_EVENT}']", NS)
    assert anytime is not None
    carried = [r.get("FormOID") for r in anytime.findall("odm:FormRef", NS)]
    assert carried == [f"F.{f.id}" for f in protocol.forms]


@pytest.mark.parametrize(
    ("item", "value"),
    [
        ("start", "2026-1-31"),
        ("start", "31/01/2026"),
        ("dose_level", "2.5"),
        ("drug", "drug.unknown"),
    ],
)
def test_a_value_not_of_its_kind_is_refused(item: str, value: str) -> None:
    protocol = builtin_protocol("hem-ismart-c")
    good = subject(protocol)
    form = next(f for f in good.forms if f.form_id == "study_drug")
    broken = replace(good, forms=(replace(form, items=(CapturedItem(item, value, None),)),))
    with pytest.raises(TrialkitInputError, match=f"item {item}: '{re.escape(value)}'"):
        clinical_odm(protocol, [broken], created=CREATED)


def test_a_datetime_needs_its_seconds_and_created_its_time_zone() -> None:
    protocol = builtin_protocol("c-hlh")
    good = subject(protocol)
    form = next(f for f in good.forms if f.form_id == "biobank")
    for text in ("2026-01-31T08:30", "2026-01-31 08:30:00"):
        broken = replace(
            good, forms=(replace(form, items=(CapturedItem("sample_time", text, None),)),)
        )
        with pytest.raises(TrialkitInputError, match="sample_time"):
            clinical_odm(protocol, [broken], created=CREATED)
    with pytest.raises(TrialkitInputError, match="time zone"):
        study_odm(protocol, created=datetime(2026, 12, 8))


# --- any captured data that fits the protocol makes a valid series ----------------------------


XML_CHARACTERS = st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]) | st.sampled_from(
    "\t\n\r"
)
"""Any character XML 1.0 holds (control characters but tab, line feed and return are refused)."""


@st.composite
def captured_values(draw: st.DrawFn, value: ItemValue) -> CapturedItem:
    """Any canonical value of the item's kind, inside its range."""
    bounds = value.bounds
    text: str
    if value.kind == "number":
        low, high = (bounds.low, bounds.high) if bounds else (-1e6, 1e6)
        text = decimal_text(draw(st.floats(low, high, allow_nan=False)))
    elif value.kind == "integer":
        low, high = (int(bounds.low), int(bounds.high)) if bounds else (-(10**6), 10**6)
        text = str(draw(st.integers(low, high)))
    elif value.kind == "date":
        text = draw(st.dates()).isoformat()
    elif value.kind == "datetime":
        moment = draw(st.datetimes(timezones=st.sampled_from([None, UTC])))
        text = moment.isoformat(timespec="seconds").replace("+00:00", "Z")
    elif value.kind == "boolean":
        text = draw(st.sampled_from(["true", "false"]))
    elif value.kind == "choice":
        text = draw(st.sampled_from([a.code for a in value.answers]))
    else:
        text = draw(st.text(XML_CHARACTERS, max_size=50))
    return CapturedItem(value.name, text, value.unit if value.kind == "number" else None)


@st.composite
def captured_subjects(draw: st.DrawFn, protocol_id: str) -> CapturedSubject:
    """A subject with any subset of the forms that fit, each with any subset of its items."""
    protocol = builtin_protocol(protocol_id)
    full = subject(protocol)
    forms = []
    for captured in draw(st.lists(st.sampled_from(full.forms), unique_by=id, max_size=8)):
        form = next(f for f in protocol.forms if f.id == captured.form_id)
        chosen = draw(st.lists(st.sampled_from(form.items), unique_by=lambda i: i.name))
        items = tuple(draw(captured_values(item_value(form, i))) for i in chosen)
        forms.append(replace(captured, items=items))
    label = draw(st.from_regex(r"[A-Z]{3}-[0-9]{4}-[A-Z]", fullmatch=True))
    return CapturedSubject(label, draw(st.sampled_from(["075", "069", "A&B <1>"])), tuple(forms))


@settings(max_examples=30, deadline=None)
@given(data=st.data(), protocol_id=st.sampled_from(builtin_ids()))
def test_any_captured_data_that_fits_makes_a_valid_series(
    schema: Any, data: st.DataObject, protocol_id: str
) -> None:
    protocol = builtin_protocol(protocol_id)
    subjects = data.draw(
        st.lists(captured_subjects(protocol_id), max_size=3, unique_by=lambda s: s.label)
    )
    study = study_odm(protocol, created=CREATED)
    clinical = clinical_odm(protocol, subjects, created=CREATED)
    assert errors(schema, clinical) == []
    assert check_references(study, clinical) == ()
    given_values = sorted(i.value for s in subjects for f in s.forms for i in f.items)
    written = sorted(
        d.get("Value") or "" for d in parse(clinical).iter(f"{{{ODM_NAMESPACE}}}ItemData")
    )
    assert written == given_values


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_number_is_written_as_decimal_text_that_reads_back_exactly(number: float) -> None:
    text = decimal_text(number)
    assert re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?", text), text
    assert float(text) == number or (number == 0 and text == "0")


@pytest.mark.parametrize("text", ["bell \x07", "nul \x00", "surrogate \ud800", "\ufffe"])
def test_a_character_xml_cannot_hold_is_refused_not_written(text: str) -> None:
    protocol = builtin_protocol("c-hlh")
    good = subject(protocol)
    death = next(f for f in good.forms if f.form_id == "death")
    broken = replace(death, items=(CapturedItem("cause", text, None),))
    with pytest.raises(TrialkitInputError, match=r"item cause: .*XML"):
        clinical_odm(protocol, [replace(good, forms=(broken,))], created=CREATED)
    with pytest.raises(TrialkitInputError, match=r"subject .*XML"):
        clinical_odm(protocol, [replace(good, label=f"PAR-{text}")], created=CREATED)


def test_a_protocol_without_forms_makes_a_valid_empty_study(schema: Any) -> None:
    protocol = builtin_protocol("r-hlh").model_copy(update={"forms": [], "schedule": None})
    study = study_odm(protocol, created=CREATED)
    clinical = clinical_odm(protocol, [CapturedSubject("PAR-0001-A", "075", ())], created=CREATED)
    assert errors(schema, study) == [] and errors(schema, clinical) == []
    assert check_references(study, clinical) == ()
    assert parse(study).find(".//odm:FormDef", NS) is None
