"""Reading a subject's casebook: finding a subject (with the site check), its captured data
as plain values, its anchors and visits, its FHIR record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trialkit.edc.access import Action, require
from trialkit.edc.captured import CapturedForm, CapturedItem, CapturedSubject
from trialkit.edc.database import StudyDatabase
from trialkit.edc.fhir import subject_bundle
from trialkit.edc.labels import check_label
from trialkit.edc.schedule import Occurrence, ScheduledVisit, schedule
from trialkit.edc.schema import (
    AnchorDate,
    FormInstance,
    ItemValue,
    Site,
    Study,
    Subject,
    User,
    VisitInstance,
)
from trialkit.edc.study import current_study, protocol_of
from trialkit.edc.values import number_text
from trialkit.errors import EdcError, UnknownEntityError
from trialkit.protocol.model import Protocol
from trialkit.record import PatientRecord
from trialkit.record.bundle import JSONObject
from trialkit.record.fhir import record_from_bundle

__all__ = [
    "Casebook",
    "Change",
    "SubjectLine",
    "anchors_of",
    "captured",
    "casebook",
    "find_subject",
    "history",
    "protocols_in",
    "record_of",
    "subjects_of",
    "user_named",
    "visits_of",
]


def user_named(session: Session, username: str) -> User:
    """The user called ``username``."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None or not user.active:
        raise EdcError(f"user: no active user {username!r}")
    return user


def find_subject(
    session: Session, user: User, protocol_id: str, label: str, action: Action = Action.READ
) -> tuple[Subject, Site]:
    """The subject ``label`` of ``protocol_id`` and its site, if ``user`` may do ``action``
    there. A subject of a site the user has no role at is refused as not allowed, before
    anything about it is read."""
    text = check_label(label)
    subject = session.scalars(
        select(Subject).where(Subject.protocol_id == protocol_id, Subject.label == text)
    ).one_or_none()
    code = text.split("-", 1)[0]
    site = session.scalars(select(Site).where(Site.code == code)).one_or_none()
    if site is not None:
        require(session, user, action, site)
    if subject is None or site is None or subject.site_id != site.id:
        raise UnknownEntityError(f"subject: no subject {text} in {protocol_id}")
    return subject, site


def anchors_of(session: Session, subject: Subject) -> dict[str, date]:
    """The subject's anchor dates (inclusion, day1, hsct)."""
    rows = session.execute(
        select(AnchorDate.anchor, AnchorDate.value).where(AnchorDate.subject_id == subject.id)
    )
    return {row[0]: row[1] for row in rows.all()}


def captured(session: Session, subject: Subject, site: Site) -> CapturedSubject:
    """The subject's forms and values as plain data (for the exports)."""
    visits = {
        v.id: v
        for v in session.scalars(
            select(VisitInstance).where(VisitInstance.subject_id == subject.id)
        )
    }
    forms: list[CapturedForm] = []
    instances = session.scalars(
        select(FormInstance).where(FormInstance.subject_id == subject.id).order_by(FormInstance.id)
    )
    for instance in instances:
        values = session.scalars(
            select(ItemValue)
            .where(ItemValue.form_instance_id == instance.id)
            .order_by(ItemValue.id)
        )
        items = tuple(
            CapturedItem(
                v.item,
                number_text(v.number) if v.number is not None else v.text or "",
                v.unit,
                v.reference_low,
                v.reference_high,
            )
            for v in values
        )
        visit = None if instance.visit_instance_id is None else visits[instance.visit_instance_id]
        forms.append(
            CapturedForm(
                instance.form,
                None if visit is None else visit.visit,
                0 if visit is None else visit.cycle,
                instance.sequence,
                instance.status,
                items,
                instance.observed_on,
            )
        )
    return CapturedSubject(subject.label, site.code, tuple(forms), subject.birth_date, subject.sex)


def record_of(protocol: Protocol, data: CapturedSubject) -> tuple[JSONObject, PatientRecord]:
    """The subject's FHIR bundle and the record read back from it (the input profile)."""
    bundle = subject_bundle(protocol, data)
    return bundle, record_from_bundle(bundle, f"subject {data.label}")


def visits_of(
    session: Session, subject: Subject, protocol: Protocol, today: date
) -> list[ScheduledVisit]:
    """The subject's schedule as of ``today``."""
    if protocol.schedule is None:
        return []
    occurrences = {
        (v.visit, v.cycle): Occurrence(v.visit_date, v.missed_reason)
        for v in session.scalars(
            select(VisitInstance).where(VisitInstance.subject_id == subject.id)
        )
    }
    anchors = anchors_of(session, subject)
    return schedule(protocol.schedule, anchors, occurrences, today)


@dataclass(frozen=True, slots=True)
class Casebook:
    """What a user sees of one subject."""

    label: str
    site: str
    status: str
    protocol_id: str
    version: int
    data: CapturedSubject
    visits: tuple[ScheduledVisit, ...]


def casebook(db: StudyDatabase, username: str, protocol_id: str, label: str) -> Casebook:
    """A subject's casebook (its site must be one of the user's)."""
    with db.reading() as session:
        user = user_named(session, username)
        subject, site = find_subject(session, user, protocol_id, label)
        study = current_study(session, subject.protocol_id)
        protocol = protocol_of(study)
        today = db.clock().date()
        return Casebook(
            subject.label,
            site.code,
            subject.status,
            protocol_id,
            study.version,
            captured(session, subject, site),
            tuple(visits_of(session, subject, protocol, today)),
        )


@dataclass(frozen=True, slots=True)
class SubjectLine:
    """One subject in a list: study id, site, status, latest screening verdict."""

    protocol_id: str
    label: str
    site: str
    status: str
    verdict: str | None


def subjects_of(db: StudyDatabase, username: str) -> list[SubjectLine]:
    """The subjects of every protocol at the sites where ``username`` may read data."""
    from trialkit.edc.access import readable_sites
    from trialkit.edc.schema import ScreeningEntry

    with db.reading() as session:
        user = user_named(session, username)
        sites = readable_sites(session, user)
        latest = (
            select(ScreeningEntry.subject_id, func.max(ScreeningEntry.id).label("last"))
            .group_by(ScreeningEntry.subject_id)
            .subquery()
        )
        rows = session.execute(
            select(Subject, Site, ScreeningEntry.verdict)
            .join(Site, Site.id == Subject.site_id)
            .outerjoin(latest, latest.c.subject_id == Subject.id)
            .outerjoin(ScreeningEntry, ScreeningEntry.id == latest.c.last)
            .where(Subject.site_id.in_(sites))
            .order_by(Subject.protocol_id, Subject.label)
        ).all()
        return [
            SubjectLine(subject.protocol_id, subject.label, site.code, subject.status, verdict)
            for subject, site, verdict in rows
        ]


def protocols_in(db: StudyDatabase) -> list[str]:
    """The protocol ids the database holds."""
    with db.reading() as session:
        return sorted(set(session.scalars(select(Study.protocol_id))))


@dataclass(frozen=True, slots=True)
class Change:
    """One audit event of a subject: who changed what, when, from what to what, and why."""

    at: datetime
    actor: str
    entity: str
    entity_id: str
    field: str
    old: str | None
    new: str | None
    reason: str | None


def history(db: StudyDatabase, username: str, protocol_id: str, label: str) -> list[Change]:
    """The audit trail of a subject (its registration, screenings, consent, enrolment, forms
    and values, anchors, visits), oldest first; the subject's site must be the user's."""
    from trialkit.edc.schema import AuditEvent

    with db.reading() as session:
        user = user_named(session, username)
        subject, _ = find_subject(session, user, protocol_id, label)
        rows = session.scalars(
            select(AuditEvent)
            .where(
                (AuditEvent.entity_id == subject.label)
                | AuditEvent.entity_id.startswith(f"{subject.label}/")
            )
            .order_by(AuditEvent.seq)
        )
        return [
            Change(e.at, e.actor, e.entity, e.entity_id, e.field, e.old, e.new, e.reason)
            for e in rows
        ]
