"""Clinical scores as pure functions, each citing its source, and their record adapters.

Every score returns a :class:`ScoreResult`; with missing inputs it returns the
range of possible totals and the list of what is missing, never a total that
treats a missing input as normal. :func:`assess_all` computes every score that
applies to a patient record at an index time.
"""

from __future__ import annotations

from datetime import datetime

from trialkit.record import PatientRecord
from trialkit.scores import (
    ctcae,
    hlh2004,
    hlh_response,
    hscore,
    performance,
    psofa,
    qtc,
    renal,
    sofa,
)
from trialkit.scores.result import Item, RecordEntry, Scored, ScoreResult

__all__ = [
    "Item",
    "RecordEntry",
    "ScoreResult",
    "Scored",
    "assess_all",
    "ctcae",
    "hlh2004",
    "hlh_response",
    "hscore",
    "performance",
    "psofa",
    "qtc",
    "renal",
    "sofa",
]

_ADAPTERS = (
    hlh2004.assess,
    hscore.assess,
    sofa.assess,
    psofa.assess,
    renal.assess,
    qtc.assess,
    performance.assess,
    hlh_response.assess,
    ctcae.assess,
)


def assess_all(record: PatientRecord, at: datetime) -> tuple[Scored, ...]:
    """Every score that applies to ``record`` at ``at``, in a fixed order.

    The scores read the record as it stood at ``at`` (:meth:`PatientRecord.as_of`).
    """
    known = record.as_of(at)
    return tuple(scored for adapter in _ADAPTERS for scored in adapter(known, at))
