"""Review of captured data: queries (open, answered, closed; threaded, on a form or an
item) and electronic signatures of a form or of a whole casebook.

A signature needs the signer's password re-entered and the meaning of the
signature ("I confirm the data are accurate"), as 21 CFR 11.50 and 11.200 ask:
the printed name, the date and time, and the meaning, by two components (the
user's name and password). An edit after a signature voids it, with the edit's
reason (:func:`trialkit.edc.entry.void_signatures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from trialkit.edc.access import Action, require
from trialkit.edc.casebook import find_subject, user_named
from trialkit.edc.database import StudyDatabase
from trialkit.edc.schema import FormInstance, Query, QueryMessage, Signature, User
from trialkit.edc.study import check_password
from trialkit.errors import EdcError

__all__ = [
    "QueryThread",
    "answer_query",
    "close_query",
    "open_query",
    "queries_of",
    "reopen_query",
    "sign",
]


def open_query(
    db: StudyDatabase,
    username: str,
    protocol_id: str,
    label: str,
    form_instance: int,
    text: str,
    item: str | None = None,
) -> int:
    """Open a query on a form (or one of its items); returns its number."""
    if not text.strip():
        raise EdcError("query: empty text")
    with db.writing(username) as change:
        subject, site = find_subject(
            change.session, change.user, protocol_id, label, Action.OPEN_QUERY
        )
        instance = change.session.get(FormInstance, form_instance)
        if instance is None or instance.subject_id != subject.id:
            raise EdcError(f"form_instance: {form_instance} is not a form of {subject.label}")
        query = Query(
            form_instance_id=instance.id,
            item=item,
            status="open",
            automatic=False,
            opened_at=change.at,
        )
        change.session.add(query)
        change.session.flush()
        change.session.add(
            QueryMessage(
                query_id=query.id,
                by_user_id=change.user.id,
                action="open",
                text=text.strip(),
                at=change.at,
            )
        )
        change.audit("query", query.id, "status", None, "open", site=site.code, reason=text)
        return query.id


_MOVES = {"answer": ("open", "answered"), "close": (None, "closed"), "reopen": ("answered", "open")}


def _move(
    db: StudyDatabase, username: str, protocol_id: str, query_id: int, text: str, move: str
) -> None:
    if not text.strip():
        raise EdcError(f"query {query_id}: a message is needed to {move} it")
    with db.writing(username) as change:
        query = change.session.get(Query, query_id)
        if query is None:
            raise EdcError(f"query: no query {query_id}")
        instance = change.session.get_one(FormInstance, query.form_instance_id)
        from trialkit.edc.schema import Subject

        subject = change.session.get_one(Subject, instance.subject_id)
        if subject.protocol_id != protocol_id:
            raise EdcError(f"query: no query {query_id} in {protocol_id}")
        action = Action.ANSWER_QUERY if move == "answer" else Action.OPEN_QUERY
        _, site = find_subject(change.session, change.user, protocol_id, subject.label, action)
        needed, after = _MOVES[move]
        if query.status == "closed" or (needed is not None and query.status != needed):
            raise EdcError(f"query {query_id}: is {query.status}; cannot {move} it")
        change.session.add(
            QueryMessage(
                query_id=query.id, by_user_id=change.user.id, action=move, text=text, at=change.at
            )
        )
        change.audit("query", query.id, "status", query.status, after, site=site.code, reason=text)
        query.status = after


def answer_query(
    db: StudyDatabase, username: str, protocol_id: str, query_id: int, text: str
) -> None:
    """Answer an open query (a site user)."""
    _move(db, username, protocol_id, query_id, text, "answer")


def close_query(
    db: StudyDatabase, username: str, protocol_id: str, query_id: int, text: str
) -> None:
    """Close a query (the data manager or the monitor), answered or not."""
    _move(db, username, protocol_id, query_id, text, "close")


def reopen_query(
    db: StudyDatabase, username: str, protocol_id: str, query_id: int, text: str
) -> None:
    """Reopen an answered query whose answer does not settle it (data manager or monitor)."""
    _move(db, username, protocol_id, query_id, text, "reopen")


def sign(
    db: StudyDatabase,
    username: str,
    password: str,
    protocol_id: str,
    label: str,
    meaning: str,
    form_instance: int | None = None,
) -> int:
    """Sign a form (or, without ``form_instance``, the subject's casebook) with the password
    re-entered and the meaning of the signature; returns the signature's number."""
    if not meaning.strip():
        raise EdcError("meaning: a signature states what it means")
    with db.writing(username) as change:
        if not check_password(change.user, password):
            raise EdcError(f"password: wrong password for {username}; nothing was signed")
        subject, site = find_subject(change.session, change.user, protocol_id, label, Action.SIGN)
        require(change.session, change.user, Action.SIGN, site)
        if form_instance is not None:
            instance = change.session.get(FormInstance, form_instance)
            if instance is None or instance.subject_id != subject.id:
                raise EdcError(f"form_instance: {form_instance} is not a form of {subject.label}")
            if instance.status == "open":
                raise EdcError(f"form {instance.form}: complete it before signing")
        else:
            open_forms = change.session.scalars(
                select(FormInstance.form).where(
                    FormInstance.subject_id == subject.id, FormInstance.status == "open"
                )
            ).all()
            if open_forms:
                raise EdcError(
                    f"casebook {subject.label}: forms still open ({', '.join(sorted(set(open_forms)))})"
                )
        signature = Signature(
            subject_id=subject.id,
            form_instance_id=form_instance,
            user_id=change.user.id,
            meaning=meaning.strip(),
            at=change.at,
        )
        change.session.add(signature)
        change.session.flush()
        what = "casebook" if form_instance is None else f"form {form_instance}"
        change.audit("signature", signature.id, what, None, meaning.strip(), site=site.code)
        return signature.id


@dataclass(frozen=True, slots=True)
class QueryThread:
    """A query with its thread: on which form record and item, its status, its messages."""

    id: int
    form: str
    form_instance: int
    item: str | None
    status: str
    automatic: bool
    messages: tuple[tuple[str, str, str, datetime], ...]
    """(who, action, text, when); who is ``automatic`` for an edit check."""


def queries_of(db: StudyDatabase, username: str, protocol_id: str, label: str) -> list[QueryThread]:
    """The queries on a subject's forms, oldest first (the subject's site must be the user's)."""
    with db.reading() as session:
        user = user_named(session, username)
        subject, _ = find_subject(session, user, protocol_id, label)
        rows = session.execute(
            select(Query, FormInstance)
            .join(FormInstance, FormInstance.id == Query.form_instance_id)
            .where(FormInstance.subject_id == subject.id)
            .order_by(Query.id)
        ).all()
        names = {row[0]: row[1] for row in session.execute(select(User.id, User.username))}
        found = []
        for query, instance in rows:
            messages = session.scalars(
                select(QueryMessage)
                .where(QueryMessage.query_id == query.id)
                .order_by(QueryMessage.id)
            )
            found.append(
                QueryThread(
                    query.id,
                    instance.form,
                    instance.id,
                    query.item,
                    query.status,
                    query.automatic,
                    tuple(
                        (
                            names.get(m.by_user_id, "automatic") if m.by_user_id else "automatic",
                            m.action,
                            m.text,
                            m.at,
                        )
                        for m in messages
                    ),
                )
            )
        return found
