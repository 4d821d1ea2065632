"""trialkit: clinical trials as code.

The public API, re-exported here; everything else is reached through its
layer (``trialkit.vocab``, ``trialkit.units``, ``trialkit.record``,
``trialkit.scores``, ``trialkit.protocol``, ``trialkit.eligibility``,
``trialkit.design``).
"""

from __future__ import annotations

from trialkit.eligibility import Screening, Verdict, screen, screen_all
from trialkit.errors import ProtocolError, TrialkitError, TrialkitInputError
from trialkit.protocol import Protocol, builtin_protocol, builtin_protocols, load_protocol
from trialkit.record import PatientRecord, parse_bundle, read_bundle, record_from_bundle
from trialkit.scores import Scored, ScoreResult, assess_all
from trialkit.units import Quantity
from trialkit.vocab import concept, vocabulary

__version__ = "0.1.0"

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
