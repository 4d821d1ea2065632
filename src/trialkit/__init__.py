"""trialkit: clinical trials as code.

The public API, re-exported here; everything else is reached through its
layer (``trialkit.vocab``, ``trialkit.units``, ``trialkit.record``,
``trialkit.scores``, ``trialkit.protocol``, ``trialkit.eligibility``,
``trialkit.design``).

The names are imported on first use (PEP 562), so that importing one layer, or
starting the command line, does not import every other layer.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trialkit.eligibility import Screening, Verdict, screen, screen_all
    from trialkit.errors import ProtocolError, TrialkitError, TrialkitInputError
    from trialkit.protocol import Protocol, builtin_protocol, builtin_protocols, load_protocol
    from trialkit.record import PatientRecord, parse_bundle, read_bundle, record_from_bundle
    from trialkit.scores import Scored, ScoreResult, assess_all
    from trialkit.units import Quantity
    from trialkit.vocab import concept, vocabulary

__version__ = "0.1.0"

_LAYER = {
    "Screening": "trialkit.eligibility",
    "Verdict": "trialkit.eligibility",
    "screen": "trialkit.eligibility",
    "screen_all": "trialkit.eligibility",
    "ProtocolError": "trialkit.errors",
    "TrialkitError": "trialkit.errors",
    "TrialkitInputError": "trialkit.errors",
    "Protocol": "trialkit.protocol",
    "builtin_protocol": "trialkit.protocol",
    "builtin_protocols": "trialkit.protocol",
    "load_protocol": "trialkit.protocol",
    "PatientRecord": "trialkit.record",
    "parse_bundle": "trialkit.record",
    "read_bundle": "trialkit.record",
    "record_from_bundle": "trialkit.record",
    "Scored": "trialkit.scores",
    "ScoreResult": "trialkit.scores",
    "assess_all": "trialkit.scores",
    "Quantity": "trialkit.units",
    "concept": "trialkit.vocab",
    "vocabulary": "trialkit.vocab",
}

__all__ = [
    "PatientRecord",
    "Protocol",
    "ProtocolError",
    "Quantity",
    "ScoreResult",
    "Scored",
    "Screening",
    "TrialkitError",
    "TrialkitInputError",
    "Verdict",
    "__version__",
    "assess_all",
    "builtin_protocol",
    "builtin_protocols",
    "concept",
    "load_protocol",
    "parse_bundle",
    "read_bundle",
    "record_from_bundle",
    "screen",
    "screen_all",
    "vocabulary",
]


def __getattr__(name: str) -> Any:
    layer = _LAYER.get(name)
    if layer is None:
        raise AttributeError(f"module 'trialkit' has no attribute {name!r}")
    value = getattr(import_module(layer), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
