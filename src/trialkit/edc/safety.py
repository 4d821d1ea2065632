"""Adverse events: CTCAE v5.0 term and grade, the grade suggested from the captured
laboratory values, the investigator's confirmation or override, and the 24-hour
reporting deadline of a serious adverse event.

The suggestion grades the latest captured value of the term's laboratory concept in
the 7 days up to the onset (:func:`trialkit.scores.ctcae.assess`), with the
subject's baseline at inclusion (baseline-aware terms: ALT, AST, bilirubin,
creatinine). The investigator's grade stands; a grade that differs from a decided
suggestion needs a reason.

A serious event (ICH E2A, section II.B) must reach the sponsor "without undue
delay but not later than within 24 hours of obtaining knowledge of the events"
(Regulation (EU) No 536/2014, Article 41(2)); ``report_due`` is the time the site
recorded it plus 24 hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from trialkit.edc.access import Action, require
from trialkit.edc.casebook import anchors_of, captured, find_subject, record_of, user_named
from trialkit.edc.database import StudyDatabase
from trialkit.edc.entry import Entry, save_in
from trialkit.edc.schema import AdverseEvent, FormInstance, Site, Subject
from trialkit.edc.study import current_study, protocol_of
from trialkit.errors import EdcError
from trialkit.protocol.forms import Form
from trialkit.protocol.model import Protocol
from trialkit.record import PatientRecord
from trialkit.scores.ctcae import assess

__all__ = [
    "SAE_REPORTING",
    "Reported",
    "SeriousReport",
    "mark_reported",
    "report_adverse_event",
    "serious_reports",
    "suggest_grade",
]

SAE_REPORTING = timedelta(hours=24)
"""Regulation (EU) No 536/2014, Article 41(2): an SAE reaches the sponsor within 24 hours."""


@dataclass(frozen=True, slots=True)
class Reported:
    """An adverse event as recorded: its form record, the suggested grade and why, the
    grade given, and the reporting deadline of a serious one."""

    form_instance: int
    sequence: int
    suggested_grade: int | None
    suggestion: str | None
    grade: int
    report_due: datetime | None
    queries: tuple[str, ...]


def _ae_form(protocol: Protocol) -> Form:
    for form in protocol.forms:
        if form.records == "adverse_event":
            return form
    raise EdcError(f"adverse event: {protocol.id} has no adverse-event form")


def suggest_grade(
    record: PatientRecord, term: str, onset: date, inclusion: date | None
) -> tuple[int | None, str | None]:
    """The CTCAE grade the record's laboratory values give ``term`` at ``onset`` (None when
    the term is not graded from a laboratory value, or the values leave it open), and why."""
    baseline = None if inclusion is None else datetime.combine(inclusion, time.max)
    score = "ctcae." + term.removeprefix("ae.")
    for scored in assess(record, datetime.combine(onset, time.max), baseline_at=baseline):
        result = scored.result
        if result.score != score:
            continue
        reasons = "; ".join(i.reason for i in result.items if i.low == i.high and i.low)
        if result.low is None or result.high is None:
            return None, None
        if result.low == result.high:
            return int(result.low), f"{result.category} ({reasons or 'no limit crossed'})"
        return None, f"grades {result.low:g}–{result.high:g} possible"
    return None, None


def report_adverse_event(
    db: StudyDatabase,
    username: str,
    protocol_id: str,
    label: str,
    values: Mapping[str, Entry],
    *,
    override_reason: str | None = None,
) -> Reported:
    """Record an adverse event on the protocol's adverse-event form (``term``, ``grade``,
    ``onset``, ``serious``, ...), with the grade suggested from the captured labs.

    A ``grade`` that differs from a decided suggestion is refused without
    ``override_reason``. One transaction: the form, the grading and the deadline.
    """
    with db.writing(username) as change:
        session = change.session
        subject, site = find_subject(session, change.user, protocol_id, label, Action.REPORT_AE)
        protocol = protocol_of(current_study(session, protocol_id))
        form = _ae_form(protocol)
        term, onset, grade_text = (values.get(k) for k in ("term", "onset", "grade"))
        if not isinstance(term, str) or not isinstance(onset, str):
            raise EdcError(f"{form.id}.term and {form.id}.onset: required for an adverse event")
        if not isinstance(grade_text, str) or not grade_text.strip().isdigit():
            raise EdcError(f"{form.id}.grade: give the CTCAE grade (1 to 5)")
        try:
            onset_day = date.fromisoformat(onset.strip())
        except ValueError:
            raise EdcError(f"{form.id}.onset: {onset!r} is not an ISO 8601 date") from None
        record = record_of(protocol, captured(session, subject, site))[1]
        inclusion = anchors_of(session, subject).get("inclusion")
        suggested, why = suggest_grade(record, term.strip(), onset_day, inclusion)
        grade = int(grade_text)
        if suggested is not None and grade != suggested and not (override_reason or "").strip():
            raise EdcError(
                f"{form.id}.grade: {grade} differs from the grade {suggested} the captured "
                f"values give ({why}); confirm it with an override reason"
            )
        saved = save_in(change, subject, site, protocol_id, form.id, values, complete=True)
        serious = str(values.get("serious", "")).strip().lower() in ("true", "yes", "1", "y")
        due = change.at + SAE_REPORTING if serious else None
        session.add(
            AdverseEvent(
                form_instance_id=saved.form_instance,
                suggested_grade=suggested,
                suggestion=why,
                confirmed_by=change.user.id,
                override_reason=(override_reason or None) if grade != suggested else None,
                aware_at=change.at,
                report_due=due,
            )
        )
        entity = f"{subject.label}/{form.id}/{saved.form_instance}"
        if suggested is not None:
            change.audit(
                "adverse_event",
                entity,
                "suggested_grade",
                None,
                suggested,
                site=site.code,
                reason=override_reason if grade != suggested else None,
            )
        if due is not None:
            change.audit("adverse_event", entity, "report_due", None, due, site=site.code)
        return Reported(
            saved.form_instance, saved.sequence, suggested, why, grade, due, saved.queries
        )


def mark_reported(
    db: StudyDatabase, username: str, protocol_id: str, label: str, form_instance: int
) -> bool:
    """Record that a serious adverse event reached the sponsor; returns whether in time."""
    with db.writing(username) as change:
        subject, site = find_subject(
            change.session, change.user, protocol_id, label, Action.REPORT_AE
        )
        event = change.session.scalars(
            select(AdverseEvent)
            .join(FormInstance, FormInstance.id == AdverseEvent.form_instance_id)
            .where(
                AdverseEvent.form_instance_id == form_instance,
                FormInstance.subject_id == subject.id,
            )
        ).one_or_none()
        if event is None or event.report_due is None:
            raise EdcError(
                f"form_instance: {form_instance} is not a serious adverse event of {subject.label}"
            )
        if event.reported_at is not None:
            raise EdcError(f"adverse event {form_instance}: already reported")
        event.reported_at = change.at
        change.audit("adverse_event", form_instance, "reported_at", None, change.at, site=site.code)
        return change.at <= event.report_due


@dataclass(frozen=True, slots=True)
class SeriousReport:
    """A serious adverse event's reporting: when it is due, when it was reported."""

    subject: str
    form_instance: int
    due: datetime
    reported_at: datetime | None
    overdue: bool


def serious_reports(db: StudyDatabase, username: str, protocol_id: str) -> list[SeriousReport]:
    """The serious adverse events of the sites the user may read, the overdue first."""
    with db.reading() as session:
        user = user_named(session, username)
        now = db.clock()
        rows = session.execute(
            select(AdverseEvent, Subject, Site)
            .join(FormInstance, FormInstance.id == AdverseEvent.form_instance_id)
            .join(Subject, Subject.id == FormInstance.subject_id)
            .join(Site, Site.id == Subject.site_id)
            .where(Subject.protocol_id == protocol_id, AdverseEvent.report_due.is_not(None))
        ).all()
        found = []
        for event, subject, site in rows:
            try:
                require(session, user, Action.READ, site)
            except EdcError:
                continue
            assert event.report_due is not None
            late = (event.reported_at or now) > event.report_due
            found.append(
                SeriousReport(
                    subject.label, event.form_instance_id, event.report_due, event.reported_at, late
                )
            )
    return sorted(found, key=lambda r: (not r.overdue, r.due))
