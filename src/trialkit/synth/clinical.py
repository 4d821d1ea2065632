"""Diagnoses, drug exposures and procedures from the rules of :mod:`~trialkit.synth.events_catalogue`.

Rows follow the conventions of the FHIR bridge (``docs/omop.md``):

- a tentative diagnosis has status 32899 (Preliminary) and its FHIR
  verification (``provisional``, ``differential``, ``unconfirmed``) as source
  value; a refuted one is not a condition occurrence but an OBSERVATION row
  (:func:`refuted_rows`) with value No and qualifier ``refuted``;
- a condition that ended without a known date ends on its start day with its
  status (``resolved``, ``remission``) as ``stop_reason``;
- an ongoing exposure ends at the extract time with ``verbatim_end_date`` NULL;
  a single administration ends when it starts; an infusion rate goes to ``sig``;
- a procedure in progress has no end; an instant one ends when it starts.

Nothing happens before birth or after the person's horizon (death, else the
extract time).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from trialkit.omop.concepts import CONFIRMED_DIAGNOSIS, NO, PRELIMINARY_DIAGNOSIS, concept_id
from trialkit.synth.arrays import (
    DAY,
    HOUR,
    I64,
    MINUTE,
    NA_TIME,
    B,
    Rows,
    code,
    concat,
    lognormal,
    string,
)
from trialkit.synth.events_catalogue import (
    CONDITIONS,
    DRUGS,
    PROCEDURES,
    ConditionRule,
    DrugRule,
    ProcedureRule,
    When,
)
from trialkit.synth.people import FEMALE, People

__all__ = [
    "WORKED_UP",
    "conditions",
    "drugs",
    "groups",
    "observation_rows",
    "procedures",
    "select",
    "when",
]

_TENTATIVE = tuple(string(s) for s in ("provisional", "differential", "unconfirmed"))
_CONFIRMED = string("confirmed")
_REFUTED = string("refuted")
#: Share of ended conditions whose end date is known.
DATED_END = 0.7
#: Days an acute condition with a known end lasted: log-normal median and log-sd.
ACUTE_DAYS = (14.0, 0.8)
#: Share of screened (HLH-like, leukaemia) persons whose screening work-up is complete: every
#: attestation and every check-list diagnosis recorded, so that some verdicts can be decided.
WORKED_UP = 0.4


def groups(rng: np.random.Generator, people: People) -> dict[str, B]:
    """Every group a rule may name, per person (shares documented in :mod:`trialkit.synth`)."""
    size = people.size
    child, adult = people.child, ~people.child

    def share(p: float) -> B:
        return rng.random(size) < p

    hlh, leukaemia = people.hlh, people.leukaemia
    primary = hlh & child & share(0.45)
    refractory = hlh & (rng.random(size) < np.where(child, 0.15, 0.05))
    relapsed = leukaemia & share(0.55)
    ordinary = people.ordinary
    cancer_share = 0.02 + 0.12 * np.clip(people.age, 0, 90) / 90
    screened = hlh | leukaemia
    worked_up = screened & share(WORKED_UP)
    return {
        "all": np.ones(size, dtype=bool),
        "ordinary": ordinary,
        "adult": adult,
        "child": child,
        "hlh": hlh,
        "hlh_child": hlh & child,
        "hlh_adult": hlh & adult,
        "primary_hlh": primary,
        "acquired_hlh_child": hlh & child & ~primary,
        "refractory_hlh": refractory,
        "hlh_treated": refractory | hlh & share(0.25),
        "leukaemia": leukaemia,
        "lbl": leukaemia & share(0.12),
        "relapsed": relapsed,
        "allo": leukaemia & share(0.25) | ordinary & adult & share(0.002),
        "car_t": relapsed & share(0.12),
        "rux_ven": relapsed & share(0.06),
        "icu": people.icu,
        "icu_now": people.icu & people.current,
        "ventilated": people.icu & share(0.45),
        "febrile": people.febrile,
        "cancer": ordinary & adult & (rng.random(size) < cancer_share),
        "epilepsy": share(0.012),
        "tb": share(0.004),
        "screened": screened,
        "worked_up": worked_up,
        "partly_worked_up": screened & ~worked_up,
    }


def select(
    rng: np.random.Generator,
    people: People,
    found: dict[str, B],
    group: str,
    share: float,
    ages: tuple[float, float],
    female: bool = False,
) -> I64:
    """Indices of the persons of ``group`` (in the age span, women only if asked) a rule picks."""
    mask = found[group] & (people.age >= ages[0]) & (people.age < ages[1])
    if female:
        mask &= people.sex == FEMALE
    mask &= rng.random(people.size) < share
    return np.flatnonzero(mask).astype(np.int64)


def when(rng: np.random.Generator, people: People, index: I64, moment: When) -> I64:
    """Times of ``moment`` for persons ``index``: after birth, not after their horizon, whole minutes."""
    base = {"admit": people.admit, "end": people.end}.get(moment.anchor)
    anchor = base[index] if base is not None else people.horizon[index]
    low, high = moment.days
    offset = ((low + rng.random(len(index)) * (high - low)) * DAY).astype(np.int64)
    return _bounded(people, index, anchor - offset)


def _bounded(people: People, index: I64, time: I64) -> I64:
    time = np.minimum(np.maximum(time, people.birth[index] + HOUR), people.horizon[index])
    return np.asarray(time // MINUTE * MINUTE, dtype=np.int64)


def observation_rows(
    person: I64,
    time: I64,
    codes: I64,
    *,
    answer: I64 | None = None,
    text: I64 | None = None,
    qualifier: I64 | None = None,
    value: I64 | None = None,
) -> Rows:
    """OBSERVATION rows: concept code, value concept (-1 NULL) and string codes (-1 NULL)."""
    size = len(person)

    def column(given: I64 | None, dtype: type) -> np.ndarray:
        return np.full(size, -1, dtype=dtype) if given is None else given.astype(dtype)

    return Rows(
        person,
        time,
        {
            "code": codes.astype(np.int16),
            "answer": column(answer, np.int64),
            "text": column(text, np.int16),
            "qualifier": column(qualifier, np.int16),
            "value": column(value, np.int16),
        },
    )


def conditions(rng: np.random.Generator, people: People, found: dict[str, B]) -> tuple[Rows, Rows]:
    """CONDITION_OCCURRENCE rows, and the OBSERVATION rows of refuted diagnoses."""
    kept: list[Rows] = []
    refuted: list[Rows] = []
    for rule in CONDITIONS:
        index = select(rng, people, found, rule.group, rule.share, rule.ages, rule.female)
        onset = when(rng, people, index, rule.when)
        confirmed, tentative, _ = rule.status
        draw = rng.random(len(index))
        is_refuted = draw >= confirmed + tentative
        is_tentative = (draw >= confirmed) & ~is_refuted
        ident = code(rule.key)
        refuted.append(
            observation_rows(
                index[is_refuted],
                onset[is_refuted],
                np.full(int(is_refuted.sum()), ident, dtype=np.int64),
                answer=np.full(int(is_refuted.sum()), NO, dtype=np.int64),
                qualifier=np.full(int(is_refuted.sum()), _REFUTED, dtype=np.int64),
                value=np.full(int(is_refuted.sum()), _REFUTED, dtype=np.int64),
            )
        )
        keep = ~is_refuted
        kept.append(
            _condition_rows(rng, people, rule, index[keep], onset[keep], is_tentative[keep])
        )
    return concat(kept), concat(refuted)


def _condition_rows(
    rng: np.random.Generator,
    people: People,
    rule: ConditionRule,
    index: I64,
    onset: I64,
    tentative: B,
) -> Rows:
    size = len(index)
    ended = rng.random(size) < rule.ended
    dated = ended & (rng.random(size) < DATED_END)
    length = (lognormal(rng, ACUTE_DAYS[0], ACUTE_DAYS[1], size) * DAY).astype(np.int64)
    end = np.where(dated, (onset + length) // MINUTE * MINUTE, NA_TIME)
    end = np.where(dated & (end > people.horizon[index]), NA_TIME, end)
    undated = ended & ~dated
    end = np.where(undated, onset, end)
    verification = np.where(tentative, np.array(_TENTATIVE)[rng.integers(0, 3, size)], _CONFIRMED)
    return Rows(
        index,
        onset,
        {
            "code": np.full(size, code(rule.key), dtype=np.int16),
            "end": end.astype(np.int64),
            "status": np.where(tentative, PRELIMINARY_DIAGNOSIS, CONFIRMED_DIAGNOSIS).astype(
                np.int64
            ),
            "stop": np.where(undated, string(rule.stop), -1).astype(np.int16),
            "verification": verification.astype(np.int16),
        },
    )


def drugs(rng: np.random.Generator, people: People, found: dict[str, B]) -> Rows:
    """DRUG_EXPOSURE rows: courses, ongoing exposures and repeated single administrations."""
    return concat([_drug_rows(rng, people, found, rule) for rule in DRUGS])


def _drug_rows(
    rng: np.random.Generator, people: People, found: dict[str, B], rule: DrugRule
) -> Rows:
    index = select(rng, people, found, rule.group, rule.share, rule.ages)
    end = when(rng, people, index, rule.end)
    size = len(index)
    may_continue = ~people.dead[index]
    if rule.end.anchor != "extract":
        may_continue &= people.current[index]
    ongoing = may_continue & (rng.random(size) < rule.ongoing)
    median, spread = rule.days
    if median > 0:
        length = (lognormal(rng, median, spread, size) * DAY).astype(np.int64)
        end = np.where(ongoing, people.horizon[index], end)
        start = _bounded(people, index, end - length)
        person, stop = index, end
    else:
        ongoing = np.zeros(size, dtype=bool)
        dose = np.tile(np.arange(rule.doses), size)
        person = np.repeat(index, rule.doses)
        start = _bounded(
            people, person, np.repeat(end, rule.doses) - (dose * rule.every * DAY).astype(np.int64)
        )
        stop = start
        ongoing = np.repeat(ongoing, rule.doses)
    rate = np.full(len(person), np.nan)
    route = _routes(rng, rule, len(person))
    if rule.rate is not None:
        rate = np.round(lognormal(rng, rule.rate[0], rule.rate[1], len(person)), 2)
        rate = np.maximum(rate, 0.01)
    return Rows(
        person,
        start,
        {
            "code": np.full(len(person), code(rule.key), dtype=np.int16),
            "end": np.maximum(stop, start).astype(np.int64),
            "ongoing": ongoing,
            "rate": rate,
            "route": route,
        },
    )


def _routes(rng: np.random.Generator, rule: DrugRule, size: int) -> NDArray[np.int64]:
    """The route concept id of each exposure (0: not recorded)."""
    ids = np.array([concept_id(key) for key, _ in rule.routes], dtype=np.int64)
    weights = np.array([weight for _, weight in rule.routes], dtype=np.float64)
    chosen = ids[rng.choice(len(ids), size=size, p=weights / weights.sum())]
    return np.where(rng.random(size) < rule.unrouted, 0, chosen).astype(np.int64)


def procedures(rng: np.random.Generator, people: People, found: dict[str, B]) -> Rows:
    """PROCEDURE_OCCURRENCE rows (an ICU admission at the ICU start, not at hospital admission)."""
    return concat([_procedure_rows(rng, people, found, rule) for rule in PROCEDURES])


def _procedure_rows(
    rng: np.random.Generator, people: People, found: dict[str, B], rule: ProcedureRule
) -> Rows:
    index = select(rng, people, found, rule.group, rule.share, rule.ages)
    start = when(rng, people, index, rule.when)
    if rule.group in ("icu", "ventilated"):
        start = _bounded(people, index, np.maximum(start, people.icu_start[index]))
    size = len(index)
    length = (rule.hours * HOUR * (0.5 + rng.random(size))).astype(np.int64)
    end = np.minimum(start + length, people.horizon[index]) // MINUTE * MINUTE
    running = people.current[index] & (rng.random(size) < rule.in_progress)
    end = np.where(running, NA_TIME, np.maximum(end, start))
    return Rows(
        index,
        start,
        {"code": np.full(size, code(rule.key), dtype=np.int16), "end": end.astype(np.int64)},
    )
