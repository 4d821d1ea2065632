"""Synthetic persons: sex, birth date, laboratory site, clinical group and their last stay.

Distributions (documented with their rationale in :mod:`trialkit.synth`):
the age pyramid :data:`AGE_BANDS`, the sex shares :data:`SEX_SHARES`, the
group shares (:data:`LEUKAEMIA`, :data:`HLH`, :data:`ICU`, ...) and the stay lengths :data:`STAY_DAYS`. Times are
whole seconds since 1970-01-01 on the site's wall clock (naive), as int64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trialkit.synth.arrays import DAY, F64, HOUR, I8, I64, NA_TIME, YEAR, B, lognormal
from trialkit.synth.labs_catalogue import SITES

__all__ = [
    "AGE_BANDS",
    "CURRENT",
    "DEATH",
    "FEBRILE",
    "FEMALE",
    "HLH",
    "ICU",
    "LEUKAEMIA",
    "MALE",
    "SEX_SHARES",
    "STAY_DAYS",
    "UNKNOWN_SEX",
    "People",
    "draw_people",
]

#: Age at the extract time: (from, to) in years and the share of persons (%).
AGE_BANDS: tuple[tuple[float, float, float], ...] = (
    (0.0, 28 / 365.25, 1.5),
    (28 / 365.25, 1.0, 2.0),
    (1.0, 5.0, 3.0),
    (5.0, 12.0, 3.0),
    (12.0, 18.0, 3.5),
    (18.0, 30.0, 8.0),
    (30.0, 45.0, 11.0),
    (45.0, 60.0, 17.0),
    (60.0, 75.0, 25.0),
    (75.0, 90.0, 21.0),
    (90.0, 101.0, 5.0),
)
#: Female, male, unknown (gender_concept_id 0).
SEX_SHARES = (0.51, 0.485, 0.005)
FEMALE, MALE, UNKNOWN_SEX = 0, 1, 2

#: Leukaemia: (from, to) age in years and the share of persons with leukaemia.
LEUKAEMIA = ((0.0, 1.0, 0.02), (1.0, 18.0, 0.10), (18.0, 22.0, 0.03))
#: HLH-like (not leukaemia): share of children, of adults.
HLH = (0.05, 0.025)
#: ICU stay: children, adults, HLH-like children, HLH-like adults, leukaemia.
ICU = (0.04, 0.10, 0.25, 0.5, 0.10)
#: Febrile work-up (HLH tentative or refuted) among ordinary persons.
FEBRILE = 0.06
#: In hospital at the extract time: ordinary persons, the others (HLH-like, leukaemia, ICU).
CURRENT = (0.55, 0.85)
#: Length of the last stay in days: (median, log-sd) for ordinary, ICU, HLH, leukaemia.
STAY_DAYS = {
    "ordinary": (4.0, 0.75),
    "icu": (8.0, 0.6),
    "hlh": (12.0, 0.5),
    "leukaemia": (18.0, 0.6),
}
#: Days from the end of a finished stay to the extract time: exponential mean, cap.
SINCE_DISCHARGE = (90.0, 1000.0)
#: Death at the end of a finished stay: share by age (< 50, 50-74, >= 75 years), and the
#: factors for ICU, HLH-like and leukaemia persons.
DEATH = ((0.01, 0.04, 0.10), {"icu": 2.0, "hlh": 2.0, "leukaemia": 1.5})


@dataclass(frozen=True, slots=True)
class People:
    """One chunk of persons, column-wise (index ``i`` is one person)."""

    person_id: I64
    sex: I8
    birth: I64
    age: F64
    site: I8
    leukaemia: B
    hlh: B
    icu: B
    febrile: B
    current: B
    admit: I64
    end: I64
    icu_start: I64
    death: I64
    extracted: int

    @property
    def size(self) -> int:
        """The number of persons."""
        return len(self.person_id)

    @property
    def child(self) -> B:
        """Younger than 18 years at the extract time."""
        return self.age < 18.0

    @property
    def ordinary(self) -> B:
        """Neither HLH-like nor leukaemia."""
        return ~(self.hlh | self.leukaemia)

    @property
    def dead(self) -> B:
        """Died at the end of the last stay."""
        return np.asarray(self.death != NA_TIME, dtype=np.bool_)

    @property
    def horizon(self) -> I64:
        """The last time the person can have data: death, else the extract time."""
        return np.where(self.dead, self.death, self.extracted)

    def age_at(self, index: I64, time: I64) -> F64:
        """Age in years of persons ``index`` at ``time``."""
        return np.asarray((time - self.birth[index]) / YEAR, dtype=np.float64)


def draw_people(rng: np.random.Generator, first_id: int, size: int, extracted: int) -> People:
    """``size`` persons numbered from ``first_id``, as of the extract time (seconds)."""
    person_id = np.arange(first_id, first_id + size, dtype=np.int64)
    sex = rng.choice(3, size=size, p=SEX_SHARES).astype(np.int8)
    weights = np.array([band[2] for band in AGE_BANDS])
    band = rng.choice(len(AGE_BANDS), size=size, p=weights / weights.sum())
    low = np.array([b[0] for b in AGE_BANDS])[band]
    high = np.array([b[1] for b in AGE_BANDS])[band]
    age_days = np.floor((low + rng.random(size) * (high - low)) * 365.25).astype(np.int64)
    today = extracted // DAY * DAY
    birth = today - age_days * DAY
    age = (extracted - birth) / YEAR
    shares = np.array([s.share for s in SITES])
    site = rng.choice(len(SITES), size=size, p=shares / shares.sum()).astype(np.int8)

    leukaemia = np.zeros(size, dtype=bool)
    for start, stop, share in LEUKAEMIA:
        leukaemia |= (age >= start) & (age < stop) & (rng.random(size) < share)
    child = age < 18.0
    hlh_child, hlh_adult = HLH
    hlh = ~leukaemia & (rng.random(size) < np.where(child, hlh_child, hlh_adult))
    icu_child, icu_adult, icu_hlh_child, icu_hlh_adult, icu_leuk = ICU
    p_icu = np.where(child, icu_child, icu_adult)
    p_icu = np.where(hlh, np.where(child, icu_hlh_child, icu_hlh_adult), p_icu)
    p_icu = np.where(leukaemia, icu_leuk, p_icu)
    icu = rng.random(size) < p_icu
    febrile = ~(hlh | leukaemia) & (rng.random(size) < FEBRILE)
    ordinary_current, group_current = CURRENT
    special = hlh | leukaemia | icu
    current = rng.random(size) < np.where(special, group_current, ordinary_current)

    median = np.full(size, STAY_DAYS["ordinary"][0])
    spread = np.full(size, STAY_DAYS["ordinary"][1])
    for name, mask in (("icu", icu), ("hlh", hlh), ("leukaemia", leukaemia)):
        median[mask] = STAY_DAYS[name][0]
        spread[mask] = STAY_DAYS[name][1]
    stay = np.minimum(lognormal(rng, median, spread), 90.0)
    mean_gap, cap = SINCE_DISCHARGE
    gap = np.minimum(rng.exponential(mean_gap, size), cap)
    end = np.where(current, extracted, extracted - (gap * DAY).astype(np.int64))
    end = np.maximum(end, birth + 2 * HOUR) // 60 * 60
    admit = np.maximum(end - (stay * DAY).astype(np.int64), birth + HOUR)
    admit = admit // 60 * 60
    icu_start = admit + (rng.random(size) * 0.5 * (end - admit)).astype(np.int64) // 60 * 60
    young, middle, old = DEATH[0]
    risk = np.select([age < 50, age < 75], [young, middle], old)
    for name, mask in (("icu", icu), ("hlh", hlh), ("leukaemia", leukaemia)):
        risk = np.where(mask, risk * DEATH[1][name], risk)
    died = ~current & (rng.random(size) < risk)
    death = np.where(died, end, NA_TIME)
    return People(
        person_id=person_id,
        sex=sex,
        birth=birth,
        age=age,
        site=site,
        leukaemia=leukaemia,
        hlh=hlh,
        icu=icu,
        febrile=febrile,
        current=current,
        admit=admit,
        end=end,
        icu_start=icu_start,
        death=death,
        extracted=extracted,
    )
