"""Stays (FHIR Encounter) and adverse events (FHIR AdverseEvent) in the patient record.

The codes and choices are those of docs/fhir-input.md ("Encounter", "AdverseEvent"):
v3 ActCode IMP/ACUTE/NONAC for a hospital stay, v3 RoleCode ICU or SNOMED CT
309904001 for intensive care, the CTCAE term by its MedDRA code (CTCAE v5.0
spreadsheet) or its printed text, the grade from the HL7 AE Clinical Research
IG's ae-grade extension (THO adverse-event-clinical-research-grades, NCI
Thesaurus codes).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialkit.errors import BundleError
from trialkit.record import (
    AdverseEvent,
    CareSetting,
    PatientRecord,
    Procedure,
    Sex,
    Stay,
    record_from_bundle,
)
from trialkit.record.events import AE_GRADE, GRADE_CODES, NCI_THESAURUS, SERIOUSNESS
from trialkit.scores.ctcae import TERMS
from trialkit.testing import BundleBuilder
from trialkit.vocab import Kind, vocabulary

V3_ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_ROLE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
SNOMED = "http://snomed.info/sct"
MEDDRA = "https://www.meddra.org"


def encounter(ident: str = "e", **fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": ident,
        "status": "finished",
        "class": {"system": V3_ACT, "code": "IMP"},
        "period": {"start": "2025-06-10T14:00:00", "end": "2025-06-20T11:00:00"},
    }
    resource.update(fields)
    return {k: v for k, v in resource.items() if v is not None}


def adverse(ident: str = "a", **fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "AdverseEvent",
        "id": ident,
        "actuality": "actual",
        "event": {"coding": [{"system": MEDDRA, "code": "10016288"}]},
        "date": "2025-06-12T03:00:00",
    }
    resource.update(fields)
    return {k: v for k, v in resource.items() if v is not None}


def grade(value: Any, url: str = AE_GRADE) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [
            {
                "url": url,
                "valueCodeableConcept": {"coding": [{"system": NCI_THESAURUS, "code": value}]},
            }
        ]
    return [{"url": url, "valueInteger": value}]


def read(*resources: dict[str, Any]) -> PatientRecord:
    b = BundleBuilder()
    for resource in resources:
        b.resource(resource)
    return record_from_bundle(b.build())


def refused(resource: dict[str, Any]) -> str:
    with pytest.raises(BundleError) as caught:
        read(resource)
    return str(caught.value)


# -- stays ------------------------------------------------------------------------------------
def test_hospital_and_icu_stays_are_read_with_their_periods_and_discharge() -> None:
    b = BundleBuilder()
    b.stay("hospital", "2025-06-10T14:00", "2025-06-30T10:00", discharge=("urn:x", "home"))
    b.stay("icu", "2025-06-11T02:00", "2025-06-15T09:30")
    b.stay("icu", "2025-06-18T22:00")
    record = record_from_bundle(b.build())
    (hospital,) = record.stays_in(CareSetting.HOSPITAL)
    assert hospital == Stay(
        CareSetting.HOSPITAL,
        "Encounter/enc-1",
        datetime(2025, 6, 10, 14),
        datetime(2025, 6, 30, 10),
        "finished",
        "urn:x|home",
    )
    first, ongoing = record.stays_in(CareSetting.ICU)
    assert (first.start, first.end) == (datetime(2025, 6, 11, 2), datetime(2025, 6, 15, 9, 30))
    assert ongoing.end is None and ongoing.status == "in-progress"


@pytest.mark.parametrize("code", ["IMP", "ACUTE", "NONAC"])
def test_every_inpatient_class_is_a_hospital_stay(code: str) -> None:
    record = read(encounter(**{"class": {"system": V3_ACT, "code": code}}))
    assert [s.setting for s in record.stays] == [CareSetting.HOSPITAL]


@pytest.mark.parametrize("code", ["AMB", "EMER", "VR", "HH", "OBSENC"])
def test_other_v3_classes_are_not_stays_and_not_unknown(code: str) -> None:
    record = read(encounter(**{"class": {"system": V3_ACT, "code": code}}))
    assert record.stays == ()
    assert record.unknown_codes == ()


def test_a_class_in_an_unknown_system_is_reported_with_its_dates() -> None:
    record = read(encounter(**{"class": {"system": "urn:hospital:class", "code": "STAT"}}))
    assert record.stays == ()
    (unknown,) = record.unknown_codes
    assert (unknown.resource, unknown.field, unknown.codings, unknown.kind) == (
        "Encounter/e",
        "class",
        ("urn:hospital:class|STAT",),
        "Encounter",
    )
    assert (unknown.start, unknown.end) == (datetime(2025, 6, 10, 14), datetime(2025, 6, 20, 11))


@pytest.mark.parametrize(
    "coded",
    [{"system": V3_ROLE, "code": "ICU"}, {"system": SNOMED, "code": "309904001"}],
)
def test_icu_from_the_encounter_type(coded: dict[str, str]) -> None:
    record = read(encounter(type=[{"coding": [{"system": "urn:other", "code": "x"}, coded]}]))
    assert [s.setting for s in record.stays] == [CareSetting.ICU]


@pytest.mark.parametrize("by_full_url", [False, True])
def test_icu_from_the_type_of_the_encounters_location(by_full_url: bool) -> None:
    b = BundleBuilder()
    location = {
        "resourceType": "Location",
        "id": "sicu",
        "name": "Trauma SICU",
        "type": [{"coding": [{"system": V3_ROLE, "code": "ICU"}]}],
    }
    b.resource(location)
    reference = "urn:trialkit:Location/sicu" if by_full_url else "Location/sicu"
    b.resource(encounter(location=[{"location": {"reference": reference}}]))
    b.resource(encounter("ward", location=[{"location": {"reference": "Location/elsewhere"}}]))
    record = record_from_bundle(b.build())
    assert {s.resource: s.setting for s in record.stays} == {
        "Encounter/e": CareSetting.ICU,
        "Encounter/ward": CareSetting.HOSPITAL,
    }


def test_an_icu_named_but_not_coded_is_a_hospital_stay() -> None:
    record = read(encounter(type=[{"text": "Intensive care unit"}]))
    assert [s.setting for s in record.stays] == [CareSetting.HOSPITAL]


@pytest.mark.parametrize("status", ["planned", "cancelled", "entered-in-error"])
def test_encounters_that_did_not_happen_are_not_stays(status: str) -> None:
    assert read(encounter(status=status, period=None)).stays == ()


def test_an_ongoing_stay_has_no_end() -> None:
    (stay,) = read(encounter(status="in-progress", period={"start": "2025-06-10"})).stays
    assert stay.end is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"period": {"start": "2025-06-10", "end": "2025-06-09"}},
            "Encounter/e: period.end is before its start",
        ),
        ({"period": None}, "Encounter/e: no date: give period.start (the admission)"),
        ({"period": {"end": "2025-06-09"}}, "Encounter/e: no date: give period.start"),
        ({"period": {"start": "2025-06"}}, "Encounter/e: period.start: '2025-06' is not a full"),
        ({"period": {"start": "2025-06-10"}}, "Encounter/e: period.end is required for a finished"),
        ({"status": "done"}, "Encounter/e: status 'done' is not a FHIR R4 Encounter status"),
        ({"status": None}, "Encounter/e: status is required"),
        ({"class": {"system": V3_ACT}}, "Encounter/e: class: needs both a system and a code"),
        ({"class": [{"system": V3_ACT, "code": "IMP"}]}, "Encounter/e: class: must be an object"),
        ({"type": {"coding": []}}, "Encounter/e: type: must be a list"),
    ],
)
def test_bad_encounters_are_refused_naming_the_resource_and_field(
    fields: dict[str, Any], message: str
) -> None:
    assert refused(encounter(**fields)).startswith(message)


# -- adverse events ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "system",
    [
        MEDDRA,
        "http://terminology.hl7.org/CodeSystem/mdr",
        "http://terminology.hl7.org/CodeSystem/MDRAE",
    ],
)
def test_the_term_is_recognised_by_its_meddra_code(system: str) -> None:
    event = {"coding": [{"system": system, "code": "10016288", "display": "Febrile neutropenia"}]}
    (ae,) = read(adverse(event=event)).adverse_events
    assert ae == AdverseEvent(
        "AdverseEvent/a",
        "febrile_neutropenia",
        (f"{system}|10016288",),
        "Febrile neutropenia",
        None,
        datetime(2025, 6, 12, 3),
        None,
    )


def test_the_term_is_recognised_by_its_ctcae_text_and_a_display_is_never_matched() -> None:
    by_text = adverse(event={"text": " febrile Neutropenia "})
    by_display = adverse(
        "b", event={"coding": [{"system": SNOMED, "code": "1", "display": "Febrile neutropenia"}]}
    )
    record = read(by_text, by_display)
    assert [(a.term, a.text) for a in record.adverse_events] == [
        ("febrile_neutropenia", " febrile Neutropenia "),
        (None, "Febrile neutropenia"),
    ]
    (unknown,) = record.unknown_codes
    assert (unknown.resource, unknown.field, unknown.codings, unknown.kind, unknown.start) == (
        "AdverseEvent/b",
        "event",
        (f"{SNOMED}|1",),
        "AdverseEvent",
        datetime(2025, 6, 12, 3),
    )


def test_an_event_without_a_known_term_is_kept_with_its_codings() -> None:
    event = {"coding": [{"system": SNOMED, "code": "271807003"}], "text": "Rash"}
    (ae,) = read(adverse(event=event)).adverse_events
    assert (ae.term, ae.codings, ae.text) == (None, (f"{SNOMED}|271807003",), "Rash")


@pytest.mark.parametrize(("code", "expected"), sorted(GRADE_CODES.items()))
def test_the_grade_is_read_from_the_ae_grade_extension(code: str, expected: int) -> None:
    (ae,) = read(adverse(extension=grade(code))).adverse_events
    assert ae.grade == expected


def test_the_grades_are_the_five_codes_of_the_tho_value_set() -> None:
    # THO ValueSet adverse-event-clinical-research-grades 1.0.0, NCI Thesaurus codes
    assert GRADE_CODES == {"C41338": 1, "C41339": 2, "C41340": 3, "C41337": 4, "C48275": 5}


def test_the_r5_extension_url_and_an_integer_grade_are_read() -> None:
    r5 = "http://hl7.org/fhir/uv/ae-research-ig/StructureDefinition/ae-grade"
    record = read(adverse(extension=grade("C41337", r5)), adverse("b", extension=grade(3)))
    assert [a.grade for a in record.adverse_events] == [4, 3]


def test_severity_is_not_a_grade_and_an_unknown_grade_coding_is_reported() -> None:
    mild = {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/adverse-event-severity",
                "code": "mild",
            }
        ]
    }
    unknown = [
        {
            "url": AE_GRADE,
            "valueCodeableConcept": {"coding": [{"system": "urn:grades", "code": "3"}]},
        }
    ]
    record = read(adverse(severity=mild), adverse("b", extension=unknown))
    assert [a.grade for a in record.adverse_events] == [None, None]
    (reported,) = record.unknown_codes
    assert (reported.resource, reported.field, reported.codings) == (
        "AdverseEvent/b",
        "extension (ae-grade)",
        ("urn:grades|3",),
    )


@pytest.mark.parametrize(
    ("code", "expected"), [("serious", True), ("non-serious", False), (None, None)]
)
def test_seriousness(code: str | None, expected: bool | None) -> None:
    coded = None if code is None else {"coding": [{"system": SERIOUSNESS, "code": code}]}
    (ae,) = read(adverse(seriousness=coded)).adverse_events
    assert ae.serious is expected


@pytest.mark.parametrize(
    ("fields", "onset"),
    [
        ({"detected": "2025-06-13", "recordedDate": "2025-06-14"}, datetime(2025, 6, 12, 3)),
        (
            {"date": None, "detected": "2025-06-13", "recordedDate": "2025-06-14"},
            datetime(2025, 6, 13),
        ),
        ({"date": None, "recordedDate": "2025-06-14"}, datetime(2025, 6, 14)),
    ],
)
def test_the_onset_is_date_then_detected_then_recorded(
    fields: dict[str, Any], onset: datetime
) -> None:
    (ae,) = read(adverse(**fields)).adverse_events
    assert ae.onset == onset


def test_potential_and_withdrawn_events_are_not_adverse_events() -> None:
    withdrawn = [{"url": "urn:any:status", "valueCode": "entered-in-error"}]
    ongoing = [{"url": "urn:any:status", "valueCode": "in-progress"}]
    record = read(
        adverse("p", actuality="potential"),
        adverse("w", modifierExtension=withdrawn),
        adverse("o", modifierExtension=ongoing),
    )
    assert [a.resource for a in record.adverse_events] == ["AdverseEvent/o"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"extension": grade(7)},
            "AdverseEvent/a: extension[0] (ae-grade).valueInteger: 7 is not a CTCAE grade (1 to 5)",
        ),
        ({"extension": grade(0)}, "AdverseEvent/a: extension[0] (ae-grade).valueInteger: 0 is not"),
        ({"extension": grade(True)}, "AdverseEvent/a: extension[0] (ae-grade).valueInteger: True"),
        (
            {"extension": [{"url": AE_GRADE, "valueString": "3"}]},
            "AdverseEvent/a: extension[0] (ae-grade): the grade must be a valueCodeableConcept",
        ),
        (
            {"extension": [*grade("C41338"), *grade(3)]},
            "AdverseEvent/a: extension[1] (ae-grade): a second grade (3, after 1)",
        ),
        ({"date": None}, "AdverseEvent/a: no date: give date (when the adverse event occurred)"),
        ({"date": "2025"}, "AdverseEvent/a: date: '2025' is not a full FHIR date"),
        ({"actuality": "maybe"}, "AdverseEvent/a: actuality 'maybe' is not actual or potential"),
        (
            {"event": {"coding": [{"code": "10016288"}]}},
            "AdverseEvent/a: event.coding[0] needs both",
        ),
        ({"event": {"text": 5}}, "AdverseEvent/a: event.text: must be a string"),
        ({"event": []}, "AdverseEvent/a: event: must be an object"),
    ],
)
def test_bad_adverse_events_are_refused_naming_the_resource_and_field(
    fields: dict[str, Any], message: str
) -> None:
    assert refused(adverse(**fields)).startswith(message)


def test_the_vocabulary_terms_are_the_ctcae_terms_trialkit_grades() -> None:
    # ae.<key> in concepts.yaml is the CTCAE v5.0 term of ctcae_v5.yaml, with its printed name
    events = {
        item.key.removeprefix("ae."): item.display
        for item in vocabulary().values()
        if item.kind is Kind.ADVERSE_EVENT
    }
    assert events == {key: term.name for key, term in TERMS.items()}


def test_builder_adverse_events_round_trip() -> None:
    b = BundleBuilder()
    for index, key in enumerate(sorted(TERMS)):
        b.adverse_event(
            key, f"2025-06-{10 + index:02d}", grade=1 + index % 5, serious=index % 2 == 0
        )
    record = record_from_bundle(b.build())
    assert [(a.term, a.grade, a.serious) for a in record.adverse_events] == [
        (key, 1 + index % 5, index % 2 == 0) for index, key in enumerate(sorted(TERMS))
    ]
    assert record.unknown_codes == ()


# -- the record's queries ---------------------------------------------------------------------
def test_last_contact_is_the_latest_dated_item_of_any_kind() -> None:
    b = BundleBuilder()
    b.quantity("lab.ferritin", 800, "ug/L", "2025-06-01")
    b.stay("hospital", "2025-06-02", "2025-06-09")
    assert record_from_bundle(b.build()).last_contact() == datetime(2025, 6, 9)
    b.adverse_event("febrile_neutropenia", "2025-06-10T05:00")
    assert record_from_bundle(b.build()).last_contact() == datetime(2025, 6, 10, 5)
    b.procedure("procedure.hsct_allogeneic", "2025-06-11")
    assert record_from_bundle(b.build()).last_contact() == datetime(2025, 6, 11)
    b.stay("icu", "2025-06-12")  # ongoing: its start counts
    assert record_from_bundle(b.build()).last_contact() == datetime(2025, 6, 12)
    data = b.build()
    data["entry"][0]["resource"]["deceasedDateTime"] = "2025-06-13T22:00"
    assert record_from_bundle(data).last_contact() == datetime(2025, 6, 13, 22)


def test_last_contact_counts_only_dated_items() -> None:
    record = PatientRecord("p", None, Sex.UNKNOWN, deceased_undated=True)
    assert record.last_contact() is None
    data = BundleBuilder().build()
    data["entry"].append(
        {
            "resource": {
                "resourceType": "MedicationStatement",
                "id": "m",
                "status": "active",
                "medicationCodeableConcept": {"coding": [{"system": "urn:x", "code": "1"}]},
                "effectivePeriod": {"start": "2025-06-20"},
            }
        }
    )
    # an unrecognised drug is a contact too (its dates are kept with the unknown code)
    assert record_from_bundle(data).last_contact() == datetime(2025, 6, 20)


def test_as_of_leaves_out_stays_and_adverse_events_that_began_after_it() -> None:
    b = BundleBuilder()
    b.stay("hospital", "2025-06-02", "2025-06-20")
    b.stay("icu", "2025-06-16", "2025-06-18")
    b.adverse_event("anemia", "2025-06-05", grade=2)
    b.adverse_event("hypokalemia", "2025-06-17", grade=3)
    record = record_from_bundle(b.build()).as_of(datetime(2025, 6, 15))
    assert [s.resource for s in record.stays] == ["Encounter/enc-1"]
    assert record.stays[0].end == datetime(2025, 6, 20)  # ongoing at the index time
    assert [a.term for a in record.adverse_events] == ["anemia"]


BASE = datetime(2025, 1, 1)
moments = st.integers(0, 60 * 24 * 90).map(lambda minutes: BASE + timedelta(minutes=minutes))


@st.composite
def records(draw: st.DrawFn) -> tuple[PatientRecord, list[datetime]]:
    dated: list[datetime] = []
    stays = []
    for index in range(draw(st.integers(0, 6))):
        start = draw(moments)
        length = draw(st.none() | st.integers(0, 60 * 24 * 30))
        end = None if length is None else start + timedelta(minutes=length)
        setting = draw(st.sampled_from(CareSetting))
        stays.append(
            Stay(setting, f"Encounter/{index}", start, end, "finished" if end else "in-progress")
        )
        dated += [start] if end is None else [start, end]
    events = []
    for index in range(draw(st.integers(0, 4))):
        onset = draw(moments)
        events.append(AdverseEvent(f"AdverseEvent/{index}", None, (), None, None, onset, None))
        dated.append(onset)
    procedures = []
    for index in range(draw(st.integers(0, 3))):
        start = draw(moments)
        procedures.append(
            Procedure("procedure.dialysis", f"Procedure/{index}", start, None, "in-progress")
        )
        dated.append(start)
    death = draw(st.none() | moments)
    if death is not None:
        dated.append(death)
    record = PatientRecord(
        "p",
        None,
        Sex.FEMALE,
        procedures=tuple(procedures),
        stays=tuple(stays),
        adverse_events=tuple(events),
        deceased=death,
    )
    return record, dated


@given(records())
def test_last_contact_is_the_maximum_and_stays_in_sorts_and_partitions(
    case: tuple[PatientRecord, list[datetime]],
) -> None:
    record, dated = case
    assert record.last_contact() == max(dated, default=None)
    by_setting = [record.stays_in(setting) for setting in CareSetting]
    for stays in by_setting:
        assert [s.start for s in stays] == sorted(s.start for s in stays)
    assert sorted(s.resource for stays in by_setting for s in stays) == sorted(
        s.resource for s in record.stays
    )


def test_the_documented_stay_example_reads_as_documented() -> None:
    doc = Path(__file__).parents[2] / "docs" / "fhir-input.md"
    blocks = re.findall(r"```json\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)
    (block,) = [b for b in blocks if '"AdverseEvent"' in b]
    record = record_from_bundle(json.loads(block))
    assert [(s.resource, s.setting) for s in record.stays] == [
        ("Encounter/admission", CareSetting.HOSPITAL),
        ("Encounter/picu-stay", CareSetting.ICU),
    ]
    assert record.stays[0].discharge == (
        "http://terminology.hl7.org/CodeSystem/discharge-disposition|home"
    )
    assert [(a.term, a.grade, a.serious) for a in record.adverse_events] == [
        ("febrile_neutropenia", 3, True),
        (None, None, None),
    ]
    assert record.unknown_codes == ()
    assert record.last_contact() == datetime(2025, 7, 2, 11)


@given(st.integers(-1000, 1000))
def test_an_integer_grade_is_read_exactly_when_it_is_a_ctcae_grade(value: int) -> None:
    resource = adverse(extension=grade(value))
    if 1 <= value <= 5:
        (ae,) = read(resource).adverse_events
        assert ae.grade == value
    else:
        assert refused(resource).startswith(
            f"AdverseEvent/a: extension[0] (ae-grade).valueInteger: {value} is not a CTCAE grade"
        )


@given(moments, st.none() | st.integers(0, 60 * 24 * 60))
def test_a_stay_reads_back_its_period_and_an_end_before_the_start_is_refused(
    start: datetime, length: int | None
) -> None:
    end = None if length is None else start + timedelta(minutes=length)
    b = BundleBuilder()
    b.stay("icu", start, end)
    (stay,) = record_from_bundle(b.build()).stays
    assert (stay.setting, stay.start, stay.end) == (CareSetting.ICU, start, end)
    if length:
        backwards = BundleBuilder()
        backwards.stay("hospital", end or start, start)
        with pytest.raises(BundleError, match=r"Encounter/enc-1: period.end is before its start"):
            record_from_bundle(backwards.build())
