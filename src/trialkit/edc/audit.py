"""The audit trail: one append-only, hash-chained event per changed value.

Each event's ``hash`` is SHA-256 over its fields and the hash of the event before
(``previous``; the first event follows :data:`GENESIS`), so a row changed or removed
behind the database's back breaks the chain at that row. The database itself
refuses updates and deletes of audit rows (triggers, created by the migrations on
SQLite and PostgreSQL); :func:`verify` walks the chain (``trialkit edc verify``).

The audit trail is what 21 CFR 11.10(e) asks of an electronic record: "secure,
computer-generated, time-stamped audit trails to independently record the date and
time of operator entries and actions that create, modify, or delete electronic
records", where "record changes shall not obscure previously recorded information".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from trialkit.edc.schema import AuditEvent

__all__ = ["GENESIS", "ChainCheck", "event_hash", "verify"]

GENESIS = "0" * 64
"""The ``previous`` of the first audit event."""

HASHED = (
    "seq",
    "at",
    "actor",
    "site",
    "entity",
    "entity_id",
    "field",
    "old",
    "new",
    "reason",
    "request_id",
    "previous",
)
"""The fields of an audit event its hash covers, in the hash's order (:func:`event_hash`)."""


def event_hash(
    seq: int,
    at: datetime,
    actor: str,
    site: str | None,
    entity: str,
    entity_id: str,
    field: str,
    old: str | None,
    new: str | None,
    reason: str | None,
    request_id: str,
    previous: str,
) -> str:
    """SHA-256 (hex) of one event's fields, in a fixed order, as canonical JSON."""
    fields = [
        seq,
        at.isoformat(timespec="microseconds"),
        actor,
        site,
        entity,
        entity_id,
        field,
        old,
        new,
        reason,
        request_id,
        previous,
    ]
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _hash_of(event: AuditEvent) -> str:
    return event_hash(**{name: getattr(event, name) for name in HASHED})


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What :func:`verify` found: how many events it checked and the first break, if any."""

    events: int
    broken_at: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        """True when every event hashes to its stored hash and follows the one before."""
        return self.broken_at is None


def verify(events: Iterable[AuditEvent], head: tuple[int, str]) -> ChainCheck:
    """Check the chain of ``events`` (in ``seq`` order) against the chain head (seq, hash).

    Finds a changed row (its hash no longer matches), a removed row (a gap in the
    numbers, or a ``previous`` that is not the hash of the row before) and a cut
    tail (the head points past the last row).
    """
    previous = GENESIS
    expected = 1
    count = 0
    for event in events:
        count += 1
        if event.seq != expected:
            return ChainCheck(count, expected, f"event {expected} is missing (next is {event.seq})")
        if event.previous != previous:
            return ChainCheck(count, event.seq, "does not follow the event before it")
        if _hash_of(event) != event.hash:
            return ChainCheck(count, event.seq, "its content does not match its hash")
        previous = event.hash
        expected += 1
    seq, last = head
    if seq != count or last != previous:
        return ChainCheck(
            count, count + 1, f"the chain head says {seq} events, the table has {count}"
        )
    return ChainCheck(count)
