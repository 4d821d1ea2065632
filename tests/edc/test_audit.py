"""The audit trail: the database refuses to change or remove an event; the hash chain
finds a row changed behind the database's back; every service call that changes data
writes its events under one request id, and a refused call writes none."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from edc.conftest import Clock
from edc.test_journey import NURSE, audit_rows, chain
from trialkit.edc import enrolment, entry
from trialkit.edc.audit import verify
from trialkit.edc.database import StudyDatabase
from trialkit.errors import EdcError


def subject_with_value(db: StudyDatabase) -> str:
    label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
    entry.save_form(
        db,
        NURSE,
        "r-hlh",
        label,
        "renal_function",
        {"vital.weight": ("8", "kg")},
        visit_date="2026-03-09",
    )
    return label


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_event SET new = 'x'", "DELETE FROM audit_event"]
)
def test_the_database_refuses_to_change_an_audit_event(db: StudyDatabase, statement: str) -> None:
    subject_with_value(db)
    before = len(audit_rows(db))
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text(statement))
    assert len(audit_rows(db)) == before
    assert verify(audit_rows(db), chain(db)).intact


def test_a_tampered_row_is_detected(db: StudyDatabase) -> None:
    subject_with_value(db)
    events = audit_rows(db)
    target = next(e for e in events if e.field == "vital.weight")
    with db.engine.begin() as connection:
        if db.dialect == "sqlite":
            connection.execute(text("DROP TRIGGER audit_event_no_update"))
        else:
            connection.execute(
                text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change")
            )
        connection.execute(
            text("UPDATE audit_event SET new = '9 kg' WHERE seq = :seq"), {"seq": target.seq}
        )
    found = verify(audit_rows(db), chain(db))
    assert not found.intact
    assert found.broken_at == target.seq
    assert "does not match its hash" in (found.problem or "")


def test_each_call_writes_one_request_and_a_refused_call_none(
    db: StudyDatabase, clock: Clock
) -> None:
    label = subject_with_value(db)
    before = audit_rows(db)
    entry.save_form(
        db,
        NURSE,
        "r-hlh",
        label,
        "renal_function",
        {"vital.weight": ("8.4", "kg"), "vital.height": ("70", "cm")},
        visit_date="2026-03-09",
        reason="reweighed",
    )
    after = audit_rows(db)
    new = after[len(before) :]
    assert len({e.request_id for e in new}) == 1
    assert {(e.field, e.old, e.new) for e in new} == {
        ("vital.weight", "8 kg", "8.4 kg"),
        ("vital.height", None, "70 cm"),
    }
    assert all(e.reason == "reweighed" for e in new)
    head = chain(db)
    with pytest.raises(EdcError):
        entry.save_form(
            db,
            NURSE,
            "r-hlh",
            label,
            "renal_function",
            {"vital.height": ("71", "cm"), "vital.weight": ("9", "Cel")},
            visit_date="2026-03-09",
            reason="typo",
        )
    assert chain(db) == head
    assert verify(audit_rows(db), chain(db)).intact


def test_a_change_of_one_value_writes_exactly_one_event(db: StudyDatabase) -> None:
    label = subject_with_value(db)
    before = len(audit_rows(db))
    entry.save_form(
        db, NURSE, "r-hlh", label, "renal_function", {"vital.weight": ("8.5", "kg")},
        visit_date="2026-03-09", reason="reweighed",
    )  # fmt: skip
    new = audit_rows(db)[before:]
    assert [(e.entity, e.field, e.old, e.new, e.reason) for e in new] == [
        (new[0].entity, "vital.weight", "8 kg", "8.5 kg", "reweighed")
    ]
