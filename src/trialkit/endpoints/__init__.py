"""Endpoints as code: each subject's endpoint values from longitudinal records.

The endpoint language is :mod:`trialkit.protocol.endpoints`; this layer
evaluates it per subject (:func:`evaluate_endpoint`), with evidence.
"""

from __future__ import annotations

from trialkit.endpoints.evaluate import (
    CENSORED,
    DEATH,
    EndpointValue,
    design_response,
    evaluate_endpoint,
)
from trialkit.endpoints.subject import Subject

__all__ = [
    "CENSORED",
    "DEATH",
    "EndpointValue",
    "Subject",
    "design_response",
    "evaluate_endpoint",
]
