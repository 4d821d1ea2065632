"""The journey of a subject through the study database, on SQLite and PostgreSQL:
register → data entry → screening → consent → enrolment → visit → adverse event →
query → signature → lock; the audit trail of every step; the FHIR round trip."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from edc.conftest import PASSWORD, Clock, user_of
from trialkit.edc import enrolment, entry, review
from trialkit.edc.audit import verify
from trialkit.edc.casebook import casebook, record_of
from trialkit.edc.database import StudyDatabase
from trialkit.edc.fhir import form_entries
from trialkit.edc.schema import AuditEvent, ChainHead
from trialkit.edc.study import current_study, protocol_of
from trialkit.eligibility import screen
from trialkit.eligibility.export import screening_json
from trialkit.errors import EdcError
from trialkit.examples import INDEX_DATE
from trialkit.protocol.files import builtin_protocol
from trialkit.record.fhir import parse_bundle, read_bundle

INVESTIGATOR = user_of("investigator", "PAR")
NURSE = user_of("research_nurse", "PAR")
MANAGER = user_of("data_manager", "PAR")


def audit_rows(db: StudyDatabase) -> list[AuditEvent]:
    with db.reading() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def chain(db: StudyDatabase) -> tuple[int, str]:
    with db.reading() as session:
        head = session.get_one(ChainHead, 1)
        return head.seq, head.hash


def enter_example(db: StudyDatabase, label: str, name: str, protocol_id: str = "r-hlh") -> None:
    """Enter the example patient's record on the protocol's forms, as a nurse would."""
    record = read_bundle(f"examples/{name}.json")
    for found in form_entries(builtin_protocol(protocol_id), record):
        entry.save_form(
            db,
            NURSE,
            protocol_id,
            label,
            found.form_id,
            found.values,
            visit_date=None if found.observed_on is None else found.observed_on.isoformat(),
        )


def test_journey_from_screening_to_lock(db: StudyDatabase, clock: Clock) -> None:
    label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
    assert label.startswith("PAR-0001-")
    enter_example(db, label, "r-hlh-eligible")

    verdict, document = enrolment.screen_subject(
        db, INVESTIGATOR, "r-hlh", label, at=INDEX_DATE + "T12:00:00+00:00"
    )
    assert verdict == "eligible", [
        (c["id"], c["status"]) for c in document["criteria"] if c["status"] != "met"
    ]

    # the same data exported as FHIR screen to the same verdict
    with db.reading() as session:
        protocol = protocol_of(current_study(session, "r-hlh"))
    book = casebook(db, INVESTIGATOR, "r-hlh", label)
    bundle, _ = record_of(protocol, book.data)
    again = screen(protocol, parse_bundle(json.dumps(bundle)), screening_at(INDEX_DATE))
    assert screening_json(again)["verdict"] == document["verdict"]

    with pytest.raises(EdcError, match="no informed consent"):
        enrolment.enrol(db, INVESTIGATOR, "r-hlh", label, "2026-03-10")
    enrolment.record_consent(db, NURSE, "r-hlh", label, "v2.1", "2026-03-09")
    assert enrolment.enrol(db, INVESTIGATOR, "r-hlh", label, "2026-03-10") == 1
    enrolment.set_anchor(db, INVESTIGATOR, "r-hlh", label, "day1", "2026-03-10")

    saved = entry.save_form(
        db,
        NURSE,
        "r-hlh",
        label,
        "renal_function",
        {"lab.creatinine": ("0.3", "mg/dL"), "vital.weight": ("8", "kg")},
        visit="inclusion",
        visit_date="2026-03-10",
    )
    assert saved.changed == ("lab.creatinine", "vital.weight")
    assert not saved.out_of_window
    book = casebook(db, INVESTIGATOR, "r-hlh", label)
    assert [(v.label, v.status) for v in book.visits] == [("inclusion", "done")]

    # a change without a reason is refused, and nothing changes
    before = chain(db)
    with pytest.raises(EdcError, match="needs a reason"):
        entry.save_form(
            db,
            NURSE,
            "r-hlh",
            label,
            "renal_function",
            {"vital.weight": ("8.2", "kg")},
            visit="inclusion",
        )
    assert chain(db) == before

    # a query, answered and closed
    query = review.open_query(
        db,
        MANAGER,
        "r-hlh",
        label,
        saved.form_instance,
        "Weight 8 kg: please check",
        "vital.weight",
    )
    review.answer_query(db, NURSE, "r-hlh", query, "Reweighed: 8.2 kg")
    entry.save_form(
        db,
        NURSE,
        "r-hlh",
        label,
        "renal_function",
        {"vital.weight": ("8.2", "kg")},
        visit="inclusion",
        reason="query 1: reweighed",
        complete=True,
    )
    review.close_query(db, MANAGER, "r-hlh", query, "Corrected")

    # signature, an edit voids it, lock refuses edits
    with pytest.raises(EdcError, match="wrong password"):
        review.sign(db, INVESTIGATOR, "nope", "r-hlh", label, "I confirm", saved.form_instance)
    review.sign(db, INVESTIGATOR, PASSWORD, "r-hlh", label, "I confirm", saved.form_instance)
    entry.save_form(
        db,
        NURSE,
        "r-hlh",
        label,
        "renal_function",
        {"vital.height": ("70", "cm")},
        visit="inclusion",
        reason="height measured late",
    )
    entry.set_lock(db, MANAGER, "r-hlh", label, saved.form_instance, True)
    with pytest.raises(EdcError, match="locked"):
        entry.save_form(
            db,
            NURSE,
            "r-hlh",
            label,
            "renal_function",
            {"vital.height": ("71", "cm")},
            visit="inclusion",
            reason="again",
        )

    # the audit trail verifies; one request id per service call
    events = audit_rows(db)
    assert verify(events, chain(db)).intact
    assert len({e.request_id for e in events}) > 10


def screening_at(day: str):
    from datetime import datetime

    return datetime.fromisoformat(day + "T12:00:00")


def enrolled_subject(db: StudyDatabase, protocol_id: str = "r-hlh") -> str:
    label = enrolment.register_subject(db, NURSE, protocol_id, "PAR", "2024-11-10", "male")
    enter_example(db, label, f"{protocol_id}-eligible", protocol_id)
    verdict, _ = enrolment.screen_subject(
        db, INVESTIGATOR, protocol_id, label, at=INDEX_DATE + "T12:00:00+00:00"
    )
    assert verdict == "eligible"
    enrolment.record_consent(db, NURSE, protocol_id, label, "v1", "2026-03-09")
    enrolment.enrol(db, INVESTIGATOR, protocol_id, label, "2026-03-10")
    return label


def test_an_implausible_value_opens_a_query_and_screening_still_runs(db: StudyDatabase) -> None:
    label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
    saved = entry.save_form(
        db,
        NURSE,
        "r-hlh",
        label,
        "hlh_diagnosis",
        {"vital.temperature": ("60", "Cel"), "lab.ferritin": ("8450", "ng/mL")},
        visit_date="2026-03-09",
    )
    assert len(saved.queries) == 1 and "vital.temperature" in saved.queries[0]
    verdict, document = enrolment.screen_subject(db, INVESTIGATOR, "r-hlh", label)
    assert verdict == "undetermined"
    ferritin = [
        e for c in document["criteria"] for e in c["evidence"] if "ferritin" in json.dumps(e)
    ]
    assert ferritin  # the plausible value is used, the one awaiting its query is not
    book = casebook(db, INVESTIGATOR, "r-hlh", label)
    assert book.data.forms[0].value("vital.temperature") == "60"
