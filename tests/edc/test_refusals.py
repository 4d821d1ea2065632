"""Bad input gets one clear error naming the field, and nothing already stored changes (the
issue's list: a wrong unit dimension, an unknown item, a date before birth, a visit for an
unenrolled subject, an edit without a reason, and more); every committed service call
writes its audit events under one request id; an amendment is a new protocol version and
data keep the version they were captured under; serious adverse events are tracked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text

from edc.conftest import Clock, protocol_text
from edc.test_journey import INVESTIGATOR, NURSE, audit_rows
from trialkit.edc import enrolment, entry, review, safety, study
from trialkit.edc.database import Change, StudyDatabase
from trialkit.edc.schema import Base, FormInstance, Study
from trialkit.errors import EdcError

TABLES = [t.name for t in Base.metadata.sorted_tables]


def snapshot(db: StudyDatabase) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table."""
    with db.engine.connect() as connection:
        return {
            table: sorted(
                (tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))),
                key=repr,
            )
            for table in TABLES
        }


def subject(db: StudyDatabase) -> str:
    label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
    entry.save_form(
        db, NURSE, "r-hlh", label, "renal_function", {"vital.weight": ("8", "kg")},
        visit_date="2026-03-09",
    )  # fmt: skip
    return label


def save(
    label: str, values: dict[str, object], **options: object
) -> Callable[[StudyDatabase], object]:
    return lambda db: entry.save_form(
        db, NURSE, "r-hlh", label, "renal_function", values, **options
    )  # type: ignore[arg-type]


BAD: list[tuple[str, Callable[[str], Callable[[StudyDatabase], object]], str]] = [
    ("wrong unit dimension", lambda s: save(s, {"vital.weight": ("8", "Cel")}, visit_date="2026-03-09"), "renal_function.vital.weight: unit 'Cel'"),
    ("unknown item", lambda s: save(s, {"lab.potato": ("8", "kg")}, visit_date="2026-03-09"), "renal_function.lab.potato: no such item"),
    ("date before birth", lambda s: save(s, {"vital.height": ("70", "cm")}, visit_date="2020-01-01"), "visit_date: 2020-01-01 is before the birth date"),
    ("visit for an unenrolled subject", lambda s: save(s, {"vital.height": ("70", "cm")}, visit="inclusion", visit_date="2026-03-09"), "is not enrolled"),
    ("edit without a reason", lambda s: save(s, {"vital.weight": ("9", "kg")}, visit_date="2026-03-09"), "renal_function.vital.weight: changing the saved '8' needs a reason"),
    ("one bad value among good ones", lambda s: save(s, {"vital.height": ("70", "cm"), "lab.creatinine": ("x", "umol/L")}, visit_date="2026-03-09"), "renal_function.lab.creatinine: 'x' is not a number"),
    ("a mistyped study id", lambda s: lambda db: enrolment.record_consent(db, NURSE, "r-hlh", s[:-1] + ("A" if s[-1] != "A" else "B"), "v1", "2026-03-09"), "wrong check character"),
    ("a future consent", lambda s: lambda db: enrolment.record_consent(db, NURSE, "r-hlh", s, "v1", "2027-01-01"), "signed_on: 2027-01-01"),
    ("an unknown form", lambda s: lambda db: entry.save_form(db, NURSE, "r-hlh", s, "nope", {}), "form: 'nope' is not a form of r-hlh"),
    ("an unknown anchor", lambda s: lambda db: enrolment.set_anchor(db, INVESTIGATOR, "r-hlh", s, "moon", "2026-03-09"), "anchor: 'moon'"),
    ("an unknown protocol", lambda s: lambda db: enrolment.register_subject(db, NURSE, "x-trial", "PAR", "2024-11-10", "male"), "protocol: 'x-trial' is not in this database"),
    ("a bad sex", lambda s: lambda db: enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "f"), "sex: 'f'"),
    ("a query without text", lambda s: lambda db: review.open_query(db, "monitor_par", "r-hlh", s, 1, "  "), "query: empty text"),
    ("an unlock without reason", lambda s: lambda db: entry.set_lock(db, "data_manager_par", "r-hlh", s, 1, False), "not locked"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "call", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_and_nothing_changes(
    db: StudyDatabase,
    case: str,
    call: Callable[[str], Callable[[StudyDatabase], object]],
    message: str,
) -> None:
    label = subject(db)
    before = snapshot(db)
    with pytest.raises(EdcError) as refused:
        call(label)(db)
    assert message in str(refused.value), str(refused.value)
    assert "\n" not in str(refused.value)
    assert snapshot(db) == before


@contextmanager
def counting(db: StudyDatabase, commits: list[str]) -> Iterator[None]:
    """Count the writing transactions that commit, by their request ids."""
    original = db.writing

    @contextmanager
    def writing(*args: object, **kwargs: object) -> Iterator[Change]:
        with original(*args, **kwargs) as change:  # type: ignore[arg-type]
            yield change
        commits.append(change.request_id)

    db.writing = writing  # type: ignore[method-assign]
    try:
        yield
    finally:
        db.writing = original  # type: ignore[method-assign]


def test_every_committed_call_writes_audit_events_under_its_own_request_id(
    db: StudyDatabase, clock: Clock
) -> None:
    commits: list[str] = []
    before = {e.request_id for e in audit_rows(db)}
    with counting(db, commits):
        label = subject(db)
        entry.save_form(
            db, NURSE, "r-hlh", label, "renal_function", {"vital.height": ("70", "cm")},
            visit_date="2026-03-09", complete=True,
        )  # fmt: skip
        enrolment.record_consent(db, NURSE, "r-hlh", label, "v1", "2026-03-09")
        query = review.open_query(db, "monitor_par", "r-hlh", label, 1, "please check")
        review.answer_query(db, NURSE, "r-hlh", query, "checked")
        review.reopen_query(db, "monitor_par", "r-hlh", query, "still wrong")
        review.answer_query(db, NURSE, "r-hlh", query, "corrected")
        review.close_query(db, "data_manager_par", "r-hlh", query, "ok")
        enrolment.withdraw_consent(db, NURSE, "r-hlh", label, "2026-03-10", "moved away")
        with pytest.raises(EdcError):
            enrolment.withdraw_consent(db, NURSE, "r-hlh", label, "2026-03-10", "twice")
    after = [e for e in audit_rows(db) if e.request_id not in before]
    assert len(commits) == 10  # the 2 of subject() and 8 more; the refused one none
    assert [e.request_id for e in after if e.request_id in commits]
    assert {e.request_id for e in after} == set(commits)


def test_an_amendment_is_a_new_version_and_data_keep_theirs(db: StudyDatabase) -> None:
    label = subject(db)
    amended = protocol_text("r-hlh").replace(
        "title: Ruxolitinib as First Line", "title: Ruxolitinib (amendment 1) as First Line", 1
    )
    assert study.add_protocol(db, "admin", amended, "r-hlh amendment 1") == 2
    with pytest.raises(EdcError, match="this very file"):
        study.add_protocol(db, "admin", amended, "again")
    entry.save_form(
        db, NURSE, "r-hlh", label, "renal_function", {"vital.height": ("70", "cm")},
        visit_date="2026-03-08",
    )  # fmt: skip
    with db.reading() as session:
        versions = session.execute(
            select(FormInstance.observed_on, Study.version)
            .join(Study, Study.id == FormInstance.study_id)
            .order_by(FormInstance.id)
        ).all()
        assert session.scalar(select(func.count()).select_from(Study)) == 2
    assert [v for _, v in versions] == [1, 2]


def test_serious_events_are_listed_with_their_deadline(db: StudyDatabase, clock: Clock) -> None:
    c_hlh = protocol_text("c-hlh")
    study.add_protocol(db, "admin", c_hlh, "c-hlh.yaml")
    label = enrolment.register_subject(db, NURSE, "c-hlh", "PAR", "2020-01-01", "female")
    event = {"term": "ae.anemia", "grade": "3", "onset": "2026-03-09", "serious": "true"}
    reported = safety.report_adverse_event(db, INVESTIGATOR, "c-hlh", label, event)
    assert reported.report_due is not None
    listed = safety.serious_reports(db, INVESTIGATOR, "c-hlh")
    assert [(r.subject, r.overdue) for r in listed] == [(label, False)]
    assert safety.serious_reports(db, "investigator_lyo", "c-hlh") == []
    clock.advance(hours=24, seconds=1)
    assert [r.overdue for r in safety.serious_reports(db, INVESTIGATOR, "c-hlh")] == [True]
    assert not safety.mark_reported(db, INVESTIGATOR, "c-hlh", label, reported.form_instance)
