"""The study database's tables: SQLAlchemy 2 typed mappings, one class per entity.

The services (:mod:`trialkit.edc.services`) are the only code that writes these
tables; each change they make writes one row of :class:`AuditEvent` in the same
transaction. The tables are created and migrated by Alembic
(``trialkit/edc/migrations``); a test holds the migrations equal to these classes.

Dates are calendar dates (``date``), instants are UTC (``DateTime(timezone=True)``
written and read as aware UTC datetimes).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AdverseEvent",
    "AnchorDate",
    "AuditEvent",
    "Base",
    "ChainHead",
    "Consent",
    "Enrolment",
    "FormInstance",
    "InterimDecision",
    "ItemValue",
    "LoginFailure",
    "Query",
    "QueryMessage",
    "RoleAssignment",
    "ScreeningEntry",
    "Signature",
    "Site",
    "Study",
    "Subject",
    "User",
    "VisitInstance",
    "WebSession",
]


class UtcDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC and read back as an aware UTC datetime on every engine
    (SQLite keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"{value.isoformat()}: an instant needs its time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base of the study database (constraint names fixed for migrations)."""

    metadata = MetaData(naming_convention=_NAMING)


class Study(Base):
    """One version of a protocol: an amendment is a new version; data keep the version they
    were captured under. ``protocol`` is the protocol file's text as loaded."""

    __tablename__ = "study"
    __table_args__ = (UniqueConstraint("protocol_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    protocol: Mapped[str] = mapped_column(Text, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Site(Base):
    """A site (hospital) of the study: its code prefixes its subjects' study ids."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class User(Base):
    """A person who uses the database; the password hash is argon2id (RFC 9106)."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoleAssignment(Base):
    """A role of a user at a site (``site_id`` empty: the administrator of the whole study)."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "site_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    role: Mapped[str] = mapped_column(String(32))


class Subject(Base):
    """A screened person, by a pseudonymous study id with a check character."""

    __tablename__ = "subject"
    __table_args__ = (UniqueConstraint("protocol_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    label: Mapped[str] = mapped_column(String(32))
    sequence: Mapped[int] = mapped_column(Integer)
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ScreeningEntry(Base):
    """A screening of a subject: the verdict and every criterion's status and evidence as
    ``trialkit screen --json`` writes them (``snapshot``), who and when."""

    __tablename__ = "screening"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"))
    verdict: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    index_time: Mapped[datetime] = mapped_column(UtcDateTime())
    snapshot: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class Consent(Base):
    """Informed consent: the document version, the date, who obtained it; its withdrawal."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    document_version: Mapped[str] = mapped_column(String(32))
    signed_on: Mapped[date] = mapped_column(Date)
    obtained_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


class Enrolment(Base):
    """A subject's enrolment: its number in the study and its stage of a two-stage design."""

    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("protocol_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), unique=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"))
    protocol_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    stage: Mapped[int | None] = mapped_column(Integer)
    arm: Mapped[str] = mapped_column(String(64))
    enrolled_on: Mapped[date] = mapped_column(Date)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class InterimDecision(Base):
    """The decision of a two-stage design after a stage, with its counts and reason."""

    __tablename__ = "interim_decision"
    __table_args__ = (UniqueConstraint("protocol_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[str] = mapped_column(String(64))
    stage: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(32))
    responses: Mapped[int] = mapped_column(Integer)
    patients: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class AnchorDate(Base):
    """A date a subject's visits count from: inclusion (day 0), first dose (day 1), HSCT."""

    __tablename__ = "anchor_date"
    __table_args__ = (UniqueConstraint("subject_id", "anchor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    anchor: Mapped[str] = mapped_column(String(16))
    value: Mapped[date] = mapped_column(Date)


class VisitInstance(Base):
    """A visit of a subject's schedule that took place (its date) or was declared missed."""

    __tablename__ = "visit_instance"
    __table_args__ = (UniqueConstraint("subject_id", "visit", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    visit: Mapped[str] = mapped_column(String(64))
    cycle: Mapped[int] = mapped_column(Integer)
    visit_date: Mapped[date | None] = mapped_column(Date)
    out_of_window: Mapped[bool] = mapped_column(Boolean, default=False)
    missed_reason: Mapped[str | None] = mapped_column(Text)


class FormInstance(Base):
    """One filled form: of a visit, or one record of a repeating form (``sequence``).

    ``status``: ``open`` while being entered, ``complete``, ``locked`` (data manager).
    """

    __tablename__ = "form_instance"
    __table_args__ = (UniqueConstraint("subject_id", "form", "visit_instance_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"))
    form: Mapped[str] = mapped_column(String(64))
    visit_instance_id: Mapped[int | None] = mapped_column(ForeignKey("visit_instance.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    observed_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))


class ItemValue(Base):
    """One item's value: as entered (text and unit) and canonical (number in the canonical
    unit, or text: a date, a code, a concept key); for a laboratory value, the reporting
    laboratory's normal range (LLN, ULN) in the canonical unit when the site gives it."""

    __tablename__ = "item_value"
    __table_args__ = (UniqueConstraint("form_instance_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_instance_id: Mapped[int] = mapped_column(ForeignKey("form_instance.id"))
    item: Mapped[str] = mapped_column(String(128))
    entered: Mapped[str] = mapped_column(Text)
    entered_unit: Mapped[str | None] = mapped_column(String(32))
    number: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(32))
    reference_low: Mapped[float | None] = mapped_column(Float)
    reference_high: Mapped[float | None] = mapped_column(Float)


class AdverseEvent(Base):
    """The grading and reporting of an adverse event recorded on its form.

    ``suggested_grade`` is the CTCAE grade computed from the captured laboratory
    values, ``override_reason`` why the investigator's grade differs; a serious
    event must reach the sponsor by ``report_due`` (24 hours after awareness).
    """

    __tablename__ = "adverse_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_instance_id: Mapped[int] = mapped_column(ForeignKey("form_instance.id"), unique=True)
    suggested_grade: Mapped[int | None] = mapped_column(Integer)
    suggestion: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    aware_at: Mapped[datetime] = mapped_column(UtcDateTime())
    report_due: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Query(Base):
    """A data query on a form, or on one of its items: open, answered, closed."""

    __tablename__ = "query"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_instance_id: Mapped[int] = mapped_column(ForeignKey("form_instance.id"))
    item: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    automatic: Mapped[bool] = mapped_column(Boolean)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())


class QueryMessage(Base):
    """One message of a query's thread."""

    __tablename__ = "query_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("query.id"))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class Signature(Base):
    """An electronic signature of a form, or of a subject's whole casebook (no form).

    Voided by a later edit of what it signs, with the edit's reason (21 CFR 11.70: a
    signature is linked to its record).
    """

    __tablename__ = "signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    form_instance_id: Mapped[int | None] = mapped_column(ForeignKey("form_instance.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    meaning: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    void_reason: Mapped[str | None] = mapped_column(Text)


class AuditEvent(Base):
    """One change, append-only and hash-chained (the database refuses updates and deletes).

    ``hash`` is SHA-256 over the row's fields and ``previous``, the hash of the
    event before (:mod:`trialkit.edc.audit`).
    """

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    site: Mapped[str | None] = mapped_column(String(8))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(128))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str] = mapped_column(String(64))
    previous: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainHead(Base):
    """The last audit event's number and hash, one row: every writing transaction locks it
    first, which orders the writers (and the audit chain) on every engine."""

    __tablename__ = "chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class WebSession(Base):
    """A signed-in browser or program: the SHA-256 of its token (the token itself is only in
    the cookie), the user, its CSRF token, and when it expires."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LoginFailure(Base):
    """A failed sign-in (for the lockout after repeated failures)."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
