"""``measure`` nodes: the latest value in a look-back window against a value, age bands or a ULN.

As :func:`trialkit.eligibility.evaluate._measure`:

- the value is the person's latest measurement of the concept (or of a
  descendant) in ``[index - within, index]``, ties broken by the highest
  ``measurement_id`` (the record's order); none → NULL; a latest value that
  cannot be used (absent, not finite, implausible, a unit the concept does
  not allow: :mod:`~trialkit.eligibility.sql.plausible`) → NULL, with the
  reason in the ``unusable`` evidence and the reported value in ``value``;
- it is compared in the reported unit when that is the threshold's unit,
  else converted to the canonical unit (:mod:`~trialkit.eligibility.sql.exact`);
- age bands apply to the age at the sample, tried in order; when the sex or
  birth date is unknown, every band that may apply is tried and the criterion
  is decided only if they agree;
- ``uln``: the laboratory's reference range (``range_high``, in the reported
  unit) always wins; without it, the cited table of
  :mod:`trialkit.units.reference_intervals` for the age on the day of the sample and the
  sex, decided only when every band that may apply agrees.
"""

from __future__ import annotations

from sqlglot import exp

from trialkit.eligibility.sql.build import (
    COMPARATORS,
    PERSON,
    Build,
    and_,
    at_or_before,
    case,
    cast,
    col,
    impossible_age,
    in_concepts,
    latest_rows,
    measurement_columns,
    minus,
    not_,
    number,
    or_,
    plausible_birth,
    timestamp_of,
)
from trialkit.eligibility.sql.exact import affine, compare_reported, round12_sql, threshold_in_unit
from trialkit.eligibility.sql.plausible import plausible_value, unusable
from trialkit.protocol.criteria import AgeBand, Measure
from trialkit.units import ReferenceInterval, reference_intervals
from trialkit.vocab import concept

__all__ = ["compile_measure", "latest_measurement"]


def latest_measurement(build: Build, key: str, within: str | None) -> str:
    """The CTE of each person's latest measurement of ``key`` in the window (shared by key)."""
    found = build.find(f"measure|{key}|{within}")
    if found is not None:
        return found
    time = timestamp_of("m", "measurement_datetime", "measurement_date")
    conditions = [
        in_concepts(col("measurement_concept_id", "m"), [key]),
        at_or_before(time, build.index),
    ]
    if within is not None:
        conditions.append(exp.GTE(this=time.copy(), expression=minus(build.index, within)))
    query = (
        exp.select(*measurement_columns({"range_high": "range_high"}))
        .from_(exp.table_("measurement", alias="m"), copy=False)
        .where(and_(*conditions), copy=False)
    )
    latest = latest_rows(query, col("time"), col("row_id"))
    # Whether the value can be used is decided on the latest row only: the rows the
    # window sorts stay as narrow as before (Spark's sort of 20,000 persons' rows
    # ran out of memory with two more columns).
    reported, unit = col("value"), col("unit")
    read = exp.select(
        col("person_id"),
        plausible_value(key, reported, unit).as_("value", copy=False),
        reported.copy().as_("reported", copy=False),
        unusable(key, reported, unit).as_("unusable", copy=False),
        unit.copy(),
        col("range_high"),
        col("time"),
        col("row_id"),
    ).from_(latest.subquery("latest", copy=False), copy=False)
    return build.cte("measure", read, key=f"measure|{key}|{within}")


def compile_measure(node: Measure, build: Build, path: str) -> exp.Expr:
    """The truth of a ``measure`` node over the joined row."""
    name = latest_measurement(build, node.measure, node.within)
    value, unit, time = col("value", name), col("unit", name), col("time", name)
    shown = [("value", col("reported", name)), ("unit", unit), ("time", time)]
    build.explain(path, "measure", [*shown, ("unusable", col("unusable", name))])
    if node.uln is not None:
        build.explain(path, "measure", [("range_high", col("range_high", name))])
        return _uln(node, name, build)
    assert node.unit is not None
    if node.value is not None:
        return _compare(node, value, unit, node.value)
    assert node.by_age is not None
    return _by_age(node, node.by_age, name, build)


def _compare(node: Measure, value: exp.Expr, unit: exp.Expr, limit: float) -> exp.Expr:
    """The evaluator's comparison (:meth:`Measure.threshold`) moved into the reported unit."""
    return threshold_in_unit(node.measure, value, unit, node.threshold(limit))


def _known(condition: exp.Expr) -> exp.Expr:
    return exp.func("COALESCE", condition, exp.false())


def _by_age(node: Measure, bands: list[AgeBand], name: str, build: Build) -> exp.Expr:
    """Bands tried in order, as ``_band_values``: every band that may apply, up to a decisive one.

    A band's fit and comparison are used again by every later band and by the
    result: each is bound once (:meth:`Build.bind`).
    """
    # an impossible age chooses no band: read as an unknown birth date, as the evaluator
    birth, sex = plausible_birth(build), col("sex", PERSON)
    value, unit, time = col("value", name), col("unit", name), col("time", name)
    stopped: list[exp.Expr] = []
    any_true: list[exp.Expr] = []
    any_false: list[exp.Expr] = []
    for band in bands:
        fits: list[exp.Expr] = []
        decisive: list[exp.Expr] = []
        if band.sex is not None:
            same = _known(sex.copy().eq(exp.Literal.string(band.sex.value)))
            fits.append(or_(sex.copy().is_(exp.null()), same))
            decisive.append(same.copy())
        if band.below is not None:
            younger = exp.GT(
                this=cast(birth.copy(), "TIMESTAMP"), expression=minus(time, band.below)
            )
            fits.append(_known(or_(birth.copy().is_(exp.null()), younger)))
            decisive.append(not_(birth.copy().is_(exp.null())))
        candidate = and_(*fits, *[not_(s) for s in stopped]) if fits or stopped else exp.true()
        candidate = build.bind(candidate)
        verdict = build.bind(_compare(node, value, unit, band.value))
        any_true.append(_known(and_(candidate, verdict)))
        any_false.append(_known(and_(candidate.copy(), not_(verdict.copy()))))
        stopped.append(and_(candidate.copy(), *decisive) if decisive else candidate.copy())
    yes, no = build.bind(or_(*any_true)), build.bind(or_(*any_false))
    return case(
        [
            (and_(yes, no), exp.null()),
            (yes.copy(), exp.true()),
            (no.copy(), exp.false()),
        ]
    )


def _uln(node: Measure, name: str, build: Build) -> exp.Expr:
    assert node.uln is not None
    value, unit, high = col("value", name), col("unit", name), col("range_high", name)
    return case(
        [
            (not_(high.is_(exp.null())), _laboratory(node, value, unit, high)),
            (value.copy().is_(exp.null()), exp.null()),
        ],
        _table(node, name, build),
    )


def _laboratory(node: Measure, value: exp.Expr, unit: exp.Expr, high: exp.Expr) -> exp.Expr:
    """value ``op`` uln × range_high, in the canonical unit as the record holds both."""
    assert node.uln is not None
    item = concept(node.measure)
    op = COMPARATORS[node.op]
    whens: list[tuple[exp.Expr, exp.Expr]] = []
    for allowed in item.units:
        scale, offset = affine(node.measure, allowed)
        if (scale, offset) == (1.0, 0.0):
            lhs, limit = value.copy(), high.copy()
        else:
            lhs, limit = (
                round12_sql(_affine_sql(value, scale, offset)),
                round12_sql(_affine_sql(high, scale, offset)),
            )
        test = op(this=lhs, expression=exp.Mul(this=number(node.uln), expression=limit))
        whens.append((unit.copy().eq(exp.Literal.string(allowed)), test))
    return case(whens)


def _affine_sql(value: exp.Expr, scale: float, offset: float) -> exp.Expr:
    product = exp.Mul(this=number(scale), expression=value.copy())
    return exp.Add(this=product, expression=number(offset)) if offset else product


def _reached(birth: exp.Expr, day: exp.Expr, bound: str) -> exp.Expr:
    """``age_reached(birth, day, bound)``: birth <= day - bound (calendar months, or days)."""
    # "2 wk" is 14 days and "2 a" 24 calendar months, as intervals._normal counts them
    return exp.LTE(this=birth.copy(), expression=cast(minus(day, bound), "DATE"))


def _table(node: Measure, name: str, build: Build) -> exp.Expr:
    """The cited ULN for the age on the day of the sample and the sex (``_uln``'s fallback).

    Each sex's verdict is used twice when the sex is unknown: bound once.
    """
    rows = reference_intervals().bands(node.measure)
    if not rows:
        return exp.null()
    birth, sex = col("birth_date", PERSON), col("sex", PERSON)
    day = cast(col("time", name), "DATE")
    by_sex: dict[str, exp.Expr] = {}
    for who in ("male", "female"):
        whens = [
            (
                and_(_reached(birth, day, r.from_), not_(_reached(birth, day, r.to))),
                _row_verdict(node, name, r),
            )
            for r in rows
            if r.sex in ("both", who)
        ]
        by_sex[who] = build.bind(case(whens))
    male, female = by_sex["male"], by_sex["female"]
    return case(
        [
            (birth.copy().is_(exp.null()), exp.null()),
            (impossible_age(birth, build.day), exp.null()),
            (exp.LT(this=day.copy(), expression=birth.copy()), exp.null()),
            (sex.copy().eq(exp.Literal.string("male")), male),
            (sex.copy().eq(exp.Literal.string("female")), female),
            (male.copy().eq(female.copy()), male.copy()),
        ]
    )


def _row_verdict(node: Measure, name: str, row: ReferenceInterval) -> exp.Expr:
    """``_within_uln``: in the source's unit when reported in it, else canonical; 10 decimals."""
    assert node.uln is not None
    limit = reference_intervals().limit(row)
    exact = {limit.reported_unit: round(node.uln * limit.reported, 10)}
    canonical = round(node.uln * limit.value, 10)
    return compare_reported(
        node.measure, col("value", name), col("unit", name), node.op, canonical, exact
    )
