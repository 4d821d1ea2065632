"""The JSON API for programs, ``/api/v1``: the same services as the pages, an OpenAPI 3.1
description at ``/api/v1/openapi.json``, bearer tokens, RFC 9457 problem details.

A program asks for a token (``POST /api/v1/tokens``) with a user's name and password
and sends it as ``Authorization: Bearer <token>``; the token is a server-side session
(:mod:`trialkit.edc.sessions`) of the same lifetime as a browser's. The API reads no
cookie, so a browser's ambient credentials cannot drive it (no CSRF). Every refusal is
a problem document (``application/problem+json``: ``type``, ``title``, ``status``,
``detail``): 400 for a refused value or rule, 401 without a valid token, 403 for a
user without the role at the subject's site, 404 for an unknown protocol, subject or
form, 422 for a request body that is not the documented shape.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from trialkit.edc import enrolment, entry
from trialkit.edc.casebook import casebook, subjects_of
from trialkit.edc.database import StudyDatabase
from trialkit.edc.schema import User
from trialkit.edc.sessions import session_of, sign_in
from trialkit.errors import EdcError, PermissionDeniedError, SignInError, UnknownEntityError

__all__ = ["API_VERSION", "create_api", "problem"]

API_VERSION = "1"

_PROBLEM = "application/problem+json"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Credentials(_Model):
    """A user's name and password."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Token(_Model):
    """A bearer token and when it expires."""

    token: str
    expires_at: datetime


class Problem(_Model):
    """An RFC 9457 problem document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


class SubjectSummary(_Model):
    """A subject of the user's sites."""

    protocol: str
    subject: str
    site: str
    status: str
    verdict: str | None


class VisitOut(_Model):
    """A visit of a subject's schedule."""

    visit: str
    cycle: int
    target: date
    window_start: date
    window_end: date
    status: str
    visit_date: date | None


class ItemOut(_Model):
    """A captured value, canonical."""

    item: str
    value: str
    unit: str | None


class FormOut(_Model):
    """A captured form record."""

    form: str
    visit: str | None
    cycle: int
    record: int
    status: str
    observed_on: date | None
    items: list[ItemOut]


class CasebookOut(_Model):
    """A subject's casebook."""

    subject: str
    site: str
    status: str
    protocol: str
    protocol_version: int
    visits: list[VisitOut]
    forms: list[FormOut]


class Value(_Model):
    """An entered value: its text, its unit, and for a laboratory value the normal range."""

    value: str = Field(min_length=1, max_length=4000)
    unit: str | None = Field(default=None, max_length=32)
    low: str | None = Field(default=None, max_length=32, description="LLN, in ``unit``.")
    high: str | None = Field(default=None, max_length=32, description="ULN, in ``unit``.")


class FormIn(_Model):
    """Values of a form to save, and where they belong."""

    values: dict[str, Value] = Field(max_length=500)
    visit: str | None = Field(default=None, max_length=64)
    cycle: int = Field(default=0, ge=0, le=1000)
    visit_date: str | None = Field(
        default=None,
        max_length=10,
        description="The visit's date, or the day values outside a visit were measured.",
    )
    record: int | None = Field(default=None, ge=1, le=100000)
    reason: str | None = Field(default=None, max_length=4000)
    complete: bool = False


class Saved(_Model):
    """What a save did."""

    form_instance: int
    record: int
    changed: list[str]
    queries: list[str]
    out_of_window: bool


class ScreeningOut(_Model):
    """A screening's verdict and its ``trialkit screen --json`` document."""

    verdict: str
    screening: dict[str, Any]


class GateOut(_Model):
    """Where enrolment stands under the protocol's design."""

    protocol: str
    enrolled: int
    open: bool
    reason: str
    stage: int | None
    decision: str | None


class _Caller:
    """The user a bearer token belongs to."""

    def __init__(self, user: User) -> None:
        self.name = user.username


def _caller(request: Request) -> _Caller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    found = session_of(request.app.state.db, token.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        raise HTTPException(401, "a valid bearer token is needed: POST /api/v1/tokens")
    return _Caller(found[0])


Caller = Annotated[_Caller, Depends(_caller)]


def _problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The documented problem responses ``codes`` (RFC 9457 documents)."""
    texts = {
        400: "Refused: the detail names the field and the rule; nothing changed.",
        401: "No valid bearer token (for /tokens: a wrong username or password).",
        403: "The user has no role at the subject's site that allows it.",
        404: "No such protocol, subject or form.",
        422: "The request is not the documented shape.",
        429: "The user is locked after repeated failed sign-ins.",
    }
    schema = Problem.model_json_schema()
    return {
        code: {"description": texts[code], "content": {_PROBLEM: {"schema": schema}}}
        for code in codes
    }


def problem(status: int, title: str, detail: str) -> JSONResponse:
    """An RFC 9457 problem document as a response."""
    body = Problem(title=title, status=status, detail=detail).model_dump()
    return JSONResponse(body, status_code=status, media_type=_PROBLEM)


def create_api(db: StudyDatabase) -> FastAPI:
    """The ``/api/v1`` application over ``db`` (mounted by :func:`trialkit.web.app.create_app`)."""
    api = FastAPI(
        title="trialkit API",
        version=API_VERSION,
        description=__doc__,
        docs_url=None,
        redoc_url=None,
        responses=_problems(400, 401, 403, 404, 422),
    )
    api.state.db = db

    @api.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> JSONResponse:
        titles = {
            401: "Unauthorized",
            404: "Not Found",
            405: "Method Not Allowed",
            429: "Too Many Requests",
        }
        return problem(error.status_code, titles.get(error.status_code, "Error"), str(error.detail))

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return problem(422, "Unprocessable Content", f"{where}: {first.get('msg', 'invalid')}")

    @api.exception_handler(PermissionDeniedError)
    async def _denied(request: Request, error: PermissionDeniedError) -> JSONResponse:
        return problem(403, "Forbidden", str(error))

    @api.exception_handler(UnknownEntityError)
    async def _unknown(request: Request, error: UnknownEntityError) -> JSONResponse:
        return problem(404, "Not Found", str(error))

    @api.exception_handler(EdcError)
    async def _refused(request: Request, error: EdcError) -> JSONResponse:
        return problem(400, "Bad Request", str(error))

    @api.post("/tokens", status_code=201, responses=_problems(429))
    def token(credentials: Credentials) -> Token:
        """A bearer token for a user (5 failed attempts in 15 minutes lock the user)."""
        try:
            made, _ = sign_in(db, credentials.username, credentials.password)
        except SignInError as error:
            raise HTTPException(429 if error.locked else 401, str(error)) from None
        found = session_of(db, made)
        assert found is not None
        return Token(token=made, expires_at=found[1].expires_at)

    @api.get("/subjects")
    def subjects(who: Caller) -> list[SubjectSummary]:
        """The subjects of every protocol at the user's sites."""
        return [
            SubjectSummary(
                protocol=s.protocol_id,
                subject=s.label,
                site=s.site,
                status=s.status,
                verdict=s.verdict,
            )
            for s in subjects_of(db, who.name)
        ]

    @api.get("/protocols/{protocol_id}/gate")
    def gate(protocol_id: str, who: Caller) -> GateOut:
        """Where enrolment stands under the protocol's design."""
        status = enrolment.gate_status(db, protocol_id)
        return GateOut(
            protocol=protocol_id,
            enrolled=status.enrolled,
            open=status.open,
            reason=status.reason,
            stage=status.stage,
            decision=status.decision,
        )

    @api.get("/protocols/{protocol_id}/subjects/{label}")
    def subject(protocol_id: str, label: str, who: Caller) -> CasebookOut:
        """A subject's casebook: its schedule and its captured forms."""
        book = casebook(db, who.name, protocol_id, label)
        return CasebookOut(
            subject=book.label,
            site=book.site,
            status=book.status,
            protocol=book.protocol_id,
            protocol_version=book.version,
            visits=[
                VisitOut(
                    visit=v.visit.id,
                    cycle=v.cycle,
                    target=v.target,
                    window_start=v.start,
                    window_end=v.end,
                    status=v.status.value,
                    visit_date=v.visit_date,
                )
                for v in book.visits
            ],
            forms=[
                FormOut(
                    form=f.form_id,
                    visit=f.visit_id,
                    cycle=f.cycle,
                    record=f.sequence,
                    status=f.status,
                    observed_on=f.observed_on,
                    items=[ItemOut(item=i.item, value=i.value, unit=i.unit) for i in f.items],
                )
                for f in book.data.forms
            ],
        )

    @api.post("/protocols/{protocol_id}/subjects/{label}/forms/{form_id}")
    def save(protocol_id: str, label: str, form_id: str, body: FormIn, who: Caller) -> Saved:
        """Save values of a form, with its edit checks (a refused value refuses the whole
        save: 400, nothing changed)."""
        values: dict[str, entry.Entry] = {}
        for item, given in body.values.items():
            if given.low is not None or given.high is not None:
                values[item] = (given.value, given.unit, given.low, given.high)
            elif given.unit is not None:
                values[item] = (given.value, given.unit)
            else:
                values[item] = given.value
        saved = entry.save_form(
            db,
            who.name,
            protocol_id,
            label,
            form_id,
            values,
            visit=body.visit,
            cycle=body.cycle,
            visit_date=body.visit_date,
            sequence=body.record,
            reason=body.reason,
            complete=body.complete,
        )
        return Saved(
            form_instance=saved.form_instance,
            record=saved.sequence,
            changed=list(saved.changed),
            queries=list(saved.queries),
            out_of_window=saved.out_of_window,
        )

    @api.post("/protocols/{protocol_id}/subjects/{label}/screening")
    def screen(protocol_id: str, label: str, who: Caller) -> ScreeningOut:
        """Screen the subject on its entered data; the screening log keeps it."""
        verdict, document = enrolment.screen_subject(db, who.name, protocol_id, label)
        return ScreeningOut(verdict=verdict.value, screening=document)

    return api
