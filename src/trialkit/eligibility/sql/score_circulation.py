"""The cardiovascular item of SOFA and pSOFA in SQL: MAP and catecholamines over 24 h.

As :func:`trialkit.scores.sofa.read_cardiovascular`: the charted MAP's worst
points (computed with the single-value systems); without one, (SBP + 2·DBP)/3
rounded to 0.1 mmHg from a systolic pressure and the diastolic pressure
recorded last at its time; and the exposures to dopamine, dobutamine,
epinephrine and norepinephrine touching the 24 h before the index: given ≥ 1
h (until the index while running) they are scored by rate, an unknown rate
spanning the drug's tiers; running < 1 h at the index they may still count
(they raise only the high end). The rate is read from the bridge's ``sig``
text (``rate 0.08 ug/kg/min``): OMOP's ``drug_exposure`` has no rate column.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlglot import exp

from trialkit.eligibility.sql.build import (
    Build,
    and_,
    case,
    col,
    in_concepts,
    minus,
    not_,
    number,
    or_,
    timestamp_of,
)
from trialkit.eligibility.sql.exact import converted, smallest
from trialkit.eligibility.sql.score_inputs import at_one_time, last_of_kind
from trialkit.errors import UnitError
from trialkit.scores import sofa as source
from trialkit.units import conversion

__all__ = ["RATE_UNITS", "estimated_map", "infusions"]

Range = tuple[exp.Expr, exp.Expr]

RATE_UNITS = ("ug/kg/min", "ug/kg/h", "ng/kg/min", "mg/kg/min", "mg/kg/h")
"""Rate units read from ``sig`` (another unit is an unknown rate)."""


def _zero() -> exp.Expr:
    return exp.Literal.number(0)


def estimated_map(build: Build, limits: Sequence[float]) -> str:
    """Per person: the highest points of (SBP + 2·DBP)/3 from pressures taken together.

    One column ``points_<i>`` per MAP limit (pSOFA's limit depends on the age band).
    """
    keys = {"systolic": "vital.systolic_bp", "diastolic": "vital.diastolic_bp"}
    mmhg = {
        name: exp.Max(
            this=case(
                [
                    (
                        last_of_kind(name),
                        converted(key, col("value"), col("unit"), "mm[Hg]"),
                    )
                ]
            )
        ).as_(name, copy=False)
        for name, key in keys.items()
    }
    pairs = at_one_time(build, keys, source.LOOKBACK, list(mmhg.values()))
    estimate = exp.Round(
        this=exp.Div(
            this=exp.paren(
                exp.Add(
                    this=col("systolic"),
                    expression=exp.Mul(this=number(2), expression=col("diastolic")),
                ),
                copy=False,
            ),
            expression=number(3),
        ),
        decimals=exp.Literal.number(1),
    )
    both = and_(not_(col("systolic").is_(exp.null())), not_(col("diastolic").is_(exp.null())))
    points = [
        exp.Max(
            this=case(
                [(exp.LT(this=estimate.copy(), expression=number(limit)), exp.Literal.number(1))],
                _zero(),
            )
        ).as_(f"points_{i}", copy=False)
        for i, limit in enumerate(limits)
    ]
    query = (
        exp.select(col("person_id"), *points)
        .from_(pairs.subquery("pairs", copy=False), copy=False)
        .where(both, copy=False)
        .group_by(col("person_id"), copy=False)
    )
    key = "score|estimated_map|" + ",".join(f"{limit:g}" for limit in limits)
    return build.cte("estimated_map", query, key=key)


_DECIMAL = "^[+-]?[0-9]{1,20}([.][0-9]{0,20})?([eE][+-]?[0-9]{1,2})?$"
"""A number every engine casts to DOUBLE alike and in range (no escapes: Spark unescapes ``\\``)."""


def _rate_sql() -> tuple[exp.Expr, exp.Expr]:
    """The rate number and unit written by the bridge in ``sig`` (``rate 0.08 ug/kg/min``)."""
    sig = col("sig", "d")

    def part(group: int) -> exp.Expr:
        found = exp.RegexpExtract(
            this=sig.copy(),
            expression=exp.Literal.string(r"rate ([^ ;]+) ([^;]+)"),
            group=exp.Literal.number(group),
        )
        return exp.func("NULLIF", found, exp.Literal.string(""))

    # A guard, not TRY_CAST: PostgreSQL has none (sqlglot renders a CAST that fails on
    # 'fast'), and DuckDB's also reads 'inf' or '1_000'. The bridge writes Python's repr.
    number_text = exp.RegexpLike(this=part(1), expression=exp.Literal.string(_DECIMAL))
    value = case([(number_text, exp.Cast(this=part(1), to=exp.DataType.build("DOUBLE")))])
    return value, part(2)


def _tier_points(drug: str, value: exp.Expr, unit: exp.Expr) -> Range:
    """The drug's tier points by rate (``_infusion_part``); an unknown rate spans its tiers."""
    tiers = source.VASOACTIVE_TIERS[drug]
    unknown = (exp.Literal.number(tiers[-1][0]), exp.Literal.number(tiers[0][0]))
    per_unit = []
    for rate_unit in RATE_UNITS:
        try:
            scale, offset = conversion(rate_unit, source.RATE_UNIT)
        except UnitError:
            continue
        whens = []
        for points, above in tiers:

            def exceeds(
                v: float, above: float = above, scale: float = scale, offset: float = offset
            ) -> bool:
                return source._tidy(v * scale + offset) > above

            threshold = smallest(exceeds)
            if threshold is None:
                continue
            whens.append(
                (
                    exp.GTE(this=value.copy(), expression=number(threshold)),
                    exp.Literal.number(points),
                )
            )
        this_unit = and_(
            unit.copy().eq(exp.Literal.string(rate_unit)), not_(value.copy().is_(exp.null()))
        )
        per_unit.append((this_unit, case(whens, _zero())))
    known = case(per_unit)
    missing = known.copy().is_(exp.null())
    return case([(missing, unknown[0])], known), case([(missing.copy(), unknown[1])], known.copy())


def infusions(build: Build) -> str:
    """Per person: the highest low and high of the infusions given ≥ 1 h, and of those running < 1 h."""
    index = build.index
    start = timestamp_of("d", "drug_exposure_start_datetime", "drug_exposure_start_date")
    end = case(
        [(col("verbatim_end_date", "d").is_(exp.null()), exp.null())],
        timestamp_of("d", "drug_exposure_end_datetime", "drug_exposure_end_date"),
    )
    running = or_(end.is_(exp.null()), exp.GT(this=end.copy(), expression=index.copy()))
    stop = case([(running, index.copy())], end.copy())
    lasted = exp.GTE(
        this=exp.DateDiff(this=stop, expression=start.copy(), unit=exp.var("MICROSECOND")),
        expression=exp.Literal.number(source.CATECHOLAMINE_MINIMUM // timedelta(microseconds=1)),
    )
    # The rate is parsed once per row, in a subquery: its expression is long, and the
    # tiers of every drug and unit compare it.
    value, unit = _rate_sql()
    rated = exp.select(exp.Star(), value.as_("rate", copy=False), unit.as_("rate_unit", copy=False))
    rated = rated.from_(exp.table_("drug_exposure", alias="d"), copy=False)
    drug_low, drug_high = [], []
    for drug in source.VASOACTIVE_TIERS:
        low, high = _tier_points(drug, col("rate", "d"), col("rate_unit", "d"))
        this = in_concepts(col("drug_concept_id", "d"), [drug])
        drug_low.append((this, low))
        drug_high.append((this.copy(), high))
    low, high = case(drug_low), case(drug_high)
    certain, possible = lasted, and_(not_(lasted.copy()), running.copy())
    query = (
        exp.select(
            col("person_id", "d"),
            exp.Max(this=case([(certain, low)])).as_("low", copy=False),
            exp.Max(this=case([(certain.copy(), high)])).as_("high", copy=False),
            exp.Max(this=case([(possible, high.copy())])).as_("possible_high", copy=False),
        )
        .from_(rated.subquery("d", copy=False), copy=False)
        .where(
            and_(
                in_concepts(col("drug_concept_id", "d"), list(source.VASOACTIVE_TIERS)),
                exp.LTE(this=start.copy(), expression=index.copy()),
                or_(
                    end.copy().is_(exp.null()),
                    exp.GTE(this=end.copy(), expression=minus(index, "24 h")),
                ),
            ),
            copy=False,
        )
        .group_by(col("person_id", "d"), copy=False)
    )
    return build.cte("infusions", query, key="score|infusions")
