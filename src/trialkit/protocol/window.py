"""Durations in protocol files: look-back windows, wash-outs, ages ("7 d", "2 mo", "48 h").

A duration is a number and a UCUM unit of time: ``min``, ``h``, ``d``, ``wk``,
``mo`` or ``a``. Months and years are calendar months and years, as a protocol
means them ("within 2 months prior to the first dose" is the same day of the
month two months earlier, clamped to the month's last day), not UCUM's mean
month of 30.4375 days.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

__all__ = [
    "DURATION_PATTERN",
    "LONGEST_YEARS",
    "Duration",
    "after",
    "before",
    "describe",
    "split",
]

DURATION_PATTERN = r"^\d+(\.\d+)? ?(min|h|d|wk|mo|a)$"

LONGEST_YEARS = 200
"""The longest duration a protocol file may write, in years.

Longer than any human life, so that no look-back, wash-out or age band is cut
short; bounded, so that a window from any index time trialkit accepts (from
1800, ``trialkit.record``) stays within the calendar (``within: 99999999 d``
would reach before year 1).
"""

_YEARS_PER = {"min": 1 / 525_960, "h": 1 / 8_766, "d": 1 / 365.25, "wk": 7 / 365.25}
_YEARS_PER |= {"mo": 1 / 12, "a": 1.0}


def _bounded(duration: str) -> str:
    value, unit = split(duration)
    if value * _YEARS_PER[unit] > LONGEST_YEARS:
        raise ValueError(f"{duration!r} is longer than {LONGEST_YEARS} years")
    return duration


Duration = Annotated[str, StringConstraints(pattern=DURATION_PATTERN), AfterValidator(_bounded)]
"""A duration as written in a protocol file: ``"7 d"``, ``"48 h"``, ``"3 mo"`` (at most 200 years)."""

_WORDS = {"min": "minute", "h": "hour", "d": "day", "wk": "week", "mo": "month", "a": "year"}
_FIXED = {"min": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
_FIXED["wk"] = timedelta(weeks=1)
_SPLIT = re.compile(DURATION_PATTERN)


@lru_cache(maxsize=256)
def split(duration: str) -> tuple[float, str]:
    """``"7 d"`` → ``(7.0, "d")``."""
    match = _SPLIT.match(duration)
    if match is None:
        raise ValueError(f"{duration!r} is not a duration such as '7 d', '48 h' or '2 mo'")
    return float(duration[: match.start(2)].strip()), match.group(2)


@lru_cache(maxsize=4096)
def before(at: datetime, duration: str) -> datetime:
    """The time ``duration`` before ``at`` (calendar months and years)."""
    value, unit = split(duration)
    if unit in _FIXED:
        return at - value * _FIXED[unit]
    months = value * (12 if unit == "a" else 1)
    if months != int(months):
        raise ValueError(f"{duration!r}: months and years must be whole numbers")
    return _minus_months(at, int(months))


def after(at: datetime, duration: str) -> datetime:
    """The time ``duration`` after ``at`` (calendar months and years, as :func:`before`)."""
    value, unit = split(duration)
    if unit in _FIXED:
        return at + value * _FIXED[unit]
    months = value * (12 if unit == "a" else 1)
    if months != int(months):
        raise ValueError(f"{duration!r}: months and years must be whole numbers")
    return _minus_months(at, -int(months))


def _minus_months(at: datetime, months: int) -> datetime:
    index = at.year * 12 + at.month - 1 - months
    year, month = divmod(index, 12)
    day = min(at.day, monthrange(year, month + 1)[1])
    return at.replace(year=year, month=month + 1, day=day)


@lru_cache(maxsize=256)
def describe(duration: str) -> str:
    """Readable form: ``"7 d"`` → ``"7 days"``, ``"1 mo"`` → ``"1 month"``."""
    value, unit = split(duration)
    shown = f"{value:g}"
    word = _WORDS[unit]
    return f"{shown} {word}" if value == 1 else f"{shown} {word}s"
