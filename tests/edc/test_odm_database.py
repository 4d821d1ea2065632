"""The ODM export of what the study database captured, as the database captures it.

The other ODM tests build captured data from the protocol; here a subject goes
through the database (screening data entered outside any visit, enrolment, a
visit, a value outside its plausible range accepted with a query, a repeating
form at a visit and outside one, a locked form) and its casebook is exported.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from odmlib.odm_parser import ODMSchemaValidator

from edc.conftest import Clock
from edc.test_journey import INVESTIGATOR, MANAGER, NURSE, enrolled_subject
from trialkit.edc import entry
from trialkit.edc.casebook import casebook
from trialkit.edc.database import StudyDatabase
from trialkit.edc.odm import ANYTIME_EVENT, ODM_NAMESPACE, check_references, clinical_odm, study_odm
from trialkit.protocol import builtin_protocol

ODM = f"{{{ODM_NAMESPACE}}}"


@pytest.fixture(scope="module")
def schema() -> Any:
    return ODMSchemaValidator(standard="odm", version="1.3.2").xsd


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_a_subject_captured_by_the_database_exports_to_a_valid_series(
    db: StudyDatabase, clock: Clock, schema: Any
) -> None:
    label = enrolled_subject(db)
    saved = entry.save_form(
        db,
        NURSE,
        "r-hlh",
        label,
        "hlh_diagnosis",
        {"lab.ferritin": ("600000", "ug/L"), "finding.fever": ("yes", None)},
        visit="inclusion",
        visit_date="2026-03-10",
        complete=True,
    )
    assert saved.queries, "a ferritin above the plausible range raises a query"
    for visit in ("inclusion", None):
        entry.save_form(
            db,
            NURSE,
            "r-hlh",
            label,
            "medication",
            {"drug": ("drug.ruxolitinib", None), "start": ("2026-03-10", None)},
            visit=visit,
        )
    entry.set_lock(db, MANAGER, "r-hlh", label, saved.form_instance, True)
    data = casebook(db, INVESTIGATOR, "r-hlh", label).data
    assert any(f.visit_id is None and f.form_id != "medication" for f in data.forms)

    protocol = builtin_protocol("r-hlh")
    study = study_odm(protocol)
    clinical = clinical_odm(protocol, [data])
    assert [str(e) for e in schema.iter_errors(clinical.decode())] == []
    assert check_references(study, clinical) == ()

    root = ET.fromstring(clinical)
    events = {e.get("StudyEventOID"): e for e in root.iter(f"{ODM}StudyEventData")}
    assert set(events) == {"SE.inclusion", ANYTIME_EVENT}
    ferritin = next(
        d
        for d in root.iter(f"{ODM}ItemData")
        if d.get("ItemOID") == "I.hlh_diagnosis.lab.ferritin" and d.get("Value") == "600000"
    )
    assert ferritin is not None
    locked = [
        f.findtext(f".//{ODM}FlagValue")
        for f in events["SE.inclusion"].iter(f"{ODM}FormData")
        if f.get("FormOID") == "F.hlh_diagnosis"
    ]
    assert locked == ["locked"]
    medication = [
        e.get("StudyEventOID")
        for e in events.values()
        for f in e.iter(f"{ODM}FormData")
        if f.get("FormOID") == "F.medication"
    ]
    assert sorted(medication) == sorted(["SE.inclusion", ANYTIME_EVENT])
