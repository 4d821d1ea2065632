"""SOFA (Vincent 1996) and pSOFA (Matics 2017) as SQL: six systems over 24 h, as a range.

As :func:`trialkit.scores.sofa.sofa_from_record` (any age, as the evaluator's
``sofa`` adapter) and :func:`trialkit.scores.psofa.psofa_from_record` (NULL
without a birth date, the age band from the age in completed months at the
index):

- **single-value systems** (coagulation, liver, a charted MAP, a GCS total,
  creatinine, urine output): the worst value's points are the highest points
  of the window (``MAX`` of each row's points, the score's own
  ``points_on`` moved into the reported unit);
  no value: 0–4 (MAP: 0–1);
- **respiration** (:mod:`~trialkit.eligibility.sql.score_oxygenation`):
  PaO2/FiO2; for pSOFA without a blood gas, SpO2/FiO2 from SpO2 ≤ 97 %;
- **cardiovascular** (:mod:`~trialkit.eligibility.sql.score_circulation`):
  the higher of the MAP part (charted, else estimated) and the catecholamines;
- **GCS**: totals, and eye + verbal + motor taken at one time;
- **renal**: SOFA the higher of creatinine and urine output; pSOFA creatinine
  against the age band's edges.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from trialkit.eligibility.sql.build import (
    COMPARATORS,
    PERSON,
    Build,
    and_,
    case,
    col,
    count_if,
    greatest,
    impossible_age,
    not_,
    number,
    or_,
)
from trialkit.eligibility.sql.exact import holds_in_unit
from trialkit.eligibility.sql.score_circulation import estimated_map, infusions
from trialkit.eligibility.sql.score_inputs import (
    at_one_time,
    reached,
    tagged_rows,
    total,
)
from trialkit.eligibility.sql.score_oxygenation import oxygenation
from trialkit.protocol.criteria import Score
from trialkit.scores import psofa as paediatric
from trialkit.scores import sofa as source
from trialkit.scores.bands import Band
from trialkit.units import Quantity, Threshold

__all__ = ["psofa", "sofa"]

Range = tuple[exp.Expr, exp.Expr]
_CONCEPT = source.INPUT_CONCEPTS

Part = tuple[str, Sequence[Band]]
"""A single-value system: its concept and its bands (worst first)."""


def _zero() -> exp.Expr:
    return exp.Literal.number(0)


def row_points(key: str, table: Sequence[Band]) -> exp.Expr:
    """The points of a row (worst band first), each band the score's own comparison."""
    whens = []
    for points in sorted({b.points for b in table}, reverse=True):

        def reaches(quantity: Quantity, points: int = points) -> bool:
            return source.points_on(quantity, table)[0] >= points

        increasing = table[0].threshold.upward
        test = holds_in_unit(key, col("value"), col("unit"), reaches, increasing=increasing)
        whens.append((test, exp.Literal.number(points)))
    return case(whens, _zero())


def _singles(build: Build, parts: dict[str, Part]) -> str:
    """Per person: each part's value count and highest points over the 24 h."""
    keys = sorted({key for key, _ in parts.values()})
    # a row counts for every part whose concept it falls under
    rows = tagged_rows(build, {key: key for key in keys}, source.LOOKBACK, first=False)
    selected: list[exp.Expr] = [col("person_id")]
    for name, (key, table) in parts.items():
        this = col("kind").eq(exp.Literal.string(key))
        selected.append(count_if(this).as_(f"n_{name}", copy=False))
        points = exp.Max(this=case([(this.copy(), row_points(key, table))]))
        selected.append(points.as_(f"points_{name}", copy=False))
    query = (
        exp.select(*selected)
        .from_(rows.subquery("rows", copy=False), copy=False)
        .group_by(col("person_id"), copy=False)
    )
    return build.cte("organs", query, key="score|organs|" + ",".join(parts))


def _measured(name: str, table: str, missing_high: int = 4) -> Range:
    present = exp.GT(this=col(f"n_{name}", table), expression=_zero())
    points = col(f"points_{name}", table)
    return (
        case([(present, points)], _zero()),
        case([(present.copy(), points.copy())], exp.Literal.number(missing_high)),
    )


def _cardiovascular(build: Build, charted: Range, estimated: tuple[str, int]) -> Range:
    """The higher of the MAP part (charted, else estimated, else 0–1) and the catecholamines."""
    table, index = estimated
    has_estimate = not_(col("person_id", table).is_(exp.null()))
    charted_low, charted_high = charted
    map_low = case([(has_estimate, col(f"points_{index}", table))], _zero())
    map_high = case([(has_estimate.copy(), col(f"points_{index}", table))], exp.Literal.number(1))
    drugs = infusions(build)

    def zero_if_null(expression: exp.Expr) -> exp.Expr:
        return exp.func("COALESCE", expression, _zero())

    return (
        greatest(exp.func("COALESCE", charted_low, map_low), zero_if_null(col("low", drugs))),
        greatest(
            exp.func("COALESCE", charted_high, map_high),
            zero_if_null(col("high", drugs)),
            zero_if_null(col("possible_high", drugs)),
        ),
    )


def _charted(name: str, table: str) -> Range:
    """A part's points when charted, else NULL (the caller falls back)."""
    present = exp.GT(this=col(f"n_{name}", table), expression=_zero())
    points = col(f"points_{name}", table)
    return case([(present, points)]), case([(present.copy(), points.copy())])


def _gcs_triples(build: Build) -> str:
    """Per person: the highest points of eye + verbal + motor scored at one time."""
    keys = {
        "eye": "assessment.gcs_eye",
        "verbal": "assessment.gcs_verbal",
        "motor": "assessment.gcs_motor",
    }
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
    sets = at_one_time(build, keys, source.LOOKBACK, list(parts.values()))
    summed = total([col(name) for name in keys])
    bands = [
        (
            COMPARATORS[band.threshold.comparator](
                this=summed.copy(), expression=number(band.threshold.bound("1").limit)
            ),
            exp.Literal.number(band.points),
        )
        for band in source.GCS_EDGES
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


def _respiration(build: Build) -> Range:
    low, high, found = oxygenation(build, "lab.pao2", source.PF_EDGES)
    return case([(found, low)], _zero()), case([(found.copy(), high)], exp.Literal.number(4))


_SOFA: dict[str, Part] = {
    "platelets": (_CONCEPT["platelets"], source.PLATELET_EDGES),
    "bilirubin": (_CONCEPT["bilirubin"], source.BILIRUBIN_EDGES),
    "creatinine": (_CONCEPT["creatinine"], source.CREATININE_EDGES),
    "urine": (_CONCEPT["urine output"], source.URINE_EDGES),
    "map": (_CONCEPT["MAP"], (Band(1, source.MAP_LOW),)),
    "gcs": (_CONCEPT["GCS"], source.GCS_EDGES),
}


def sofa(node: Score, build: Build, path: str) -> Range:
    """Adult SOFA as (low, high)."""
    singles = _singles(build, _SOFA)
    creatinine, urine = _measured("creatinine", singles), _measured("urine", singles)
    estimated = estimated_map(build, [_map_limit(source.MAP_LOW)])
    items = [
        _respiration(build),
        _measured("platelets", singles),
        _measured("bilirubin", singles),
        _cardiovascular(build, _charted("map", singles), (estimated, 0)),
        _cns(build, singles),
        (greatest(creatinine[0], urine[0]), greatest(creatinine[1], urine[1])),
    ]
    low = total([i[0] for i in items])
    high = total([i[1] for i in items])
    low, high = build.bind(low), build.bind(high)
    build.explain(path, "score", [("low", low.copy()), ("high", high.copy())])
    return low, high


def _map_limit(low: Threshold) -> float:
    """The MAP limit in mmHg (the estimated MAP is computed in mmHg)."""
    return low.bound("mm[Hg]").limit


def _spo2_kept(quantity: Quantity) -> bool:
    """SpO2 of 97 % or less (Matics 2017 footnote c), in % as pSOFA reads it."""
    percent = quantity.value if quantity.unit == "%" else quantity.to("%")
    return percent <= paediatric.SPO2_MAX


def psofa(node: Score, build: Build, path: str) -> Range:
    """Paediatric SOFA as (low, high); NULL without a birth date."""
    bands = paediatric.AGE_BANDS
    parts: dict[str, Part] = {
        "platelets": (_CONCEPT["platelets"], source.PLATELET_EDGES),
        "bilirubin": (_CONCEPT["bilirubin"], paediatric.BILIRUBIN_EDGES),
        "gcs": (_CONCEPT["GCS"], source.GCS_EDGES),
    }
    for i, band in enumerate(bands):
        map_edge = (Band(1, band.map_low),)
        parts[f"map_{i}"] = (_CONCEPT["MAP"], map_edge)
        parts[f"creatinine_{i}"] = (_CONCEPT["creatinine"], band.creatinine_bands)
    singles = _singles(build, parts)
    estimated = estimated_map(build, [band.map_limit for band in bands])
    # the age band at the index: age in completed months below each band's bound
    birth, day = col("birth_date", PERSON), build.day
    conditions = [
        not_(reached(birth, day, band.below, "mo")) if band.below is not None else exp.true()
        for band in bands
    ]

    def by_band(ranges: list[Range]) -> Range:
        return (
            case([(c.copy(), r[0]) for c, r in zip(conditions, ranges, strict=True)]),
            case([(c.copy(), r[1]) for c, r in zip(conditions, ranges, strict=True)]),
        )

    pao2_low, pao2_high, has_pao2 = oxygenation(build, "lab.pao2", source.PF_EDGES)
    spo2_low, spo2_high, has_spo2 = oxygenation(
        build, "vital.spo2", paediatric.SF_EDGES, keep=_spo2_kept
    )
    respiration = (
        case([(has_pao2, pao2_low), (has_spo2, spo2_low)], _zero()),
        case([(has_pao2.copy(), pao2_high), (has_spo2.copy(), spo2_high)], exp.Literal.number(4)),
    )
    cardiovascular = by_band(
        [
            _cardiovascular(build, _charted(f"map_{i}", singles), (estimated, i))
            for i in range(len(bands))
        ]
    )
    renal = by_band([_measured(f"creatinine_{i}", singles) for i in range(len(bands))])
    items = [
        respiration,
        _measured("platelets", singles),
        _measured("bilirubin", singles),
        cardiovascular,
        _cns(build, singles),
        renal,
    ]
    # no age band without a birth date; none either for an impossible age at the index
    # (after it, or above the oldest human age: the evaluator reads the score as unknown)
    unknown_age = or_(birth.is_(exp.null()), impossible_age(birth, day))
    low = case([(unknown_age, exp.null())], total([i[0] for i in items]))
    high = case([(unknown_age.copy(), exp.null())], total([i[1] for i in items]))
    low, high = build.bind(low), build.bind(high)
    build.explain(path, "score", [("low", low.copy()), ("high", high.copy())])
    return low, high
