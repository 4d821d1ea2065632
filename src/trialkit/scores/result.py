"""The shape every score returns: a value or range, its items, and what is missing.

A score never treats a missing input as normal. Each item reports the points it
contributes when its inputs are known, and otherwise the lowest and highest
points still possible; the score's ``low``/``high`` are the sums, so an
incomplete HScore reads "HScore 272–337; missing: fibrinogen, marrow_haemophagocytosis".
Categorical outcomes (HLH-2004 met / not met, CR / PR / NR, a CTCAE grade) use
``category`` when decided and ``possible`` for the categories still open.

Pure score functions take plain inputs (quantities, booleans, ages) and return
a :class:`ScoreResult`; each item names the inputs it used (``inputs``), and
the record adapters wrap the result in :class:`Scored` with the record entries
those inputs came from, so that every number can show its evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from trialkit._frozen import slot_init
from trialkit.record import Condition, Exposure, Observation, Procedure

__all__ = ["Item", "RecordEntry", "ScoreResult", "Scored", "span"]

RecordEntry = Observation | Condition | Exposure | Procedure
"""A record entry that can serve as evidence."""


@slot_init
@dataclass(frozen=True, slots=True)
class Item:
    """One component of a score (an HScore variable, a SOFA system, an HLH-2004 criterion).

    ``points`` is the value when decided, else None; ``low``/``high`` bound it
    (equal to ``points`` when decided). ``inputs`` names the inputs the item
    read; ``missing`` names those whose absence leaves it undecided. ``counts``
    is False for an item reported beside the total but not added to it (the
    molecular route of HLH-2004).
    """

    name: str
    points: float | None
    low: float
    high: float
    reason: str
    inputs: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    counts: bool = True

    @staticmethod
    def decided(
        name: str, points: float, reason: str, inputs: tuple[str, ...] = (), counts: bool = True
    ) -> Item:
        """An item whose inputs are all known."""
        return Item(name, points, points, points, reason, inputs, (), counts)

    @staticmethod
    def undecided(
        name: str,
        low: float,
        high: float,
        reason: str,
        inputs: tuple[str, ...] = (),
        missing: tuple[str, ...] = (),
        counts: bool = True,
    ) -> Item:
        """An item that missing inputs leave between ``low`` and ``high``."""
        if low == high:
            return Item(name, low, low, high, reason, inputs, missing, counts)
        return Item(name, None, low, high, reason, inputs, missing, counts)


@slot_init
@dataclass(frozen=True, slots=True)
class ScoreResult:
    """A computed score, possibly partial.

    ``low``/``high`` are None for a formula that cannot be computed at all (an
    eGFR without a height); ``value`` is set only when the score is decided.
    """

    score: str
    label: str
    source: str
    low: float | None
    high: float | None
    items: tuple[Item, ...] = ()
    missing: tuple[str, ...] = ()
    unit: str | None = None
    category: str | None = None
    possible: tuple[str, ...] = ()
    interpretation: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """True when no missing input could change the result."""
        return not self.missing and self.low is not None and self.low == self.high

    @property
    def value(self) -> float | None:
        """The decided value, or None while missing inputs leave a range."""
        return self.low if self.low is not None and self.low == self.high else None

    def summary(self) -> str:
        """One line: ``HScore 272–337; missing: fibrinogen, marrow_haemophagocytosis``."""
        unit = f" {self.unit}" if self.unit else ""
        if self.low is None or self.high is None:
            shown = "not computable"
        elif self.low == self.high:
            shown = f"{_number(self.low)}{unit}"
        else:
            shown = f"{_number(self.low)}–{_number(self.high)}{unit}"
        text = f"{self.label} {shown}"
        if self.category is not None:
            text += f" ({self.category})"
        elif self.possible:
            text += f" ({' or '.join(self.possible)})"
        if self.missing:
            text += f"; missing: {', '.join(self.missing)}"
        return text


@dataclass(frozen=True, slots=True)
class Scored:
    """A score computed from a patient record, with the entries each input came from."""

    result: ScoreResult
    evidence: Mapping[str, tuple[RecordEntry, ...]] = field(default_factory=dict)


def span(items: tuple[Item, ...]) -> tuple[float, float, tuple[str, ...]]:
    """Total low, total high and the missing inputs of the counted items (in order, unique)."""
    low = sum(i.low for i in items if i.counts)
    high = sum(i.high for i in items if i.counts)
    missing = tuple(dict.fromkeys(m for i in items for m in i.missing))
    return low, high, missing


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.3g}"
