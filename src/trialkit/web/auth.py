"""Who is asking: the signed-in user of a request (server-side session), and the CSRF
check of every write."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from trialkit.edc.schema import User, WebSession
from trialkit.edc.sessions import session_of

__all__ = ["COOKIE", "Signed", "Who", "Writer"]

COOKIE = "trialkit_session"
"""The session cookie: a random token, HttpOnly, SameSite=Lax, Secure behind TLS."""


class Signed:
    """The signed-in user of a request and its session."""

    def __init__(self, user: User, session: WebSession) -> None:
        self.user = user
        self.session = session

    @property
    def name(self) -> str:
        """The username: what the services are called with."""
        return self.user.username


def _signed(request: Request) -> Signed:
    found = session_of(request.app.state.db, request.cookies.get(COOKIE))
    if found is None:
        raise HTTPException(401, "sign in first")
    return Signed(*found)


async def _checked(request: Request, who: Annotated[Signed, Depends(_signed)]) -> Signed:
    form = await request.form()
    token = form.get("csrf")
    if not isinstance(token, str) or not hmac.compare_digest(token, who.session.csrf):
        raise HTTPException(403, "the form's CSRF token is missing or wrong: reload the page")
    return who


Who = Annotated[Signed, Depends(_signed)]
"""A page's signed-in user (401, shown as the sign-in page, without a session)."""

Writer = Annotated[Signed, Depends(_checked)]
"""A write's signed-in user, its form's CSRF token checked (403 otherwise)."""
