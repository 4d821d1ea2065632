"""What the study database captured for each subject, as plain values for the exports.

The study database builds these from its tables; the exports
(:mod:`trialkit.edc.odm`, :mod:`trialkit.edc.redcap`) read them with the
protocol and nothing else, so that an export is a pure function of the two.
Every value is canonical text: a number as plain decimal text (``4.5``, never
``4.5e0``) in the canonical UCUM unit, a date ``2026-01-31``, a datetime in ISO
8601, a boolean ``true`` or ``false``, a choice's code, and for a ``type:
concept`` item the concept key.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FORM_STATUSES", "CapturedForm", "CapturedItem", "CapturedSubject"]

FORM_STATUSES = ("open", "complete", "locked")
"""The statuses of a form instance: data entry under way, finished, closed to change."""


@dataclass(frozen=True, slots=True)
class CapturedItem:
    """One item's value on a form instance."""

    item: str
    """The item's name on its form (``FormItem.name``: its id, else its concept key)."""
    value: str
    """The canonical value as text (see the module docstring)."""
    unit: str | None
    """The canonical UCUM unit of a number, else None."""


@dataclass(frozen=True, slots=True)
class CapturedForm:
    """One instance of a form: where it was recorded, its status and its values."""

    form_id: str
    visit_id: str | None
    """The visit; None for a form recorded outside any visit (a repeating form, death)."""
    cycle: int
    """0 unless the visit repeats every cycle; then the cycle, 1, 2, ..."""
    sequence: int
    """The instance of a repeating form, 1, 2, ...; 1 otherwise."""
    status: str
    """``open``, ``complete`` or ``locked``."""
    items: tuple[CapturedItem, ...]


@dataclass(frozen=True, slots=True)
class CapturedSubject:
    """One subject: pseudonymous study id, site, and every form instance recorded."""

    label: str
    """The pseudonymous study id (``PAR-0007-X``)."""
    site: str
    """The site code."""
    forms: tuple[CapturedForm, ...]
