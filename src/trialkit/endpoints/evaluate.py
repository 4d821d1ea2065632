"""The per-subject endpoint evaluator: one endpoint tree, one subject, one record.

Each node gives an :class:`EndpointValue` of the kind it yields
(:class:`trialkit.protocol.endpoints.Yields`), with its reason, the record
entries it rests on, and what is missing when it is unknown. Numbers are
ranges while a score's missing inputs leave one (``low`` < ``high``), as
screening does; a truth value is Kleene's (:mod:`trialkit.eligibility.logic`).

Nothing dated after an endpoint's time point is read for it (the record as of
the end of its last day, :meth:`PatientRecord.as_of`), with one exception:
whether the subject was alive at a day is known from a later contact (the
subjects table's ``last_contact``, else the record's last dated entry), which
can only turn an unknown vital status into a known one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from trialkit.eligibility.logic import Truth, all_of, any_of
from trialkit.endpoints.subject import Subject, end_of
from trialkit.protocol.endpoints import (
    Alive,
    AllOf,
    Anchor,
    AnyOf,
    BestResponse,
    Change,
    Compare,
    Count,
    EndpointNode,
    Event,
    LengthOfStay,
    Response,
    ScoreAt,
    TimeTo,
    ValueAt,
    Yields,
    first_day,
)
from trialkit.protocol.window import after
from trialkit.record import AdverseEvent, CareSetting, Observation, PatientRecord, Stay
from trialkit.scores import SCORE_SPECS, RecordEntry
from trialkit.scores.hlh_response import RULE_SETS, assess_between
from trialkit.units import Comparator as Op
from trialkit.units import convert
from trialkit.units.threshold import COMPARE
from trialkit.vocab import vocabulary

__all__ = ["CENSORED", "DEATH", "EndpointValue", "Evidence", "design_response", "evaluate_endpoint"]

Evidence = RecordEntry | Stay | AdverseEvent
"""A record entry an endpoint value rests on."""

DEATH = "death"
"""The response category of a subject who died on or before the assessment day."""

CENSORED = "censored"
"""The status of a time to event that ended at the last contact or the horizon."""


@dataclass(frozen=True, slots=True)
class EndpointValue:
    """One endpoint node's value for one subject.

    By kind: a number is ``low``/``high`` (equal when decided; ``high`` is
    ``inf`` for a count whose follow-up is incomplete) in ``unit``; a truth value
    is ``truth``; a category is ``category``, or ``possible`` while undecided; a
    time is ``time`` days from the origin to ``date``, with ``status`` the name of
    the event that ended it (``event``, the event of interest, or a competing one) or
    ``censored``.
    """

    kind: Yields
    reason: str
    truth: Truth | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    category: str | None = None
    possible: tuple[str, ...] = ()
    time: int | None = None
    status: str | None = None
    event: str | None = None
    date: date | None = None
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[str, ...] = ()
    children: tuple[EndpointValue, ...] = ()

    @property
    def number(self) -> float | None:
        """The decided number, or None while unknown or a range."""
        if self.low is None or self.low != self.high:
            return None
        return self.low

    @property
    def decided(self) -> bool:
        """True when the value is known (a number, a truth, a category or a time)."""
        if self.kind is Yields.BINARY:
            return self.truth is not Truth.UNKNOWN
        if self.kind is Yields.CATEGORY:
            return self.category is not None
        if self.kind is Yields.TIME:
            return self.time is not None
        return self.number is not None


@dataclass(frozen=True, slots=True)
class _Context:
    subject: Subject
    record: PatientRecord

    def last_contact(self) -> date | None:
        """When the subject was last known alive (the table's date, else the record's)."""
        if self.subject.last_contact is not None:
            return self.subject.last_contact
        found = self.record.last_contact()
        return None if found is None else found.date()

    def death(self) -> date | None:
        deceased = self.record.deceased
        return None if deceased is None else deceased.date()


def evaluate_endpoint(node: EndpointNode, subject: Subject, record: PatientRecord) -> EndpointValue:
    """The value of endpoint tree ``node`` for ``subject``, from ``record``.

    Raises :class:`trialkit.errors.TrialkitInputError` when the endpoint needs a
    date the subject lacks (day 1).
    """
    return _evaluate(node, _Context(subject, record))


def _evaluate(node: EndpointNode, context: _Context) -> EndpointValue:
    return _WALKERS[type(node)](node, context)


# -- numbers --------------------------------------------------------------------------------------
def _value_at(node: ValueAt, context: _Context) -> EndpointValue:
    subject = context.subject
    target = subject.day(node.day, node.from_)
    first = target - timedelta(days=node.days_before)
    last = target + timedelta(days=node.days_after)
    # values() ends at end_of(last) itself: the record as of then has the same observations
    found = context.record.values(
        node.value, datetime.combine(first, datetime.min.time()), end_of(last)
    )
    unit = node.unit or vocabulary()[node.value].unit
    where = _days_text(node.day, node.days_before, node.days_after, node.from_)
    if not found:
        return EndpointValue(
            Yields.NUMBER,
            f"no {node.value} {where}",
            unit=unit,
            missing=(f"{node.value} {where}",),
        )
    chosen = _pick(found, node.pick, target)
    value = float(chosen.value)  # type: ignore[arg-type]  # values() keeps numbers only
    canonical = vocabulary()[node.value].unit
    if unit is not None and canonical is not None and unit != canonical:
        value = convert(value, canonical, unit, node.value)
    return EndpointValue(
        Yields.NUMBER,
        f"{node.value} {value:g} {unit} on {chosen.time.date()} ({node.pick} {where})",
        low=value,
        high=value,
        unit=unit,
        evidence=(chosen,),
    )


def _pick(found: tuple[Observation, ...], pick: str, target: date) -> Observation:
    if pick == "highest":
        return max(found, key=lambda o: (float(o.value), o.time))  # type: ignore[arg-type]
    if pick == "lowest":
        return min(found, key=lambda o: (float(o.value), o.time))  # type: ignore[arg-type]
    # nearest day; the earlier day on a tie; the day's latest value
    return min(found, key=lambda o: (abs((o.time.date() - target).days), o.time.date(), -_stamp(o)))


def _stamp(observation: Observation) -> float:
    return observation.time.timestamp()


def _days_text(day: int, days_before: int, days_after: int, anchor: str) -> str:
    span = f"day {day}"
    if days_before or days_after:
        span = f"days {day - days_before} to {day + days_after}"
    return f"at {span} (from {anchor})"


def _score_at(node: ScoreAt, context: _Context) -> EndpointValue:
    spec = SCORE_SPECS[node.score]
    day = context.subject.day(node.day, node.from_)
    at = end_of(day)
    death = context.death()
    if death is not None and death < day:
        return EndpointValue(Yields.NUMBER, f"{spec.label}: died on {death}, before day {node.day}")
    scored = [
        s for s in spec.adapter(context.record.as_of(at), at) if s.result.score in spec.results
    ]
    if not scored:
        return EndpointValue(
            Yields.NUMBER,
            f"{spec.label} does not apply at day {node.day}",
            missing=(f"{node.score} at day {node.day}",),
        )
    result = scored[0].result
    evidence = tuple(dict.fromkeys(e for entries in scored[0].evidence.values() for e in entries))
    missing = tuple(f"{m} at day {node.day}" for m in result.missing)
    return EndpointValue(
        Yields.NUMBER,
        f"{result.summary()} at day {node.day} ({day})",
        low=result.low,
        high=result.high,
        unit=result.unit,
        evidence=evidence,
        missing=missing,
    )


def _change(node: Change, context: _Context) -> EndpointValue:
    later = _evaluate(node.change, context)
    baseline = _evaluate(node.baseline, context)
    children = (later, baseline)
    missing = (*later.missing, *baseline.missing)
    evidence = (*later.evidence, *baseline.evidence)
    if None in (later.low, later.high, baseline.low, baseline.high):
        return EndpointValue(
            Yields.NUMBER,
            "change unknown: " + "; ".join(c.reason for c in children if c.low is None),
            unit=later.unit,
            evidence=evidence,
            missing=missing,
            children=children,
        )
    low = later.low - baseline.high  # type: ignore[operator]
    high = later.high - baseline.low  # type: ignore[operator]
    shown = f"{low:g}" if low == high else f"{low:g} to {high:g}"
    return EndpointValue(
        Yields.NUMBER,
        f"change {shown} ({later.reason}; baseline {baseline.reason})",
        low=low,
        high=high,
        unit=later.unit,
        evidence=evidence,
        missing=missing,
        children=children,
    )


def _length_of_stay(node: LengthOfStay, context: _Context) -> EndpointValue:
    subject = context.subject
    start = subject.inclusion
    horizon = after(datetime.combine(start, datetime.min.time()), node.horizon).date()
    record = context.record.as_of(end_of(horizon))
    settings = (CareSetting.ICU,) if node.length_of_stay == "icu" else tuple(CareSetting)
    periods = _periods(tuple(s for setting in settings for s in record.stays_in(setting)))
    period = next((p for p in periods if p.end is None or p.end >= start), None)
    if period is None:
        return EndpointValue(
            Yields.NUMBER,
            f"no {node.length_of_stay} stay recorded at or after inclusion ({start})",
            unit="d",
            missing=(f"{node.length_of_stay} stay",),
        )
    evidence: tuple[Evidence, ...] = period.stays
    end = period.end
    death = context.death()
    if death is not None and death <= (end or horizon):
        end = death
    if end is not None and end <= horizon:
        days = (end - start).days
        how = "death" if end == death else "discharge"
        return EndpointValue(
            Yields.NUMBER,
            f"{days} days in {node.length_of_stay} from inclusion ({start}) to {how} ({end})",
            low=days,
            high=days,
            unit="d",
            evidence=evidence,
        )
    contact = context.last_contact()
    if end is not None or (contact is not None and contact >= horizon):
        # still there at the horizon: the length "up to" the horizon is the horizon
        days = (horizon - start).days
        return EndpointValue(
            Yields.NUMBER,
            f"{days} days in {node.length_of_stay}: still there at {node.horizon} ({horizon}), "
            "counted to it",
            low=days,
            high=days,
            unit="d",
            evidence=evidence,
        )
    censor = start if contact is None else max(contact, start)
    days = (censor - start).days
    return EndpointValue(
        Yields.NUMBER,
        f"at least {days} days in {node.length_of_stay}: still there at the last contact "
        f"({censor}), before {node.horizon}",
        low=days,
        high=math.inf,
        unit="d",
        evidence=evidence,
        missing=(f"{node.length_of_stay} discharge date",),
    )


# -- truth values ---------------------------------------------------------------------------------
def _compare(node: Compare, context: _Context) -> EndpointValue:
    value = _evaluate(node.compare, context)
    limit = f"{node.value:g}"
    if value.low is None or value.high is None:
        return EndpointValue(
            Yields.BINARY,
            f"unknown: {value.reason}",
            truth=Truth.UNKNOWN,
            evidence=value.evidence,
            missing=value.missing,
            children=(value,),
        )
    truth = _range_truth(node.op, value.low, value.high, node.value)
    return EndpointValue(
        Yields.BINARY,
        f"{value.reason} {node.op} {limit}: {truth.value}",
        truth=truth,
        evidence=value.evidence,
        missing=value.missing if truth is Truth.UNKNOWN else (),
        children=(value,),
    )


def _range_truth(op: Op, low: float, high: float, limit: float) -> Truth:
    """Does ``op limit`` hold for every value in [low, high] (true), none (false), or some?

    The comparators are monotone (``<``, ``<=``, ``>``, ``>=``): the two ends decide.
    ``high`` is ``inf`` for a count whose follow-up is incomplete.
    """
    holds = COMPARE[op]
    ends = {holds(low, limit), holds(high, limit)}
    if ends == {True}:
        return Truth.TRUE
    if ends == {False}:
        return Truth.FALSE
    return Truth.UNKNOWN


def _alive(node: Alive, context: _Context) -> EndpointValue:
    day = context.subject.day(node.day, node.from_)
    death = context.death()
    if death is not None and death <= day:
        return EndpointValue(
            Yields.BINARY,
            f"died on {death}, on or before day {node.day} ({day})",
            truth=Truth.FALSE,
        )
    if death is not None:
        return EndpointValue(
            Yields.BINARY,
            f"alive at day {node.day} ({day}); died later, on {death}",
            truth=Truth.TRUE,
        )
    contact = context.last_contact()
    if contact is not None and contact >= day and not context.record.deceased_undated:
        return EndpointValue(
            Yields.BINARY,
            f"alive at day {node.day} ({day}): last contact {contact}",
            truth=Truth.TRUE,
        )
    why = (
        "recorded as deceased without a date"
        if context.record.deceased_undated
        else f"last contact {contact or 'unknown'}"
    )
    return EndpointValue(
        Yields.BINARY,
        f"vital status at day {node.day} ({day}) unknown: {why}",
        truth=Truth.UNKNOWN,
        missing=(f"vital status at day {node.day}",),
    )


def _logic(
    combine: Callable[[Iterable[Truth]], Truth], word: str
) -> Callable[[AllOf | AnyOf, _Context], EndpointValue]:
    def walk(node: AllOf | AnyOf, context: _Context) -> EndpointValue:
        children = tuple(_evaluate(child, context) for child in _branches(node))
        truth = combine(c.truth or Truth.UNKNOWN for c in children)
        deciding = [c for c in children if c.truth is truth] or list(children)
        return EndpointValue(
            Yields.BINARY,
            f"{word}: " + "; ".join(c.reason for c in deciding),
            truth=truth,
            evidence=tuple(e for c in deciding for e in c.evidence),
            missing=tuple(m for c in children for m in c.missing) if truth is Truth.UNKNOWN else (),
            children=children,
        )

    return walk


def _branches(node: AllOf | AnyOf) -> list[EndpointNode]:
    return node.all_of if isinstance(node, AllOf) else node.any_of


# -- categories -----------------------------------------------------------------------------------
def _response(node: Response, context: _Context) -> EndpointValue:
    return _response_on(node.response, node.day, node.baseline_day, node.from_, context)


def _response_on(
    rule_set: str, day_number: int, baseline_day: int | None, anchor: Anchor, context: _Context
) -> EndpointValue:
    subject = context.subject
    day = subject.day(day_number, anchor)
    death = context.death()
    if death is not None and death <= day:
        return EndpointValue(
            Yields.CATEGORY, f"died on {death}, on or before day {day_number}", category=DEATH
        )
    at = end_of(day)
    baseline = first_day(anchor) if baseline_day is None else baseline_day
    baseline_at = end_of(subject.day(baseline, anchor))
    scored = assess_between(context.record.as_of(at), baseline_at, at, rule_set)[0]
    result = scored.result
    evidence = tuple(dict.fromkeys(e for entries in scored.evidence.values() for e in entries))
    return EndpointValue(
        Yields.CATEGORY,
        f"{result.summary()} at day {day_number} ({day})",
        category=result.category,
        possible=result.possible,
        evidence=evidence,
        missing=tuple(f"{m} at day {day_number}" for m in result.missing),
    )


def _best_response(node: BestResponse, context: _Context) -> EndpointValue:
    order = (*RULE_SETS[node.best_response].categories, DEATH)
    days = tuple(
        _response_on(node.best_response, d, node.baseline_day, node.from_, context)
        for d in node.days
    )
    options = [(d.category,) if d.category is not None else d.possible for d in days]
    # the best is the best category of some day: its rank lies between the best of the days'
    # best possible categories and the best of their worst ones
    rank = order.index
    best_low = min(min(rank(c) for c in o) for o in options)
    best_high = min(max(rank(c) for c in o) for o in options)
    possible = tuple(c for c in order[best_low : best_high + 1] if any(c in o for o in options))
    category = possible[0] if len(possible) == 1 else None
    return EndpointValue(
        Yields.CATEGORY,
        f"best of days {', '.join(map(str, node.days))}: {category or ' or '.join(possible)}",
        category=category,
        possible=() if category is not None else possible,
        evidence=tuple(e for d in days for e in d.evidence),
        missing=() if category is not None else tuple(m for d in days for m in d.missing),
        children=days,
    )


# -- events ---------------------------------------------------------------------------------------
def _time_to(node: TimeTo, context: _Context) -> EndpointValue:
    subject = context.subject
    origin = subject.origin(node.from_)
    # followed to the horizon when seen after it: the last contact reads the whole record
    contact = context.last_contact()
    horizon = None
    if node.horizon is not None:
        horizon = after(datetime.combine(origin, datetime.min.time()), node.horizon).date()
        context = replace(context, record=context.record.as_of(end_of(horizon)))
    firsts: list[tuple[date, int, str, tuple[Evidence, ...]]] = []
    for order, event in enumerate((node.time_to, *node.competing)):
        found = _first(event, node.from_, context, origin)
        if found is not None and (horizon is None or found[0] <= horizon):
            firsts.append((found[0], order, event.name, found[1]))
    if firsts:
        # the event of interest wins a tie with a competing event on the same day
        when, _, name, evidence = min(firsts, key=lambda f: (f[0], f[1]))
        return EndpointValue(
            Yields.TIME,
            f"{name} on {when}, day {(when - origin).days} from {origin}",
            time=(when - origin).days,
            status=name,
            event=node.time_to.name,
            date=when,
            evidence=evidence,
        )
    censor_on = contact if contact is not None else origin
    if horizon is not None and censor_on > horizon:
        censor_on = horizon
    censor_on = max(censor_on, origin)
    why = "horizon" if horizon is not None and censor_on == horizon else "last contact"
    return EndpointValue(
        Yields.TIME,
        f"censored at the {why} on {censor_on}, day {(censor_on - origin).days} from {origin}",
        time=(censor_on - origin).days,
        status=CENSORED,
        event=node.time_to.name,
        date=censor_on,
    )


def _first(
    event: Event, anchor: Anchor, context: _Context, origin: date
) -> tuple[date, tuple[Evidence, ...]] | None:
    record = context.record
    if event.death:
        death = context.death()
        return None if death is None or death < origin else (death, ())
    if event.procedure is not None:
        done = [p for p in record.procedures_of(event.procedure) if p.start.date() >= origin]
        if not done:
            return None
        first = min(done, key=lambda p: p.start)
        return first.start.date(), (first,)
    assert event.response is not None and event.days is not None
    for day in event.days:
        value = _response_on(event.response, day, event.baseline_day, anchor, context)
        if value.category == event.category:
            return context.subject.day(day, anchor), value.evidence
    return None


# -- counts ---------------------------------------------------------------------------------------
def _count(node: Count, context: _Context) -> EndpointValue:
    subject = context.subject
    begin = node.first_day if node.first_day is not None else first_day(node.from_)
    first = subject.day(begin, node.from_)
    last: date | None = None
    if node.until_day is not None:
        last = subject.day(node.until_day, node.from_)
    elif node.horizon is not None:
        start = datetime.combine(subject.origin(node.from_), datetime.min.time())
        last = after(start, node.horizon).date()
    complete = last is None or _followed_to(last, context)
    if node.until is not None:
        ended = _first(node.until, node.from_, context, subject.origin(node.from_))
        if ended is not None and (last is None or ended[0] <= last):
            last, complete = ended[0], True
    record = context.record if last is None else context.record.as_of(end_of(last))
    if node.count == "adverse_events":
        return _adverse_events(node, record, first, last, complete)
    onsets = [
        c
        for c in record.conditions
        if c.concept == node.count
        and c.verification not in {"refuted", "entered-in-error"}
        and first <= c.onset.date() <= (last or date.max)
    ]
    sure, maybe = onsets, []
    if node.hospital_acquired:
        periods = _periods(record.stays)
        acquired = [(c, _acquired(c.onset.date(), periods)) for c in onsets]
        sure = [c for c, state in acquired if state is True]
        maybe = [c for c, state in acquired if state is None]
    what = f"{node.count}{' (hospital-acquired)' if node.hospital_acquired else ''}"
    return _counted(what, sure, maybe, (first, last), complete, "the hospital stay at its onset")


@dataclass(frozen=True, slots=True)
class _Period:
    """A continuous time in hospital: stays that overlap or touch joined (``end`` None: open)."""

    start: date
    end: date | None
    stays: tuple[Stay, ...]

    def holds(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def _periods(stays: tuple[Stay, ...]) -> list[_Period]:
    """The continuous periods of ``stays`` in time order (a readmission starts another)."""
    periods: list[_Period] = []
    for stay in sorted(stays, key=lambda s: (s.start, s.resource)):
        start, end = stay.start.date(), None if stay.end is None else stay.end.date()
        last = periods[-1] if periods else None
        if last is not None and (last.end is None or start <= last.end):
            joined = None if last.end is None or end is None else max(last.end, end)
            periods[-1] = _Period(last.start, joined, (*last.stays, stay))
        else:
            periods.append(_Period(start, end, (stay,)))
    return periods


def _acquired(onset: date, periods: list[_Period]) -> bool | None:
    """Onset on day 3 or later of the stay it falls in (admission day 1; ECDC 2012); None when
    no stay is recorded at all."""
    if not periods:
        return None
    for period in periods:
        if period.holds(onset):
            return (onset - period.start).days >= 2
    return False


def _counted(
    what: str,
    sure: Sequence[Evidence],
    maybe: Sequence[Evidence],
    span: tuple[date, date | None],
    complete: bool,
    why_maybe: str,
) -> EndpointValue:
    """A count: ``sure`` events certainly counted, ``maybe`` those a missing datum (``why_maybe``)
    leaves open; without complete follow-up of the window the count has no upper bound."""
    first, last = span
    low = float(len(sure))
    high = low + len(maybe) if complete else math.inf
    until = "the end of follow-up" if last is None else str(last)
    upper = "more" if math.isinf(high) else str(int(high))
    shown = f"{len(sure)}" if high == low else f"{len(sure)} to {upper}"
    missing = [] if complete else [f"follow-up to {last}"]
    missing += [f"{e.resource}: {why_maybe}" for e in maybe]
    return EndpointValue(
        Yields.COUNT,
        f"{shown} {what} from {first} to {until}",
        low=low,
        high=high,
        evidence=(*sure, *maybe),
        missing=tuple(missing),
    )


def _adverse_events(
    node: Count, record: PatientRecord, first: date, last: date | None, complete: bool
) -> EndpointValue:
    """Adverse events with onset in [first, last]; one whose grade or seriousness is not
    recorded counts in the upper bound only."""
    sure: list[AdverseEvent] = []
    maybe: list[AdverseEvent] = []
    for event in record.adverse_events:
        if not first <= event.onset.date() <= (last or date.max):
            continue
        if node.term is not None and event.term != node.term:
            continue
        checks = [
            None if node.min_grade is None else _at_least(event.grade, node.min_grade),
            None if node.serious is None else _equal(event.serious, node.serious),
        ]
        if False in checks:
            continue
        (maybe if "unknown" in checks else sure).append(event)
    return _counted(
        _events_text(node), sure, maybe, (first, last), complete, "grade or seriousness"
    )


def _at_least(grade: int | None, least: int) -> bool | str:
    return "unknown" if grade is None else grade >= least


def _equal(serious: bool | None, wanted: bool) -> bool | str:
    return "unknown" if serious is None else serious is wanted


def _events_text(node: Count) -> str:
    parts = ["adverse events"]
    if node.term is not None:
        parts.append(f"({node.term})")
    if node.min_grade is not None:
        parts.append(f"of grade >= {node.min_grade}")
    if node.serious is not None:
        parts.append("serious" if node.serious else "not serious")
    return " ".join(parts)


def _followed_to(last: date, context: _Context) -> bool:
    """True when the subject was followed to ``last`` (seen then or later, or died before)."""
    death = context.death()
    if death is not None and death <= last:
        return True
    contact = context.last_contact()
    return contact is not None and contact >= last


_WALKERS: dict[type[Any], Callable[[Any, _Context], EndpointValue]] = {
    ValueAt: _value_at,
    ScoreAt: _score_at,
    Change: _change,
    LengthOfStay: _length_of_stay,
    Compare: _compare,
    Alive: _alive,
    AllOf: _logic(all_of, "all of"),
    AnyOf: _logic(any_of, "any of"),
    Response: _response,
    BestResponse: _best_response,
    TimeTo: _time_to,
    Count: _count,
}
"""One function per endpoint node type (a test checks that every type has one)."""


def design_response(value: EndpointValue) -> bool | None:
    """A subject's response for a two-stage design's primary endpoint: a truth value met,
    or the event of interest of a time to event reached (R-HLH: alive at HSCT); a
    competing event is a failure, and a censoring (or an undecided truth) is not yet
    known (None)."""
    if value.kind is Yields.BINARY:
        return None if value.truth is Truth.UNKNOWN else value.truth is Truth.TRUE
    if value.kind is Yields.TIME and value.status is not None and value.event is not None:
        return None if value.status == CENSORED else value.status == value.event
    return None
