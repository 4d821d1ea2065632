"""Helpers shared by the sub-commands: index times, JSON printing, consoles.

Text from input is printed through :mod:`trialkit.cli.text` (``plain``,
``shown``, ``report``), re-exported here.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from trialkit._wording import plural
from trialkit.cli.text import plain, report, shown
from trialkit.errors import TrialkitInputError
from trialkit.record import EARLIEST, PatientRecord

__all__ = [
    "console",
    "index_time",
    "latest_entry_time",
    "parse_time",
    "patient_line",
    "plain",
    "print_json",
    "report",
    "shown",
    "shown_time",
    "warn_if_future",
]

console = Console(highlight=False)


def index_time(text: str | None, record: PatientRecord, option: str = "--at") -> datetime:
    """The index time: ``--at`` as given (a date means the end of that day), else the last entry.

    A default in the future of the wall clock (an entry dated 2099) is used,
    with a warning line: the verdict is then as of that date.
    """
    if text is None:
        latest = latest_entry_time(record)
        warn_if_future(latest, f"the latest entry, {latest:%Y-%m-%dT%H:%M}")
        return latest
    return parse_time(text, option)


def warn_if_future(default: datetime, what: str) -> None:
    """A warning line when a default index time (``what``) is in the future of the wall clock.

    One entry dated 2099 would otherwise move the index time, and every
    verdict, to 2099 silently; the default is still used (``--at`` chooses).
    """
    if default > datetime.now():
        report(
            f"the index time defaults to {what}, which is in the future; give --at to "
            "screen as of another time",
            "warning",
        )


def parse_time(text: str, option: str = "--at") -> datetime:
    """A date-time as given, or a date as the end of that day (23:59:59.999999).

    Not before :data:`trialkit.record.EARLIEST` (1800-01-01), the earliest date read.
    """
    try:
        if "T" in text or " " in text:
            parsed = datetime.fromisoformat(text).replace(tzinfo=None)
        else:
            parsed = datetime.combine(date.fromisoformat(text), time.max)
    except ValueError:
        raise TrialkitInputError(
            f"{option} {text!r} is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDThh:mm)"
        ) from None
    if parsed < EARLIEST:
        raise TrialkitInputError(
            f"{option} {text!r} is before {EARLIEST:%Y-%m-%d}, the earliest date trialkit reads"
        )
    return parsed


def latest_entry_time(record: PatientRecord) -> datetime:
    """The time of the most recent dated entry in the record (so a bundle is read as of its data)."""
    times: list[datetime] = [o.time for series in record.observations.values() for o in series]
    times += [c.onset for c in record.conditions]
    times += [e.start for e in record.exposures]
    times += [p.start for p in record.procedures]
    times += [g.time for g in record.genomics]
    if record.deceased is not None:
        times.append(record.deceased)
    if not times:
        raise TrialkitInputError("the bundle has no dated entries: give --at")
    return max(times)


def shown_time(at: datetime) -> str:
    """An index time for people: ``2025-06-15 (end of day)``, ``2025-06-14 08:00``.

    The end of a day (``--at`` given as a date) is said in words; seconds only when
    not zero; never microseconds.
    """
    if at.time() == time.max:
        return f"{at:%Y-%m-%d} (end of day)"
    return f"{at:%Y-%m-%d %H:%M}" if at.second == 0 else f"{at:%Y-%m-%d %H:%M:%S}"


def patient_line(record: PatientRecord, at: datetime) -> str:
    """``Patient p1 · sex female · age 1 year · index time 2025-06-15 (end of day)``.

    An impossible age (after the index time, above the oldest verified human age) is
    never shown as an age: ``age impossible (birthDate 1825-01-01)``.
    """
    age = record.age_years(at)
    shown = "unknown" if age is None else plural(age, "year")
    if record.age_problem(at) is not None:
        shown = f"impossible (birthDate {record.birth_date})"
    return (
        f"Patient {plain(record.patient_id)} · sex {record.sex.value} · age {shown} · "
        f"index time {shown_time(at)}"
    )


def print_json(data: Any) -> None:
    """Stable JSON on stdout (sorted keys are not used: the documented order is kept)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def progress_bar(errors: Console, *, shown: bool) -> Progress:
    """The commands' progress display on ``errors`` (stderr): steps, bar, count, time; transient."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        disable=not shown,
        transient=True,
    )
