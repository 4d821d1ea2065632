"""Score results as JSON-ready data: the contract of ``trialkit scores --json``.

The shape is documented in ``docs/scores-json.md`` and versioned by
:data:`SCHEMA`; change it deliberately, never by accident.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from trialkit.record import Condition, Exposure, Observation, PatientRecord, Procedure
from trialkit.scores.result import RecordEntry, Scored
from trialkit.vocab import concept

__all__ = ["SCHEMA", "entry_json", "report_json", "scored_json"]

SCHEMA = "trialkit.scores/1"

JSONObject = dict[str, Any]


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _number(value: float | None) -> float | str | None:
    """A number for JSON: NaN and the infinities as text (JSON has no such numbers)."""
    if value is None or math.isfinite(value):
        return value
    return str(value)


def entry_json(entry: RecordEntry) -> JSONObject:
    """One piece of evidence: resource id, concept, date, value as reported and converted."""
    data: JSONObject = {"resource": entry.resource, "concept": entry.concept}
    if isinstance(entry, Observation):
        data["time"] = _time(entry.time)
        if entry.quantity is not None:
            data["value"] = entry.quantity.value
            data["unit"] = entry.quantity.unit
            data["converted"] = entry.value
            data["converted_unit"] = concept(entry.concept).unit
        elif entry.unusable is not None:
            data["value"] = _number(entry.unusable.value)
            data["unit"] = entry.unusable.unit
            data["unusable"] = entry.unusable.reason
        else:
            data["value"] = entry.value
    elif isinstance(entry, Condition):
        data["time"] = _time(entry.onset)
        data["end"] = _time(entry.abatement)
        data["verification"] = entry.verification
    elif isinstance(entry, Exposure):
        data["time"] = _time(entry.start)
        data["end"] = _time(entry.end)
        if entry.rate is not None:
            data["rate"] = {"value": entry.rate.value, "unit": entry.rate.unit}
        if entry.dose is not None:
            data["dose"] = {"value": entry.dose.value, "unit": entry.dose.unit}
    elif isinstance(entry, Procedure):
        data["time"] = _time(entry.start)
        data["end"] = _time(entry.end)
    return data


def _evidence(scored: Scored, inputs: Iterable[str]) -> list[JSONObject]:
    seen: dict[str, JSONObject] = {}
    for name in inputs:
        for entry in scored.evidence.get(name, ()):
            seen.setdefault(entry.resource, entry_json(entry))
    return list(seen.values())


def scored_json(scored: Scored) -> JSONObject:
    """One score with its items, the evidence of each item, and what is missing."""
    result = scored.result
    return {
        "score": result.score,
        "label": result.label,
        "source": result.source,
        "value": result.value,
        "low": result.low,
        "high": result.high,
        "unit": result.unit,
        "complete": result.complete,
        "category": result.category,
        "possible": list(result.possible),
        "interpretation": result.interpretation,
        "summary": result.summary(),
        "missing": list(result.missing),
        "notes": list(result.notes),
        "items": [
            {
                "name": item.name,
                "points": item.points,
                "low": item.low,
                "high": item.high,
                "reason": item.reason,
                "counts": item.counts,
                "missing": list(item.missing),
                "evidence": _evidence(scored, item.inputs),
            }
            for item in result.items
        ],
    }


def report_json(record: PatientRecord, at: datetime, scores: Iterable[Scored]) -> JSONObject:
    """The whole ``trialkit scores --json`` document for one patient."""
    return {
        "schema": SCHEMA,
        "patient": {
            "id": record.patient_id,
            "birth_date": None if record.birth_date is None else record.birth_date.isoformat(),
            "sex": record.sex.value,
            "age_years": record.age_years(at),
            "age_impossible": record.age_problem(at),
        },
        "at": at.isoformat(),
        "scores": [scored_json(s) for s in scores],
        "unknown_codes": [
            {"resource": u.resource, "field": u.field, "codings": list(u.codings)}
            for u in record.unknown_codes
        ],
    }
