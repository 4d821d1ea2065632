"""HLH-2004 (Henter 2007) as SQL: the count of criteria met, as the range ``low``–``high``.

As :func:`trialkit.scores.hlh2004.assess` (rules ``henter2007``): quantities
from the 7 days up to the index, a criterion met when **any** value of the
window meets it (the adapter picks the one that does), not met when there are
values and none does, undecided without values; findings of the 30 days (a
diagnosis present at the index, tentative or not, or the latest Yes/No).
Each comparison is the adapter's own ``Threshold.holds``, moved into the reported
unit (:func:`~trialkit.eligibility.sql.exact.holds_in_unit`), so that
triglycerides of 265 mg/dL meet "≥ 3.0 mmol/L (≥ 265 mg/dL)" as the source
prints it. Haemoglobin uses the infant limit at an age under 28 days on the
day of the sample; without a birth date a value between the two limits is
undecided, and a picked haemoglobin sampled before the birth date makes the
score unknown (the adapter refuses the negative age). The molecular route does
not count towards the 8 and does not enter ``low``/``high``.
"""

from __future__ import annotations

from sqlglot import exp

from trialkit.eligibility.sql.build import (
    PERSON,
    Build,
    and_,
    case,
    cast,
    col,
    count_if,
    impossible_age,
    not_,
    or_,
)
from trialkit.eligibility.sql.exact import holds_in_unit
from trialkit.eligibility.sql.logic import at_least_expression
from trialkit.eligibility.sql.score_inputs import (
    finding,
    high_of,
    low_of,
    reached,
    tagged_rows,
    total,
)
from trialkit.protocol.criteria import Score
from trialkit.scores import hlh2004 as source
from trialkit.scores.hlh2004 import HENTER_2007, fever_at
from trialkit.units import Threshold

__all__ = ["hlh2004"]

_VALUES = {m.name: m.concept for m in source.MEASURED}
_LIMITS: dict[str, Threshold] = {
    m.name: fever_at() if m.name == "temperature" else HENTER_2007.threshold(m.name)
    for m in source.MEASURED
    if m.name != "haemoglobin"  # its limit reads the age on the day of the sample (below)
}


def _holds(name: str, limit: Threshold) -> exp.Expr:
    return holds_in_unit(
        _VALUES[name],
        col("value"),
        col("unit"),
        limit.holds,
        increasing=limit.upward,
    )


def _values(build: Build) -> str:
    """Per person: how many values of each input the window holds, and whether one meets it."""
    tagged = tagged_rows(build, _VALUES, source.LOOKBACK_VALUES, birth=True)
    selected: list[exp.Expr] = [col("person_id")]
    for name in _VALUES:
        selected.append(
            count_if(col("kind").eq(exp.Literal.string(name))).as_(f"n_{name}", copy=False)
        )
    for name, limit in _LIMITS.items():
        meets = and_(col("kind").eq(exp.Literal.string(name)), _holds(name, limit))
        selected.append(count_if(meets).as_(f"met_{name}", copy=False))
    # haemoglobin: the infant limit under 28 days of age on the day of the sample
    adult = holds_in_unit(
        "lab.haemoglobin",
        col("value"),
        col("unit"),
        HENTER_2007.haemoglobin.holds,
        increasing=False,
    )
    infant = holds_in_unit(
        "lab.haemoglobin",
        col("value"),
        col("unit"),
        HENTER_2007.haemoglobin_infant.holds,
        increasing=False,
    )
    birth = col("birth_date")
    young = not_(reached(birth, cast(col("time"), "DATE"), source.INFANT_DAYS, "d"))
    low = case([(birth.is_(exp.null()), adult), (young, infant)], adult.copy())
    is_hb = col("kind").eq(exp.Literal.string("haemoglobin"))
    selected.append(count_if(and_(is_hb, low)).as_("met_haemoglobin", copy=False))
    selected.append(
        count_if(and_(is_hb.copy(), infant.copy())).as_("infant_haemoglobin", copy=False)
    )
    # The lowest haemoglobin meeting its limit, else the lowest, on either side of the
    # birth date: which one the adapter picks (_picked_before_birth).
    unborn = exp.LT(this=cast(col("time"), "DATE"), expression=birth.copy())
    for group, rows in (("met", and_(is_hb.copy(), low.copy())), ("any", is_hb.copy())):
        for side, where in (("unborn", unborn), ("born", not_(unborn.copy()))):
            lowest = exp.Min(this=case([(and_(rows.copy(), where.copy()), col("value"))]))
            selected.append(lowest.as_(f"hb_{group}_{side}", copy=False))
    query = (
        exp.select(*selected)
        .from_(tagged.subquery("tagged", copy=False), copy=False)
        .group_by(col("person_id"), copy=False)
    )
    return build.cte("hlh2004", query, key="score|hlh2004|values")


def _state(name: str, table: str) -> exp.Expr:
    """TRUE when a value meets the criterion, FALSE when values do not, NULL without values."""
    present = exp.GT(this=col(f"n_{name}", table), expression=exp.Literal.number(0))
    met = exp.GT(this=col(f"met_{name}", table), expression=exp.Literal.number(0))
    return case([(present, met)])


def _picked_before_birth(table: str) -> exp.Expr:
    """TRUE when the haemoglobin the adapter picks was sampled before the birth date.

    ``assess`` picks the value meeting the limit, else the worst (the lowest;
    ties: the latest), and ``hlh2004`` refuses its negative age in days: the
    record contradicts itself, and the evaluator reads the score as unknown.
    Every sample before the birth date is earlier than every one after, so the
    pick is before the birth date exactly when the lowest value there is
    strictly below the lowest value after it (or there is none after it).
    """

    def earlier(group: str) -> exp.Expr:
        unborn, born = col(f"hb_{group}_unborn", table), col(f"hb_{group}_born", table)
        return and_(
            not_(unborn.is_(exp.null())),
            or_(born.is_(exp.null()), exp.LT(this=unborn.copy(), expression=born.copy())),
        )

    met = col("hb_met_unborn", table), col("hb_met_born", table)
    none_met = and_(met[0].is_(exp.null()), met[1].is_(exp.null()))
    return case([(none_met, earlier("any"))], earlier("met"))


def hlh2004(node: Score, build: Build, path: str) -> tuple[exp.Expr, exp.Expr]:
    """The number of HLH-2004 criteria met, as (low, high)."""
    values = _values(build)
    lookback = source.LOOKBACK_FINDINGS
    hot = _state("temperature", values)
    recorded = finding(build, source.FINDINGS["fever"], lookback)
    charted = exp.GT(this=col("n_temperature", values), expression=exp.Literal.number(0))
    fever_flag = case([(and_(recorded.is_(exp.null()), charted), exp.false())], recorded.copy())
    haemoglobin = case(
        [
            (
                exp.GT(this=col("n_haemoglobin", values), expression=exp.Literal.number(0)),
                case(
                    [
                        (
                            exp.GT(
                                this=col("met_haemoglobin", values),
                                expression=exp.Literal.number(0),
                            ),
                            exp.true(),
                        ),
                        (
                            and_(
                                col("birth_date", "persons").is_(exp.null()),
                                exp.GT(
                                    this=col("infant_haemoglobin", values),
                                    expression=exp.Literal.number(0),
                                ),
                            ),
                            exp.null(),
                        ),
                    ],
                    exp.false(),
                ),
            )
        ]
    )
    haemophagocytosis = finding(build, source.FINDINGS["haemophagocytosis"], lookback)
    marrow = finding(build, source.FINDINGS["haemophagocytosis_marrow"], lookback)
    criteria = {
        # A fever finding recorded false is known absence unless a temperature reaches it.
        "fever": case(
            [(hot, exp.true()), (exp.Not(this=fever_flag), exp.false())],
            or_(hot.copy(), fever_flag.copy()),
        ),
        "splenomegaly": finding(build, source.FINDINGS["splenomegaly"], lookback),
        "cytopenias": at_least_expression(
            2, [haemoglobin, _state("platelets", values), _state("neutrophils", values)]
        ),
        "lipids": or_(_state("triglycerides", values), _state("fibrinogen", values)),
        "haemophagocytosis": case(
            [(haemophagocytosis, exp.true()), (marrow, exp.true())], haemophagocytosis.copy()
        ),
        "nk_activity": finding(build, source.FINDINGS["nk_activity_low"], lookback),
        "ferritin": _state("ferritin", values),
        "scd25": _state("scd25", values),
    }
    # the haemoglobin limit reads the age: unknown for an impossible age at the index, as
    # the evaluator reads it (ScoreSpec.reads_age), or when the pick was sampled before the birth date
    impossible = impossible_age(col("birth_date", PERSON), build.day)
    refused = build.bind(or_(impossible, _picked_before_birth(values)))  # both ends read it
    low = case([(refused, exp.null())], total([low_of(item) for item in criteria.values()]))
    high = case([(refused.copy(), exp.null())], total([high_of(i) for i in criteria.values()]))
    build.explain(path, "score", [("low", low.copy()), ("high", high.copy())])
    return low, high
