"""HScore (Fardet 2014) as SQL: the total's range ``low``–``high``.

As :func:`trialkit.scores.hscore.assess`: the worst quantity of the 7 days up
to the index (highest temperature, ferritin, triglycerides, AST; lowest
fibrinogen, haemoglobin, leukocytes, platelets), findings of the 30 days.

- A continuous variable's points are a non-decreasing function of its
  canonical value (non-increasing for fibrinogen), so the worst value's points
  are the highest points of the window: ``MAX`` over its rows, each row's
  points being the score's own ``Scale.points`` moved into the reported unit.
  No value: 0 to the variable's maximum.
- A cytopenia compares the worst value *in its reported unit* with the
  footnote's limit printed for that unit (haemoglobin ≤ 9.2 g/dL or ≤ 5.71
  mmol/L), so the worst row itself is ranked: lowest canonical value, then the
  latest, then the highest row id (the record's ``worst``).
- Organomegaly and cytopenias count what is known and what is unknown; a
  yes/no item gives its points, none, or 0 to its points.
"""

from __future__ import annotations

from sqlglot import exp

from trialkit.eligibility.sql.build import (
    Build,
    and_,
    case,
    col,
    count_if,
    not_,
)
from trialkit.eligibility.sql.exact import converted, holds_in_unit
from trialkit.eligibility.sql.score_inputs import finding, tagged_rows, total
from trialkit.protocol.criteria import Score
from trialkit.scores import hscore as source
from trialkit.units import Quantity
from trialkit.vocab import concept

__all__ = ["hscore"]

_LINEAGES = {m.name: m.concept for m in source.LINEAGES}


def _points(scale: source.Scale) -> exp.Expr:
    """The row's points on ``scale`` (its bands, most points first), in the reported unit."""
    whens = []
    for band in scale.bands:

        def reaches(quantity: Quantity, points: int = band.points) -> bool:
            return scale.points(quantity)[0] >= points

        test = holds_in_unit(
            scale.concept,
            col("value"),
            col("unit"),
            reaches,
            increasing=band.threshold.upward,
        )
        whens.append((test, exp.Literal.number(band.points)))
    return case(whens, exp.Literal.number(0))


_SURELY_LOW = {
    "haemoglobin": Quantity(10.0, "g/L", "lab.haemoglobin"),
    "leukocytes": Quantity(0.1, "10*9/L", "lab.leukocytes"),
    "platelets": Quantity(1.0, "10*9/L", "lab.platelets"),
}


def _lineage_low(name: str) -> exp.Expr:
    """The footnote's "low" for a lineage, asked of :func:`trialkit.scores.hscore.hscore` itself.

    With the two other lineages surely low, the cytopenia item gives the points
    of 3 lineages exactly when this one is low too.
    """

    def holds(quantity: Quantity) -> bool:
        given = {**_SURELY_LOW, name: quantity}
        result = source.hscore(
            haemoglobin=given["haemoglobin"],
            leukocytes=given["leukocytes"],
            platelets=given["platelets"],
        )
        items = {i.name: i for i in result.items}
        return items["cytopenias"].points == source.CYTOPENIA_POINTS[3]

    return holds_in_unit(_LINEAGES[name], col("value"), col("unit"), holds, increasing=False)


def _values(build: Build) -> str:
    """Per person: each variable's count and highest points, each lineage's worst value low.

    Two passes over the window's rows: counts and points over every row
    (one GROUP BY), and the worst row of each lineage ranked over the
    lineages' rows only (the ranking is the costly part: at 1M persons the
    window held 7.2M rows when every variable's rows were ranked).
    """
    keys = {s.name: s.concept for s in source.SCALES} | _LINEAGES
    tagged = tagged_rows(build, keys, source.LOOKBACK_VALUES)
    selected: list[exp.Expr] = [col("person_id")]
    for name in keys:
        selected.append(
            count_if(col("kind").eq(exp.Literal.string(name))).as_(f"n_{name}", copy=False)
        )
    for scale in source.SCALES:
        this = col("kind").eq(exp.Literal.string(scale.name))
        selected.append(
            exp.Max(this=case([(this, _points(scale))])).as_(f"points_{scale.name}", copy=False)
        )
    counted = (
        exp.select(*selected)
        .from_(tagged.subquery("tagged", copy=False), copy=False)
        .group_by(col("person_id"), copy=False)
    )
    lows = _lineage_lows(build, keys)
    low_columns = [
        exp.func("COALESCE", col(f"low_{name}", "lows"), exp.Literal.number(0)).as_(
            f"low_{name}", copy=False
        )
        for name in _LINEAGES
    ]
    query = (
        exp.select(exp.column(exp.Star(), table="counted"), *low_columns)
        .from_(counted.subquery("counted", copy=False), copy=False)
        .join(
            lows.subquery("lows", copy=False),
            on=col("person_id", "lows").eq(col("person_id", "counted")),
            join_type="LEFT",
            copy=False,
        )
    )
    return build.cte("hscore", query, key="score|hscore|values")


def _lineage_lows(build: Build, keys: dict[str, str]) -> exp.Select:
    """Per person with a lineage's rows: 1 when that lineage's worst row is low, else 0.

    The rows are tagged by every variable (``keys``), as the counts are, so
    that a row counts for the same variable in both passes; only the
    lineages' rows are ranked, lowest canonical value first, then the latest.
    """
    tagged = tagged_rows(build, keys, source.LOOKBACK_VALUES, only=list(_LINEAGES))
    canonical = case(
        [
            (
                col("kind").eq(exp.Literal.string(name)),
                converted(key, col("value"), col("unit"), concept(key).unit or ""),
            )
            for name, key in _LINEAGES.items()
        ]
    )
    worst = exp.Window(
        this=exp.RowNumber(),
        partition_by=[col("person_id"), col("kind")],
        order=exp.Order(
            expressions=[
                exp.Ordered(this=canonical, desc=False),
                exp.Ordered(this=col("time"), desc=True),
                exp.Ordered(this=col("row_id"), desc=True),
            ]
        ),
    )
    ranked = exp.select("*", worst.as_("rank", copy=False)).from_(
        tagged.subquery("tagged", copy=False), copy=False
    )
    selected: list[exp.Expr] = [col("person_id")]
    for name in _LINEAGES:
        worst_row = and_(col("kind").eq(exp.Literal.string(name)), col("rank").eq(1))
        selected.append(
            count_if(and_(worst_row, _lineage_low(name))).as_(f"low_{name}", copy=False)
        )
    return (
        exp.select(*selected)
        .from_(ranked.subquery("ranked", copy=False), copy=False)
        .group_by(col("person_id"), copy=False)
    )


def _flag(item: exp.Expr, points: int) -> tuple[exp.Expr, exp.Expr]:
    low = case([(item.copy(), exp.Literal.number(points))], exp.Literal.number(0))
    high = case([(not_(item.copy()), exp.Literal.number(0))], exp.Literal.number(points))
    return low, high


def _counted(known: list[exp.Expr], points: dict[int, int]) -> tuple[exp.Expr, exp.Expr]:
    """Points by how many of ``known`` are TRUE (low) and TRUE or NULL (high)."""
    true = total([case([(k.copy(), exp.Literal.number(1))], exp.Literal.number(0)) for k in known])
    possible = total(
        [case([(not_(k.copy()), exp.Literal.number(0))], exp.Literal.number(1)) for k in known]
    )

    def lookup(count: exp.Expr) -> exp.Expr:
        return case([(count.copy().eq(n), exp.Literal.number(p)) for n, p in points.items()])

    return lookup(true), lookup(possible)


def hscore(node: Score, build: Build, path: str) -> tuple[exp.Expr, exp.Expr]:
    """The HScore as (low, high)."""
    values = _values(build)
    lookback = source.LOOKBACK_FINDINGS
    parts: list[tuple[exp.Expr, exp.Expr]] = [
        _flag(
            finding(build, source.FINDINGS["immunosuppression"], lookback),
            source.IMMUNOSUPPRESSION_POINTS,
        ),
        _flag(
            finding(build, source.FINDINGS["marrow_haemophagocytosis"], lookback),
            source.MARROW_POINTS,
        ),
        _counted(
            [
                finding(build, source.FINDINGS["hepatomegaly"], lookback),
                finding(build, source.FINDINGS["splenomegaly"], lookback),
            ],
            dict(source.ORGANOMEGALY_POINTS),
        ),
    ]
    lineages = []
    for name in _LINEAGES:
        measured = exp.GT(this=col(f"n_{name}", values), expression=exp.Literal.number(0))
        is_low = exp.GT(this=col(f"low_{name}", values), expression=exp.Literal.number(0))
        lineages.append(case([(measured, is_low)]))
    parts.append(_counted(lineages, dict(source.CYTOPENIA_POINTS)))
    for scale in source.SCALES:
        present = exp.GT(this=col(f"n_{scale.name}", values), expression=exp.Literal.number(0))
        points = col(f"points_{scale.name}", values)
        parts.append(
            (
                case([(present, points)], exp.Literal.number(0)),
                case([(present.copy(), points.copy())], exp.Literal.number(scale.maximum)),
            )
        )
    low = total([p[0] for p in parts])
    high = total([p[1] for p in parts])
    low, high = build.bind(low), build.bind(high)
    build.explain(path, "score", [("low", low.copy()), ("high", high.copy())])
    return low, high
