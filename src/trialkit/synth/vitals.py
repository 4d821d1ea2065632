"""Vital signs, ICU (SOFA) inputs and paediatric oncology assessments (MEASUREMENT rows).

Vital signs are charted at blood draws; weight and height once per stay.
ICU persons get, at their draws after ICU admission, a PaO2 with the FiO2
charted up to 2 hours before it, a MAP, a GCS and a 24-hour urine output.
Persons with leukaemia get a performance score (Lansky below 16 years,
Karnofsky from 16, as paediatric oncology commonly switches), an
echocardiogram and an ECG on the day before their last draw. All values are
drawn in the canonical unit and reported as :mod:`~trialkit.synth.reporting`
does (no reference ranges for vital signs). Distributions: :mod:`trialkit.synth`.
"""

from __future__ import annotations

import numpy as np

from trialkit.synth.arrays import F64, HOUR, MINUTE, Rows, concat, lognormal
from trialkit.synth.labs import Draws
from trialkit.synth.people import MALE, People
from trialkit.synth.reporting import report

__all__ = ["CARDIOTOXICITY", "FIO2", "GROWTH", "PERFORMANCE", "assessments", "icu_inputs", "vitals"]

#: Median weight (kg) and height (cm) by age in years (linear between rows), for
#: children; adults: women 70 kg / 163 cm, men 83 kg / 177 cm.
GROWTH = (
    (0.0, 3.4, 50.0),
    (0.5, 7.5, 67.0),
    (1.0, 9.6, 75.0),
    (2.0, 12.2, 87.0),
    (5.0, 18.5, 109.0),
    (10.0, 32.0, 138.0),
    (14.0, 50.0, 160.0),
    (18.0, 62.0, 168.0),
)
#: FiO2 settings (fraction) and their shares in ICU blood gases.
FIO2 = ((0.21, 0.35), (0.3, 0.15), (0.4, 0.2), (0.5, 0.1), (0.6, 0.1), (0.8, 0.05), (1.0, 0.05))
#: Share of persons with leukaemia whose echocardiogram shows reduced function (anthracyclines).
CARDIOTOXICITY = 0.08
#: Karnofsky / Lansky levels and their shares among children with leukaemia.
PERFORMANCE = (
    (100, 0.3),
    (90, 0.25),
    (80, 0.15),
    (70, 0.1),
    (60, 0.08),
    (50, 0.05),
    (40, 0.04),
    (30, 0.03),
)


def _pick(rng: np.random.Generator, mask_size: int, chance: F64 | float) -> np.ndarray:
    return rng.random(mask_size) < chance


def vitals(rng: np.random.Generator, people: People, taken: Draws) -> Rows:
    """Temperature, heart rate, blood pressure, SpO2 at draws; weight and height once."""
    person, time = taken.person, taken.time
    size = len(person)
    age = people.age_at(person, time)
    hlh, icu, leuk = people.hlh[person], people.icu[person], people.leukaemia[person]
    febrile = people.febrile[person]
    site = people.site
    parts: list[Rows] = []

    fever = np.select([hlh, febrile, icu, leuk], [38.9, 38.3, 37.3, 37.2], 36.9)
    person_shift = rng.standard_normal(people.size)[person] * np.where(hlh | febrile, 0.6, 0.3)
    temperature = fever + person_shift + rng.standard_normal(size) * 0.35
    keep = _pick(rng, size, np.where(hlh | icu | leuk | febrile, 0.98, 0.9))
    parts.append(
        report(rng, "vital.temperature", person[keep], time[keep], temperature[keep], site)
    )

    stressed = hlh | icu | febrile
    rate = 75 + 65 * np.exp(-age / 3) + np.where(stressed, 15, 0) + rng.standard_normal(size) * 12
    keep = _pick(rng, size, 0.9)
    parts.append(report(rng, "vital.heart_rate", person[keep], time[keep], rate[keep], site))

    systolic = np.where(age < 18, 70 + 2 * np.minimum(age, 16), 118 + 0.35 * (age - 18))
    systolic = np.where(icu, 112, systolic) + rng.standard_normal(size) * np.where(icu, 22, 15)
    diastolic = systolic * 0.62 + rng.standard_normal(size) * 7
    keep = _pick(rng, size, 0.85)
    parts.append(report(rng, "vital.systolic_bp", person[keep], time[keep], systolic[keep], site))
    parts.append(report(rng, "vital.diastolic_bp", person[keep], time[keep], diastolic[keep], site))
    measured = (systolic + 2 * diastolic) / 3 + rng.standard_normal(size) * 3
    keep = _pick(rng, size, np.where(icu, 0.0, 0.03))
    parts.append(report(rng, "vital.map", person[keep], time[keep], measured[keep], site))

    saturation = np.minimum(
        np.where(icu, 94, 97) + rng.standard_normal(size) * np.where(icu, 3.5, 1.5), 100
    )
    keep = _pick(rng, size, np.where(icu, 0.95, 0.6))
    parts.append(report(rng, "vital.spo2", person[keep], time[keep], saturation[keep], site))
    parts.append(_growth(rng, people))
    return concat(parts)


def _growth(rng: np.random.Generator, people: People) -> Rows:
    """Weight and height once per stay, a few hours after admission."""
    person = np.arange(people.size, dtype=np.int64)
    time = np.minimum(
        people.admit + (rng.random(people.size) * 6 * HOUR).astype(np.int64), people.end
    )
    time = time // MINUTE * MINUTE
    age = people.age_at(person, time)
    ages = np.array([g[0] for g in GROWTH])
    male = people.sex == MALE
    weight = np.where(
        age < 18, np.interp(age, ages, [g[1] for g in GROWTH]), np.where(male, 83, 70)
    )
    height = np.where(
        age < 18, np.interp(age, ages, [g[2] for g in GROWTH]), np.where(male, 177, 163)
    )
    weight = lognormal(rng, weight, np.where(age < 18, 0.13, 0.2))
    height = lognormal(rng, height, 0.04)
    child = age < 18
    weighed = _pick(rng, people.size, np.where(child, 0.95, 0.8))
    measured = _pick(rng, people.size, np.where(child | people.leukaemia, 0.9, 0.5))
    return concat(
        [
            report(
                rng, "vital.weight", person[weighed], time[weighed], weight[weighed], people.site
            ),
            report(
                rng, "vital.height", person[measured], time[measured], height[measured], people.site
            ),
        ]
    )


def icu_inputs(rng: np.random.Generator, people: People, taken: Draws) -> Rows:
    """PaO2 with its FiO2, MAP, GCS and urine output at draws after ICU admission."""
    in_icu = people.icu[taken.person] & (taken.time >= people.icu_start[taken.person])
    person, time = taken.person[in_icu], taken.time[in_icu]
    size = len(person)
    site = people.site
    hlh = people.hlh[person]
    parts: list[Rows] = []

    gas = _pick(rng, size, 0.85)
    settings = np.array([f[0] for f in FIO2])
    shares = np.array([f[1] for f in FIO2])
    fio2 = settings[rng.choice(len(FIO2), size=size, p=shares / shares.sum())]
    ratio = np.clip(lognormal(rng, np.where(hlh, 200.0, 240.0), 0.5), 40, 600)
    pao2 = np.clip(ratio * fio2, 35, 600)
    charted = np.maximum(
        time - (rng.random(size) * 2 * HOUR).astype(np.int64) // MINUTE * MINUTE,
        people.admit[person],
    )
    parts.append(report(rng, "lab.pao2", person[gas], time[gas], pao2[gas], site))
    parts.append(report(rng, "vital.fio2", person[gas], charted[gas], fio2[gas], site))

    pressure = 75 + rng.standard_normal(size) * 13
    keep = _pick(rng, size, 0.95)
    parts.append(report(rng, "vital.map", person[keep], time[keep], pressure[keep], site))

    alert = rng.random(size) < 0.55
    total = np.where(alert, 15, rng.integers(3, 15, size)).astype(np.float64)
    keep = _pick(rng, size, 0.7)
    parts.append(report(rng, "assessment.gcs_total", person[keep], time[keep], total[keep], site))
    components = ~keep & _pick(rng, size, 0.5)
    for key, top in (
        ("assessment.gcs_eye", 4),
        ("assessment.gcs_verbal", 5),
        ("assessment.gcs_motor", 6),
    ):
        score = np.where(alert, top, rng.integers(1, top + 1, size)).astype(np.float64)
        parts.append(
            report(rng, key, person[components], time[components], score[components], site)
        )

    urine = np.minimum(lognormal(rng, 1400.0, 0.6, size), 15000)
    keep = _pick(rng, size, 0.5)
    parts.append(report(rng, "vital.urine_output_24h", person[keep], time[keep], urine[keep], site))
    return concat(parts)


def assessments(rng: np.random.Generator, people: People, taken: Draws) -> Rows:
    """Performance score, echocardiogram and ECG for persons with leukaemia, before the last draw."""
    chosen = taken.last & people.leukaemia[taken.person]
    person = taken.person[chosen]
    size = len(person)
    time = np.maximum(
        taken.time[chosen] - (rng.random(size) * 24 * HOUR).astype(np.int64) // MINUTE * MINUTE,
        people.admit[person],
    )
    site = people.site
    parts: list[Rows] = []
    levels = np.array([p[0] for p in PERFORMANCE], dtype=np.float64)
    shares = np.array([p[1] for p in PERFORMANCE])
    level = levels[rng.choice(len(levels), size=size, p=shares / shares.sum())]
    scored = _pick(rng, size, 0.7)
    lansky = people.age_at(person, time) < 16
    for key, mask in (
        ("assessment.lansky", scored & lansky),
        ("assessment.karnofsky", scored & ~lansky),
    ):
        parts.append(report(rng, key, person[mask], time[mask], level[mask], site))
    weak = _pick(rng, size, CARDIOTOXICITY)
    fraction = np.where(weak, 24, 34) + rng.standard_normal(size) * np.where(weak, 3, 5)
    keep = _pick(rng, size, 0.45)
    parts.append(
        report(rng, "echo.shortening_fraction", person[keep], time[keep], fraction[keep], site)
    )
    ejection = np.where(weak, 42, 62) + rng.standard_normal(size) * np.where(weak, 5, 7)
    keep = _pick(rng, size, 0.5)
    parts.append(report(rng, "echo.lvef", person[keep], time[keep], ejection[keep], site))
    rr = np.clip(700 + rng.standard_normal(size) * 120, 350, 1500)
    qtc = 415 + rng.standard_normal(size) * 22
    qt = qtc * (rr / 1000) ** (1 / 3)
    corrected = _pick(rng, size, 0.45)
    pair = ~corrected & _pick(rng, size, 0.35)
    parts.append(
        report(rng, "ecg.qtc_fridericia", person[corrected], time[corrected], qtc[corrected], site)
    )
    parts.append(report(rng, "ecg.qt_interval", person[pair], time[pair], qt[pair], site))
    parts.append(report(rng, "ecg.rr_interval", person[pair], time[pair], rr[pair], site))
    return concat(parts)
