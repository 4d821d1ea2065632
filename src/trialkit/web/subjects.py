"""The subject's pages and actions: register, screen, consent, enrol, queries, adverse
events, signatures, and the interim decision of a two-stage design.

Each action is a form POST (CSRF-checked) that calls one service with the signed-in
user; a refusal (:class:`trialkit.errors.EdcError`) is shown on the subject's page with
its reason, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from trialkit.edc import enrolment, review, safety
from trialkit.edc.casebook import casebook, history
from trialkit.edc.database import StudyDatabase
from trialkit.edc.study import current_study, protocol_of
from trialkit.errors import EdcError, PermissionDeniedError
from trialkit.vocab import Kind, vocabulary
from trialkit.web.auth import Who, Writer
from trialkit.web.render import page

__all__ = ["router", "subject_page"]

router = APIRouter()

Text = Annotated[str, Form(max_length=4000)]
Optional = Annotated[str | None, Form(max_length=4000)]


def _db(request: Request) -> StudyDatabase:
    database: StudyDatabase = request.app.state.db
    return database


def _home(protocol_id: str, label: str) -> str:
    return f"/p/{quote(protocol_id)}/s/{quote(label)}"


def subject_page(
    request: Request,
    who: Who,
    protocol_id: str,
    label: str,
    *,
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The subject's page: status, screening, visits, forms, queries, actions."""
    db = _db(request)
    book = casebook(db, who.name, protocol_id, label)
    with db.reading() as session:
        protocol = protocol_of(current_study(session, protocol_id))
    ae_terms = sorted(
        (c.key, c.display) for c in vocabulary().values() if c.kind is Kind.ADVERSE_EVENT
    )
    return page(
        request,
        "subject.html.j2",
        status,
        who=who,
        book=book,
        protocol=protocol,
        screening=enrolment.latest_screening(db, who.name, protocol_id, label),
        queries=review.queries_of(db, who.name, protocol_id, label),
        gate=enrolment.gate_status(db, protocol_id),
        has_ae_form=any(f.records == "adverse_event" for f in protocol.forms),
        ae_terms=ae_terms,
        today=db.clock().date().isoformat(),
        message=message,
    )


@router.get("/p/{protocol_id}/s/{label}", response_class=HTMLResponse)
def show(request: Request, protocol_id: str, label: str, who: Who) -> HTMLResponse:
    """The subject's page."""
    return subject_page(request, who, protocol_id, label)


def _acted(
    request: Request, who: Who, protocol_id: str, label: str, action: Callable[[], object]
) -> Response:
    """Run ``action`` (a call of a service); back to the subject's page, with the refusal
    shown when it is refused."""
    try:
        action()
    except PermissionDeniedError:
        raise
    except EdcError as error:
        return subject_page(request, who, protocol_id, label, message=str(error), status=422)
    return RedirectResponse(_home(protocol_id, label), status_code=303)


@router.get("/p/{protocol_id}/s/{label}/history", response_class=HTMLResponse)
def audit_history(request: Request, protocol_id: str, label: str, who: Who) -> HTMLResponse:
    """The subject's audit trail: who changed what, when, old → new, and why."""
    changes = history(_db(request), who.name, protocol_id, label)
    return page(
        request, "history.html.j2", who=who, protocol_id=protocol_id, label=label, changes=changes
    )


@router.post("/p/{protocol_id}/register")
def register(
    request: Request,
    protocol_id: str,
    who: Writer,
    site: Text,
    birth_date: Text,
    sex: Text,
) -> Response:
    """Register a subject for screening at a site."""
    label = enrolment.register_subject(_db(request), who.name, protocol_id, site, birth_date, sex)
    return RedirectResponse(_home(protocol_id, label), status_code=303)


@router.post("/p/{protocol_id}/s/{label}/screen")
def screen(request: Request, protocol_id: str, label: str, who: Writer) -> Response:
    """Screen the subject on its entered data."""
    db = _db(request)
    return _acted(
        request, who, protocol_id, label,
        lambda: enrolment.screen_subject(db, who.name, protocol_id, label),
    )  # fmt: skip


@router.post("/p/{protocol_id}/s/{label}/consent")
def consent(
    request: Request, protocol_id: str, label: str, who: Writer, version: Text, signed_on: Text
) -> Response:
    """Record the informed consent."""
    db = _db(request)
    return _acted(
        request, who, protocol_id, label,
        lambda: enrolment.record_consent(db, who.name, protocol_id, label, version, signed_on),
    )  # fmt: skip


@router.post("/p/{protocol_id}/s/{label}/enrol")
def enrol(
    request: Request, protocol_id: str, label: str, who: Writer, enrolled_on: Text
) -> Response:
    """Enrol the subject under the design's gate."""
    db = _db(request)

    def run() -> None:
        enrolment.enrol(db, who.name, protocol_id, label, enrolled_on)
        enrolment.set_anchor(db, who.name, protocol_id, label, "day1", enrolled_on)

    return _acted(request, who, protocol_id, label, run)


@router.post("/p/{protocol_id}/s/{label}/adverse-event")
def adverse_event(
    request: Request,
    protocol_id: str,
    label: str,
    who: Writer,
    term: Text,
    grade: Text,
    onset: Text,
    serious: Optional = None,
    override_reason: Optional = None,
) -> Response:
    """Report an adverse event; a grade other than the one the captured labs give needs a
    reason (the refusal says which grade they give and why)."""
    db = _db(request)
    values: dict[str, str | tuple[str, str | None]] = {
        "term": term,
        "grade": grade,
        "onset": onset,
        "serious": "true" if serious == "yes" else "false",
    }
    return _acted(
        request, who, protocol_id, label,
        lambda: safety.report_adverse_event(
            db, who.name, protocol_id, label, values, override_reason=override_reason or None
        ),
    )  # fmt: skip


@router.post("/p/{protocol_id}/s/{label}/queries/{query_id}/{move}")
def query(
    request: Request,
    protocol_id: str,
    label: str,
    query_id: int,
    move: str,
    who: Writer,
    text: Text,
) -> Response:
    """Answer, close or reopen a query."""
    db = _db(request)
    moves = {
        "answer": review.answer_query,
        "close": review.close_query,
        "reopen": review.reopen_query,
    }
    if move not in moves:
        return subject_page(
            request, who, protocol_id, label, message=f"query: no action {move!r}", status=404
        )
    casebook(db, who.name, protocol_id, label)  # the subject's site, before the query
    return _acted(
        request, who, protocol_id, label,
        lambda: moves[move](db, who.name, protocol_id, query_id, text),
    )  # fmt: skip


@router.post("/p/{protocol_id}/s/{label}/sign")
def sign(
    request: Request,
    protocol_id: str,
    label: str,
    who: Writer,
    password: Annotated[str, Form(max_length=256)],
    meaning: Text,
) -> Response:
    """Sign the casebook, the password re-entered."""
    db = _db(request)
    return _acted(
        request, who, protocol_id, label,
        lambda: review.sign(db, who.name, password, protocol_id, label, meaning),
    )  # fmt: skip


@router.post("/p/{protocol_id}/decide", response_class=HTMLResponse)
def decide(request: Request, protocol_id: str, who: Writer) -> Response:
    """Record the interim decision of the two-stage design."""
    decision = enrolment.decide_interim(_db(request), who.name, protocol_id)
    return page(request, "decision.html.j2", who=who, protocol_id=protocol_id, decision=decision)
