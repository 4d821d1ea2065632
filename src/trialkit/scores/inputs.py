"""Reading score inputs out of a patient record, with the entries they came from.

The pure score functions know nothing of records; these helpers pick the value
a score should use (the latest in a look-back window, or the worst in 24 h) and
keep the record entries as evidence. Look-back windows are trialkit
conventions, stated by each score's adapter, because the published scores say
"at diagnosis" or "in 24 h" without naming a window for the former.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from trialkit.record import Observation, PatientRecord
from trialkit.scores.result import RecordEntry
from trialkit.units import Quantity

__all__ = ["Evidence", "Inputs", "Measured", "finding", "worst"]

Evidence = dict[str, tuple[RecordEntry, ...]]


@dataclass(frozen=True, slots=True)
class Measured:
    """A measured input of a score, declared once for the record adapter and the SQL compiler.

    ``concept`` is read in the score's look-back window; ``high`` says which way
    is worse (the highest temperature, the lowest platelet count), the tie-break
    being the latest. Which value the adapter then uses is the score's pick rule,
    stated in its module (HLH-2004: the value meeting the criterion, else the worst).
    """

    name: str
    concept: str
    high: bool


class Inputs:
    """Collects the inputs of one score and their evidence, keyed by input name."""

    def __init__(self, record: PatientRecord, at: datetime, lookback: timedelta) -> None:
        self.record = record
        self.at = at
        self.lookback = lookback
        self.evidence: Evidence = {}

    def quantity(self, name: str, concept: str, within: timedelta | None = None) -> Quantity | None:
        """The latest quantity of ``concept`` in the window; None if there is none."""
        found = self.record.latest(concept, self.at, within or self.lookback)
        if found is None or found.quantity is None:
            return None
        self.evidence[name] = (found,)
        return found.quantity

    def flag(self, name: str, concept: str, within: timedelta | None = None) -> bool | None:
        """A finding: True/False when recorded in the window, None when unknown."""
        value, entries = finding(self.record, concept, self.at, within or self.lookback)
        if entries:
            self.evidence[name] = entries
        return value

    def worst(
        self,
        name: str,
        concept: str,
        badness: Callable[[Observation], float],
        within: timedelta,
    ) -> Observation | None:
        """The observation in the window that scores worst under ``badness``."""
        found = worst(self.record.window(concept, self.at, within), badness)
        if found is not None:
            self.evidence[name] = (found,)
        return found


def finding(
    record: PatientRecord, concept: str, at: datetime, within: timedelta
) -> tuple[bool | None, tuple[RecordEntry, ...]]:
    """Whether a finding is present: a boolean Observation, or a Condition present at ``at``.

    The latest boolean Observation in the window decides; a Condition of the
    concept present at ``at`` counts as present. Nothing recorded is unknown
    (None), never "absent".
    """
    observed = record.latest(concept, at, within)
    conditions = record.conditions_at(at, concept)
    if conditions:
        return True, tuple(conditions)
    if observed is not None and isinstance(observed.value, bool):
        return observed.value, (observed,)
    return None, ()


def worst(
    observations: tuple[Observation, ...], badness: Callable[[Observation], float]
) -> Observation | None:
    """The observation with the highest ``badness`` (the latest one among ties)."""
    found: Observation | None = None
    highest = 0.0  # the badness of ``found``, computed once
    for item in observations:
        score = badness(item)
        if found is None or score >= highest:
            found, highest = item, score
    return found
