"""The trial's web application: server-rendered pages over the study database's services.

Every page reads and writes through :mod:`trialkit.edc`'s services with the signed-in
user's name, so the per-site, per-role checks are the services' (never the
templates'). Every write is a plain HTML form POST carrying the session's CSRF token:
the pages need no JavaScript. Sessions are server-side (:mod:`trialkit.edc.sessions`);
the cookie holds only a random token, HttpOnly, SameSite=Lax, Secure behind TLS.
Every response carries a Content-Security-Policy without inline scripts and
``frame-ancestors 'none'``; an error page shows the reason in one line, never a
stack trace or SQL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from trialkit.edc import enrolment, entry
from trialkit.edc.casebook import casebook, protocols_in, subjects_of
from trialkit.edc.database import StudyDatabase
from trialkit.edc.sessions import session_of, sign_in, sign_out
from trialkit.edc.study import current_study, protocol_of
from trialkit.errors import EdcError, PermissionDeniedError, UnknownEntityError
from trialkit.protocol.forms import Form as ProtocolForm
from trialkit.protocol.forms import FormItem
from trialkit.vocab import ValueType, vocabulary
from trialkit.web.api import create_api, problem
from trialkit.web.auth import COOKIE, Signed, Who, Writer
from trialkit.web.render import HEADERS, page
from trialkit.web.subjects import router

__all__ = ["COOKIE", "create_app"]


def _who(request: Request) -> Signed | None:
    """The signed-in user of a refused request, if any (for the page's header)."""
    found = session_of(request.app.state.db, request.cookies.get(COOKIE))
    return None if found is None else Signed(*found)


def create_app(db: StudyDatabase) -> FastAPI:
    """The web application over the study database ``db``."""
    app = FastAPI(title="trialkit", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.db = db
    app.mount(
        "/static", StaticFiles(directory=str(files("trialkit.web").joinpath("static"))), "static"
    )

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, error: HTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            # a path the API's mount cannot take (a newline in it): still a problem document
            return problem(error.status_code, "Not Found", str(error.detail))
        if error.status_code == 401:
            return RedirectResponse("/login", status_code=303)
        return page(
            request,
            "error.html.j2",
            error.status_code,
            message=str(error.detail),
            who=_who(request),
        )

    @app.exception_handler(RequestValidationError)
    async def _malformed(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"{where or 'request'}: {first.get('msg', 'not a valid request')}"
        return page(request, "error.html.j2", 422, message=message, who=_who(request))

    @app.exception_handler(PermissionDeniedError)
    async def _denied(request: Request, error: PermissionDeniedError) -> Response:
        return page(request, "error.html.j2", 403, message=str(error), who=_who(request))

    @app.exception_handler(UnknownEntityError)
    async def _unknown(request: Request, error: UnknownEntityError) -> Response:
        return page(request, "error.html.j2", 404, message=str(error), who=_who(request))

    @app.exception_handler(EdcError)
    async def _refused(request: Request, error: EdcError) -> Response:
        return page(request, "error.html.j2", 400, message=str(error), who=_who(request))

    app.include_router(router)
    app.mount("/api/v1", create_api(db))

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request) -> HTMLResponse:
        return page(request, "login.html.j2")

    @app.post("/login")
    def login(
        request: Request,
        username: Annotated[str, Form(max_length=64)],
        password: Annotated[str, Form(max_length=256)],
    ) -> Response:
        try:
            token, _ = sign_in(db, username, password)
        except EdcError as error:
            return page(request, "login.html.j2", 400, message=str(error), username=username)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            max_age=8 * 3600,
        )
        return response

    @app.post("/logout")
    def logout(request: Request, who: Writer) -> Response:
        sign_out(db, request.cookies.get(COOKIE, ""))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @app.get("/", response_class=HTMLResponse)
    def dashboard(request: Request, who: Who) -> HTMLResponse:
        subjects = subjects_of(db, who.name)
        gates = {p: enrolment.gate_status(db, p) for p in protocols_in(db)}
        return page(
            request,
            "dashboard.html.j2",
            who=who,
            subjects=subjects,
            gates=gates,
            today=db.clock().date().isoformat(),
        )

    @app.get("/p/{protocol_id}/s/{label}/forms/{form_id}", response_class=HTMLResponse)
    def form_page(
        request: Request,
        protocol_id: str,
        label: str,
        form_id: str,
        who: Who,
        visit: str | None = None,
        cycle: int = 0,
    ) -> HTMLResponse:
        book = casebook(db, who.name, protocol_id, label)  # the site check, before the form
        form = _form(protocol_id, form_id)
        return page(
            request,
            "form.html.j2",
            who=who,
            book=book,
            form=form,
            fields=_fields(form),
            visit=visit,
            cycle=cycle,
            values={},
            today=db.clock().date().isoformat(),
        )

    @app.post("/p/{protocol_id}/s/{label}/forms/{form_id}", response_class=HTMLResponse)
    async def save(
        request: Request, protocol_id: str, label: str, form_id: str, who: Writer
    ) -> Response:
        submitted = await request.form()
        form = _form(protocol_id, form_id)
        values: dict[str, entry.Entry] = {}
        for field in _fields(form):
            given = submitted.get(f"v:{field.name}")
            if not isinstance(given, str) or not given.strip():
                continue
            unit = submitted.get(f"u:{field.name}")
            values[field.name] = (given, unit) if isinstance(unit, str) and unit else given
        visit = _text(submitted.get("visit"))
        visit_date = _text(submitted.get("visit_date"))
        cycle = int(_text(submitted.get("cycle")) or 0)
        try:
            saved = entry.save_form(
                db,
                who.name,
                protocol_id,
                label,
                form_id,
                values,
                visit=visit,
                cycle=cycle,
                visit_date=visit_date,
                reason=_text(submitted.get("reason")),
                complete=submitted.get("complete") == "yes",
            )
        except PermissionDeniedError:
            raise
        except EdcError as error:
            book = casebook(db, who.name, protocol_id, label)
            shown = {k: _text(v) or "" for k, v in submitted.items()}
            return page(
                request,
                "form.html.j2",
                422,
                who=who,
                book=book,
                form=form,
                fields=_fields(form),
                visit=visit,
                cycle=cycle,
                values=shown,
                today=visit_date or db.clock().date().isoformat(),
                message=str(error),
            )
        return page(
            request,
            "saved.html.j2",
            who=who,
            protocol_id=protocol_id,
            label=label,
            form=form,
            saved=saved,
            back=f"/p/{quote(protocol_id)}/s/{quote(label)}",
        )

    def _protocol(protocol_id: str) -> Any:
        with db.reading() as session:
            return protocol_of(current_study(session, protocol_id))

    def _form(protocol_id: str, form_id: str) -> ProtocolForm:
        for form in _protocol(protocol_id).forms:
            if form.id == form_id:
                return form  # type: ignore[no-any-return]
        raise HTTPException(404, f"form: no form {form_id!r} in {protocol_id}")

    return app


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


class Field:
    """How one item of a form is shown: its input's kind, label, units and choices."""

    def __init__(self, item: FormItem) -> None:
        self.item = item
        self.name = item.name
        self.required = item.required
        self.help = item.help or ""
        self.units: tuple[str, ...] = ()
        self.choices: list[tuple[str, str]] = []
        if item.concept is not None:
            concept = vocabulary()[item.concept]
            self.label = concept.display
            if concept.value_type is ValueType.QUANTITY:
                self.kind = "number"
                shown = item.shown_unit
                self.units = (shown, *(u for u in concept.units if u != shown)) if shown else ()
            else:
                self.kind = "yesno"
            return
        self.label = item.help or item.name.replace("_", " ")
        self.kind = {"integer": "number", "datetime": "text"}.get(
            item.type or "text", item.type or "text"
        )
        if item.type == "number" and item.unit:
            self.units = (item.unit,)
        if item.type == "boolean":
            self.kind = "yesno"
        if item.type == "choice":
            self.choices = [(c.code, c.display) for c in item.choices or ()]
        if item.type == "concept":
            wanted = set(item.kinds or ())
            self.kind = "choice"
            self.choices = sorted(
                (c.key, c.display) for c in vocabulary().values() if c.kind in wanted
            )


def _fields(form: ProtocolForm) -> list[Field]:
    return [Field(item) for item in form.items]
