"""Every shipped protocol through the study database, on SQLite and PostgreSQL: its example
patient entered on its forms and screened, consented, enrolled; the first visit filled
(every form of it) and its status done; a query answered; a form signed and locked; a
laboratory adverse event graded from the captured value; the FHIR export screening to the
verdict of the screening log entry made from the same data."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from edc.conftest import PASSWORD, Clock, build
from trialkit.edc import entry, safety
from trialkit.edc.casebook import casebook, record_of
from trialkit.edc.database import StudyDatabase
from trialkit.edc.schema import FormInstance, ScreeningEntry
from trialkit.edc.study import current_study, protocol_of
from trialkit.eligibility import screen
from trialkit.errors import EdcError
from trialkit.example_study import enrol_example, walk_first_visit
from trialkit.examples import INDEX_DATE
from trialkit.protocol.files import builtin_ids
from trialkit.record.fhir import parse_bundle

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize("protocol_id", builtin_ids())
def test_protocol_journey(
    database_url: str, clock: Clock, fast_passwords: None, protocol_id: str
) -> None:
    db = build(database_url, clock, (protocol_id,))
    try:
        journey(db, clock, protocol_id)
    finally:
        db.dispose()


def journey(db: StudyDatabase, clock: Clock, protocol_id: str) -> None:
    label = enrol_example(db, protocol_id, "PAR", TODAY, screened_at=f"{INDEX_DATE}T12:00:00+00:00")
    assert walk_first_visit(db, protocol_id, label, "PAR", TODAY, PASSWORD) > 0
    book = casebook(db, "investigator_par", protocol_id, label)
    assert "done" in {v.status for v in book.visits}, [(v.label, v.status) for v in book.visits]

    with db.reading() as session:
        protocol = protocol_of(current_study(session, protocol_id))
        signed = session.scalars(
            select(FormInstance).where(FormInstance.status == "complete").order_by(FormInstance.id)
        ).first()
        from_forms = session.scalars(
            select(ScreeningEntry).where(ScreeningEntry.source == "forms")
        ).first()
    assert signed is not None and from_forms is not None
    entry.set_lock(db, "data_manager_par", protocol_id, label, signed.id, True)

    # the FHIR export of the data the screening read screens to the same verdict
    bundle, _ = record_of(protocol, book.data)
    again = screen(
        protocol, parse_bundle(json.dumps(bundle)), from_forms.index_time.replace(tzinfo=None)
    )
    assert again.verdict.value == from_forms.verdict

    if not any(f.records == "adverse_event" for f in protocol.forms):
        return
    holder = next(
        (
            f
            for f in protocol.forms
            if f.records is None and any(i.concept == "lab.platelets" for i in f.items)
        ),
        None,
    )
    if holder is None:
        # no form captures platelets (HEM-iSMART-C): nothing to suggest from, the
        # investigator's grade stands without an override reason
        event = {"term": "ae.platelet_count_decreased", "grade": "2", "onset": "2026-03-10"}
        reported = safety.report_adverse_event(db, "investigator_par", protocol_id, label, event)
        assert (reported.suggested_grade, reported.grade) == (None, 2)
        return
    # platelets 45 x10^9/L: CTCAE v5.0 platelet count decreased grade 3 (<50.0 - 25.0 x 10e9/L)
    entry.save_form(
        db,
        "research_nurse_par",
        protocol_id,
        label,
        holder.id,
        {"lab.platelets": ("45", "10*9/L")},
        visit_date="2026-03-10",
    )
    event = {
        "term": "ae.platelet_count_decreased",
        "grade": "2",
        "onset": "2026-03-10",
        "serious": "true",
    }
    with pytest.raises(EdcError, match="differs from the grade 3"):
        safety.report_adverse_event(db, "investigator_par", protocol_id, label, event)
    reported = safety.report_adverse_event(
        db, "investigator_par", protocol_id, label, {**event, "grade": "3"}
    )
    assert reported.suggested_grade == 3
    assert reported.report_due == clock.now + timedelta(hours=24)
    clock.advance(hours=25)
    assert not safety.mark_reported(
        db, "investigator_par", protocol_id, label, reported.form_instance
    )
