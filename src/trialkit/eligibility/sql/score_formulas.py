"""Scores that are one formula or one recorded level: Schwartz, Cockcroft–Gault, QTcF, performance.

Each returns the score's ``(low, high)`` as SQL expressions (equal when
decided, NULL when not computable), read from the record as the score's own
adapter reads it:

- bedside Schwartz (:mod:`trialkit.scores.renal`): 0.413 × height (cm) /
  creatinine (mg/dL); the latest creatinine of 7 days and height of 365 days;
- Cockcroft–Gault: (140 − age) × weight (kg) / (72 × creatinine (mg/dL)),
  × 0.85 for a woman; age in completed years, weight of 30 days; NULL for a
  sex other than female or male;
- QTcF (:mod:`trialkit.scores.qtc`): at the latest ECG time of 7 days with a
  QT and an RR interval (else a heart rate) at exactly that time,
  QT / (RR in s)^(1/3); else that time's reported QTcF; an ECG time with
  neither is skipped for the next older one;
- performance (:mod:`trialkit.scores.performance`): the latest Karnofsky or
  Lansky level of 30 days on the scale the age rule chooses; without a birth
  date, the two scales' levels when both are recorded, else 0–100.
"""

from __future__ import annotations

import math

from sqlglot import exp

from trialkit.eligibility.sql.arithmetic import SqlNumber
from trialkit.eligibility.sql.build import (
    PERSON,
    Build,
    and_,
    case,
    cast,
    col,
    greatest,
    impossible_age,
    least,
    not_,
    number,
    or_,
)
from trialkit.eligibility.sql.exact import converted
from trialkit.eligibility.sql.measure import latest_measurement
from trialkit.eligibility.sql.score_inputs import (
    age_years,
    at_one_time,
    days,
    last_of_kind,
    reached,
)
from trialkit.protocol.criteria import Score
from trialkit.scores import performance, qtc, renal

__all__ = ["cockcroft_gault", "performance_status", "qtc_fridericia", "schwartz_bedside"]

Range = tuple[exp.Expr, exp.Expr]


def _latest(build: Build, key: str, lookback: str, target: str) -> exp.Expr:
    name = latest_measurement(build, key, lookback)
    return converted(key, col("value", name), col("unit", name), target)


def _divisor(value: exp.Expr) -> exp.Expr:
    """``value``, NULL unless positive (``renal._divisor``; PostgreSQL raises on a division by 0)."""
    return case([(exp.GT(this=value, expression=exp.Literal.number(0)), value.copy())])


def _both(value: exp.Expr) -> Range:
    return value, value.copy()


def _born(build: Build, value: exp.Expr) -> exp.Expr:
    """``value``, but NULL for a birth date that gives an impossible age at the index day.

    After the index day or above the oldest human age (:func:`impossible_age`): the
    evaluator reads these scores (``ScoreSpec.reads_age``) as unknown, as the ``age`` node.
    """
    return case([(impossible_age(col("birth_date", PERSON), build.day), exp.null())], value)


def schwartz_bedside(node: Score, build: Build, path: str) -> Range:
    """Bedside Schwartz eGFR (mL/min/1.73 m²), or NULL without height or creatinine."""
    creatinine = _divisor(
        _latest(build, "lab.creatinine", days(renal.CREATININE_LOOKBACK), "mg/dL")
    )
    height = _latest(build, "vital.height", days(renal.HEIGHT_LOOKBACK), "cm")
    egfr = renal.schwartz_egfr(SqlNumber(height), SqlNumber(creatinine)).sql
    egfr = _born(build, egfr)
    egfr = build.bind(egfr)
    build.explain(path, "score", [("value", egfr.copy())])
    return _both(egfr)


def cockcroft_gault(node: Score, build: Build, path: str) -> Range:
    """Cockcroft–Gault creatinine clearance (mL/min), total body weight."""
    creatinine = _divisor(
        _latest(build, "lab.creatinine", days(renal.CREATININE_LOOKBACK), "mg/dL")
    )
    weight = _latest(build, "vital.weight", days(renal.WEIGHT_LOOKBACK), "kg")
    age = age_years(col("birth_date", PERSON), build.day)
    clearance = renal.cockcroft_gault_clearance(
        SqlNumber(age), SqlNumber(weight), SqlNumber(creatinine)
    )
    sex = col("sex", PERSON)
    value = case(
        [
            (
                sex.eq(exp.Literal.string("female")),
                (clearance * renal.CG_FEMALE_FACTOR).sql,
            ),
            (sex.copy().eq(exp.Literal.string("male")), clearance.sql),
        ]
    )
    value = _born(build, value)
    value = build.bind(value)
    build.explain(path, "score", [("value", value.copy())])
    return _both(value)


def qtc_fridericia(node: Score, build: Build, path: str) -> Range:
    """QTcF (ms) at the latest usable ECG time of the look-back."""
    keys = {
        "qt": "ecg.qt_interval",
        "rr": "ecg.rr_interval",
        "hr": "vital.heart_rate",
        "reported": "ecg.qtc_fridericia",
    }
    targets = {"qt": "ms", "rr": "ms", "hr": "/min", "reported": "ms"}
    value = {
        name: exp.Max(
            this=case(
                [
                    (
                        last_of_kind(name),
                        converted(keys[name], col("value"), col("unit"), targets[name]),
                    )
                ]
            )
        ).as_(name, copy=False)
        for name in keys
    }
    ecgs = at_one_time(build, keys, qtc.ECG_LOOKBACK, list(value.values()))
    qt, rr, hr = SqlNumber(col("qt")), SqlNumber(col("rr")), SqlNumber(col("hr"))
    computed = case(
        [
            (
                and_(not_(col("qt").is_(exp.null())), not_(col("rr").is_(exp.null()))),
                qtc.fridericia(qt, qtc.rr_seconds(rr)).sql,
            ),
            (
                # a heart rate of 0 is no RR (qtc._beating; PostgreSQL raises on 60 / 0)
                and_(
                    not_(col("qt").is_(exp.null())),
                    exp.GT(this=col("hr"), expression=exp.Literal.number(0)),
                ),
                qtc.fridericia(qt, qtc.rr_from_rate(hr)).sql,
            ),
        ],
        col("reported"),
    )
    usable = exp.select(col("person_id"), col("time"), computed.as_("qtcf", copy=False)).from_(
        ecgs.subquery("ecgs", copy=False), copy=False
    )
    latest = exp.Window(
        this=exp.RowNumber(),
        partition_by=[col("person_id")],
        order=exp.Order(expressions=[exp.Ordered(this=col("time"), desc=True)]),
    )
    chosen = (
        exp.select(col("person_id"), col("qtcf"), col("time"), latest.as_("rn", copy=False))
        .from_(usable.subquery("usable", copy=False), copy=False)
        .where(not_(col("qtcf").is_(exp.null())), copy=False)
    )
    query = (
        exp.select(col("person_id"), col("qtcf"), col("time"))
        .from_(chosen.subquery("chosen", copy=False), copy=False)
        .where(col("rn").eq(1), copy=False)
    )
    name = build.cte("qtcf", query, key="score|qtc_fridericia")
    build.explain(path, "score", [("value", col("qtcf", name)), ("time", col("time", name))])
    return _both(col("qtcf", name))


def performance_status(node: Score, build: Build, path: str) -> Range:
    """The recorded Karnofsky or Lansky level that applies (as ``_score`` and ``_performance``)."""
    lookback = days(performance.PERFORMANCE_LOOKBACK)
    level = {}
    when = {}
    for scale in performance.Scale:
        name = latest_measurement(build, f"assessment.{scale.value}", lookback)
        level[scale] = col("value", name)
        when[scale] = col("time", name)
    karnofsky, lansky = level[performance.Scale.KARNOFSKY], level[performance.Scale.LANSKY]
    birth = col("birth_date", PERSON)
    known = not_(birth.is_(exp.null()))
    if node.karnofsky_from_age is not None:
        adult = reached(birth, build.day, math.ceil(node.karnofsky_from_age), "a")
        chosen = case([(adult, karnofsky.copy())], lansky.copy())
        both = and_(not_(karnofsky.copy().is_(exp.null())), not_(lansky.copy().is_(exp.null())))
        low = case(
            [
                (known.copy(), chosen),
                (both, least(karnofsky.copy(), lansky.copy())),
            ],
            number(0),
        )
        high = case(
            [
                (known.copy(), chosen.copy()),
                (both.copy(), greatest(karnofsky.copy(), lansky.copy())),
            ],
            number(100),
        )
        low, high = _born(build, low), _born(build, high)
        low, high = build.bind(low), build.bind(high)
        build.explain(path, "score", [("low", low.copy()), ("high", high.copy())])
        return low, high
    # The scores adapter: the CIBMTR scale when recorded (its value usable or not: a
    # result of unknown value is still the one recorded), else the other; without a
    # birth date the later of the two (Lansky on a tie, as max((time, scale)) picks).
    adult = reached(birth, build.day, math.ceil(performance.CIBMTR_KARNOFSKY_FROM_AGE), "a")
    k_time, l_time = when[performance.Scale.KARNOFSKY], when[performance.Scale.LANSKY]
    expected_recorded = not_(case([(adult, k_time.copy())], l_time.copy()).is_(exp.null()))
    expected = case([(adult.copy(), karnofsky.copy())], lansky.copy())
    other = case([(adult.copy(), lansky.copy())], karnofsky.copy())
    later_lansky = or_(
        k_time.is_(exp.null()),
        and_(not_(l_time.is_(exp.null())), exp.GTE(this=l_time.copy(), expression=k_time.copy())),
    )
    value = case(
        [
            (known, case([(expected_recorded, expected)], other)),
            (later_lansky, lansky.copy()),
        ],
        karnofsky.copy(),
    )
    value = _born(build, cast(value, "DOUBLE"))
    value = build.bind(value)
    build.explain(path, "score", [("value", value.copy())])
    return _both(value)
