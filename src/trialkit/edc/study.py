"""Services that set a study up: its protocol versions, sites, users and their roles.

A database holds one or more protocols; each protocol version is a row of
``study`` with the protocol file's text, so data captured under version 1 keep
version 1's forms after an amendment. Sites and users serve every protocol of the
database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trialkit.edc.access import Action, Role, require
from trialkit.edc.database import Change, StudyDatabase
from trialkit.edc.labels import SITE_CODE
from trialkit.edc.schema import RoleAssignment, Site, Study, User
from trialkit.errors import EdcError, ProtocolError, UnknownEntityError
from trialkit.protocol.files import parse_protocol
from trialkit.protocol.model import Protocol

__all__ = [
    "add_protocol",
    "add_site",
    "add_user",
    "check_password",
    "current_study",
    "grant_role",
    "init_database",
    "protocol_of",
    "site_by_code",
]

_HASHER = PasswordHasher()
"""argon2id with argon2-cffi's defaults (RFC 9106's second recommended option: 64 MiB,
3 passes, 4 lanes); tests swap in a cheap one. Each hash records its own parameters."""


def check_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's (argon2id; the comparison is argon2-cffi's)."""
    try:
        return bool(_HASHER.verify(user.password, password))
    except (VerificationError, InvalidHashError):
        return False


def _password(password: str) -> str:
    if len(password) < 8:
        raise EdcError("password: at least 8 characters")
    return _HASHER.hash(password)


_PARSED: dict[str, Protocol] = {}
"""Stored protocol files parsed once per process, by their SHA-256."""


def protocol_of(study: Study) -> Protocol:
    """The protocol of a study version, as stored (its text read and parsed once)."""
    found = _PARSED.get(study.sha256)
    if found is None:
        found = parse_protocol(study.protocol, f"{study.protocol_id} version {study.version}")
        _PARSED[study.sha256] = found
    return found


def current_study(session: Session, protocol_id: str) -> Study:
    """The newest version of protocol ``protocol_id`` in the database."""
    study = session.scalars(
        select(Study).where(Study.protocol_id == protocol_id).order_by(Study.version.desc())
    ).first()
    if study is None:
        known = ", ".join(session.scalars(select(Study.protocol_id).distinct())) or "none"
        raise UnknownEntityError(
            f"protocol: {protocol_id!r} is not in this database (it holds: {known})"
        )
    return study


def site_by_code(session: Session, code: str) -> Site:
    """The site with ``code``."""
    site = session.scalars(select(Site).where(Site.code == code.upper())).one_or_none()
    if site is None:
        raise EdcError(f"site: no site {code!r}")
    return site


def init_database(db: StudyDatabase, admin: str, full_name: str, password: str) -> None:
    """Create the tables and the study administrator (``trialkit edc init``).

    Refused when the database already has users: it is initialised once.
    """
    db.migrate()
    with db.writing(admin, bootstrap=True) as change:
        if change.session.scalar(select(func.count()).select_from(User)):
            raise EdcError("database: already initialised (it has users)")
        user = change.user
        user.full_name = full_name
        user.password = _password(password)
        change.session.add(user)
        change.session.flush()
        change.session.add(RoleAssignment(user_id=user.id, site_id=None, role=Role.ADMINISTRATOR))
        change.audit("user", admin, "created", None, full_name)
        change.audit("role", admin, Role.ADMINISTRATOR.value, None, "study-wide")


def _admin(change: Change) -> None:
    require(change.session, change.user, Action.ADMINISTER)


def add_protocol(db: StudyDatabase, username: str, text: str, origin: str = "protocol") -> int:
    """Store a protocol file as a new version of its protocol (an amendment when one is
    there); returns the version. The text must be a valid protocol file."""
    try:
        protocol = parse_protocol(text, origin)
    except ProtocolError as error:
        raise EdcError(str(error)) from None
    with db.writing(username) as change:
        _admin(change)
        latest = change.session.scalar(
            select(func.max(Study.version)).where(Study.protocol_id == protocol.id)
        )
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if latest is not None:
            previous = current_study(change.session, protocol.id)
            if previous.sha256 == digest:
                raise EdcError(f"protocol: {protocol.id} version {latest} is this very file")
        version = (latest or 0) + 1
        study = Study(
            protocol_id=protocol.id,
            version=version,
            protocol=text,
            sha256=digest,
            created_at=change.at,
        )
        change.session.add(study)
        change.session.flush()
        change.audit("study", f"{protocol.id}/{version}", "protocol", None, digest)
        return version


def add_site(db: StudyDatabase, username: str, code: str, name: str) -> None:
    """Add a site; ``code`` (2–8 capitals or digits) prefixes its subjects' study ids."""
    code = code.strip().upper()
    if not SITE_CODE.match(code):
        raise EdcError(f"site code: {code!r} must be 2 to 8 capital letters or digits")
    if not name.strip():
        raise EdcError("site name: empty")
    with db.writing(username) as change:
        _admin(change)
        if change.session.scalars(select(Site).where(Site.code == code)).first() is not None:
            raise EdcError(f"site code: {code} already exists")
        change.session.add(Site(code=code, name=name.strip()))
        change.audit("site", code, "created", None, name.strip(), site=code)


def add_user(
    db: StudyDatabase,
    username: str,
    new: str,
    full_name: str,
    password: str,
    roles: Sequence[tuple[str, str]] = (),
) -> None:
    """Add a user, with ``roles`` as (role, site code) pairs; all or nothing."""
    new = new.strip()
    if not new or not new.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise EdcError(f"username: {new!r} must be letters, digits, '.', '-' or '_'")
    hashed = _password(password)
    with db.writing(username) as change:
        _admin(change)
        if change.session.scalars(select(User).where(User.username == new)).first() is not None:
            raise EdcError(f"username: {new} already exists")
        change.session.add(User(username=new, full_name=full_name, password=hashed, active=True))
        change.session.flush()
        change.audit("user", new, "created", None, full_name)
        for role, site in roles:
            _grant(change, new, role, site)


def _grant(change: Change, user: str, role: str, site: str) -> None:
    try:
        granted = Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise EdcError(f"role: {role!r} is not a role ({known})") from None
    where = site_by_code(change.session, site)
    target = change.session.scalars(select(User).where(User.username == user)).one_or_none()
    if target is None:
        raise EdcError(f"user: no user {user!r}")
    exists = change.session.scalars(
        select(RoleAssignment).where(
            RoleAssignment.user_id == target.id,
            RoleAssignment.site_id == where.id,
            RoleAssignment.role == granted,
        )
    ).first()
    if exists is not None:
        raise EdcError(f"role: {user} is already {granted.value} at {where.code}")
    change.session.add(RoleAssignment(user_id=target.id, site_id=where.id, role=granted))
    change.audit("role", user, granted.value, None, where.code, site=where.code)


def grant_role(db: StudyDatabase, username: str, user: str, role: str, site: str) -> None:
    """Give ``user`` the ``role`` at ``site``."""
    with db.writing(username) as change:
        _admin(change)
        _grant(change, user, role, site)
