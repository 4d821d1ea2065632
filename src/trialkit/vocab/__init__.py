"""The concept vocabulary: one table, read by every loader and back-end.

``concepts.yaml`` in this package lists every concept the seed protocols refer
to, with its standard codes, OMOP id, canonical and allowed UCUM units, molar
mass and plausible range, each with its source. A code is written there and
nowhere else; code elsewhere asks this module. ``reference_intervals.yaml``
holds the cited paediatric reference intervals (upper limit of normal by age
and sex, :mod:`trialkit.vocab.intervals`). ``answers.yaml`` holds the coded
answers of a qualitative result read as present or absent
(:func:`answer_truth`).
"""

from __future__ import annotations

from trialkit.vocab.answers import Answer, answer_truth, answers
from trialkit.vocab.intervals import (
    Limit,
    ReferenceInterval,
    reference_intervals,
    upper_limit,
    upper_limits,
)
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
    "Limit",
    "MissingCode",
    "PlausibleRange",
    "ReferenceInterval",
    "ValueType",
    "Vocabulary",
    "answer_truth",
    "answers",
    "concept",
    "reference_intervals",
    "upper_limit",
    "upper_limits",
    "vocabulary",
]
