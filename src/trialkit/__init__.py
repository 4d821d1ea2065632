"""trialkit: clinical trials as code.

The public API, re-exported here; everything else is reached through its
layer (``trialkit.vocab``, ``trialkit.units``, ``trialkit.record``,
``trialkit.scores``, ``trialkit.design``).
"""

from __future__ import annotations

from trialkit.errors import TrialkitError, TrialkitInputError
from trialkit.record import PatientRecord, parse_bundle, read_bundle, record_from_bundle
from trialkit.scores import Scored, ScoreResult, assess_all
from trialkit.units import Quantity
from trialkit.vocab import concept, vocabulary

__version__ = "0.1.0"

__all__ = [
    "PatientRecord",
    "Quantity",
    "ScoreResult",
    "Scored",
    "TrialkitError",
    "TrialkitInputError",
    "__version__",
    "assess_all",
    "concept",
    "parse_bundle",
    "read_bundle",
    "record_from_bundle",
    "vocabulary",
]
