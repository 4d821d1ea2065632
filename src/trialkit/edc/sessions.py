"""Signing in and out: server-side sessions for the web application and programs, and the
lockout after repeated failed sign-ins.

A session is a random token (256 bits, ``secrets.token_urlsafe``) held by the browser
in a cookie; the database keeps only its SHA-256, the user, the session's CSRF token
and its expiry (:data:`SESSION_HOURS` after sign-in: one working shift). After
:data:`LOCKOUT_FAILURES` failed sign-ins of a username within
:data:`LOCKOUT_WINDOW`, further attempts are refused until the window has passed,
and the lockout is an audit event. NIST SP 800-63B (section 5.2.2) asks verifiers to
limit failed attempts (to no more than 100); five in fifteen minutes is the usual
threshold of clinical systems and keeps a guessed password out of reach.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import timedelta

from sqlalchemy import delete, func, select

from trialkit.edc.database import StudyDatabase
from trialkit.edc.schema import LoginFailure, User, WebSession
from trialkit.edc.study import check_password
from trialkit.errors import SignInError

__all__ = [
    "LOCKOUT_FAILURES",
    "LOCKOUT_WINDOW",
    "SESSION_HOURS",
    "session_of",
    "sign_in",
    "sign_out",
]

SESSION_HOURS = 8
"""How long a session lasts after sign-in."""

LOCKOUT_FAILURES = 5
"""Failed sign-ins of one username within :data:`LOCKOUT_WINDOW` that lock it."""

LOCKOUT_WINDOW = timedelta(minutes=15)

_REFUSED = "sign-in: wrong username or password"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sign_in(db: StudyDatabase, username: str, password: str) -> tuple[str, str]:
    """Open a session for ``username``; returns its token and CSRF token.

    The same message for an unknown user and a wrong password; a locked username is
    refused even with the right password.
    """
    name = username.strip()[:64]
    if not name or any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        raise SignInError(_REFUSED)  # no user has such a name (and a database cannot store it)
    # the password is verified before the writing transaction: argon2id takes tens of
    # milliseconds, which every other writer would otherwise wait for
    with db.reading() as reading:
        known = reading.scalars(select(User).where(User.username == name)).one_or_none()
    verified = known is not None and known.active and check_password(known, password)
    with db.writing(f"sign-in:{name}", bootstrap=True) as change:
        session = change.session
        since = change.at - LOCKOUT_WINDOW
        failures = (
            session.scalar(
                select(func.count())
                .select_from(LoginFailure)
                .where(LoginFailure.username == name, LoginFailure.at > since)
            )
            or 0
        )
        if failures >= LOCKOUT_FAILURES:
            raise SignInError(
                f"sign-in: {name} is locked after {LOCKOUT_FAILURES} failed attempts; "
                f"try again in {int(LOCKOUT_WINDOW.total_seconds() // 60)} minutes",
                locked=True,
            )
        user = session.scalars(select(User).where(User.username == name)).one_or_none()
        if (
            user is None
            or known is None
            or not user.active
            or not verified
            or user.password != known.password
        ):
            session.add(LoginFailure(username=name, at=change.at))
            if failures + 1 >= LOCKOUT_FAILURES:
                change.audit("user", name, "locked", None, change.at, reason="failed sign-ins")
            change.session.flush()
            failed = True
        else:
            failed = False
            token = secrets.token_urlsafe(32)
            csrf = secrets.token_urlsafe(32)
            session.add(
                WebSession(
                    token_sha256=_digest(token),
                    user_id=user.id,
                    csrf=csrf,
                    created_at=change.at,
                    expires_at=change.at + timedelta(hours=SESSION_HOURS),
                )
            )
            session.execute(delete(LoginFailure).where(LoginFailure.username == name))
            change.audit("user", name, "signed_in", None, change.at)
    if failed:
        raise SignInError(_REFUSED)
    return token, csrf


def session_of(db: StudyDatabase, token: str | None) -> tuple[User, WebSession] | None:
    """The user and session of ``token``, or None when it is unknown or expired."""
    if not token:
        return None
    with db.reading() as session:
        found = session.execute(
            select(User, WebSession)
            .join(WebSession, WebSession.user_id == User.id)
            .where(WebSession.token_sha256 == _digest(token))
        ).one_or_none()
        if found is None:
            return None
        user, web = found
        if web.expires_at <= db.clock() or not user.active:
            return None
        return user, web


def sign_out(db: StudyDatabase, token: str) -> None:
    """Close the session of ``token`` (nothing happens for an unknown token)."""
    found = session_of(db, token)
    if found is None:
        return
    user, _ = found
    with db.writing(user.username) as change:
        change.session.execute(delete(WebSession).where(WebSession.token_sha256 == _digest(token)))
        change.audit("user", user.username, "signed_out", None, change.at)
