"""Opening the study database, migrating it, and the one way to write it.

SQLite is the embedded default: one file in WAL mode (readers never wait for the
writer), ``synchronous=FULL`` (a committed save survives a power cut: the SQLite
documentation, "PRAGMA synchronous"), foreign keys on, and every writing
transaction started with ``BEGIN IMMEDIATE`` so that writers queue instead of
failing halfway. PostgreSQL serves a multi-site deployment
(``postgresql+psycopg://...``).

Every writing transaction (:meth:`StudyDatabase.writing`) first locks the one row
of ``chain_head``: the writers of all sites are ordered, the audit chain has one
next link, and a count read inside the transaction (the enrolments before the
two-stage gate) cannot change before it commits — on both engines. Trials write a
few forms a minute; the lock is held for one service call.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session

from trialkit.edc.audit import event_hash
from trialkit.edc.schema import AuditEvent, ChainHead, User
from trialkit.errors import EdcError

__all__ = ["Change", "Clock", "StudyDatabase", "database_url"]

Clock = Callable[[], datetime]
"""The time of a service call (UTC); tests pass a fixed clock."""


def _now() -> datetime:
    return datetime.now(UTC)


def database_url(value: str) -> str:
    """A SQLAlchemy URL from a URL or a file path (a path means a SQLite file).

    ``postgresql://`` URLs use the psycopg 3 driver.
    """
    if "://" not in value:
        return f"sqlite:///{Path(value)}"
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise EdcError(f"--db: {url!r} is not a database URL or a file path") from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(connection: Any, _record: Any) -> None:
            # the driver's own transaction handling off: BEGIN is ours (below)
            connection.isolation_level = None
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            writing = connection.get_execution_options().get("trialkit_write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise EdcError(f"--db: {parsed.get_backend_name()} is not supported: use SQLite or PostgreSQL")


@dataclass
class Change:
    """One writing transaction of a service call: its session, who acts, when, and the audit
    events it has written (one per changed value, sharing ``request_id``)."""

    session: Session
    user: User
    at: datetime
    request_id: str
    head: ChainHead
    events: list[dict[str, Any]] = field(default_factory=list)

    def audit(
        self,
        entity: str,
        entity_id: object,
        field_name: str,
        old: object,
        new: object,
        *,
        site: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Append one audit event for one changed value (None: no value)."""
        seq = self.head.seq + 1
        previous = self.head.hash
        row: dict[str, Any] = {
            "seq": seq,
            "at": self.at,
            "actor": self.user.username,
            "site": site,
            "entity": entity,
            "entity_id": str(entity_id),
            "field": field_name,
            "old": _text(old),
            "new": _text(new),
            "reason": reason,
            "request_id": self.request_id,
            "previous": previous,
        }
        row["hash"] = event_hash(**row)
        self.head.seq = seq
        self.head.hash = row["hash"]
        self.events.append(row)

    def write_events(self) -> None:
        """Insert the events of this transaction (one multi-row INSERT, before the commit)."""
        if self.events:
            self.session.execute(insert(AuditEvent), self.events)
            self.events = []


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class StudyDatabase:
    """A study database at ``url`` (a SQLAlchemy URL, or a path: a SQLite file)."""

    def __init__(self, url: str, clock: Clock = _now) -> None:
        self.url = database_url(url)
        self.engine = _engine(self.url)
        self.clock = clock

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Create or upgrade the tables to the newest migration (Alembic ``upgrade head``)."""
        from trialkit.edc.migrate import upgrade

        upgrade(self.engine)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session (rolled back at the end)."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            except OperationalError as error:
                raise EdcError(f"database: {_first_line(error)}") from None
            finally:
                session.expunge_all()  # what was read stays readable after the rollback
                session.rollback()

    @contextmanager
    def writing(
        self, username: str, request_id: str | None = None, *, bootstrap: bool = False
    ) -> Iterator[Change]:
        """One writing transaction as ``username``: committed whole, or rolled back whole
        when anything in it fails (nothing already stored changes).

        ``bootstrap``: the transaction that creates the first user, who acts in it
        before it exists (``trialkit edc init``).
        """
        with self.engine.connect() as connection:
            connection = connection.execution_options(trialkit_write=True)
            with Session(bind=connection, expire_on_commit=False) as session:
                try:
                    with session.begin():
                        head = session.scalars(
                            select(ChainHead).where(ChainHead.id == 1).with_for_update()
                        ).one_or_none()
                        if head is None:
                            raise EdcError("database: not a trialkit study database (run init)")
                        user = (
                            User(username=username, active=True)
                            if bootstrap
                            else session.scalars(
                                select(User).where(User.username == username)
                            ).one_or_none()
                        )
                        if user is None or not user.active:
                            raise EdcError(f"user: no active user {username!r}")
                        change = Change(
                            session, user, self.clock(), request_id or uuid.uuid4().hex, head
                        )
                        yield change
                        change.write_events()
                except DBAPIError as error:
                    raise EdcError(f"database: {_first_line(error)}") from None

    def dispose(self) -> None:
        """Close the engine's connections."""
        self.engine.dispose()


def _first_line(error: DBAPIError) -> str:
    return str(error.orig).strip().splitlines()[0] if error.orig else str(error)
