"""Eligibility: the criteria tree evaluated for one patient, and compiled to SQL for a population."""

from __future__ import annotations

from trialkit.eligibility.evaluate import Context, Missing, Outcome, evaluate
from trialkit.eligibility.logic import Truth
from trialkit.eligibility.screening import (
    CriterionResult,
    Death,
    NextCheck,
    Screening,
    Verdict,
    rank,
    screen,
    screen_all,
)

__all__ = [
    "Context",
    "CriterionResult",
    "Death",
    "Missing",
    "NextCheck",
    "Outcome",
    "Screening",
    "Truth",
    "Verdict",
    "evaluate",
    "rank",
    "screen",
    "screen_all",
]
