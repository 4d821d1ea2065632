"""Data entry: saving a form with its edit checks, visits, completion, lock and unlock.

A save is one transaction: every value is checked first (:mod:`trialkit.edc.values`);
one refused value refuses the whole save and nothing changes. An accepted value
outside its plausible range opens an automatic query on the item; completing a form
with a required item empty opens one query per empty item; a visit dated outside its
window is flagged as a deviation. Changing a saved value needs a reason, and voids
the signatures of the form and of the casebook (21 CFR 11.70). A locked form is
refused until a data manager unlocks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trialkit.edc.access import Action
from trialkit.edc.casebook import anchors_of, find_subject
from trialkit.edc.database import Change, StudyDatabase
from trialkit.edc.schedule import visit_window
from trialkit.edc.schema import (
    FormInstance,
    ItemValue,
    Query,
    QueryMessage,
    Signature,
    Site,
    Study,
    Subject,
    VisitInstance,
)
from trialkit.edc.study import current_study, protocol_of
from trialkit.edc.values import Checked, Entry, check_value, number_text
from trialkit.errors import EdcError, UnknownEntityError
from trialkit.protocol.forms import Form
from trialkit.protocol.model import Protocol

__all__ = [
    "Entry",
    "Saved",
    "complete_form",
    "mark_missed",
    "save_form",
    "save_in",
    "set_lock",
    "void_signatures",
]


@dataclass(frozen=True, slots=True)
class Saved:
    """What a save did: the form instance, the values changed, the queries opened, and
    whether its visit is out of window."""

    form_instance: int
    sequence: int
    changed: tuple[str, ...]
    queries: tuple[str, ...]
    out_of_window: bool


def _form(protocol: Protocol, form_id: str) -> Form:
    for form in protocol.forms:
        if form.id == form_id:
            return form
    known = ", ".join(f.id for f in protocol.forms)
    raise UnknownEntityError(f"form: {form_id!r} is not a form of {protocol.id} ({known})")


def _visit(
    change: Change,
    subject: Subject,
    protocol: Protocol,
    form: Form,
    visit_id: str,
    cycle: int,
    visit_date: date | None,
    site: Site,
) -> VisitInstance:
    plan = protocol.schedule
    visit = next((v for v in plan.visits if v.id == visit_id), None) if plan else None
    if plan is None or visit is None:
        raise EdcError(f"visit: {visit_id!r} is not a visit of {protocol.id}")
    if form.id not in visit.forms:
        raise EdcError(f"form: {form.id} is not a form of visit {visit_id}")
    if visit.every_cycle != (cycle > 0):
        raise EdcError(
            f"cycle: visit {visit_id} "
            + (
                "repeats every cycle: give the cycle (1, 2, ...)"
                if visit.every_cycle
                else "has no cycles"
            )
        )
    anchors = anchors_of(change.session, subject)
    if "inclusion" not in anchors:
        raise EdcError(
            f"visit: subject {subject.label} is not enrolled; screening data are saved "
            "outside a visit, with the day they were measured"
        )
    row = change.session.scalars(
        select(VisitInstance).where(
            VisitInstance.subject_id == subject.id,
            VisitInstance.visit == visit_id,
            VisitInstance.cycle == cycle,
        )
    ).one_or_none()
    if row is None:
        if visit_date is None:
            raise EdcError(f"visit_date: the first save of visit {visit_id} needs its date")
        row = VisitInstance(subject_id=subject.id, visit=visit_id, cycle=cycle, out_of_window=False)
        change.session.add(row)
        change.session.flush()
    if visit_date is not None and visit_date != row.visit_date:
        _check_day("visit_date", visit_date, subject, change)
        bounds = visit_window(plan, visit, anchors, cycle)
        outside = bounds is not None and not bounds[0] <= visit_date <= bounds[1]
        change.audit(
            "visit",
            f"{subject.label}/{visit_id}/{cycle}",
            "date",
            row.visit_date,
            visit_date,
            site=site.code,
        )
        if outside != row.out_of_window:
            change.audit(
                "visit",
                f"{subject.label}/{visit_id}/{cycle}",
                "out_of_window",
                row.out_of_window,
                outside,
                site=site.code,
            )
        row.visit_date = visit_date
        row.out_of_window = outside
        row.missed_reason = None
    return row


def recheck_windows(change: Change, subject: Subject, protocol: Protocol, site: Site) -> None:
    """Flag again whether each dated visit of the subject is out of its window: after an
    anchor date is recorded or changed (a visit entered at screening, before inclusion)."""
    plan = protocol.schedule
    if plan is None:
        return
    anchors = anchors_of(change.session, subject)
    visits = {v.id: v for v in plan.visits}
    rows = change.session.scalars(
        select(VisitInstance).where(VisitInstance.subject_id == subject.id)
    )
    for row in rows:
        visit = visits.get(row.visit)
        if visit is None or row.visit_date is None:
            continue
        bounds = visit_window(plan, visit, anchors, row.cycle)
        outside = bounds is not None and not bounds[0] <= row.visit_date <= bounds[1]
        if outside != row.out_of_window:
            change.audit(
                "visit",
                f"{subject.label}/{row.visit}/{row.cycle}",
                "out_of_window",
                row.out_of_window,
                outside,
                site=site.code,
            )
            row.out_of_window = outside


def _open_query(
    change: Change, instance: FormInstance, item: str | None, text: str, site: Site
) -> None:
    query = Query(
        form_instance_id=instance.id, item=item, status="open", automatic=True, opened_at=change.at
    )
    change.session.add(query)
    change.session.flush()
    change.session.add(
        QueryMessage(query_id=query.id, by_user_id=None, action="open", text=text, at=change.at)
    )
    change.audit("query", query.id, "status", None, "open", site=site.code, reason=text)


def void_signatures(
    change: Change, subject: Subject, instance: FormInstance, reason: str, site: Site
) -> None:
    """Void the signatures of ``instance`` and of the subject's casebook (an edit after them)."""
    signatures = change.session.scalars(
        select(Signature).where(
            Signature.subject_id == subject.id,
            Signature.voided_at.is_(None),
            (Signature.form_instance_id == instance.id) | Signature.form_instance_id.is_(None),
        )
    )
    for signature in signatures:
        signature.voided_at = change.at
        signature.void_reason = reason
        change.audit(
            "signature", signature.id, "voided", None, change.at, site=site.code, reason=reason
        )


def _instance(
    change: Change,
    subject: Subject,
    study: Study,
    form: Form,
    visit: VisitInstance | None,
    sequence: int | None,
    observed_on: date | None,
) -> FormInstance:
    """The form record a save writes: of the visit; a repeating form's record ``sequence``
    (a new one without it); outside a visit, a form's record of the day ``observed_on``
    (screening data: one record per day)."""
    session = change.session
    where = [FormInstance.subject_id == subject.id, FormInstance.form == form.id]
    where.append(
        FormInstance.visit_instance_id.is_(None)
        if visit is None
        else FormInstance.visit_instance_id == visit.id
    )
    top = session.scalar(select(func.max(FormInstance.sequence)).where(*where)) or 0
    if sequence is None:
        if visit is None and not form.repeating and observed_on is not None:
            same_day = session.scalars(
                select(FormInstance).where(*where, FormInstance.observed_on == observed_on)
            ).first()
            if same_day is not None:
                return same_day
            sequence = top + 1
        else:
            sequence = top + 1 if form.repeating else 1
    elif visit is not None and not form.repeating and sequence != 1:
        raise EdcError(f"sequence: form {form.id} does not repeat within a visit")
    found = session.scalars(
        select(FormInstance).where(*where, FormInstance.sequence == sequence)
    ).one_or_none()
    if found is not None:
        return found
    if sequence != top + 1:
        raise EdcError(f"sequence: form {form.id} has no record {sequence}")
    instance = FormInstance(
        subject_id=subject.id,
        study_id=study.id,
        form=form.id,
        visit_instance_id=None if visit is None else visit.id,
        sequence=sequence,
        status="open",
    )
    session.add(instance)
    session.flush()
    return instance


def _checked_all(
    form: Form, values: Mapping[str, Entry], subject: Subject, today: date
) -> dict[str, tuple[str, str | None, Checked]]:
    items = {i.name: i for i in form.items}
    checked = {}
    for name, entry in values.items():
        item = items.get(name)
        field = f"{form.id}.{name}"
        if item is None:
            raise EdcError(f"{field}: no such item on form {form.id}")
        reference: tuple[str | None, str | None] | None = None
        if isinstance(entry, str):
            text, unit = entry, None
        elif len(entry) == 4:
            text, unit, low, high = entry
            reference = (low, high)
        else:
            text, unit = entry[0], entry[1]
        if not isinstance(text, str) or not text.strip():
            raise EdcError(f"{field}: empty value (leave the item out instead)")
        checked[name] = (
            text,
            unit,
            check_value(
                field,
                item,
                text,
                unit,
                birth=subject.birth_date,
                today=today,
                reference=reference,
            ),
        )
    return checked


def save_form(
    db: StudyDatabase,
    username: str,
    protocol_id: str,
    label: str,
    form_id: str,
    values: Mapping[str, Entry],
    *,
    visit: str | None = None,
    cycle: int = 0,
    visit_date: str | None = None,
    sequence: int | None = None,
    reason: str | None = None,
    complete: bool = False,
) -> Saved:
    """Save values of a form of a subject (of a visit, or one record of a repeating form).

    ``visit_date`` is the visit's date; for a form outside a visit (screening data,
    before enrolment) the day its values were measured.

    ``sequence`` names an existing record of a repeating form to change (a new record
    otherwise). Values already saved change only with a ``reason``.
    """
    with db.writing(username) as change:
        subject, site = find_subject(change.session, change.user, protocol_id, label, Action.ENTER)
        return save_in(
            change,
            subject,
            site,
            protocol_id,
            form_id,
            values,
            visit=visit,
            cycle=cycle,
            visit_date=visit_date,
            sequence=sequence,
            reason=reason,
            complete=complete,
        )


def save_in(
    change: Change,
    subject: Subject,
    site: Site,
    protocol_id: str,
    form_id: str,
    values: Mapping[str, Entry],
    *,
    visit: str | None = None,
    cycle: int = 0,
    visit_date: str | None = None,
    sequence: int | None = None,
    reason: str | None = None,
    complete: bool = False,
) -> Saved:
    """:func:`save_form` inside a service's transaction (the subject's site checked)."""
    day = None if visit_date is None else _iso_date("visit_date", visit_date)
    session = change.session
    if subject.status != "screening" and subject.status != "enrolled":
        raise EdcError(f"subject {subject.label}: is {subject.status}; no data are captured")
    study = current_study(session, protocol_id)
    protocol = protocol_of(study)
    form = _form(protocol, form_id)
    checked = _checked_all(form, values, subject, change.at.date())
    visit_row = None
    if visit is not None:
        visit_row = _visit(change, subject, protocol, form, visit, cycle, day, site)
    instance = _instance(change, subject, study, form, visit_row, sequence, day)
    if instance.status == "locked":
        raise EdcError(f"form {form.id} of {subject.label}: locked (a data manager unlocks it)")
    observed = visit_row.visit_date if visit_row is not None else day
    if observed is not None and instance.observed_on != observed:
        if visit_row is None:
            _check_day("visit_date", observed, subject, change)
            change.audit(
                "form",
                f"{subject.label}/{form.id}/{instance.id}",
                "observed_on",
                instance.observed_on,
                observed,
                site=site.code,
                reason=reason,
            )
        instance.observed_on = observed
    existing = {
        v.item: v
        for v in session.scalars(select(ItemValue).where(ItemValue.form_instance_id == instance.id))
    }
    signed = session.scalar(
        select(func.count())
        .select_from(Signature)
        .where(
            Signature.subject_id == subject.id,
            Signature.voided_at.is_(None),
            (Signature.form_instance_id == instance.id) | Signature.form_instance_id.is_(None),
        )
    )
    entity = f"{subject.label}/{form.id}/{instance.id}"
    changed: list[str] = []
    queries: list[str] = []
    for name, (text, unit, value) in checked.items():
        row = existing.get(name)
        stored = (value.number, value.text, value.unit, value.reference_low, value.reference_high)
        if (
            row is not None
            and (
                row.number,
                row.text,
                row.unit,
                row.reference_low,
                row.reference_high,
            )
            == stored
        ):
            continue
        if row is not None and not (reason or "").strip():
            raise EdcError(f"{form.id}.{name}: changing the saved {row.entered!r} needs a reason")
        if signed and not (reason or "").strip():
            raise EdcError(f"{form.id}.{name}: the form is signed; an edit needs a reason")
        old = None if row is None else _shown(row)
        if row is None:
            row = ItemValue(form_instance_id=instance.id, item=name)
            session.add(row)
        row.entered, row.entered_unit = text.strip(), (unit or None)
        row.number, row.text, row.unit = value.number, value.text, value.unit
        row.reference_low, row.reference_high = value.reference_low, value.reference_high
        change.audit("item", entity, name, old, _shown(row), site=site.code, reason=reason)
        changed.append(name)
        for query in value.queries:
            _open_query(change, instance, name, query, site)
            queries.append(query)
    if changed and signed:
        void_signatures(change, subject, instance, reason or "", site)
    if complete:
        queries.extend(_complete(change, form, instance, site, entity))
    if not changed and not complete and visit_row is None:
        raise EdcError(f"form {form.id}: nothing to save")
    return Saved(
        instance.id,
        instance.sequence,
        tuple(changed),
        tuple(queries),
        bool(visit_row and visit_row.out_of_window),
    )


def _shown(row: ItemValue) -> str:
    shown = row.entered + (f" {row.entered_unit}" if row.entered_unit else "")
    if row.reference_low is not None or row.reference_high is not None:
        low, high = (
            "" if limit is None else number_text(limit)
            for limit in (row.reference_low, row.reference_high)
        )
        shown += f" (normal {low}–{high} {row.unit})"
    return shown


def _check_day(field: str, day: date, subject: Subject, change: Change) -> None:
    if day < subject.birth_date:
        raise EdcError(f"{field}: {day.isoformat()} is before the birth date")
    if day > change.at.date():
        raise EdcError(f"{field}: {day.isoformat()} is in the future")


def _iso_date(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise EdcError(f"{field}: {value!r} is not an ISO 8601 date") from None


def _complete(
    change: Change, form: Form, instance: FormInstance, site: Site, entity: str
) -> list[str]:
    if instance.status != "open":
        return []
    filled = set(
        change.session.scalars(
            select(ItemValue.item).where(ItemValue.form_instance_id == instance.id)
        )
    )
    opened = []
    for item in form.items:
        if item.required and item.name not in filled:
            text = f"{form.id}.{item.name}: required, and empty at completion"
            _open_query(change, instance, item.name, text, site)
            opened.append(text)
    change.audit("form", entity, "status", instance.status, "complete", site=site.code)
    instance.status = "complete"
    return opened


def complete_form(
    db: StudyDatabase, username: str, protocol_id: str, label: str, form_instance: int
) -> tuple[str, ...]:
    """Mark a form complete; each required item still empty opens a query. Returns them."""
    with db.writing(username) as change:
        subject, site, instance = _owned(change, protocol_id, label, form_instance, Action.ENTER)
        protocol = protocol_of(change.session.get_one(Study, instance.study_id))
        form = _form(protocol, instance.form)
        if instance.status != "open":
            raise EdcError(f"form {form.id}: already {instance.status}")
        return tuple(
            _complete(change, form, instance, site, f"{subject.label}/{form.id}/{instance.id}")
        )


def _owned(
    change: Change, protocol_id: str, label: str, form_instance: int, action: Action
) -> tuple[Subject, Site, FormInstance]:
    subject, site = find_subject(change.session, change.user, protocol_id, label, action)
    instance = change.session.get(FormInstance, form_instance)
    if instance is None or instance.subject_id != subject.id:
        raise EdcError(f"form_instance: {form_instance} is not a form of {subject.label}")
    return subject, site, instance


def set_lock(
    db: StudyDatabase,
    username: str,
    protocol_id: str,
    label: str,
    form_instance: int,
    locked: bool,
    reason: str | None = None,
) -> None:
    """Lock a complete form against edits, or unlock it (with a reason): a data manager."""
    with db.writing(username) as change:
        subject, site, instance = _owned(change, protocol_id, label, form_instance, Action.LOCK)
        entity = f"{subject.label}/{instance.form}/{instance.id}"
        if locked:
            if instance.status != "complete":
                raise EdcError(
                    f"form {instance.form}: {instance.status}; only a complete form locks"
                )
            change.audit("form", entity, "status", instance.status, "locked", site=site.code)
            instance.status = "locked"
            return
        if instance.status != "locked":
            raise EdcError(f"form {instance.form}: not locked")
        if not (reason or "").strip():
            raise EdcError("reason: unlocking a form needs a reason")
        change.audit("form", entity, "status", "locked", "complete", site=site.code, reason=reason)
        instance.status = "complete"


def mark_missed(
    db: StudyDatabase,
    username: str,
    protocol_id: str,
    label: str,
    visit: str,
    reason: str,
    cycle: int = 0,
) -> None:
    """Declare a visit missed, with its reason."""
    if not reason.strip():
        raise EdcError("reason: a missed visit needs its reason")
    with db.writing(username) as change:
        subject, site = find_subject(change.session, change.user, protocol_id, label, Action.ENTER)
        protocol = protocol_of(current_study(change.session, protocol_id))
        if protocol.schedule is None or visit not in {v.id for v in protocol.schedule.visits}:
            raise EdcError(f"visit: {visit!r} is not a visit of {protocol_id}")
        if "inclusion" not in anchors_of(change.session, subject):
            raise EdcError(f"visit: subject {subject.label} is not enrolled")
        session: Session = change.session
        row = session.scalars(
            select(VisitInstance).where(
                VisitInstance.subject_id == subject.id,
                VisitInstance.visit == visit,
                VisitInstance.cycle == cycle,
            )
        ).one_or_none()
        if row is not None and row.visit_date is not None:
            raise EdcError(f"visit {visit}: took place on {row.visit_date.isoformat()}")
        if row is None:
            row = VisitInstance(
                subject_id=subject.id, visit=visit, cycle=cycle, out_of_window=False
            )
            session.add(row)
        change.audit(
            "visit",
            f"{subject.label}/{visit}/{cycle}",
            "missed",
            row.missed_reason,
            reason.strip(),
            site=site.code,
        )
        row.missed_reason = reason.strip()
