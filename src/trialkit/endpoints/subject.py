"""A trial subject: the dates that anchor study days, from the subjects table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from trialkit.errors import CohortError
from trialkit.protocol.endpoints import Anchor

__all__ = ["Subject", "end_of"]


def end_of(day: date) -> datetime:
    """The last instant of a calendar day: what is known "at day N" is known by then."""
    return datetime.combine(day, time.max)


@dataclass(frozen=True, slots=True)
class Subject:
    """One subject of a trial cohort.

    ``inclusion`` is study day 0 of ``from: inclusion``; ``day1`` the first dose,
    study day 1 of ``from: day1`` (CDISC SDTM ``--DY``: no day 0). ``last_contact``
    is the date the subject was last known alive when the trial recorded it (ADaM
    ``LSTALVDT``); without it, the record's last dated entry stands for it
    (:meth:`trialkit.record.PatientRecord.last_contact`). ``attributes`` are the
    table's other columns (a grouping such as the cause of HLH), as written.
    """

    subject_id: str
    inclusion: date
    day1: date | None = None
    arm: str | None = None
    stage: int | None = None
    last_contact: date | None = None
    attributes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.day1 is not None and self.day1 < self.inclusion:
            raise CohortError(
                f"subject {self.subject_id}: day1 {self.day1} is before the inclusion date "
                f"{self.inclusion}"
            )

    def attribute(self, name: str) -> str | None:
        """The value of another column of the subjects table, or None when it is empty."""
        return dict(self.attributes).get(name) or None

    def origin(self, anchor: Anchor) -> date:
        """The date study days count from: the inclusion date, or day 1."""
        if anchor == "inclusion":
            return self.inclusion
        if self.day1 is None:
            raise CohortError(
                f"subject {self.subject_id}: day1: no first-dose date, and the endpoint counts "
                "study days from day 1"
            )
        return self.day1

    def day(self, number: int, anchor: Anchor) -> date:
        """The calendar date of study day ``number`` counted from ``anchor``."""
        offset = number - 1 if anchor == "day1" and number > 0 else number
        return self.origin(anchor) + timedelta(days=offset)
