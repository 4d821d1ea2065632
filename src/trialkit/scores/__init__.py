"""Clinical scores as pure functions, each citing its source, and their record adapters.

Every score returns a :class:`ScoreResult`; with missing inputs it returns the
range of possible totals and the list of what is missing, never a total that
treats a missing input as normal. :func:`assess_all` computes every score that
applies to a patient record at an index time; :data:`SCORE_SPECS` are the
scores a protocol criterion can compare.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from trialkit.errors import AgeError
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
from trialkit.scores.registry import SCORE_SPECS, ScoreSpec
from trialkit.scores.result import Item, RecordEntry, Scored, ScoreResult

__all__ = [
    "SCORE_SPECS",
    "Item",
    "RecordEntry",
    "ScoreResult",
    "ScoreSpec",
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

    A birth date that gives an impossible age fails no score: the scores are
    computed as for an unknown age, their age-dependent items unknown, with a
    note naming ``Patient.birthDate`` and the reason; the screening evaluator
    reads such a record as unknown too. An impossible age at the index time
    (:func:`trialkit.record.model.impossible_age`: after the index time, or
    above the oldest verified human age, 122 years) makes the age unknown to
    every score (each carries the note); a sample taken before the birth date,
    or an age one formula cannot take, to the scores that raise it.

    The scores read the record as it stood at ``at`` (:meth:`PatientRecord.as_of`).
    """
    record = record.as_of(at)
    problem = record.age_problem(at)
    if problem is not None:
        note = (
            f"age unknown: Patient/{record.patient_id}: {problem}; "
            f"the age-dependent items are unknown"
        )
        unaged = replace(record, birth_date=None)
        return tuple(_noted(s, note) for adapter in _ADAPTERS for s in adapter(unaged, at))
    return tuple(scored for adapter in _ADAPTERS for scored in _assessed(adapter, record, at))


def _assessed(
    adapter: Callable[[PatientRecord, datetime], tuple[Scored, ...]],
    record: PatientRecord,
    at: datetime,
) -> tuple[Scored, ...]:
    try:
        return adapter(record, at)
    except AgeError as error:
        if record.birth_date is None:
            raise
        note = (
            f"age unknown: Patient/{record.patient_id}: birthDate {record.birth_date} gives an "
            f"impossible age ({error}); the age-dependent items are unknown"
        )
        return tuple(_noted(s, note) for s in adapter(replace(record, birth_date=None), at))


def _noted(scored: Scored, note: str) -> Scored:
    return replace(scored, result=replace(scored.result, notes=(*scored.result.notes, note)))
