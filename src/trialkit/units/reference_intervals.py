"""Paediatric reference intervals: the upper limit of normal (ULN) for age and sex.

A criterion such as "serum creatinine ≤ 1.5 × ULN for age" needs the ULN of
the patient's age (and sex): the laboratory sends it with the result as a
reference range, and when it does not, trialkit falls back to the cited
paediatric tables in ``reference_intervals.yaml`` beside this module (STYLE §2:
definitions as data, each row with its source). The file is loaded and
validated at first use; its header says which analytes are covered, and which
are not and why.

The table lives in the ``units`` layer, not in ``vocab``: checking a row's
unit and converting its limit to the concept's canonical unit need
:mod:`trialkit.units` (``docs/architecture.md``, "Layers").

Conventions:

- An age band is ``[from, to)``: ``from`` inclusive, ``to`` exclusive, in
  whole days (``d``), weeks (``wk``), months (``mo``) or years (``a``). Years
  and months are reached on the birthday, a 29 February birthday on 1 March
  (as :func:`trialkit.record.model.birth_age` counts years), never as a
  number of days.
- The age that counts is the age on the day of the sample.
- A band is for ``both`` sexes or for ``male`` or ``female`` only; when the
  patient's sex is not known, every band of either sex may apply.
- Limits are returned in the concept's canonical unit (converted with the
  vocabulary's molar mass), with the number and unit as printed in the source.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from itertools import pairwise
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from trialkit.errors import DefinitionError, TrialkitError, TrialkitInputError
from trialkit.units.quantity import check_unit, convert
from trialkit.vocab import ValueType, vocabulary

__all__ = [
    "AGE_PATTERN",
    "IntervalSource",
    "IntervalTable",
    "Limit",
    "ReferenceInterval",
    "age_reached",
    "reference_intervals",
    "upper_limit",
    "upper_limits",
]

AGE_PATTERN = r"^\d+ ?(d|wk|mo|a)$"
"""An age bound: a whole number of days, weeks, months or years (``"15 d"``, ``"2 a"``)."""

PatientSex = Literal["male", "female"]
_SEXES: tuple[PatientSex, ...] = ("male", "female")
_SPLIT = re.compile(AGE_PATTERN)
_SHOWN = {"d": "d", "wk": "wk", "mo": "mo", "a": "y"}


def _parts(bound: str) -> tuple[int, str]:
    match = _SPLIT.match(bound)
    if match is None:
        raise ValueError(f"{bound!r} is not an age such as '15 d', '6 mo' or '2 a'")
    return int(bound[: match.start(1)].strip()), match.group(1)


def _normal(bound: str) -> tuple[str, int]:
    """Equal ages compare equal: ``"1 a"`` and ``"12 mo"``, ``"2 wk"`` and ``"14 d"``."""
    value, unit = _parts(bound)
    if unit in ("d", "wk"):
        return "d", value * (7 if unit == "wk" else 1)
    return "mo", value * (12 if unit == "a" else 1)


def _days(bound: str) -> float:
    # Only to order bounds of different kinds; boundaries themselves compare by _normal.
    kind, value = _normal(bound)
    return value * (30.4375 if kind == "mo" else 1.0)


def _shown(bound: str) -> str:
    value, unit = _parts(bound)
    return f"{value} {_SHOWN[unit]}"


def age_reached(birth: date, on: date, bound: str) -> bool:
    """True when a patient born on ``birth`` has reached the age ``bound`` on ``on``."""
    if on < birth:
        raise TrialkitInputError(f"age: {on} is before the birth date {birth}")
    kind, value = _normal(bound)
    if kind == "d":
        return (on - birth).days >= value
    months = (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)
    return months >= value


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class IntervalSource(_Row):
    """A source of reference intervals: the paper, table and rows read, and where."""

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str = Field(description="Short citation shown in reasons.")
    citation: str = Field(description="Full citation: paper, table, rows.")
    checked: str = Field(description="Where the numbers were read, and what was not read.")


class ReferenceInterval(_Row):
    """One row: a concept's reference interval for an age band and sex, with its source row."""

    concept: str
    sex: Literal["both", "male", "female"]
    from_: str = Field(alias="from", pattern=AGE_PATTERN, description="Age (inclusive).")
    to: str = Field(pattern=AGE_PATTERN, description="Age (exclusive).")
    lower: float | None = Field(default=None, ge=0)
    upper: float = Field(gt=0)
    unit: str = Field(description="UCUM unit of lower and upper, as printed in the source.")
    method: str
    source: str = Field(description="Key of a source in the file's sources.")
    row: str = Field(description="The source's row, as printed.")

    @model_validator(mode="after")
    def _ordered(self) -> ReferenceInterval:
        if not _days(self.from_) < _days(self.to):
            raise ValueError(f"age band from {self.from_!r} must be below to {self.to!r}")
        if self.lower is not None and not self.lower < self.upper:
            raise ValueError(f"lower {self.lower:g} must be below upper {self.upper:g}")
        return self

    def applies(self, birth: date, on: date) -> bool:
        """True when the patient's age on ``on`` is in this band."""
        return age_reached(birth, on, self.from_) and not age_reached(birth, on, self.to)

    def age_text(self) -> str:
        """``"2 y to <5 y"``."""
        return f"{_shown(self.from_)} to <{_shown(self.to)}"


class _File(_Row):
    sources: list[IntervalSource]
    intervals: list[ReferenceInterval]


@dataclass(frozen=True, slots=True)
class Limit:
    """An upper limit of normal from a reference-interval table.

    ``value`` is in the concept's canonical ``unit``; ``reported`` and
    ``reported_unit`` are the number and unit printed in the source.
    ``sex`` is None for a band of both sexes.
    """

    concept: str
    value: float
    unit: str
    reported: float
    reported_unit: str
    sex: PatientSex | None
    age: str
    source: str
    citation: str
    row: str

    def describe(self) -> str:
        """``"ULN 0.4 mg/dL (35.36 umol/L) for age 2 y to <5 y, both sexes, <source>"``."""
        shown = f"{self.reported:g} {self.reported_unit}"
        if self.reported_unit != self.unit:
            shown += f" ({self.value:.4g} {self.unit})"
        who = "both sexes" if self.sex is None else self.sex
        return f"ULN {shown} for age {self.age}, {who}, {self.source}"


class IntervalTable:
    """The reference intervals by concept, checked for units, sources, overlaps and gaps."""

    def __init__(
        self, intervals: Iterable[ReferenceInterval], sources: Iterable[IntervalSource]
    ) -> None:
        self._sources: dict[str, IntervalSource] = {}
        for source in sources:
            if source.key in self._sources:
                raise DefinitionError(f"reference intervals: duplicate source {source.key!r}")
            self._sources[source.key] = source
        by_concept: dict[str, list[ReferenceInterval]] = defaultdict(list)
        for row in intervals:
            self._check_row(row)
            by_concept[row.concept].append(row)
        for key, rows in by_concept.items():
            _check_bands(key, rows)
        self._by_concept = {k: tuple(rows) for k, rows in by_concept.items()}

    def _check_row(self, row: ReferenceInterval) -> None:
        where = f"reference intervals: {row.concept} {row.sex} {row.from_}-{row.to}"
        try:
            item = vocabulary()[row.concept]
        except TrialkitError:
            raise DefinitionError(f"{where}: unknown concept {row.concept!r}") from None
        if item.value_type is not ValueType.QUANTITY:
            raise DefinitionError(f"{where}: {row.concept} has no numeric value")
        try:
            check_unit(item, row.unit, where)
        except TrialkitError as error:
            raise DefinitionError(str(error)) from None
        if row.source not in self._sources:
            raise DefinitionError(f"{where}: unknown source {row.source!r}")

    @property
    def concepts(self) -> tuple[str, ...]:
        """The concepts that have a table."""
        return tuple(self._by_concept)

    def bands(self, concept: str) -> tuple[ReferenceInterval, ...]:
        """The rows for ``concept`` (empty when there is no table for it)."""
        return self._by_concept.get(concept, ())

    def source(self, key: str) -> IntervalSource:
        """The source with key ``key``."""
        return self._sources[key]

    def limit(self, row: ReferenceInterval) -> Limit:
        """The upper limit of a row, in the concept's canonical unit."""
        item = vocabulary()[row.concept]
        assert item.unit is not None  # a quantity concept, checked at load
        source = self._sources[row.source]
        return Limit(
            concept=row.concept,
            value=convert(row.upper, row.unit, item.unit, row.concept),
            unit=item.unit,
            reported=row.upper,
            reported_unit=row.unit,
            sex=None if row.sex == "both" else row.sex,
            age=row.age_text(),
            source=source.label,
            citation=source.citation,
            row=row.row,
        )

    def limits(
        self, concept: str, on: date, birth: date | None, sex: PatientSex | None
    ) -> tuple[Limit | None, ...]:
        """Every ULN that may apply to the patient on ``on``; see :func:`upper_limits`."""
        rows = self.bands(concept)
        if not rows:
            return ()
        options: list[ReferenceInterval | None] = []
        for who in (sex,) if sex is not None else _SEXES:
            mine = [r for r in rows if r.sex in ("both", who)]
            if birth is None:
                candidates: list[ReferenceInterval | None] = [*mine, None]
            else:
                candidates = [r for r in mine if r.applies(birth, on)] or [None]
            for row in candidates:
                if not any(row is seen for seen in options):
                    options.append(row)
        return tuple(None if row is None else self.limit(row) for row in options)


def _check_bands(concept: str, rows: list[ReferenceInterval]) -> None:
    """For each sex, the bands that apply to it follow one another without overlap or gap."""
    for sex in _SEXES:
        mine = sorted((r for r in rows if r.sex in ("both", sex)), key=lambda r: _days(r.from_))
        for before, after in pairwise(mine):
            if _normal(before.to) == _normal(after.from_):
                continue
            what = "overlap" if _days(after.from_) < _days(before.to) else "leave a gap"
            raise DefinitionError(
                f"reference intervals: {concept} ({sex}): bands {before.from_}-{before.to} "
                f"({before.sex}) and {after.from_}-{after.to} ({after.sex}) {what}"
            )


def _parse(text: str, origin: str) -> IntervalTable:
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        raise DefinitionError(f"{origin}: invalid YAML: {error}") from None
    try:
        parsed = _File.model_validate(data)
    except ValidationError as error:
        raise DefinitionError(f"{origin}: {error}") from None
    return IntervalTable(parsed.intervals, parsed.sources)


@cache
def reference_intervals() -> IntervalTable:
    """The packaged reference-interval table (loaded and validated once per process)."""
    resource = files("trialkit.units").joinpath("reference_intervals.yaml")
    return _parse(resource.read_text(encoding="utf-8"), "reference_intervals.yaml")


def upper_limits(
    concept: str, on: date, birth: date | None = None, sex: PatientSex | None = None
) -> tuple[Limit | None, ...]:
    """Every table ULN that may apply to a patient on the day ``on``.

    One limit when the birth date is known and the band is for both sexes or
    the sex is known; one per sex when a sex-specific band applies and the sex
    is not known; every band (and ``None``) when the birth date is not known.
    ``None`` stands for an age or sex the patient may have for which the table
    has no row (an adult, an infant below the first band). Empty when there is
    no table for the concept.
    """
    return reference_intervals().limits(concept, on, birth, sex)


def upper_limit(concept: str, birth: date, on: date, sex: PatientSex | None = None) -> Limit | None:
    """The table ULN for a patient born on ``birth``, on the day ``on``.

    None when the table has no row for that age (or concept), or when the band
    is sex-specific and ``sex`` is not given.
    """
    options = upper_limits(concept, on, birth, sex)
    return options[0] if len(options) == 1 else None
