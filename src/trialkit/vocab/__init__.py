"""The concept vocabulary: one table, read by every loader and back-end.

``concepts.yaml`` in this package lists every concept the seed protocols refer
to, with its standard codes, OMOP id, canonical and allowed UCUM units, molar
mass and plausible range, each with its source. A code is written there and
nowhere else; code elsewhere asks this module. ``answers.yaml`` holds the
coded answers of a qualitative result read as present or absent
(:func:`answer_truth`).

``vocab`` is the bottom layer: it imports no other layer of trialkit
(``docs/architecture.md``, "Layers"). The cited paediatric reference intervals
need units, and are in :mod:`trialkit.units.reference_intervals`; which
concepts the protocols read is in :mod:`trialkit.protocol.coverage`.
"""

from __future__ import annotations

from trialkit.vocab.answers import Answer, answer_truth, answers
from trialkit.vocab.model import (
    PROJECT_SYSTEM,
    SYSTEMS,
    Code,
    Concept,
    HalfLife,
    History,
    Kind,
    MissingCode,
    PlausibleRange,
    ValueType,
)
from trialkit.vocab.table import Vocabulary, concept, vocabulary

__all__ = [
    "PROJECT_SYSTEM",
    "SYSTEMS",
    "Answer",
    "Code",
    "Concept",
    "HalfLife",
    "History",
    "Kind",
    "MissingCode",
    "PlausibleRange",
    "ValueType",
    "Vocabulary",
    "answer_truth",
    "answers",
    "concept",
    "vocabulary",
]
