"""Screening results as JSON-ready data: the contract of ``trialkit screen --json``.

The shape is documented in ``docs/screen-json.md`` and versioned by
:data:`SCHEMA`; change it deliberately, never by accident.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from trialkit.eligibility.evaluate import Evidence
from trialkit.eligibility.logic import Truth
from trialkit.eligibility.screening import CriterionResult, Screening
from trialkit.protocol.render import rule_text
from trialkit.record import GenomicFinding, PatientRecord
from trialkit.scores.export import entry_json

__all__ = ["SCHEMA", "SCHEMA_ALL", "evidence_json", "screening_json", "screenings_json"]

SCHEMA = "trialkit.screen/1"
SCHEMA_ALL = "trialkit.screen-all/1"

JSONObject = dict[str, Any]


def evidence_json(entry: Evidence) -> JSONObject:
    """One piece of evidence (a record entry or a genomic finding)."""
    if isinstance(entry, GenomicFinding):
        return {
            "resource": entry.resource,
            "genes": list(entry.genes),
            "alteration": entry.alteration.value,
            "protein_change": entry.protein_change,
            "time": entry.time.isoformat(),
        }
    return entry_json(entry)


def criterion_json(result: CriterionResult) -> JSONObject:
    """One criterion: status, verbatim text, rule, reason, evidence, threshold, missing data."""
    criterion, outcome = result.criterion, result.outcome
    return {
        "id": criterion.id,
        "kind": criterion.kind.value,
        "status": result.status.value,
        "passes": result.passes,
        "text": criterion.text,
        "rule": rule_text(criterion.rule),
        "reason": outcome.reason,
        "threshold": outcome.threshold,
        "source": outcome.source,
        "evidence": [evidence_json(e) for e in outcome.evidence],
        "missing": [{"item": m.item, "detail": m.detail} for m in outcome.missing],
        "discrepancies": [d.model_dump() for d in criterion.discrepancies],
    }


def _patient(record: PatientRecord, at: datetime) -> JSONObject:
    return {
        "id": record.patient_id,
        "birth_date": None if record.birth_date is None else record.birth_date.isoformat(),
        "sex": record.sex.value,
        "age_years": record.age_years(at),
        "age_impossible": record.age_problem(at),
    }


def _protocol_part(screening: Screening) -> JSONObject:
    protocol = screening.protocol
    return {
        "protocol": {
            "id": protocol.id,
            "title": protocol.title,
            "registry": [r.model_dump() for r in protocol.registry],
        },
        "verdict": screening.verdict.value,
        "deceased": _deceased(screening),
        "counts": {status.value: screening.count(status) for status in Truth},
        "criteria": [criterion_json(r) for r in screening.criteria],
        "next_checks": [
            {
                "item": check.item,
                "detail": check.detail,
                "criteria": list(check.criteria),
                "decides": list(check.decides),
            }
            for check in screening.next_checks
        ],
    }


def _deceased(screening: Screening) -> JSONObject | None:
    """The death that makes the verdict ineligible (``time`` null when undated), or None."""
    death = screening.death
    if death is None:
        return None
    return {
        "time": None if death.time is None else death.time.isoformat(),
        "reason": death.reason,
    }


def _unknown_codes(record: PatientRecord) -> list[JSONObject]:
    return [
        {"resource": u.resource, "field": u.field, "codings": list(u.codings)}
        for u in record.unknown_codes
    ]


def screening_json(screening: Screening) -> JSONObject:
    """The whole ``trialkit screen --json`` document for one patient and one protocol."""
    return {
        "schema": SCHEMA,
        "patient": _patient(screening.record, screening.at),
        "at": screening.at.isoformat(),
        **_protocol_part(screening),
        "unknown_codes": _unknown_codes(screening.record),
    }


def screenings_json(
    record: PatientRecord, at: datetime, screenings: Iterable[Screening]
) -> JSONObject:
    """The ``trialkit screen --all --json`` document: every protocol, ranked."""
    return {
        "schema": SCHEMA_ALL,
        "patient": _patient(record, at),
        "at": at.isoformat(),
        "screenings": [_protocol_part(s) for s in screenings],
        "unknown_codes": _unknown_codes(record),
    }
