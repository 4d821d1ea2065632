"""The oxygenation item of SOFA and pSOFA in SQL: a ratio to FiO2 per measurement, worst one kept.

As :func:`trialkit.scores.sofa.read_oxygenation` and ``oxygenation``: each
measurement (PaO2, or for pSOFA an SpO2 of 97 % or less) of the 24 h before
the index is paired with the FiO2 recorded last in the 4 h up to it (none:
the ratio spans FiO2 0.21 to 1.0) and with respiratory support at its time (a
ventilation procedure covering it, else the last ``finding.respiratory_support``
of the 4 h, else unknown). The ratio, rounded to 6 decimals, scores on the
edges printed in its unit; 3 and 4 points need support (2 without). The
item is the range from the highest low to the highest high of the
measurements; none: NULL (the caller decides).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlglot import exp

from trialkit.eligibility.sql.build import (
    COMPARATORS,
    Build,
    and_,
    case,
    col,
    greatest,
    in_concepts,
    least,
    microseconds,
    not_,
    number,
    timestamp_of,
)
from trialkit.eligibility.sql.events import REFUTED
from trialkit.eligibility.sql.exact import converted, holds_in_unit, significant_sql
from trialkit.eligibility.sql.plausible import plausible_value
from trialkit.eligibility.sql.score_inputs import window_rows
from trialkit.omop.concepts import NO, YES
from trialkit.scores import sofa as source
from trialkit.scores.bands import Band
from trialkit.units import Quantity, commensurable
from trialkit.units.threshold import Bound
from trialkit.vocab import concept

__all__ = ["oxygenation"]

Range = tuple[exp.Expr, exp.Expr]


def _zero() -> exp.Expr:
    return exp.Literal.number(0)


def _interval(span: timedelta) -> exp.Interval:
    return microseconds(span // timedelta(microseconds=1))


def _latest_before(
    build: Build, gases: str, table: str, alias: str, concept: str, value: exp.Expr
) -> exp.Select:
    """Per gas: ``value`` of the last row of ``concept`` in the 4 h up to the gas."""
    time = timestamp_of(alias, f"{table}_datetime", f"{table}_date")
    gas_time = col("time", "g")
    rank = exp.Window(
        this=exp.RowNumber(),
        partition_by=[col("gas_id", "g")],
        order=exp.Order(
            expressions=[
                exp.Ordered(this=time.copy(), desc=True),
                exp.Ordered(this=col(f"{table}_id", alias), desc=True),
            ]
        ),
    )
    concept_column = col(f"{table}_concept_id", alias)
    wanted = [in_concepts(concept_column, [concept])]
    if table == "observation":  # a ruled-out diagnosis is no answer
        qualifier = exp.func(
            "COALESCE", col("qualifier_source_value", alias), exp.Literal.string("")
        )
        wanted.append(exp.NEQ(this=qualifier, expression=exp.Literal.string(REFUTED)))
    joined = (
        exp.select(col("gas_id", "g"), value, rank.as_("rn", copy=False))
        .from_(exp.table_(gases, alias="g"), copy=False)
        .join(
            exp.table_(table, alias=alias),
            on=and_(
                col("person_id", alias).eq(col("person_id", "g")),
                exp.LTE(this=time.copy(), expression=gas_time),
                exp.GTE(
                    this=time.copy(),
                    expression=exp.Sub(
                        this=gas_time.copy(), expression=_interval(source.FIO2_PAIRING)
                    ),
                ),
            ),
            copy=False,
        )
        .where(and_(*wanted), copy=False)
    )
    return (
        exp.select("*")
        .from_(joined.subquery("paired", copy=False), copy=False)
        .where(col("rn").eq(1), copy=False)
    )


def _fraction(value: exp.Expr, unit: exp.Expr) -> exp.Expr:
    """FiO2 as a fraction: as reported in ``1``, else converted (12, then 10 digits)."""
    per_one = converted("vital.fio2", value, unit, "1")
    percent = case([(unit.copy().eq(exp.Literal.string("%")), significant_sql(per_one, 10))])
    return case([(unit.copy().eq(exp.Literal.string("1")), value.copy())], percent)


def _compared(value: exp.Expr, bound: Bound) -> exp.Expr:
    return COMPARATORS[bound.comparator](this=value.copy(), expression=number(bound.limit))


def _ratio_points(
    key: str, measure: exp.Expr, unit: exp.Expr, fraction: exp.Expr, edges: Sequence[Band]
) -> exp.Expr:
    """Points of measure/FiO2 rounded to 6 decimals (``points_on`` that ratio).

    In a unit the edges are printed in, the ratio is compared as it is; in
    another, it is converted to the first printed unit of its dimension and
    rounded to 10 significant digits, as ``Threshold.holds`` compares it (a
    ratio of 6 decimals near a printed edge has fewer than 10 digits).
    """
    ratio = exp.Round(
        this=exp.Div(this=measure.copy(), expression=fraction), decimals=exp.Literal.number(6)
    )
    whens = []
    for reported in concept(key).units:
        limits = edges[0].threshold.limits
        printed = next(iter(limits))
        value: exp.Expr = ratio.copy()
        if reported not in limits:
            printed = next(u for u in limits if commensurable(u, reported))
            value = significant_sql(
                converted(key, ratio.copy(), exp.Literal.string(reported), printed), 10
            )
        else:
            printed = reported
        bands = [
            (
                _compared(value, edge.threshold.bound(printed)),
                exp.Literal.number(edge.points),
            )
            for edge in edges
        ]
        whens.append((unit.copy().eq(exp.Literal.string(reported)), case(bands, _zero())))
    return case(whens)


def oxygenation(
    build: Build,
    key: str,
    edges: Sequence[Band],
    keep: Callable[[Quantity], bool] | None = None,
) -> tuple[exp.Expr, exp.Expr, exp.Expr]:
    """(low, high, found) of the oxygenation item from the measurements of ``key``.

    ``keep`` (monotone decreasing, as "SpO2 ≤ 97 %") selects the measurements
    that may enter the ratio.
    """
    rows = window_rows(build, [key], source.LOOKBACK)
    gas_query = exp.select(
        col("person_id"),
        col("value"),
        col("unit"),
        col("time"),
        col("row_id").as_("gas_id", copy=False),
    ).from_(rows.subquery("gases", copy=False), copy=False)
    if keep is not None:
        kept = holds_in_unit(key, col("value"), col("unit"), keep, increasing=False)
        gas_query = gas_query.where(kept, copy=False)
    stem = key.split(".")[-1]
    gases = build.cte(f"{stem}_gases", gas_query, key=f"score|oxygenation|{key}", join=False)
    fio2 = build.cte(
        "fio2",
        _latest_before(
            build,
            gases,
            "measurement",
            "f",
            "vital.fio2",
            _fraction(
                plausible_value(
                    "vital.fio2", col("value_as_number", "f"), col("unit_source_value", "f")
                ),
                col("unit_source_value", "f"),
            ).as_("fraction", copy=False),
        ),
        key=f"score|oxygenation|{key}|fio2",
        join=False,
    )
    answer = col("value_as_concept_id", "o")
    flag = case([(answer.eq(YES), exp.true()), (answer.copy().eq(NO), exp.false())])
    stated = build.cte(
        "support_finding",
        _latest_before(
            build,
            gases,
            "observation",
            "o",
            "finding.respiratory_support",
            flag.as_("support", copy=False),
        ),
        key=f"score|oxygenation|{key}|support",
        join=False,
    )
    start = timestamp_of("p", "procedure_datetime", "procedure_date")
    last = exp.func(
        "COALESCE",
        col("procedure_end_datetime", "p"),
        exp.Cast(this=col("procedure_end_date", "p"), to=exp.DataType.build("TIMESTAMP")),
        col("time", "g"),
    )
    ventilated_query = (
        exp.select(col("gas_id", "g"), exp.Count(this=exp.Star()).as_("procedures", copy=False))
        .from_(exp.table_(gases, alias="g"), copy=False)
        .join(
            exp.table_("procedure_occurrence", alias="p"),
            on=and_(
                col("person_id", "p").eq(col("person_id", "g")),
                exp.LTE(this=start, expression=col("time", "g")),
                exp.GTE(this=last, expression=col("time", "g")),
            ),
            copy=False,
        )
        .where(in_concepts(col("procedure_concept_id", "p"), list(source.VENTILATION)), copy=False)
        .group_by(col("gas_id", "g"), copy=False)
    )
    ventilated = build.cte(
        "ventilated", ventilated_query, key=f"score|oxygenation|{key}|ventilated", join=False
    )
    support = case(
        [(exp.GT(this=col("procedures", ventilated), expression=_zero()), exp.true())],
        col("support", stated),
    )
    measure, unit = col("value", gases), col("unit", gases)
    known = col("fraction", fio2)

    def low_high(points: exp.Expr) -> Range:
        capped = least(points.copy(), exp.Literal.number(2))
        low = case([(support.copy(), points.copy())], capped)
        high = case([(not_(support.copy()), capped.copy())], points.copy())
        return low, high

    known_low, known_high = low_high(_ratio_points(key, measure, unit, known.copy(), edges))
    bounds = [
        low_high(_ratio_points(key, measure, unit, number(f), edges)) for f in source.FIO2_BOUNDS
    ]
    has_fio2 = not_(known.is_(exp.null()))
    gas_low = case([(has_fio2, known_low)], least(bounds[0][0], bounds[1][0]))
    gas_high = case([(has_fio2.copy(), known_high)], greatest(bounds[0][1], bounds[1][1]))
    per_person = (
        exp.select(
            col("person_id", gases),
            exp.Max(this=gas_low).as_("low", copy=False),
            exp.Max(this=gas_high).as_("high", copy=False),
        )
        .from_(exp.table_(gases), copy=False)
        .group_by(col("person_id", gases), copy=False)
    )
    for table in (fio2, stated, ventilated):
        per_person = per_person.join(
            exp.table_(table),
            on=col("gas_id", table).eq(col("gas_id", gases)),
            join_type="LEFT",
            copy=False,
        )
    name = build.cte(f"{stem}_ratio", per_person, key=f"score|oxygenation|{key}|ratio")
    return col("low", name), col("high", name), not_(col("person_id", name).is_(exp.null()))
