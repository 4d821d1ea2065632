"""Blood draws and laboratory results of the last stay (MEASUREMENT rows).

Each person has a few blood draws (:func:`draws`); each draw includes an
analyte with the chance its :class:`~trialkit.synth.labs_catalogue.Lab` gives
for the person's groups (the highest applies). A value is, on the log scale,
the person's median plus a person effect (0.8 of the log-sd) and a draw effect
(0.6 of it), so that the healthy population has the catalogue's log-sd and one
person's results stay consistent over the stay. HLH-like, ICU and leukaemia
persons take their group's distribution (:data:`~trialkit.synth.labs_catalogue.STATES`;
HLH scaled by a per-person severity in [0.5, 1.3], so that some HLH-like
persons meet few criteria); ordinary inpatients may carry an illness shift.
Reference ranges are the central 95 % of the healthy distribution for the
person's age group and sex (the statistical definition of a reference
interval), and for creatinine, ALT and AST below 19 years the cited paediatric
interval itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from trialkit.synth.arrays import DAY, F64, HOUR, I64, MINUTE, YEAR, B, Rows, concat
from trialkit.synth.labs_catalogue import LABS, STATES, Lab
from trialkit.synth.people import MALE, People
from trialkit.synth.reporting import report
from trialkit.units import convert, reference_intervals

__all__ = ["Draws", "draws", "laboratory"]

#: Blood draws per person: a base count plus a Poisson number, per group.
DRAWS = {"ordinary": (1, 1.2), "icu": (3, 2.0), "hlh": (3, 2.0), "leukaemia": (2, 2.0)}
_MAX_DRAWS = 12
_Z95 = 1.959964


@dataclass(frozen=True, slots=True)
class Draws:
    """Blood-draw times of a chunk: the person of each draw, its time, and whether it is the last."""

    person: I64
    time: I64
    last: B


def draws(rng: np.random.Generator, people: People) -> Draws:
    """The draws of the last stay: the last one 15 minutes to 18 hours before its end."""
    base = np.full(people.size, DRAWS["ordinary"][0])
    mean = np.full(people.size, DRAWS["ordinary"][1])
    for name, mask in (("icu", people.icu), ("hlh", people.hlh), ("leukaemia", people.leukaemia)):
        base[mask] = DRAWS[name][0]
        mean[mask] = DRAWS[name][1]
    count = np.minimum(base + rng.poisson(mean), _MAX_DRAWS)
    person = np.repeat(np.arange(people.size, dtype=np.int64), count)
    starts = np.cumsum(count) - count
    last = np.zeros(len(person), dtype=bool)
    last[starts + count - 1] = True
    admit, end = people.admit[person], people.end[person]
    final = np.maximum(
        end - (15 * MINUTE + rng.random(len(person)) * 18 * HOUR).astype(np.int64), admit
    )
    spread = (rng.random(len(person)) * (final - admit)).astype(np.int64)
    time = np.where(last, final, admit + spread) // MINUTE * MINUTE
    return Draws(person, time, last)


def laboratory(rng: np.random.Generator, people: People, taken: Draws) -> Rows:
    """MEASUREMENT rows of every catalogue analyte for the draws ``taken``."""
    severity = 0.5 + 0.8 * rng.random(people.size)
    illness_draw = rng.random(people.size)
    parts = [_lab(rng, people, taken, lab, severity, illness_draw) for lab in LABS]
    return concat(parts)


def _groups(people: People, person: I64) -> tuple[B, B, B]:
    return people.hlh[person], people.icu[person], people.leukaemia[person]


def _lab(
    rng: np.random.Generator,
    people: People,
    taken: Draws,
    lab: Lab,
    severity: F64,
    illness_draw: F64,
) -> Rows:
    hlh, icu, leuk = _groups(people, taken.person)
    ordinary_p, hlh_p, icu_p, leuk_p = lab.panel
    chance = np.full(len(taken.person), ordinary_p)
    chance = np.where(hlh, np.maximum(chance, hlh_p), chance)
    chance = np.where(icu, np.maximum(chance, icu_p), chance)
    chance = np.where(leuk, np.maximum(chance, leuk_p), chance)
    chosen = rng.random(len(chance)) < chance
    person, time = taken.person[chosen], taken.time[chosen]
    median, spread, caliper = _healthy(lab, people, person, time)
    low, high = median * np.exp(-_Z95 * spread), median * np.exp(_Z95 * spread)
    if caliper is not None:
        found, band_low, band_high = caliper
        low, high = np.where(found, band_low, low), np.where(found, band_high, high)
    log_median = np.log(median)
    total = spread.copy()
    shifted = np.zeros(len(person), dtype=bool)
    for group, mask in (("icu", icu[chosen]), ("leukaemia", leuk[chosen]), ("hlh", hlh[chosen])):
        state = STATES[group].get(lab.key)
        if state is None or not mask.any():
            continue
        weight = severity[person] if group == "hlh" else np.ones(len(person))
        if state[0] == "x":
            _, factor, extra = state
            target = log_median + np.log(float(factor))
            width = np.hypot(spread, float(extra))
        else:
            target = np.full(len(person), np.log(float(state[0])))
            width = np.full(len(person), float(state[1]))
        log_median = np.where(mask, log_median + weight * (target - log_median), log_median)
        total = np.where(mask, width, total)
        shifted |= mask
    if lab.illness:
        share_edges = np.cumsum([i.share for i in lab.illness])
        which = np.searchsorted(share_edges, illness_draw[person], side="right")
        for n, ill in enumerate(lab.illness):
            hit = (which == n) & ~shifted
            shift = np.log(ill.factor) + ill.spread * rng.standard_normal(people.size)[person]
            log_median = np.where(hit, log_median + shift, log_median)
    person_effect = rng.standard_normal(people.size)[person]
    value = np.exp(
        log_median + total * (0.8 * person_effect + 0.6 * rng.standard_normal(len(person)))
    )
    if not lab.ranges:
        return report(rng, lab.key, person, time, value, people.site)
    return report(rng, lab.key, person, time, value, people.site, low, high)


def _healthy(
    lab: Lab, people: People, person: I64, time: I64
) -> tuple[F64, F64, tuple[B, F64, F64] | None]:
    """Healthy median and log-sd per row: neonate, child or adult by sex (unknown: female)."""
    neonate, child, female, male = lab.medians
    age = people.age_at(person, time)
    sex = people.sex[person]
    median = np.where(sex == MALE, male, female).astype(np.float64)
    median = np.where(age < 18.0, child, median)
    median = np.where(age < 28 * DAY / YEAR, neonate, median)
    spread = np.full(len(person), lab.spread)
    caliper = _caliper_limits(lab, people, person, time)
    if caliper is not None:
        found, low, high = caliper
        median = np.where(found, np.sqrt(low * high), median)
        spread = np.where(found, np.log(high / low) / (2 * _Z95), spread)
    return median, spread, caliper


@cache
def _bands(key: str) -> tuple[tuple[float, float, float, float, str], ...]:
    """Cited paediatric bands of ``key``: (from days, to days, lower, upper, sex), canonical unit."""
    table = reference_intervals()
    rows = []
    for row in table.bands(key):
        if row.lower is None:
            continue
        lower = convert(row.lower, row.unit, _canonical(key), key)
        upper = convert(row.upper, row.unit, _canonical(key), key)
        rows.append((_days(row.from_), _days(row.to), lower, upper, row.sex))
    return tuple(rows)


def _canonical(key: str) -> str:
    from trialkit.vocab import vocabulary

    unit = vocabulary()[key].unit
    assert unit is not None
    return unit


def _days(bound: str) -> float:
    number, unit = bound.split()
    return float(number) * {"d": 1.0, "wk": 7.0, "mo": 30.4375, "a": 365.25}[unit]


def _caliper_limits(lab: Lab, people: People, person: I64, time: I64) -> tuple[B, F64, F64] | None:
    """Where a cited band applies (age below 19 years), its lower and upper limit per row.

    AST has no band below 1 year; such infants take the first band's distribution.
    """
    if not lab.caliper:
        return None
    age_days = (time - people.birth[person]) / DAY
    sex = people.sex[person]
    found = np.zeros(len(person), dtype=bool)
    low = np.ones(len(person))
    high = np.ones(len(person))
    bands = _bands(lab.key)
    first_start = min(b[0] for b in bands)
    clamped = np.maximum(age_days, first_start)
    for start, stop, lower, upper, band_sex in bands:
        fits = (clamped >= start) & (clamped < stop)
        if band_sex == "male":
            fits &= sex == MALE
        elif band_sex == "female":
            fits &= sex != MALE
        low = np.where(fits, lower, low)
        high = np.where(fits, upper, high)
        found |= fits
    return found, low, high
