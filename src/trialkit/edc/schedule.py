"""A subject's visit schedule: each visit's target day and window from its anchor, and its
status as of a day.

Study days (the protocol's ``schedule``): from ``inclusion`` and ``hsct`` the
anchor is day 0 and day N is N days later; from ``day1`` (the first dose) the
CDISC SDTM convention holds — day 1 is the first dose, day -1 the day before,
there is no day 0 (SDTM Implementation Guide 3.4, section 4.4.4 "Use of the Study
Day Variables"). A visit repeated ``every_cycle`` falls on day ``d`` of every
cycle of ``cycle_days`` days, cycle 1 starting on day 1.

Statuses as of a day: ``upcoming`` (the window has not opened), ``due`` (the
window is open), ``overdue`` (the window has closed, the visit neither done nor
declared missed), ``missed`` (declared missed, with its reason), ``done`` (on a
day inside the window), ``out_of_window`` (done on a day outside it: a protocol
deviation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from trialkit.protocol.model import Schedule, Visit

__all__ = ["Occurrence", "ScheduledVisit", "VisitStatus", "schedule", "target_day", "window"]


class VisitStatus(StrEnum):
    """Where a visit stands as of a day."""

    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    MISSED = "missed"
    DONE = "done"
    OUT_OF_WINDOW = "out_of_window"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """What the database holds of one visit of one cycle: its date, or that it was missed."""

    visit_date: date | None = None
    missed_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ScheduledVisit:
    """One visit of a subject's schedule (``cycle`` 0 unless the visit repeats every cycle)."""

    visit: Visit
    cycle: int
    target: date
    start: date
    end: date
    status: VisitStatus
    visit_date: date | None = None
    missed_reason: str | None = None

    @property
    def label(self) -> str:
        """The visit's id, with its cycle when it repeats (``cycle-end C2``)."""
        return self.visit.id if self.cycle == 0 else f"{self.visit.id} C{self.cycle}"


def target_day(anchor_date: date, day: int, anchor: str) -> date:
    """The date of study day ``day`` counted from ``anchor_date`` (SDTM: no day 0 from day 1)."""
    if anchor == "day1" and day > 0:
        return anchor_date + timedelta(days=day - 1)
    return anchor_date + timedelta(days=day)


def cycle_target(first_dose: date, cycle: int, day: int, cycle_days: int) -> date:
    """The date of day ``day`` of cycle ``cycle`` (both from 1), cycles counted from day 1."""
    return first_dose + timedelta(days=(cycle - 1) * cycle_days + day - 1)


def window(target: date, visit: Visit) -> tuple[date, date]:
    """The first and last day of the visit's window around ``target``."""
    return target - timedelta(days=visit.window_before), target + timedelta(days=visit.window_after)


def visit_window(
    plan: Schedule, visit: Visit, anchors: Mapping[str, date], cycle: int
) -> tuple[date, date] | None:
    """The window of ``visit`` (of ``cycle`` when it repeats), or None when its anchor has
    no date yet."""
    anchor = plan.anchor_of(visit)
    origin = anchors.get(anchor)
    if origin is None:
        return None
    if visit.every_cycle and plan.cycle_days is not None:
        return window(cycle_target(origin, cycle, visit.day, plan.cycle_days), visit)
    return window(target_day(origin, visit.day, anchor), visit)


def _status(start: date, end: date, occurrence: Occurrence | None, today: date) -> VisitStatus:
    if occurrence is not None and occurrence.missed_reason is not None:
        return VisitStatus.MISSED
    if occurrence is not None and occurrence.visit_date is not None:
        inside = start <= occurrence.visit_date <= end
        return VisitStatus.DONE if inside else VisitStatus.OUT_OF_WINDOW
    if today < start:
        return VisitStatus.UPCOMING
    return VisitStatus.DUE if today <= end else VisitStatus.OVERDUE


def schedule(
    plan: Schedule,
    anchors: Mapping[str, date],
    occurrences: Mapping[tuple[str, int], Occurrence],
    today: date,
    *,
    treatment_end: date | None = None,
) -> list[ScheduledVisit]:
    """The subject's visits as of ``today``, in date order.

    ``anchors`` maps ``inclusion`` / ``day1`` / ``hsct`` to the subject's dates; a
    visit whose anchor has no date yet is not scheduled. A visit repeated every
    cycle is listed for each cycle begun by ``today`` and the next one, and for no
    cycle beginning after ``treatment_end``.
    """
    found: list[ScheduledVisit] = []
    for visit in plan.visits:
        for cycle in _cycles(plan, visit, anchors, today, treatment_end):
            bounds = visit_window(plan, visit, anchors, cycle)
            if bounds is None:
                break
            start, end = bounds
            occurrence = occurrences.get((visit.id, cycle))
            found.append(
                ScheduledVisit(
                    visit,
                    cycle,
                    start + timedelta(days=visit.window_before),
                    start,
                    end,
                    _status(start, end, occurrence, today),
                    None if occurrence is None else occurrence.visit_date,
                    None if occurrence is None else occurrence.missed_reason,
                )
            )
    found.sort(key=lambda v: (v.target, v.cycle, v.visit.id))
    return found


def _cycles(
    plan: Schedule,
    visit: Visit,
    anchors: Mapping[str, date],
    today: date,
    treatment_end: date | None,
) -> list[int]:
    origin = anchors.get(plan.anchor_of(visit))
    if not visit.every_cycle or plan.cycle_days is None or origin is None:
        return [0]
    cycles: list[int] = []
    cycle = 1
    while True:
        begins = cycle_target(origin, cycle, 1, plan.cycle_days)
        if treatment_end is not None and begins > treatment_end:
            break
        cycles.append(cycle)
        if begins > today:
            break  # the next cycle, not begun yet, is shown once
        cycle += 1
    return cycles
