"""Services from screening to enrolment: register a subject, screen it, consent, enrol under
the design's gate, and the interim decision of a Simon two-stage design.

The gate (Simon 1989; :mod:`trialkit.design.decision`): once ``n1`` subjects are
enrolled, enrolment is refused until the interim decision is recorded; the decision
is computed from each stage-1 subject's primary outcome as captured (the protocol's
primary endpoint evaluated on the subject's record, :func:`trialkit.endpoints.
design_response`), and refused while any is unknown; after "stop for futility"
enrolment stays closed; after "continue" it reopens up to ``n``. The count is read
inside the writing transaction, which holds the chain-head lock
(:mod:`trialkit.edc.database`): two sites enrolling the ``n1``-th subject at the
same moment are ordered, and the second is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trialkit.design.decision import Decision, Outcome, interim_decision
from trialkit.design.two_stage import TwoStageDesign
from trialkit.edc.access import Action, require
from trialkit.edc.casebook import captured, find_subject, record_of, user_named
from trialkit.edc.database import Change, StudyDatabase
from trialkit.edc.entry import recheck_windows
from trialkit.edc.labels import label_for
from trialkit.edc.schema import (
    AnchorDate,
    Consent,
    Enrolment,
    InterimDecision,
    ScreeningEntry,
    Site,
    Study,
    Subject,
)
from trialkit.edc.study import current_study, protocol_of, site_by_code
from trialkit.eligibility import Verdict, screen
from trialkit.eligibility.export import screening_json
from trialkit.endpoints import Subject as TrialSubject
from trialkit.endpoints import design_response, evaluate_endpoint
from trialkit.errors import EdcError, TrialkitInputError
from trialkit.protocol.model import Protocol, SimonDesignSpec
from trialkit.record.fhir import parse_bundle

__all__ = [
    "GateStatus",
    "decide_interim",
    "enrol",
    "gate_status",
    "latest_screening",
    "record_consent",
    "register_subject",
    "screen_subject",
    "set_anchor",
    "withdraw_consent",
]

_SEXES = ("female", "male", "other", "unknown")


def register_subject(
    db: StudyDatabase, username: str, protocol_id: str, site: str, birth_date: str, sex: str
) -> str:
    """Register a subject for screening at ``site``; returns its new study id."""
    try:
        born = date.fromisoformat(birth_date.strip())
    except ValueError:
        raise EdcError(f"birth_date: {birth_date!r} is not an ISO 8601 date") from None
    if sex not in _SEXES:
        raise EdcError(f"sex: {sex!r} is not one of {', '.join(_SEXES)} (FHIR gender)")
    with db.writing(username) as change:
        where = site_by_code(change.session, site)
        require(change.session, change.user, Action.SCREEN, where)
        current_study(change.session, protocol_id)
        if born > change.at.date():
            raise EdcError(f"birth_date: {born.isoformat()} is in the future")
        number = 1 + (
            change.session.scalar(
                select(func.max(Subject.sequence)).where(
                    Subject.protocol_id == protocol_id, Subject.site_id == where.id
                )
            )
            or 0
        )
        label = label_for(where.code, number)
        subject = Subject(
            protocol_id=protocol_id,
            site_id=where.id,
            label=label,
            sequence=number,
            birth_date=born,
            sex=sex,
            status="screening",
            created_at=change.at,
        )
        change.session.add(subject)
        change.audit("subject", label, "registered", None, protocol_id, site=where.code)
        return label


def _at(change: Change, at: str | None) -> datetime:
    if at is None:
        return change.at
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise EdcError(f"at: {at!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = datetime.combine(moment.date(), time.max, UTC) if len(at) == 10 else moment
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def screen_subject(
    db: StudyDatabase,
    username: str,
    protocol_id: str,
    label: str,
    *,
    bundle: str | None = None,
    at: str | None = None,
) -> tuple[Verdict, dict[str, object]]:
    """Screen a subject on its entered data, or on an uploaded FHIR bundle (its text), with
    the eligibility evaluator; the verdict and the ``trialkit screen --json`` document are
    stored in the screening log. Returns both."""
    with db.writing(username) as change:
        subject, site = find_subject(change.session, change.user, protocol_id, label, Action.SCREEN)
        study = current_study(change.session, protocol_id)
        protocol = protocol_of(study)
        moment = _at(change, at)
        if bundle is None:
            record = record_of(protocol, captured(change.session, subject, site))[1]
        else:
            try:
                record = parse_bundle(bundle, f"subject {subject.label} bundle")
            except TrialkitInputError as error:
                raise EdcError(str(error)) from None
        try:
            result = screen(protocol, record, moment.replace(tzinfo=None))
        except TrialkitInputError as error:
            raise EdcError(f"screening {subject.label}: {error}") from None
        document = screening_json(result)
        change.session.add(
            ScreeningEntry(
                subject_id=subject.id,
                study_id=study.id,
                verdict=result.verdict.value,
                source="forms" if bundle is None else "bundle",
                index_time=moment,
                snapshot=json.dumps(document, ensure_ascii=False, sort_keys=True),
                by_user_id=change.user.id,
                at=change.at,
            )
        )
        change.audit(
            "screening", subject.label, "verdict", None, result.verdict.value, site=site.code
        )
        if subject.status in ("screening", "screen_failed"):
            status = "screen_failed" if result.verdict is Verdict.INELIGIBLE else "screening"
            if status != subject.status:
                change.audit("subject", subject.label, "status", subject.status, status)
                subject.status = status
        return result.verdict, document


def _date(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise EdcError(f"{field}: {value!r} is not an ISO 8601 date") from None


def record_consent(
    db: StudyDatabase, username: str, protocol_id: str, label: str, version: str, signed_on: str
) -> None:
    """Record the subject's informed consent (document ``version``, signed on a date)."""
    if not version.strip():
        raise EdcError("consent version: empty")
    day = _date("signed_on", signed_on)
    with db.writing(username) as change:
        subject, site = find_subject(
            change.session, change.user, protocol_id, label, Action.CONSENT
        )
        if day > change.at.date() or day < subject.birth_date:
            raise EdcError(f"signed_on: {day.isoformat()} is in the future or before birth")
        change.session.add(
            Consent(
                subject_id=subject.id,
                document_version=version.strip(),
                signed_on=day,
                obtained_by=change.user.id,
            )
        )
        change.audit("consent", subject.label, "signed_on", None, day, site=site.code)


def _consent(session: Session, subject: Subject) -> Consent | None:
    return session.scalars(
        select(Consent).where(Consent.subject_id == subject.id).order_by(Consent.id.desc())
    ).first()


def withdraw_consent(
    db: StudyDatabase, username: str, protocol_id: str, label: str, on: str, reason: str
) -> None:
    """Record the withdrawal of consent (no further data are captured for the subject)."""
    if not reason.strip():
        raise EdcError("reason: a withdrawal needs its reason")
    day = _date("withdrawn_on", on)
    with db.writing(username) as change:
        subject, site = find_subject(
            change.session, change.user, protocol_id, label, Action.CONSENT
        )
        consent = _consent(change.session, subject)
        if consent is None or consent.withdrawn_on is not None:
            raise EdcError(f"consent: {subject.label} has no consent in force to withdraw")
        if day < consent.signed_on:
            raise EdcError(f"withdrawn_on: {day.isoformat()} is before the consent")
        consent.withdrawn_on = day
        consent.withdrawal_reason = reason.strip()
        change.audit(
            "consent", subject.label, "withdrawn_on", None, day, site=site.code, reason=reason
        )
        change.audit("subject", subject.label, "status", subject.status, "withdrawn")
        subject.status = "withdrawn"


@dataclass(frozen=True, slots=True)
class GateStatus:
    """Where enrolment stands under the protocol's design."""

    enrolled: int
    open: bool
    reason: str
    stage: int | None
    decision: str | None


def _design(protocol: Protocol) -> TwoStageDesign | None:
    design = protocol.design
    if isinstance(design, SimonDesignSpec):
        return TwoStageDesign(design.r1, design.n1, design.r, design.n)
    return None


def _enrolled(session: Session, protocol_id: str) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Enrolment).where(Enrolment.protocol_id == protocol_id)
        )
        or 0
    )


def _gate(session: Session, protocol: Protocol) -> GateStatus:
    count = _enrolled(session, protocol.id)
    design = _design(protocol)
    if design is None:
        limit = protocol.design.n  # a single-stage or observational design's planned size
        if limit is not None and count >= limit:
            return GateStatus(
                count, False, f"the planned {limit} subjects are enrolled", None, None
            )
        return GateStatus(count, True, "open", None, None)
    decided = session.scalars(
        select(InterimDecision).where(
            InterimDecision.protocol_id == protocol.id, InterimDecision.stage == 1
        )
    ).one_or_none()
    if count < design.n1:
        return GateStatus(count, True, f"stage 1: {count} of n1={design.n1} enrolled", 1, None)
    if decided is None:
        return GateStatus(
            count,
            False,
            f"stage 1 is full (n1={design.n1}): enrolment waits for the interim decision",
            1,
            None,
        )
    if decided.outcome == Outcome.STOP_FOR_FUTILITY:
        return GateStatus(
            count, False, f"the trial stopped for futility: {decided.reason}", 1, decided.outcome
        )
    if count >= design.n:
        return GateStatus(
            count, False, f"the planned n={design.n} subjects are enrolled", 2, decided.outcome
        )
    return GateStatus(count, True, f"stage 2: {count} of n={design.n} enrolled", 2, decided.outcome)


def gate_status(db: StudyDatabase, protocol_id: str) -> GateStatus:
    """Where enrolment stands for ``protocol_id``."""
    with db.reading() as session:
        return _gate(session, protocol_of(current_study(session, protocol_id)))


def enrol(
    db: StudyDatabase,
    username: str,
    protocol_id: str,
    label: str,
    on: str,
    arm: str | None = None,
) -> int:
    """Enrol an eligible, consented subject on day ``on`` (its inclusion, day 0); returns its
    enrolment number. Refused when the design's gate is closed."""
    day = _date("enrolled_on", on)
    with db.writing(username) as change:
        session = change.session
        subject, site = find_subject(session, change.user, protocol_id, label, Action.ENROL)
        study = current_study(session, protocol_id)
        protocol = protocol_of(study)
        if subject.status != "screening":
            raise EdcError(f"subject {subject.label}: is {subject.status}, not awaiting enrolment")
        latest = session.scalars(
            select(ScreeningEntry)
            .where(ScreeningEntry.subject_id == subject.id)
            .order_by(ScreeningEntry.id.desc())
        ).first()
        if latest is None or latest.verdict != Verdict.ELIGIBLE:
            verdict = "not screened" if latest is None else latest.verdict
            raise EdcError(f"subject {subject.label}: {verdict}; only an eligible subject enrols")
        consent = _consent(session, subject)
        if consent is None or consent.withdrawn_on is not None:
            raise EdcError(f"subject {subject.label}: no informed consent in force")
        if day < consent.signed_on or day > change.at.date():
            raise EdcError(f"enrolled_on: {day.isoformat()} is before consent or in the future")
        arms = [a.id for a in protocol.arms]
        chosen = arm or arms[0]
        if chosen not in arms:
            raise EdcError(f"arm: {chosen!r} is not an arm of {protocol_id} ({', '.join(arms)})")
        gate = _gate(session, protocol)
        if not gate.open:
            raise EdcError(f"enrolment of {protocol_id} is closed: {gate.reason}")
        number = gate.enrolled + 1
        session.add(
            Enrolment(
                subject_id=subject.id,
                study_id=study.id,
                protocol_id=protocol_id,
                number=number,
                stage=gate.stage,
                arm=chosen,
                enrolled_on=day,
                by_user_id=change.user.id,
                at=change.at,
            )
        )
        session.add(AnchorDate(subject_id=subject.id, anchor="inclusion", value=day))
        change.audit("enrolment", subject.label, "number", None, number, site=site.code)
        change.audit("subject", subject.label, "status", subject.status, "enrolled")
        subject.status = "enrolled"
        return number


_ANCHORS = ("day1", "hsct")


def set_anchor(
    db: StudyDatabase,
    username: str,
    protocol_id: str,
    label: str,
    anchor: str,
    on: str,
    reason: str | None = None,
) -> None:
    """Record the date a subject's visits count from: ``day1`` (first dose) or ``hsct``.
    Changing a recorded date needs a reason."""
    if anchor not in _ANCHORS:
        raise EdcError(f"anchor: {anchor!r} is not one of {', '.join(_ANCHORS)}")
    day = _date(anchor, on)
    with db.writing(username) as change:
        subject, site = find_subject(change.session, change.user, protocol_id, label, Action.ENTER)
        inclusion = change.session.scalars(
            select(AnchorDate).where(
                AnchorDate.subject_id == subject.id, AnchorDate.anchor == "inclusion"
            )
        ).one_or_none()
        if inclusion is None:
            raise EdcError(f"subject {subject.label}: not enrolled (no inclusion date)")
        if day < inclusion.value or day > change.at.date():
            raise EdcError(f"{anchor}: {day.isoformat()} is before inclusion or in the future")
        row = change.session.scalars(
            select(AnchorDate).where(
                AnchorDate.subject_id == subject.id, AnchorDate.anchor == anchor
            )
        ).one_or_none()
        if row is None:
            change.session.add(AnchorDate(subject_id=subject.id, anchor=anchor, value=day))
            change.audit("anchor", subject.label, anchor, None, day, site=site.code)
            change.session.flush()
            recheck_windows(
                change, subject, protocol_of(current_study(change.session, protocol_id)), site
            )
            return
        if not (reason or "").strip():
            raise EdcError(
                f"{anchor}: changing the recorded {row.value.isoformat()} needs a reason"
            )
        change.audit("anchor", subject.label, anchor, row.value, day, site=site.code, reason=reason)
        row.value = day
        change.session.flush()
        recheck_windows(
            change, subject, protocol_of(current_study(change.session, protocol_id)), site
        )


def _stage_one_outcomes(
    session: Session, protocol: Protocol, design: TwoStageDesign
) -> list[tuple[str, bool | None, str]]:
    primary = next(
        (e for e in protocol.endpoints if e.kind == "primary" and e.compute is not None), None
    )
    if primary is None or primary.compute is None:
        raise EdcError(f"protocol {protocol.id}: no computed primary endpoint to decide on")
    rows = session.execute(
        select(Subject, Site, Enrolment)
        .join(Enrolment, Enrolment.subject_id == Subject.id)
        .join(Site, Site.id == Subject.site_id)
        .where(Enrolment.protocol_id == protocol.id, Enrolment.stage == 1)
        .order_by(Enrolment.number)
    ).all()
    found: list[tuple[str, bool | None, str]] = []
    for subject, site, enrolment in rows:
        anchors = {
            a.anchor: a.value
            for a in session.scalars(select(AnchorDate).where(AnchorDate.subject_id == subject.id))
        }
        record = record_of(protocol, captured(session, subject, site))[1]
        trial_subject = TrialSubject(
            subject.label, enrolment.enrolled_on, anchors.get("day1"), enrolment.arm, 1
        )
        try:
            value = evaluate_endpoint(primary.compute, trial_subject, record)
        except TrialkitInputError as error:
            found.append((subject.label, None, str(error)))
            continue
        found.append((subject.label, design_response(value), value.reason))
    return found


def decide_interim(db: StudyDatabase, username: str, protocol_id: str) -> Decision:
    """Compute and record the interim decision after stage 1 from the captured outcomes.

    Refused before ``n1`` subjects are enrolled, while an outcome is unknown, or when the
    decision is already recorded.
    """
    with db.writing(username) as change:
        session = change.session
        require(session, change.user, Action.DECIDE)
        study: Study = current_study(session, protocol_id)
        protocol = protocol_of(study)
        design = _design(protocol)
        if design is None:
            raise EdcError(f"protocol {protocol_id}: no two-stage design, no interim decision")
        enrolled = _enrolled(session, protocol_id)
        if enrolled < design.n1:
            raise EdcError(f"interim: {enrolled} of n1={design.n1} stage-1 subjects enrolled")
        if session.scalars(
            select(InterimDecision).where(
                InterimDecision.protocol_id == protocol_id, InterimDecision.stage == 1
            )
        ).first():
            raise EdcError(f"interim: the decision of {protocol_id} is already recorded")
        outcomes = _stage_one_outcomes(session, protocol, design)
        unknown = [f"{label} ({why})" for label, known, why in outcomes if known is None]
        if unknown:
            raise EdcError(
                "interim: the primary outcome is not known yet for " + "; ".join(unknown)
            )
        responses = sum(1 for _, known, _ in outcomes if known)
        decision = interim_decision(design, responses)
        session.add(
            InterimDecision(
                protocol_id=protocol_id,
                stage=1,
                outcome=decision.outcome.value,
                responses=responses,
                patients=design.n1,
                reason=decision.reason,
                by_user_id=change.user.id,
                at=change.at,
            )
        )
        change.audit("interim", protocol_id, "outcome", None, decision.outcome.value)
        return decision


def latest_screening(
    db: StudyDatabase, username: str, protocol_id: str, label: str
) -> dict[str, object] | None:
    """The subject's latest screening as ``trialkit screen --json`` wrote it, or None."""
    with db.reading() as session:
        user = user_named(session, username)
        subject, _ = find_subject(session, user, protocol_id, label)
        entry = session.scalars(
            select(ScreeningEntry)
            .where(ScreeningEntry.subject_id == subject.id)
            .order_by(ScreeningEntry.id.desc())
        ).first()
        if entry is None:
            return None
        document: dict[str, object] = json.loads(entry.snapshot)
        return document
