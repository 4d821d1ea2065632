"""Batch screening output: one line (JSON lines) or row (CSV) per patient.

The contract of ``trialkit screen`` given several bundles or a folder, documented in
``docs/screen-json.md`` ("Batch screening") and versioned by :data:`LINE_SCHEMA`:
each bundle gives one line, with the verdict and every criterion's status for each
protocol, or the reason it could not be screened. The full evidence of one patient
is ``trialkit screen BUNDLE --json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from trialkit.eligibility.screening import Screening
from trialkit.protocol.model import Protocol
from trialkit.record import PatientRecord

__all__ = ["LINE_SCHEMA", "csv_header", "csv_row", "failure_line", "screening_line"]

LINE_SCHEMA = "trialkit.screen-line/1"

JSONObject = dict[str, Any]


def screening_line(
    file: str, record: PatientRecord, at: datetime, screenings: Sequence[Screening]
) -> JSONObject:
    """The line of a screened bundle: per protocol (in the order given) verdict and statuses."""
    return {
        "schema": LINE_SCHEMA,
        "file": file,
        "patient": record.patient_id,
        "at": at.isoformat(),
        "screenings": [
            {
                "protocol": s.protocol.id,
                "verdict": s.verdict.value,
                "criteria": {c.criterion.id: c.status.value for c in s.criteria},
                "next_checks": [check.item for check in s.next_checks],
            }
            for s in screenings
        ],
        "unknown_codes": len(record.unknown_codes),
        "error": None,
    }


def failure_line(file: str, reason: str) -> JSONObject:
    """The line of a bundle that could not be screened, with the reason."""
    return {
        "schema": LINE_SCHEMA,
        "file": file,
        "patient": None,
        "at": None,
        "screenings": [],
        "unknown_codes": None,
        "error": reason,
    }


def _prefix(protocol: Protocol, protocols: Sequence[Protocol]) -> str:
    return "" if len(protocols) == 1 else f"{protocol.id}:"


def csv_header(protocols: Sequence[Protocol]) -> list[str]:
    """The CSV columns: file, patient, index time, per protocol its verdict and criteria, error.

    With several protocols the verdict and criterion columns are prefixed by the
    protocol id (``r-hlh:verdict``, ``r-hlh:I1``).
    """
    columns = ["file", "patient", "index_time"]
    for protocol in protocols:
        prefix = _prefix(protocol, protocols)
        columns += [f"{prefix}verdict", *(f"{prefix}{c.id}" for c in protocol.criteria)]
    return [*columns, "unknown_codes", "error"]


def csv_row(line: JSONObject, protocols: Sequence[Protocol]) -> list[str]:
    """A line as a CSV row under :func:`csv_header` (empty cells for a failed bundle)."""
    by_id = {s["protocol"]: s for s in line["screenings"]}
    row = [line["file"], line["patient"] or "", line["at"] or ""]
    for protocol in protocols:
        found = by_id.get(protocol.id)
        statuses = found["criteria"] if found else {}
        row += [found["verdict"] if found else ""]
        row += [statuses.get(c.id, "") for c in protocol.criteria]
    unknown = line["unknown_codes"]
    return [*row, "" if unknown is None else str(unknown), line["error"] or ""]
