"""One patient: demographics, observations, conditions, drugs, procedures, genomics, stays, AEs.

Loaded from a FHIR R4 Bundle (the public input contract, ``docs/fhir-input.md``).
"""

from __future__ import annotations

from trialkit.record.fhir import parse_bundle, read_bundle, record_from_bundle
from trialkit.record.genomics import normalise_protein_change
from trialkit.record.model import (
    EARLIEST,
    AdverseEvent,
    AlterationType,
    CareSetting,
    Condition,
    Exposure,
    GenomicFinding,
    Observation,
    Procedure,
    Sex,
    Stay,
    UnknownCode,
)
from trialkit.record.patient import PatientRecord

__all__ = [
    "EARLIEST",
    "AdverseEvent",
    "AlterationType",
    "CareSetting",
    "Condition",
    "Exposure",
    "GenomicFinding",
    "Observation",
    "PatientRecord",
    "Procedure",
    "Sex",
    "Stay",
    "UnknownCode",
    "normalise_protein_change",
    "parse_bundle",
    "read_bundle",
    "record_from_bundle",
]
