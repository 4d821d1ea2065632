"""The bedside evaluator: one criteria tree, one patient record, one index time.

Each node gives an :class:`Outcome`: its truth value (Kleene, see
:mod:`trialkit.eligibility.logic`), a one-line reason, the record entries it
used as evidence, the threshold and its source, and — when unknown — the data
that would decide it. The semantics of each node (what "nothing recorded"
means) are stated in :mod:`trialkit.protocol.criteria`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from trialkit._wording import plural
from trialkit.eligibility.logic import Truth, all_of, any_of, at_least, negate
from trialkit.errors import AgeError
from trialkit.protocol.criteria import (
    CHILDBEARING_POTENTIAL,
    PREGNANCY,
    PUBERTY_FROM,
    Age,
    AllOf,
    AnyOf,
    AtLeast,
    Attestation,
    ChildbearingPotential,
    ConditionNode,
    Drug,
    Finding,
    Genomic,
    Measure,
    Node,
    Not,
    Op,
    ProcedureNode,
    Score,
    SexNode,
)
from trialkit.protocol.render import SYMBOLS, age_span
from trialkit.protocol.window import before, describe
from trialkit.record import (
    Condition,
    Exposure,
    GenomicFinding,
    Observation,
    PatientRecord,
    Sex,
)
from trialkit.record.genomics import gene_label
from trialkit.record.model import UnknownCode, birth_age
from trialkit.scores import SCORE_SPECS, RecordEntry, Scored, ScoreResult, performance
from trialkit.scores.psofa import age_in_months
from trialkit.scores.registry import ScoreAdapter
from trialkit.units import Limit, upper_limits
from trialkit.units.threshold import COMPARE
from trialkit.vocab import History, concept, vocabulary

__all__ = [
    "TREATMENT_HISTORY",
    "Context",
    "Evidence",
    "Missing",
    "Outcome",
    "condition_histories",
    "evaluate",
]

_T = TypeVar("_T")

Evidence = RecordEntry | GenomicFinding
"""A record entry an outcome rests on."""


TREATMENT_HISTORY = "attestation.treatment_history_reviewed"
"""trialkit's attestation that the drug and procedure histories are complete."""
TENTATIVE = frozenset({"unconfirmed", "provisional", "differential"})
"""FHIR condition-ver-status codes of a diagnosis not yet confirmed: unknown, not present."""
_NOT_PRESENT = frozenset({"refuted", "entered-in-error"})


@dataclass(frozen=True, slots=True)
class Missing:
    """A piece of data whose absence leaves a criterion unknown.

    ``item`` identifies the data (a concept key, ``birth_date``, a score input)
    so that the same gap found by several criteria is counted once; ``detail``
    says what exactly to check.
    """

    item: str
    detail: str


_INCONSISTENT_BIRTH = Missing("birth_date", "birth date (it gives an impossible age)")


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one node for one patient."""

    truth: Truth
    reason: str
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[Missing, ...] = ()
    threshold: str | None = None
    source: str | None = None
    children: tuple[Outcome, ...] = ()


@dataclass
class Context:
    """One patient at one index time, with the scores computed once and reused.

    ``record`` is the record as it stood at ``at`` (:meth:`PatientRecord.as_of`):
    nothing dated or recorded after the index time decides a criterion.
    ``origin`` is the record as given. ``age_problem`` says why the birth date
    gives an impossible age at ``at`` (:func:`trialkit.record.model.impossible_age`),
    or is None: no rule decides from such an age.
    """

    record: PatientRecord
    at: datetime
    _scores: dict[str, tuple[Scored, ...]] = field(default_factory=dict)
    origin: PatientRecord = field(init=False)
    age_problem: str | None = field(init=False)

    def __post_init__(self) -> None:
        self.origin = self.record
        self.record = self.record.as_of(self.at)
        self.age_problem = self.record.age_problem(self.at)

    def scores(self, adapter: ScoreAdapter) -> tuple[Scored, ...]:
        """The adapter's results for this patient at this time (computed once)."""
        key = f"{adapter.__module__}.{adapter.__qualname__}"
        if key not in self._scores:
            self._scores[key] = adapter(self.record, self.at)
        return self._scores[key]


def evaluate(node: Node, context: Context) -> Outcome:
    """The outcome of ``node`` for the patient and index time of ``context``."""
    return _WALKERS[type(node)](node, context)


# -- logic ----------------------------------------------------------------------------------------
def _not(node: Not, context: Context) -> Outcome:
    inner = evaluate(node.not_, context)
    return Outcome(
        negate(inner.truth),
        f"not ({inner.reason})",
        inner.evidence,
        inner.missing,
        children=(inner,),
    )


def _all_of(node: AllOf, context: Context) -> Outcome:
    parts = [evaluate(child, context) for child in node.all_of]
    truths = [p.truth for p in parts]
    return _group("all of", all_of(truths), parts, truths)


def _any_of(node: AnyOf, context: Context) -> Outcome:
    parts = [evaluate(child, context) for child in node.any_of]
    truths = [p.truth for p in parts]
    return _group("any of", any_of(truths), parts, truths)


def _at_least(node: AtLeast, context: Context) -> Outcome:
    parts = [evaluate(child, context) for child in node.of]
    truths = [p.truth for p in parts]
    return _group(f"at least {node.at_least} of", at_least(node.at_least, truths), parts, truths)


def _group(label: str, truth: Truth, parts: list[Outcome], truths: list[Truth]) -> Outcome:
    shown = ", ".join(
        f"{n} {name}"
        for name, n in (
            ("met", truths.count(Truth.TRUE)),
            ("not met", truths.count(Truth.FALSE)),
            ("unknown", truths.count(Truth.UNKNOWN)),
        )
        if n
    )
    # The evidence that decides: the children agreeing with the result (all of
    # them when unknown, so that the reader sees what is already known).
    deciding = parts if truth is Truth.UNKNOWN else [p for p in parts if p.truth is truth]
    evidence = _unique(e for p in deciding for e in p.evidence)
    missing: tuple[Missing, ...] = ()
    if truth is Truth.UNKNOWN:
        missing = _unique(m for p in parts if p.truth is Truth.UNKNOWN for m in p.missing)
    return Outcome(
        truth, f"{label} {len(parts)}: {shown}", evidence, missing, children=tuple(parts)
    )


# -- measurements and scores ----------------------------------------------------------------------
def _lookback(context: Context, within: str) -> timedelta:
    return context.at - before(context.at, within)


def _measure(node: Measure, context: Context) -> Outcome:
    item = concept(node.measure)
    window = describe(node.within)
    found = context.record.latest(node.measure, context.at, _lookback(context, node.within))
    threshold = _threshold_text(node)
    if found is not None and found.unusable is not None:
        # The latest result: its value is unknown, and no older one stands in for it.
        return Outcome(
            Truth.UNKNOWN,
            f"{item.display} on {found.time.date().isoformat()} ({found.resource}): "
            f"{found.unusable.reason}",
            (found,),
            (Missing(node.measure, f"a usable {item.display} result ({threshold})"),),
            threshold,
            node.source,
        )
    if found is None or found.quantity is None or isinstance(found.value, bool | str):
        return Outcome(
            Truth.UNKNOWN,
            f"no {item.display} result in the {window} before the index date",
            missing=(Missing(node.measure, f"{item.display} within {window} ({threshold})"),),
            threshold=threshold,
            source=node.source,
        )
    shown = _shown(found)
    if node.uln is not None:
        return _uln(node, found, context)
    assert node.unit is not None  # validated: a value or age bands come with a unit
    limits = _band_values(node, context, found.time)
    if not limits:
        return Outcome(
            Truth.UNKNOWN,
            f"{shown}: no age band of the threshold fits the patient",
            (found,),
            threshold=threshold,
            source=node.source,
        )
    assert found.quantity is not None
    verdicts = {node.threshold(limit).holds(found.quantity) for limit in limits}
    if len(verdicts) > 1 and context.age_problem is not None:
        return Outcome(
            Truth.UNKNOWN,
            f"{shown}: the threshold depends on age; {context.age_problem}",
            (found,),
            (_INCONSISTENT_BIRTH,),
            threshold,
            node.source,
        )
    if len(verdicts) > 1:
        return Outcome(
            Truth.UNKNOWN,
            f"{shown}: the threshold depends on age or sex, which is not recorded",
            (found,),
            (Missing("birth_date", "birth date and sex (the threshold depends on them)"),),
            threshold,
            node.source,
        )
    holds = verdicts.pop()
    limit_text = f"{limits[0]:g} {node.unit}"
    return Outcome(
        Truth.of(holds),
        f"{shown} {SYMBOLS[node.op] if holds else 'not ' + SYMBOLS[node.op]} {limit_text}",
        (found,),
        threshold=threshold,
        source=node.source,
    )


def _uln(node: Measure, found: Observation, context: Context) -> Outcome:
    """``node.uln`` × the ULN: the laboratory's own range, else the cited table for age and sex.

    The laboratory's range is the site's limit for this patient and always
    wins. Without it the table of :mod:`trialkit.units.reference_intervals` gives the
    ULN for the age on the day of the sample (and the sex, for a partitioned
    band); when the birth date or the sex is unknown, every band that could
    apply is tried, and an age the table has no row for counts as undecided.
    """
    assert node.uln is not None and isinstance(found.value, float | int)
    item, shown, threshold = concept(node.measure), _shown(found), _threshold_text(node)
    op = SYMBOLS[node.op]
    if found.reference_high is not None:
        limit = node.uln * found.reference_high
        holds = COMPARE[node.op](found.value, limit)
        return Outcome(
            Truth.of(holds),
            f"{shown} {op if holds else 'not ' + op} {node.uln:g} × ULN ({limit:g} {item.unit}); "
            f"ULN {found.reference_high:g} {item.unit}: laboratory reference range",
            (found,),
            threshold=threshold,
            source=node.source,
        )
    record, day = context.record, found.time.date()
    birth = record.birth_date

    def unknown(reason: str, missing: Missing) -> Outcome:
        return Outcome(
            Truth.UNKNOWN,
            f"{shown}: no laboratory reference range; {reason}",
            (found,),
            (missing,),
            threshold,
            node.source,
        )

    if context.age_problem is not None:
        return unknown(
            f"the upper limit of normal depends on age; {context.age_problem}", _INCONSISTENT_BIRTH
        )
    if birth is not None and day < birth:
        return unknown(
            f"sampled before the birth date {birth}",
            Missing("birth_date", "birth date (inconsistent with the record)"),
        )
    sex: Literal["male", "female"] | None = (
        "male" if record.sex is Sex.MALE else "female" if record.sex is Sex.FEMALE else None
    )
    options = upper_limits(node.measure, day, birth, sex)
    limits = [limit for limit in options if limit is not None]
    if not limits:
        what = "no table of" if not options else "no row for the patient's age in the table of"
        return unknown(
            f"{what} the upper limit of normal for age",
            Missing(f"{node.measure}.uln", f"upper limit of normal for {item.display}"),
        )
    verdicts = {_within_uln(found, node.op, node.uln, limit) for limit in limits}
    if None in options or len(verdicts) > 1:
        if birth is None:
            return unknown(
                "the upper limit of normal for age depends on the birth date, which is not recorded",
                Missing("birth_date", f"birth date (the ULN of {item.display} depends on age)"),
            )
        return unknown(
            "the upper limit of normal for age depends on the sex, which is not recorded ("
            + "; ".join(limit.describe() for limit in limits)
            + ")",
            Missing("sex", f"sex (the ULN of {item.display} at this age depends on it)"),
        )
    holds = verdicts.pop()
    values = " or ".join(
        f"{node.uln * limit.value:.4g} {item.unit}" + (f" {limit.sex}" if limit.sex else "")
        for limit in limits
    )
    used = "; ".join(limit.describe() for limit in limits)
    if len(limits) > 1:
        used += " (the same verdict for either sex)"
    return Outcome(
        Truth.of(holds),
        f"{shown} {op if holds else 'not ' + op} {node.uln:g} × ULN ({values}); {used}",
        (found,),
        threshold=threshold,
        source=node.source,
    )


def _within_uln(found: Observation, op: Op, uln: float, limit: Limit) -> bool:
    # In the source's unit when the result is in it, so that a printed boundary
    # (0.6 mg/dL = 1.5 × 0.4 mg/dL) stays exact; rounded as units.convert rounds.
    quantity = found.quantity
    assert quantity is not None and isinstance(found.value, float | int)
    if quantity.unit == limit.reported_unit:
        return COMPARE[op](quantity.value, round(uln * limit.reported, 10))
    return COMPARE[op](found.value, round(uln * limit.value, 10))


def _band_values(node: Measure, context: Context, sampled: datetime) -> list[float]:
    """The threshold values that may apply: one when age and sex are known.

    Age bands apply to the age at the sample (``sampled``), as HLH-2004's
    "< 4 weeks" haemoglobin limit does, not at the index date.
    """
    if node.value is not None:
        return [node.value]
    assert node.by_age is not None
    record, at = context.record, sampled
    # an impossible age chooses no band: every band that may apply is tried
    birth = None if context.age_problem is not None else record.birth_date
    values: list[float] = []
    for band in node.by_age:
        if band.sex is not None and record.sex not in (band.sex, Sex.UNKNOWN, Sex.OTHER):
            continue
        if band.below is not None and birth is not None:
            younger = datetime.combine(birth, datetime.min.time()) > before(at, band.below)
            if not younger:
                continue
        values.append(band.value)
        sex_known = band.sex is None or record.sex is band.sex
        age_known = band.below is None or birth is not None
        if sex_known and age_known:
            break
    return list(dict.fromkeys(values))


def _shown(found: Observation) -> str:
    quantity = found.quantity
    assert quantity is not None
    item = concept(found.concept)
    text = f"{item.display} {quantity.value:g} {quantity.unit}"
    if quantity.unit != item.unit and isinstance(found.value, float | int):
        text += f" (= {found.value:g} {item.unit})"
    return f"{text} on {found.time.date().isoformat()}"


def _threshold_text(node: Measure) -> str:
    op = SYMBOLS[node.op]
    if node.uln is not None:
        return f"{op} {node.uln:g} × ULN"
    if node.value is not None:
        return f"{op} {node.value:g} {node.unit}"
    assert node.by_age is not None
    rows = []
    for band in node.by_age:
        who = " ".join(
            part
            for part in (
                band.sex.value if band.sex else "",
                f"under {describe(band.below)}" if band.below else "otherwise",
            )
            if part
        )
        rows.append(f"{op} {band.value:g} {node.unit} {who}")
    return "; ".join(rows)


def _score(node: Score, context: Context) -> Outcome:
    spec = SCORE_SPECS[node.score]
    op = SYMBOLS[node.op]
    threshold = f"{op} {node.value:g}"
    if spec.reads_age and context.age_problem is not None:
        return Outcome(
            Truth.UNKNOWN,
            f"{node.score} reads the age: {context.age_problem}",
            missing=(_INCONSISTENT_BIRTH,),
            threshold=threshold,
            source=node.source,
        )
    try:
        scored = context.scores(spec.adapter)
    except AgeError as error:
        # A sample or the index date before the birth date, or an age beyond a life:
        # the record contradicts itself, and the score is unknown until the birth
        # date is checked (as an age node reads it; the SQL compiler makes the score
        # NULL for a negative age).
        return Outcome(
            Truth.UNKNOWN,
            f"{node.score} cannot be computed: {error}",
            missing=(Missing("birth_date", "birth date (inconsistent with the record)"),),
            threshold=threshold,
            source=node.source,
        )
    found = next((s for s in scored if s.result.score in spec.results), None)
    if found is None:
        return Outcome(
            Truth.UNKNOWN,
            f"{node.score} could not be computed",
            missing=(Missing(node.score, f"the inputs of {node.score}"),),
            threshold=threshold,
            source=node.source,
        )
    if node.score == "performance" and node.karnofsky_from_age is not None:
        found = _performance(node.karnofsky_from_age, found, context)
    result = found.result
    evidence = _unique(e for entries in found.evidence.values() for e in entries)
    truth = _range_truth(result, node.op, node.value)
    missing: tuple[Missing, ...] = ()
    if truth is Truth.UNKNOWN:
        missing = tuple(Missing(m, f"{result.label}: {m}") for m in result.missing) or (
            Missing(node.score, f"the inputs of {result.label}"),
        )
    return Outcome(
        truth, result.summary(), evidence, missing, threshold, node.source or result.source
    )


def _range_truth(result: ScoreResult, op: Op, value: float) -> Truth:
    if result.low is None or result.high is None:
        return Truth.UNKNOWN
    compare = COMPARE[op]
    low, high = compare(result.low, value), compare(result.high, value)
    if low and high:
        return Truth.TRUE
    if not low and not high:
        return Truth.FALSE
    return Truth.UNKNOWN


def _performance(karnofsky_from_age: float, found: Scored, context: Context) -> Scored:
    """The recorded level on the scale the protocol's own age rule chooses.

    Without a birth date the rule cannot choose: the result spans the levels
    that may apply (both scales' levels when both are recorded, else 0–100).
    """
    age = context.record.age_years(context.at)
    if age is None:
        return _performance_without_age(found, context)
    scale = performance.performance_scale(age, karnofsky_from_age)
    observation = context.record.latest(
        f"assessment.{scale.value}", context.at, performance.PERFORMANCE_LOOKBACK
    )
    level = None
    if observation is not None and isinstance(observation.value, int | float):
        level = float(observation.value)
    result = performance.performance_status(level, scale, age, karnofsky_from_age)
    return Scored(result, {} if observation is None else {scale.value: (observation,)})


def _performance_without_age(found: Scored, context: Context) -> Scored:
    recorded = [
        o
        for scale in performance.Scale
        if (
            o := context.record.latest(
                f"assessment.{scale.value}", context.at, performance.PERFORMANCE_LOOKBACK
            )
        )
        is not None
        and isinstance(o.value, int | float)
        and not isinstance(o.value, bool)
    ]
    levels = [float(o.value) for o in recorded if isinstance(o.value, int | float)]
    low, high = (min(levels), max(levels)) if len(levels) == 2 else (0.0, 100.0)
    result = ScoreResult(
        found.result.score,
        "Karnofsky / Lansky performance status",
        found.result.source,
        low,
        high,
        missing=("birth date (the protocol's age rule chooses Karnofsky or Lansky)",),
    )
    return Scored(result, {o.concept: (o,) for o in recorded})


# -- demographics ---------------------------------------------------------------------------------
def _age(node: Age, context: Context) -> Outcome:
    record = context.record
    op = SYMBOLS[node.age]
    threshold = f"{op} {age_span(node.value, node.unit)}"
    when, what = context.at, "at the index date"
    evidence: tuple[Evidence, ...] = ()
    if node.at_first is not None:
        item = concept(node.at_first)
        onsets = [
            c
            for c in record.conditions
            if c.concept == node.at_first and c.verification not in _NOT_PRESENT
        ]
        if not onsets:
            return Outcome(
                Truth.UNKNOWN,
                f"no date of first diagnosis of {item.display}",
                missing=(Missing(node.at_first, f"date of first diagnosis of {item.display}"),),
                threshold=threshold,
                source=node.source,
            )
        first = min(onsets, key=lambda c: c.onset)
        when, what, evidence = first.onset, f"at first diagnosis of {item.display}", (first,)
    if record.birth_date is None:
        return Outcome(
            Truth.UNKNOWN,
            "no birth date",
            evidence,
            (Missing("birth_date", "birth date"),),
            threshold,
            node.source,
        )
    if context.age_problem is not None:
        return Outcome(
            Truth.UNKNOWN,
            context.age_problem,
            evidence,
            (_INCONSISTENT_BIRTH,),
            threshold,
            node.source,
        )
    day = when.date()
    if day < record.birth_date:
        return Outcome(
            Truth.UNKNOWN,
            f"{what}: {day} is before the birth date {record.birth_date}",
            evidence,
            (Missing("birth_date", "birth date (inconsistent with the record)"),),
            threshold,
            node.source,
        )
    years, days = birth_age(record.birth_date, day)
    age = {"a": years, "mo": age_in_months(record.birth_date, day), "d": days}[node.unit]
    holds = COMPARE[node.age](age, node.value)
    return Outcome(
        Truth.of(holds),
        f"age {age_span(age, node.unit)} {what} ({'' if holds else 'not '}{threshold})",
        evidence,
        threshold=threshold,
        source=node.source,
    )


def _sex(node: SexNode, context: Context) -> Outcome:
    sex = context.record.sex
    if sex in (Sex.UNKNOWN, Sex.OTHER):
        return Outcome(
            Truth.UNKNOWN, f"sex recorded as {sex.value}", missing=(Missing("sex", "sex"),)
        )
    return Outcome(Truth.of(sex.value == node.sex), f"sex {sex.value}")


def _childbearing_potential(node: ChildbearingPotential, context: Context) -> Outcome:
    """Childbearing potential (CTFG 2020; the node's docstring): assessed, pregnant, or by age."""
    record = context.record
    observed = record.latest(CHILDBEARING_POTENTIAL, context.at)
    if observed is not None and isinstance(observed.value, bool):
        what = "of" if observed.value else "not of"
        return Outcome(
            Truth.of(observed.value),
            f"{what} childbearing potential (assessed {observed.time.date().isoformat()})",
            (observed,),
        )
    pregnant = _flag(PREGNANCY, None, context, "finding")
    if pregnant.truth is Truth.TRUE:
        return Outcome(Truth.TRUE, "pregnant, so of childbearing potential", pregnant.evidence)
    puberty = PUBERTY_FROM.get(record.sex.value)
    age = record.age_years(context.at)  # None for an impossible age: no age rule
    if puberty is not None and age is not None and age < puberty:
        return Outcome(
            Truth.FALSE,
            f"{record.sex.value}, {plural(age, 'year')} old: before the age of puberty "
            f"({puberty} years), not of childbearing potential",
        )
    gap = Missing(
        CHILDBEARING_POTENTIAL,
        "childbearing potential (CTFG 2020: a woman after menarche and before "
        "menopause, a man after puberty, unless permanently sterile)",
    )
    if puberty is not None and context.age_problem is not None:
        return Outcome(
            Truth.UNKNOWN,
            f"childbearing potential not assessed; {context.age_problem}",
            missing=(gap, _INCONSISTENT_BIRTH),
        )
    return Outcome(Truth.UNKNOWN, "childbearing potential not assessed", missing=(gap,))


# -- conditions, findings, attestations ------------------------------------------------------------
def _condition(node: ConditionNode, context: Context) -> Outcome:
    record, at = context.record, context.at
    item = concept(node.condition)
    recorded = [c for c in record.conditions if c.concept == node.condition]
    if node.ever:
        present = [c for c in recorded if c.verification not in _NOT_PRESENT and c.onset <= at]
    else:
        present = [c for c in recorded if c.present_at(at)]
    when = "before the index date" if node.ever else "at the index date"
    confirmed = [c for c in present if c.verification not in TENTATIVE]
    if confirmed:
        return Outcome(Truth.TRUE, f"{item.display} recorded {when}", tuple(confirmed))
    if present:
        return _tentative(item.display, node.condition, tuple(present))
    observed = record.latest(node.condition, at)
    if observed is not None and isinstance(observed.value, bool):
        return Outcome(
            Truth.of(observed.value),
            f"{item.display} recorded as {'present' if observed.value else 'absent'}",
            (observed,),
        )
    if recorded:
        return Outcome(
            Truth.FALSE, f"{item.display} recorded but not present {when}", tuple(recorded)
        )
    return _none_recorded(
        f"no {item.display} recorded",
        (),
        context,
        condition_histories(node),
        datetime.min,
        gap=Missing(node.condition, f"{item.display}: present or ruled out"),
        asked=node.condition,
    )


def _tentative(display: str, key: str, entries: tuple[Condition, ...]) -> Outcome:
    status = ", ".join(sorted({c.verification for c in entries}))
    return Outcome(
        Truth.UNKNOWN,
        f"{display} recorded as {status}, not confirmed",
        entries,
        (Missing(key, f"{display}: confirm or rule out (recorded as {status})"),),
    )


def _flag(key: str, within: str | None, context: Context, what: str) -> Outcome:
    record, at = context.record, context.at
    item = concept(key)
    present = record.conditions_at(at, key)
    confirmed = tuple(c for c in present if c.verification not in TENTATIVE)
    if confirmed:
        return Outcome(Truth.TRUE, f"{item.display}: present", confirmed)
    if present:
        return _tentative(item.display, key, present)
    window = None if within is None else _lookback(context, within)
    observed = record.latest(key, at, window)
    if observed is not None and isinstance(observed.value, bool):
        return Outcome(
            Truth.of(observed.value),
            f"{item.display}: {'yes' if observed.value else 'no'} "
            f"(recorded {observed.time.date().isoformat()})",
            (observed,),
        )
    refuted = tuple(
        c for c in record.conditions if c.concept == key and c.verification == "refuted"
    )
    if refuted:
        return Outcome(Truth.FALSE, f"{item.display}: ruled out", refuted)
    for broader in item.broader:
        # A broader concept recorded absent (no infection at all) rules the narrower one out.
        denied = record.latest(broader, at, window)
        ruled_out = tuple(
            c for c in record.conditions if c.concept == broader and c.verification == "refuted"
        )
        if denied is not None and denied.value is False:
            return Outcome(
                Truth.FALSE, f"{item.display}: no {concept(broader).display.lower()}", (denied,)
            )
        if ruled_out:
            return Outcome(
                Truth.FALSE, f"{item.display}: {concept(broader).display} ruled out", ruled_out
            )
    span = "" if within is None else f" within {describe(within)}"
    return Outcome(
        Truth.UNKNOWN,
        f"{item.display}: not recorded{span}",
        missing=(Missing(key, f"{item.display} ({what}{span})"),),
    )


# -- drugs, procedures, genomics ------------------------------------------------------------------
def _drug(node: Drug, context: Context) -> Outcome:
    record, at = context.record, context.at
    start = datetime.min if node.within is None else before(at, node.within)
    span = "before the index date" if node.within is None else f"in the {describe(node.within)}"
    exposures = record.exposures_to(node.drug, start, at)
    if node.routes is None:
        return _drug_exposure(node, exposures, context, start, span)
    routes = set(node.routes)
    unrouted = tuple(e for e in exposures if e.route is None)
    outcome = _drug_exposure(
        node, tuple(e for e in exposures if e.route in routes), context, start, span
    )
    if outcome.truth is not Truth.FALSE or not unrouted:
        return outcome
    names = " or ".join(concept(r).display.lower() for r in node.routes)
    return Outcome(
        Truth.UNKNOWN,
        f"{outcome.reason}; {len(unrouted)} exposure(s) without a recorded route ({names} counts)",
        (*outcome.evidence, *unrouted),
        tuple(
            Missing(f"{e.resource}.route", f"route of {concept(e.concept).display} ({e.resource})")
            for e in unrouted
        ),
        source=node.source,
    )


def _drug_exposure(
    node: Drug,
    exposures: tuple[Exposure, ...],
    context: Context,
    start: datetime,
    span: str,
) -> Outcome:
    """A drug node's outcome over the exposures that count (by route, when it names routes)."""
    at = context.at
    item = concept(node.drug)
    if node.longer_than is not None:
        total = _exposed_time(exposures, start, at)
        needed = at - before(at, node.longer_than)
        reason = f"{item.display}: {_days(total)} of exposure {span}"
        if total > needed:
            return Outcome(
                Truth.TRUE,
                f"{reason} (more than {describe(node.longer_than)})",
                exposures,
                source=node.source,
            )
        limit = describe(node.longer_than)
        return _none_recorded(
            f"{reason} (not more than {limit})",
            exposures,
            context,
            History.MEDICATIONS,
            start,
            source=node.source,
        )
    if node.half_lives is not None:
        return _washout(node, exposures, context)
    if exposures:
        return Outcome(
            Truth.TRUE, f"{item.display}: exposure {span}", exposures, source=node.source
        )
    return _none_recorded(
        f"{item.display}: no exposure recorded {span}",
        (),
        context,
        History.MEDICATIONS,
        start,
        source=node.source,
    )


# -- what nothing recorded means -------------------------------------------------------------------
_DIAGNOSES = frozenset({"Condition", "AllergyIntolerance"})

_HISTORY_RESOURCES: dict[History, frozenset[str]] = {
    # OMOP keeps an unmapped allergy among conditions: either history may hold either.
    History.PROBLEMS: _DIAGNOSES,
    History.PAST_PROBLEMS: _DIAGNOSES,
    History.MEDICATIONS: frozenset(
        {"MedicationStatement", "MedicationRequest", "MedicationAdministration"}
    ),
    History.PROCEDURES: frozenset({"Procedure"}),
    History.ALLERGIES: _DIAGNOSES,
}
"""The resource types that record each history (an unrecognised one may be what is asked)."""

_HISTORY_NAMES = {
    History.PROBLEMS: "problem list",
    History.PAST_PROBLEMS: "history of past illness",
    History.MEDICATIONS: "medication history",
    History.PROCEDURES: "procedure history",
    History.ALLERGIES: "drug allergy history",
}


def condition_histories(node: ConditionNode) -> tuple[History, ...]:
    """The histories that must be stated complete for a diagnosis not recorded to be absent.

    A diagnosis present at the index time is one of the current problems (or, for a
    hypersensitivity, of the drug allergies); one at any time before it (``ever``) may
    also be a past illness, so the history of past illness must be complete too.
    """
    history = vocabulary().history_of(node.condition)
    assert history is not None  # a condition concept (validated)
    if node.ever and history is History.PROBLEMS:
        return (History.PROBLEMS, History.PAST_PROBLEMS)
    return (history,)


def _none_recorded(
    reason: str,
    evidence: tuple[Evidence, ...],
    context: Context,
    histories: History | tuple[History, ...],
    since: datetime,
    *,
    gap: Missing | None = None,
    source: str | None = None,
    asked: str | None = None,
) -> Outcome:
    """Nothing (enough) recorded: "no" only where the record states ``history`` complete.

    The record states a history complete with a statement of absence (the IPS
    "no known ..." codes, an empty List with emptyReason nilknown, SNOMED CT's
    "no known allergy") or, for drugs and procedures, trialkit's attestation
    ``attestation.treatment_history_reviewed``; the latest at or before the
    index time counts. Even then, a resource of that history that trialkit
    could not read (an unrecognised drug, procedure, diagnosis or allergy dated
    on or after ``since``, or undated) might be what is asked: the answer stays
    unknown and names it.
    """
    if isinstance(histories, History):
        histories = (histories,)
    statements: list[Observation] = []
    gaps: list[Missing] = []
    for history in histories:
        statement = _statement_of(history, context)
        if statement is None:
            keys = vocabulary().closing(history)
            gaps.append(
                Missing(
                    f"history.{history.value}",
                    f"the {_HISTORY_NAMES[history]} stated complete ({' or '.join(keys)})",
                )
            )
        elif statement not in statements:
            statements.append(statement)
    if gaps:
        names = " and ".join(_HISTORY_NAMES[h] for h in histories)
        return Outcome(
            Truth.UNKNOWN,
            f"{reason}; the {names} {'is' if len(histories) == 1 else 'are'} not stated complete",
            evidence,
            tuple(gaps) if gap is None else (gap, *gaps),
            source=source,
        )
    name = " and ".join(_HISTORY_NAMES[h] for h in histories)
    unread = tuple(
        dict.fromkeys(
            u for history in histories for u in _unrecognised(history, since, context, asked)
        )
    )
    if unread:
        return Outcome(
            Truth.UNKNOWN,
            f"{reason}; {len(unread)} unrecognised {'entry' if len(unread) == 1 else 'entries'} "
            f"of the {name} might be one",
            (*evidence, *statements),
            tuple(
                Missing(u.resource, f"{u.resource} ({', '.join(u.codings)}): not recognised")
                for u in unread
            ),
            source=source,
        )
    return Outcome(Truth.FALSE, reason, (*evidence, *statements), source=source)


def _statement_of(history: History, context: Context) -> Observation | None:
    """The latest statement that ``history`` is complete, at or before the index time."""
    found = [
        observed
        for key in vocabulary().closing(history)
        if (observed := context.record.latest(key, context.at)) is not None
        and observed.value is True
    ]
    return max(found, key=lambda o: o.time) if found else None


def _unrecognised(
    history: History, since: datetime, context: Context, asked: str | None
) -> tuple[UnknownCode, ...]:
    """Unrecognised resources of ``history`` that may fall in the window from ``since``.

    One coded in a system where the vocabulary lists every code of the concept
    ``asked`` (ICD-10) cannot be it, and is left out.
    """
    kinds = _HISTORY_RESOURCES[history]
    vocab = vocabulary()
    return tuple(
        u
        for u in context.record.unknown_codes
        if u.kind in kinds
        and u.field in ("code", "medication")
        and (u.start is None or u.end is None or u.end >= since)
        and (asked is None or not vocab.cannot_mean(u.codings, asked))
    )


def _washout(node: Drug, exposures: tuple[Exposure, ...], context: Context) -> Outcome:
    """Exposure within the shorter of the window and ``half_lives`` half-lives, per drug."""
    at = context.at
    assert node.within is not None and node.half_lives is not None
    span = f"{describe(node.within)} or {node.half_lives:g} half-lives, whichever is shorter"
    inside: list[Exposure] = []
    unsure: list[Exposure] = []
    for exposure in exposures:
        half_life = concept(exposure.concept).half_life
        if exposure.end is None or exposure.end >= at:
            inside.append(exposure)
        elif half_life is None:
            unsure.append(exposure)
        elif exposure.end >= at - min(
            at - before(at, node.within), node.half_lives * timedelta(hours=half_life.hours)
        ):
            inside.append(exposure)
    display = concept(node.drug).display
    if inside:
        return Outcome(
            Truth.TRUE, f"{display}: exposure within {span}", tuple(inside), source=node.source
        )
    if unsure:
        names = sorted({concept(e.concept).display for e in unsure})
        return Outcome(
            Truth.UNKNOWN,
            f"{display}: exposure in the last {describe(node.within)}; no cited half-life for "
            f"{', '.join(names)}",
            tuple(unsure),
            tuple(
                Missing(f"{e.concept}.half_life", f"half-life of {concept(e.concept).display}")
                for e in unsure
            ),
            source=node.source,
        )
    return _none_recorded(
        f"{display}: no exposure within {span}",
        (),
        context,
        History.MEDICATIONS,
        before(at, node.within),
        source=node.source,
    )


def _exposed_time(exposures: tuple[Exposure, ...], start: datetime, at: datetime) -> timedelta:
    """Total time covered by the exposures within [start, at] (overlaps counted once)."""
    spans = sorted((max(e.start, start), min(e.end or at, at)) for e in exposures)
    total, reach = timedelta(0), start
    for low, high in spans:
        low = max(low, reach)
        if high > low:
            total += high - low
            reach = high
    return total


def _days(span: timedelta) -> str:
    days = span / timedelta(days=1)
    return f"{days:.3g} day{'s' if days != 1 else ''}"


def _procedure(node: ProcedureNode, context: Context) -> Outcome:
    at = context.at
    item = concept(node.procedure)
    start = None if node.within is None else before(at, node.within)
    span = "before the index date" if node.within is None else f"in the {describe(node.within)}"
    found = context.record.procedures_of(node.procedure, start, at)
    found = tuple(p for p in found if p.start <= at)
    if found:
        return Outcome(Truth.TRUE, f"{item.display} {span}", found)
    return _none_recorded(
        f"no {item.display} recorded {span}",
        (),
        context,
        History.PROCEDURES,
        start or datetime.min,
    )


def _genomic(node: Genomic, context: Context) -> Outcome:
    genes = ", ".join(concept(g).display for g in node.gene)
    findings = tuple(g for g in context.record.genomics if g.time <= context.at)
    if not findings:
        return Outcome(
            Truth.UNKNOWN,
            "no molecular profiling result recorded",
            missing=(Missing("molecular_profile", f"molecular profiling ({genes})"),),
        )
    matched = tuple(f for f in findings if _matches(node, f))
    if matched:
        shown = "; ".join(_alteration(f) for f in matched)
        return Outcome(Truth.TRUE, shown, matched)
    return Outcome(Truth.FALSE, f"no matching alteration in {genes} among {len(findings)} results")


def _matches(node: Genomic, finding: GenomicFinding) -> bool:
    if not any(gene in finding.genes for gene in node.gene):
        return False
    if node.alteration is not None and finding.alteration not in node.alteration:
        return False
    if node.protein_change is None:
        return True
    change = finding.protein_change or ""
    return any(
        change == wanted
        or (
            wanted[-1].isdigit()
            and change.startswith(wanted)
            and not change[len(wanted) :][:1].isdigit()
        )
        for wanted in node.protein_change
    )


def _alteration(finding: GenomicFinding) -> str:
    genes = "::".join(gene_label(g) for g in finding.genes)
    change = f" {finding.protein_change}" if finding.protein_change else ""
    return f"{genes} {finding.alteration.value}{change}"


def _unique(items: Iterable[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(items))


def _finding(node: Finding, context: Context) -> Outcome:
    return _flag(node.finding, node.within, context, "finding")


def _attestation(node: Attestation, context: Context) -> Outcome:
    return _flag(node.attestation, node.within, context, "attestation")


_WALKERS: dict[type, Callable[[Any, Context], Outcome]] = {
    AllOf: _all_of,
    AnyOf: _any_of,
    AtLeast: _at_least,
    Not: _not,
    Measure: _measure,
    Score: _score,
    Age: _age,
    SexNode: _sex,
    ChildbearingPotential: _childbearing_potential,
    ConditionNode: _condition,
    Finding: _finding,
    Attestation: _attestation,
    Drug: _drug,
    ProcedureNode: _procedure,
    Genomic: _genomic,
}
"""One walker per node type (STYLE §1): adding a node adds one entry here."""
