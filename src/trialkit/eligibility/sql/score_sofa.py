"""Adult SOFA (Vincent 1996) as SQL: six systems over the 24 h before the index, as a range.

As :func:`trialkit.scores.sofa.sofa_from_record` (any age, as the evaluator's
``sofa`` adapter):

- **single-value systems** (coagulation, liver, the MAP part of
  cardiovascular, a GCS total, the two renal parts): the worst value's points
  are the highest points of the window (``MAX`` of each row's points, the
  score's own ``points_from_bottom`` / ``points_from_top`` moved into the
  reported unit); no value: 0–4 (MAP: 0–1);
- **respiration**: each PaO2 with the FiO2 recorded last in the 4 h before it
  (none: 0.21 to 1.0) and respiratory support at its time (a ventilation
  procedure covering it, else the last ``finding.respiratory_support`` of the
  4 h, else unknown); PaO2/FiO2 rounded to 6 decimals; 3 and 4 points only
  with support (2 without); the worst gas decides the range;
- **MAP estimated** as (SBP + 2·DBP)/3, rounded to 0.1 mmHg, from a systolic
  and the diastolic pressure at its time, only when no MAP is charted;
- **catecholamines**: the exposures to dopamine, dobutamine, epinephrine and
  norepinephrine touching the 24 h; given ≥ 1 h (until the index while
  running): scored by rate, an unknown rate spanning the drug's tiers; running
  < 1 h at the index: may still count (raises only the high end). The rate
  is read from the bridge's ``sig`` text (``rate 0.08 ug/kg/min``);
- **GCS**: totals, and eye + verbal + motor taken at one time;
- **renal**: the higher of the creatinine and urine-output points.
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
    count_if,
    greatest,
    in_concepts,
    least,
    microseconds,
    minus,
    not_,
    number,
    or_,
    timestamp_of,
)
from trialkit.eligibility.sql.events import REFUTED
from trialkit.eligibility.sql.exact import converted, holds_in_unit, smallest
from trialkit.eligibility.sql.score_inputs import kinds, total, window_rows
from trialkit.errors import UnitError
from trialkit.omop.concepts import NO, YES
from trialkit.protocol.criteria import Score
from trialkit.scores import sofa as source
from trialkit.units import Quantity, conversion

__all__ = ["sofa"]

Range = tuple[exp.Expr, exp.Expr]

_SINGLE: dict[str, tuple[str, Sequence[source.Edge], bool]] = {
    "platelets": ("lab.platelets", source.PLATELET_EDGES, False),
    "bilirubin": ("lab.bilirubin_total", source.BILIRUBIN_EDGES, True),
    "creatinine": ("lab.creatinine", source.CREATININE_EDGES, True),
    "urine": ("vital.urine_output_24h", source.URINE_EDGES, False),
    "map": ("vital.map", (source.Edge(1, source.MAP_LIMIT),), False),
    "gcs": ("assessment.gcs_total", source.GCS_EDGES, False),
}
_RATE_UNITS = ("ug/kg/min", "ug/kg/h", "ng/kg/min", "mg/kg/min", "mg/kg/h")
"""Rate units read from ``sig`` (others: rate unknown, as a rate the evaluator cannot convert)."""


def _interval(span: timedelta) -> exp.Interval:
    return microseconds(span // timedelta(microseconds=1))


def _zero() -> exp.Expr:
    return exp.Literal.number(0)


def _row_points(key: str, edges: Sequence[source.Edge], from_top: bool) -> exp.Expr:
    """The points of a row (worst edge first), each edge the score's own comparison."""
    scorer = source.points_from_top if from_top else source.points_from_bottom
    whens = []
    for points in sorted({e.points for e in edges}, reverse=True):

        def reaches(quantity: Quantity, points: int = points) -> bool:
            return scorer(quantity, edges)[0] >= points

        test = holds_in_unit(key, col("value"), col("unit"), reaches, increasing=from_top)
        whens.append((test, exp.Literal.number(points)))
    return case(whens, _zero())


def _singles(build: Build) -> str:
    keys = {name: key for name, (key, _, _) in _SINGLE.items()}
    rows = window_rows(build, list(keys.values()), source.LOOKBACK)
    tagged = exp.select("*", kinds(keys).as_("kind", copy=False)).from_(
        rows.subquery("rows", copy=False), copy=False
    )
    selected: list[exp.Expr] = [col("person_id")]
    for name, (key, edges, top) in _SINGLE.items():
        this = col("kind").eq(exp.Literal.string(name))
        selected.append(count_if(this).as_(f"n_{name}", copy=False))
        points = exp.Max(this=case([(this.copy(), _row_points(key, edges, top))]))
        selected.append(points.as_(f"points_{name}", copy=False))
    query = (
        exp.select(*selected)
        .from_(tagged.subquery("tagged", copy=False), copy=False)
        .group_by(col("person_id"), copy=False)
    )
    return build.cte("sofa", query, key="score|sofa|single")


def _measured(name: str, table: str, missing_high: int = 4) -> Range:
    present = exp.GT(this=col(f"n_{name}", table), expression=_zero())
    points = col(f"points_{name}", table)
    return (
        case([(present, points)], _zero()),
        case([(present.copy(), points.copy())], exp.Literal.number(missing_high)),
    )


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
    percent = case([(unit.copy().eq(exp.Literal.string("%")), _round_sql(per_one, 10))])
    return case([(unit.copy().eq(exp.Literal.string("1")), value.copy())], percent)


def _round_sql(value: exp.Expr, digits: int) -> exp.Expr:
    magnitude = exp.Anonymous(this="LOG10", expressions=[exp.Abs(this=value.copy())])
    places = exp.Sub(this=exp.Literal.number(digits - 1), expression=exp.Floor(this=magnitude))
    rounded = exp.Round(
        this=value.copy(), decimals=exp.Cast(this=places, to=exp.DataType.build("INT"))
    )
    return case([(value.copy().eq(0), value.copy())], rounded)


def _pf_points(measure: exp.Expr, unit: exp.Expr, fraction: exp.Expr) -> exp.Expr:
    """Points of PaO2/FiO2 rounded to 6 decimals, against the edges printed in the gas's unit."""
    ratio = exp.Round(
        this=exp.Div(this=measure.copy(), expression=fraction), decimals=exp.Literal.number(6)
    )
    whens = []
    for reported in ("mm[Hg]", "kPa"):
        bands = [
            (
                exp.LT(this=ratio.copy(), expression=number(edge.limits[reported])),
                exp.Literal.number(edge.points),
            )
            for edge in source.PF_EDGES
        ]
        whens.append((unit.copy().eq(exp.Literal.string(reported)), case(bands, _zero())))
    return case(whens)


def _respiration(build: Build) -> Range:
    rows = window_rows(build, ["lab.pao2"], source.LOOKBACK)
    gas_query = exp.select(
        col("person_id"),
        col("value"),
        col("unit"),
        col("time"),
        col("row_id").as_("gas_id", copy=False),
    ).from_(rows.subquery("gases", copy=False), copy=False)
    gases = build.cte("gases", gas_query, key="score|sofa|gases", join=False)
    fio2 = build.cte(
        "fio2",
        _latest_before(
            build,
            gases,
            "measurement",
            "f",
            "vital.fio2",
            _fraction(col("value_as_number", "f"), col("unit_source_value", "f")).as_(
                "fraction", copy=False
            ),
        ),
        key="score|sofa|fio2",
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
        key="score|sofa|support_finding",
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
    ventilated = build.cte("ventilated", ventilated_query, key="score|sofa|ventilated", join=False)
    support = case(
        [(exp.GT(this=col("procedures", ventilated), expression=_zero()), exp.true())],
        col("support", stated),
    )
    measure, unit = col("value", gases), col("unit", gases)
    known = col("fraction", fio2)
    options = [
        (not_(known.is_(exp.null())), _pf_points(measure, unit, known.copy())),
    ]
    bounds = [_pf_points(measure, unit, number(f)) for f in source.FIO2_BOUNDS]

    def low_high(points: exp.Expr) -> Range:
        capped = least(points.copy(), exp.Literal.number(2))
        low = case([(support.copy(), points.copy())], capped)
        high = case([(not_(support.copy()), capped.copy())], points.copy())
        return low, high

    known_low, known_high = low_high(options[0][1])
    bound_ranges = [low_high(b) for b in bounds]
    gas_low = case(
        [(options[0][0], known_low)],
        least(bound_ranges[0][0], bound_ranges[1][0]),
    )
    gas_high = case(
        [(options[0][0].copy(), known_high)],
        greatest(bound_ranges[0][1], bound_ranges[1][1]),
    )
    per_person = (
        exp.select(
            col("person_id", gases),
            exp.Max(this=gas_low).as_("low", copy=False),
            exp.Max(this=gas_high).as_("high", copy=False),
        )
        .from_(exp.table_(gases), copy=False)
        .join(
            exp.table_(fio2),
            on=col("gas_id", fio2).eq(col("gas_id", gases)),
            join_type="LEFT",
            copy=False,
        )
        .join(
            exp.table_(stated),
            on=col("gas_id", stated).eq(col("gas_id", gases)),
            join_type="LEFT",
            copy=False,
        )
        .join(
            exp.table_(ventilated),
            on=col("gas_id", ventilated).eq(col("gas_id", gases)),
            join_type="LEFT",
            copy=False,
        )
        .group_by(col("person_id", gases), copy=False)
    )
    name = build.cte("respiration", per_person, key="score|sofa|respiration")
    found = not_(col("person_id", name).is_(exp.null()))
    return (
        case([(found, col("low", name))], _zero()),
        case([(found.copy(), col("high", name))], exp.Literal.number(4)),
    )


def _estimated_map(build: Build) -> str:
    """Per person: the highest points of (SBP + 2·DBP)/3 from pressures taken together."""
    keys = {"systolic": "vital.systolic_bp", "diastolic": "vital.diastolic_bp"}
    rows = window_rows(build, list(keys.values()), source.LOOKBACK)
    tagged = exp.select("*", kinds(keys).as_("kind", copy=False)).from_(
        rows.subquery("rows", copy=False), copy=False
    )
    last = exp.Window(
        this=exp.RowNumber(),
        partition_by=[col("person_id"), col("time"), col("kind")],
        order=exp.Order(expressions=[exp.Ordered(this=col("row_id"), desc=True)]),
    )
    ranked = exp.select("*", last.as_("rn", copy=False)).from_(
        tagged.subquery("tagged", copy=False), copy=False
    )
    mmhg = {
        name: exp.Max(
            this=case(
                [
                    (
                        and_(col("kind").eq(exp.Literal.string(name)), col("rn").eq(1)),
                        converted(key, col("value"), col("unit"), "mm[Hg]"),
                    )
                ]
            )
        ).as_(name, copy=False)
        for name, key in keys.items()
    }
    pairs = (
        exp.select(col("person_id"), col("time"), *mmhg.values())
        .from_(ranked.subquery("ranked", copy=False), copy=False)
        .group_by(col("person_id"), col("time"), copy=False)
    )
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
    low = exp.LT(this=estimate, expression=number(source.MAP_LIMIT["mm[Hg]"]))
    both = and_(not_(col("systolic").is_(exp.null())), not_(col("diastolic").is_(exp.null())))
    query = (
        exp.select(
            col("person_id"),
            exp.Max(this=case([(low, exp.Literal.number(1))], _zero())).as_("points", copy=False),
        )
        .from_(pairs.subquery("pairs", copy=False), copy=False)
        .where(both, copy=False)
        .group_by(col("person_id"), copy=False)
    )
    return build.cte("estimated_map", query, key="score|sofa|estimated_map")


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

    value = exp.TryCast(this=part(1), to=exp.DataType.build("DOUBLE"))
    return value, part(2)


def _tier_points(drug: str, value: exp.Expr, unit: exp.Expr) -> Range:
    """The drug's tier points by rate (``_infusion_part``); an unknown rate spans its tiers."""
    tiers = source.VASOACTIVE_TIERS[drug]
    unknown = (exp.Literal.number(tiers[-1][0]), exp.Literal.number(tiers[0][0]))
    per_unit = []
    for rate_unit in _RATE_UNITS:
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


def _infusions(build: Build) -> str:
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
    value, unit = _rate_sql()
    drug_low, drug_high = [], []
    for drug in source.VASOACTIVE_TIERS:
        low, high = _tier_points(drug, value, unit)
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
        .from_(exp.table_("drug_exposure", alias="d"), copy=False)
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
    return build.cte("infusions", query, key="score|sofa|infusions")


def _cardiovascular(build: Build, singles: str) -> Range:
    estimated = _estimated_map(build)
    charted = exp.GT(this=col("n_map", singles), expression=_zero())
    has_estimate = not_(col("person_id", estimated).is_(exp.null()))
    map_low = case(
        [(charted, col("points_map", singles)), (has_estimate, col("points", estimated))], _zero()
    )
    map_high = case(
        [
            (charted.copy(), col("points_map", singles)),
            (has_estimate.copy(), col("points", estimated)),
        ],
        exp.Literal.number(1),
    )
    infusions = _infusions(build)

    def zero_if_null(expression: exp.Expr) -> exp.Expr:
        return exp.func("COALESCE", expression, _zero())

    low = greatest(map_low, zero_if_null(col("low", infusions)))
    high = greatest(
        map_high,
        zero_if_null(col("high", infusions)),
        zero_if_null(col("possible_high", infusions)),
    )
    return low, high


def _gcs_triples(build: Build) -> str:
    """Per person: the highest points of eye + verbal + motor scored at one time."""
    keys = {
        "eye": "assessment.gcs_eye",
        "verbal": "assessment.gcs_verbal",
        "motor": "assessment.gcs_motor",
    }
    rows = window_rows(build, list(keys.values()), source.LOOKBACK)
    tagged = exp.select("*", kinds(keys).as_("kind", copy=False)).from_(
        rows.subquery("rows", copy=False), copy=False
    )
    last = exp.Window(
        this=exp.RowNumber(),
        partition_by=[col("person_id"), col("time"), col("kind")],
        order=exp.Order(expressions=[exp.Ordered(this=col("row_id"), desc=True)]),
    )
    ranked = exp.select("*", last.as_("rn", copy=False)).from_(
        tagged.subquery("tagged", copy=False), copy=False
    )
    # every eye score of a time pairs with that time's last verbal and motor scores; the
    # lowest eye gives the lowest sum, hence the most points
    parts = {
        name: (exp.Min if name == "eye" else exp.Max)(
            this=case(
                [
                    (
                        and_(
                            col("kind").eq(exp.Literal.string(name)),
                            exp.true() if name == "eye" else col("rn").eq(1),
                        ),
                        col("value"),
                    )
                ]
            )
        ).as_(name, copy=False)
        for name in keys
    }
    sets = (
        exp.select(col("person_id"), col("time"), *parts.values())
        .from_(ranked.subquery("ranked", copy=False), copy=False)
        .group_by(col("person_id"), col("time"), copy=False)
    )
    summed = total([col(name) for name in keys])
    bands = [
        (
            exp.LT(this=summed.copy(), expression=number(edge.limits["1"])),
            exp.Literal.number(edge.points),
        )
        for edge in source.GCS_EDGES
    ]
    query = (
        exp.select(col("person_id"), exp.Max(this=case(bands, _zero())).as_("points", copy=False))
        .from_(sets.subquery("sets", copy=False), copy=False)
        .where(and_(*(not_(col(name).is_(exp.null())) for name in keys)), copy=False)
        .group_by(col("person_id"), copy=False)
    )
    return build.cte("gcs", query, key="score|sofa|gcs")


def _cns(build: Build, singles: str) -> Range:
    triples = _gcs_triples(build)
    total_points = case(
        [(exp.GT(this=col("n_gcs", singles), expression=_zero()), col("points_gcs", singles))]
    )
    best = greatest(total_points, col("points", triples))  # NULLs ignored
    found = not_(best.is_(exp.null()))
    return case([(found, best.copy())], _zero()), case(
        [(found.copy(), best.copy())], exp.Literal.number(4)
    )


def sofa(node: Score, build: Build, path: str) -> Range:
    """Adult SOFA as (low, high)."""
    singles = _singles(build)
    creatinine, urine = _measured("creatinine", singles), _measured("urine", singles)
    items = [
        _respiration(build),
        _measured("platelets", singles),
        _measured("bilirubin", singles),
        _cardiovascular(build, singles),
        _cns(build, singles),
        (
            greatest(creatinine[0], urine[0]),
            greatest(creatinine[1], urine[1]),
        ),
    ]
    low = total([i[0] for i in items])
    high = total([i[1] for i in items])
    build.explain(path, "score", [("low", low.copy()), ("high", high.copy())])
    return low, high
