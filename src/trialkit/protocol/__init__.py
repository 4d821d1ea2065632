"""Protocols as code: the protocol model, its file format, the criteria language, the seed files."""

from __future__ import annotations

from trialkit.protocol.files import (
    builtin_ids,
    builtin_protocol,
    builtin_protocols,
    load_protocol,
    parse_protocol,
)
from trialkit.protocol.model import FORMAT, Criterion, CriterionKind, Protocol

__all__ = [
    "FORMAT",
    "Criterion",
    "CriterionKind",
    "Protocol",
    "builtin_ids",
    "builtin_protocol",
    "builtin_protocols",
    "load_protocol",
    "parse_protocol",
]
