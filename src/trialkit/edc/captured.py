"""A subject's captured data as plain values: what the exports read (FHIR, ODM, CSV).

Built from the database by :func:`trialkit.edc.casebook.captured`; each value is the
canonical one as text (a number in the canonical unit, a date ``2026-01-31``, a
boolean ``true``/``false``, a choice code, a concept key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["FORM_STATUSES", "CapturedForm", "CapturedItem", "CapturedSubject"]

FORM_STATUSES = ("open", "complete", "locked")
"""The statuses of a form instance: data entry under way, finished, closed to change."""


@dataclass(frozen=True, slots=True)
class CapturedItem:
    """One item's canonical value, as text, with its canonical unit (a number's)."""

    item: str
    value: str
    unit: str | None
    reference_low: float | None = None
    reference_high: float | None = None


@dataclass(frozen=True, slots=True)
class CapturedForm:
    """One filled form: of a visit (and cycle), or one record of a repeating form.

    ``observed_on`` is the day its vocabulary concepts were measured (the visit's date).
    """

    form_id: str
    visit_id: str | None
    cycle: int
    sequence: int
    status: str
    items: tuple[CapturedItem, ...]
    observed_on: date | None = None

    def value(self, item: str) -> str | None:
        """The canonical value of ``item``, or None when it is empty."""
        for captured in self.items:
            if captured.item == item:
                return captured.value
        return None


@dataclass(frozen=True, slots=True)
class CapturedSubject:
    """A subject's captured forms, with the demographics its record needs."""

    label: str
    site: str
    forms: tuple[CapturedForm, ...]
    birth_date: date | None = None
    sex: str | None = None
