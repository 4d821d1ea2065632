"""The patient record and its queries (the questions scores and protocols ask)."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from operator import attrgetter

from trialkit.record.model import (
    AdverseEvent,
    AlterationType,
    CareSetting,
    Condition,
    Exposure,
    GenomicFinding,
    Observation,
    Procedure,
    Sex,
    Stay,
    UnknownCode,
    birth_age,
    impossible_age,
)
from trialkit.vocab import Kind, vocabulary

__all__ = ["PatientRecord"]


@dataclass(frozen=True)
class PatientRecord:
    """One patient: demographics and everything observed, with dates and sources.

    Observations are grouped by concept and sorted by time, so that "the latest
    value before the index time" is a binary search.
    """

    patient_id: str
    birth_date: date | None
    sex: Sex
    observations: Mapping[str, tuple[Observation, ...]] = field(default_factory=dict)
    conditions: tuple[Condition, ...] = ()
    exposures: tuple[Exposure, ...] = ()
    procedures: tuple[Procedure, ...] = ()
    genomics: tuple[GenomicFinding, ...] = ()
    unknown_codes: tuple[UnknownCode, ...] = ()
    deceased: datetime | None = None
    """The time of death, when the record gives one (FHIR ``deceasedDateTime``, OMOP DEATH)."""
    deceased_undated: bool = False
    """The record says the patient died without saying when (FHIR ``deceasedBoolean`` true)."""
    stays: tuple[Stay, ...] = ()
    """Inpatient and intensive care stays (FHIR Encounter), in bundle order: :meth:`stays_in`."""
    adverse_events: tuple[AdverseEvent, ...] = ()
    """Adverse events (FHIR AdverseEvent) with their CTCAE term and grade, in bundle order."""

    # -- vital status -------------------------------------------------------------------------
    def died_by(self, at: datetime) -> bool:
        """True when the patient had died at or before ``at`` (always, for an undated death)."""
        return self.deceased_undated or (self.deceased is not None and self.deceased <= at)

    def last_contact(self) -> datetime | None:
        """The latest date the record shows the patient in contact, or None when nothing is dated.

        The latest of: every observation's time and end (genomic results
        included), every condition's onset and recorded date, every drug
        exposure's start and end, every procedure's start and end, every stay's
        start and end, every adverse event's onset, the dates of the resources
        kept as unknown codes (an unrecognised drug or result is a contact too),
        and the time of death. Only dated items count: an undated death
        (``deceasedBoolean``) or an ongoing item's missing end adds nothing.
        A condition's abatement is not counted (it may be stated later, or
        approximately); a planned end in the future (a prescription's bounds)
        is, as the record gives it. Survival endpoints censor at this time.
        """
        times: list[datetime] = [
            time
            for series in self.observations.values()
            for o in series
            for time in (o.time, o.end)
            if time is not None
        ]
        for condition in self.conditions:
            times.append(condition.onset)
            if condition.recorded is not None:
                times.append(condition.recorded)
        spans: list[Exposure | Procedure | Stay] = [*self.exposures, *self.procedures, *self.stays]
        for item in spans:
            times.append(item.start)
            if item.end is not None:
                times.append(item.end)
        times += (g.time for g in self.genomics)
        times += (a.onset for a in self.adverse_events)
        times += (t for u in self.unknown_codes for t in (u.start, u.end) if t is not None)
        if self.deceased is not None:
            times.append(self.deceased)
        return max(times, default=None)

    # -- stays and adverse events ---------------------------------------------------------------
    def stays_in(self, setting: CareSetting) -> tuple[Stay, ...]:
        """The stays in ``setting``, sorted by start (then by resource, for a stable order).

        A stay in intensive care is a stay of its own (``CareSetting.ICU``), not also
        a hospital stay: a hospital length of stay reads both settings.
        """
        return tuple(
            sorted(
                (s for s in self.stays if s.setting is setting),
                key=lambda s: (s.start, s.resource),
            )
        )

    # -- time ---------------------------------------------------------------------------------
    def as_of(self, at: datetime) -> PatientRecord:
        """The record as it stood at ``at``: nothing dated or recorded after it.

        Observations, genomic results, drug exposures, procedures and stays that
        began after ``at``; conditions and adverse events with an onset after it;
        and any resource recorded
        after it (a condition's ``recordedDate``, a statement's ``dateAsserted``,
        a request's ``authoredOn``) are left out, so that no later status,
        refutation or value decides anything at ``at``. A death after ``at`` is
        not yet a death. Items that began before ``at`` and end after it are kept:
        they were ongoing at ``at``, which is what their later end says.
        """
        observations = {}
        for key, series in self.observations.items():
            kept = series[: bisect_right(series, at, key=_time)]
            if kept:
                observations[key] = kept
        return replace(
            self,
            observations=observations,
            conditions=tuple(
                c
                for c in self.conditions
                if c.onset <= at and (c.recorded is None or c.recorded <= at)
            ),
            exposures=tuple(
                e
                for e in self.exposures
                if e.start <= at and (e.recorded is None or e.recorded <= at)
            ),
            procedures=tuple(p for p in self.procedures if p.start <= at),
            stays=tuple(s for s in self.stays if s.start <= at),
            adverse_events=tuple(a for a in self.adverse_events if a.onset <= at),
            genomics=tuple(g for g in self.genomics if g.time <= at),
            unknown_codes=tuple(u for u in self.unknown_codes if u.start is None or u.start <= at),
            deceased=self.deceased if self.deceased is not None and self.deceased <= at else None,
        )

    # -- demographics -------------------------------------------------------------------------
    def age_years(self, at: date | datetime) -> int | None:
        """Completed years of age at ``at``; None without a birth date or when impossible.

        An impossible age (:func:`~trialkit.record.model.impossible_age`: negative,
        or above the oldest verified human age) is no age: :meth:`age_problem`
        says why.
        """
        if self.birth_date is None or self.age_problem(at) is not None:
            return None
        return birth_age(self.birth_date, _day(at))[0]

    def age_problem(self, at: date | datetime) -> str | None:
        """Why the birth date gives an impossible age at ``at`` (naming it), or None."""
        if self.birth_date is None:
            return None
        return impossible_age(self.birth_date, _day(at))

    def age_days(self, at: date | datetime) -> int | None:
        """Days of life at ``at``; None without a birth date."""
        if self.birth_date is None:
            return None
        return birth_age(self.birth_date, _day(at))[1]

    # -- observations -------------------------------------------------------------------------
    def values(
        self, concept: str, start: datetime | None = None, end: datetime | None = None
    ) -> tuple[Observation, ...]:
        """The observations of ``concept`` with ``start <= time <= end`` and a value, oldest first.

        A result whose value cannot be used (``Observation.unusable``) is not a
        value: scores that read every value of a span leave it out.
        """
        series = self.observations.get(concept, ())
        return tuple(
            o
            for o in series
            if o.value is not None
            and (start is None or o.time >= start)
            and (end is None or o.time <= end)
        )

    def latest(
        self, concept: str, at: datetime, within: timedelta | None = None
    ) -> Observation | None:
        """The last observation of ``concept`` at or before ``at`` (and not older than ``within``).

        A result whose value cannot be used is returned too (``value`` None): it
        is the latest result, and its value is unknown; an older one never
        stands in for it.
        """
        series = self.observations.get(concept, ())
        if not series:
            return None
        index = bisect_right(series, at, key=_time) - 1
        if index < 0:
            return None
        found = series[index]
        if within is not None and found.time < at - within:
            return None
        return found

    def window(self, concept: str, at: datetime, within: timedelta) -> tuple[Observation, ...]:
        """Observations of ``concept`` with a value in the closed window [at - within, at].

        Results whose value cannot be used are left out, as :meth:`values` does.
        """
        series = self.observations.get(concept, ())
        low = bisect_right(series, at - within - timedelta(microseconds=1), key=_time)
        high = bisect_right(series, at, key=_time)
        found = series[low:high]
        if all(o.value is not None for o in found):
            return found
        return tuple(o for o in found if o.value is not None)

    # -- conditions, drugs, procedures ---------------------------------------------------------
    def conditions_at(self, at: datetime, concept: str | None = None) -> tuple[Condition, ...]:
        """Conditions present at ``at`` (optionally only those of ``concept``)."""
        return tuple(
            c
            for c in self.conditions
            if (concept is None or c.concept == concept) and c.present_at(at)
        )

    def exposures_to(
        self,
        drug: str,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> tuple[Exposure, ...]:
        """Exposures to a drug, or to any member of a drug class, touching [start, end]."""
        keys = _drug_keys(drug)
        low = start or datetime.min
        high = end or datetime.max
        return tuple(e for e in self.exposures if e.concept in keys and e.overlaps(low, high))

    def last_exposure(self, drug: str, before: datetime | None = None) -> Exposure | None:
        """The exposure to ``drug`` (or class) that ended last, at or before ``before``."""
        found: Exposure | None = None
        for exposure in self.exposures_to(drug, None, before):
            if found is None or _end(exposure) > _end(found):
                found = exposure
        return found

    def procedures_of(
        self, concept: str, start: datetime | None = None, end: datetime | None = None
    ) -> tuple[Procedure, ...]:
        """Procedures of ``concept`` touching [start, end] (not-done and entered-in-error never)."""
        low = start or datetime.min
        high = end or datetime.max
        return tuple(
            p
            for p in self.procedures
            if p.concept == concept
            and p.status not in {"not-done", "entered-in-error"}
            and p.overlaps(low, high)
        )

    def alterations(
        self,
        gene: str,
        alteration: AlterationType | None = None,
        protein_change: str | None = None,
    ) -> tuple[GenomicFinding, ...]:
        """Genomic findings in ``gene`` (of a type, with a protein change, when given)."""
        return tuple(
            g
            for g in self.genomics
            if gene in g.genes
            and (alteration is None or g.alteration is alteration)
            and (protein_change is None or g.protein_change == protein_change)
        )


# A C-level getter: sorting and bisecting call it once per observation or probe.
_time: Callable[[Observation], datetime] = attrgetter("time")


def _end(exposure: Exposure) -> datetime:
    return exposure.end or datetime.max


def _day(at: date | datetime) -> date:
    return at.date() if isinstance(at, datetime) else at


def _drug_keys(key: str) -> frozenset[str]:
    item = vocabulary()[key]
    if item.kind is Kind.DRUG_CLASS:
        return frozenset(item.members)
    return frozenset({key})


def group_observations(items: Iterable[Observation]) -> dict[str, tuple[Observation, ...]]:
    """Observations grouped by concept, each group sorted by time (stable)."""
    groups: defaultdict[str, list[Observation]] = defaultdict(list)
    for item in items:
        groups[item.concept].append(item)
    return {key: tuple(sorted(group, key=_time)) for key, group in groups.items()}
