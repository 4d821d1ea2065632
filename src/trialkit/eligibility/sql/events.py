"""``condition``, ``finding`` and ``attestation`` nodes over the bridge's OMOP conventions.

- A diagnosis is a ``condition_occurrence`` row; its end is exclusive, and a
  ``condition_status_concept_id`` of 32899 (preliminary: provisional,
  differential, unconfirmed) makes it tentative, hence unknown.
- A ruled-out diagnosis is an ``observation`` row of the condition's concept
  with ``qualifier_source_value = 'refuted'``.
- A finding or attestation is an ``observation`` row with
  ``value_as_concept_id`` 4188539 (Yes) or 4188540 (No); the latest one decides
  (ties: the highest ``observation_id``); another value (a coded answer) does
  not.

The branch order is the evaluator's (``_condition`` and ``_flag``).
"""

from __future__ import annotations

from sqlglot import exp

from trialkit.eligibility.evaluate import condition_histories
from trialkit.eligibility.sql.build import (
    Build,
    and_,
    at_or_before,
    case,
    cast,
    col,
    count_if,
    in_concepts,
    minus,
    not_,
    or_,
    timestamp_of,
)
from trialkit.omop.concepts import NO, PRELIMINARY_DIAGNOSIS, YES
from trialkit.protocol.criteria import Attestation, ConditionNode, Finding
from trialkit.vocab import vocabulary

__all__ = [
    "REFUTED",
    "compile_attestation",
    "compile_condition",
    "compile_finding",
    "diagnosis_cte",
]

REFUTED = "refuted"
"""``qualifier_source_value`` of the observation row of a ruled-out diagnosis."""


def _positive(condition: exp.Expr) -> exp.Expr:
    return exp.GT(this=count_if(condition), expression=exp.Literal.number(0))


_DIAGNOSIS, _ANSWER, _RULED_OUT = 1, 2, 3  # the three sources of a diagnosis CTE


def _rows(build: Build, key: str, within: str | None) -> exp.Union:
    """The person's diagnoses, Yes/No answers (in the window) and ruled-out rows of ``key``."""
    start = timestamp_of("c", "condition_start_datetime", "condition_start_date")
    end = timestamp_of("c", "condition_end_datetime", "condition_end_date")
    tentative = exp.func(
        "COALESCE", col("condition_status_concept_id", "c").eq(PRELIMINARY_DIAGNOSIS), exp.false()
    )
    diagnoses = (
        exp.select(
            col("person_id", "c"),
            exp.Literal.number(_DIAGNOSIS).as_("source", copy=False),
            start.as_("time", copy=False),
            end.as_("until", copy=False),
            tentative.as_("tentative", copy=False),
            cast(exp.null(), "INT").as_("answer", copy=False),
            col("condition_occurrence_id", "c").as_("row_id", copy=False),
        )
        .from_(exp.table_("condition_occurrence", alias="c"), copy=False)
        .where(in_concepts(col("condition_concept_id", "c"), [key]), copy=False)
    )
    time = timestamp_of("o", "observation_datetime", "observation_date")
    code = col("value_as_concept_id", "o")
    qualifier = exp.func("COALESCE", col("qualifier_source_value", "o"), exp.Literal.string(""))
    refuted = qualifier.eq(exp.Literal.string(REFUTED))
    answer = case(
        [(code.eq(YES), exp.Literal.number(1)), (code.copy().eq(NO), exp.Literal.number(0))]
    )
    in_window = [at_or_before(time, build.index)]
    if within is not None:
        in_window.append(exp.GTE(this=time.copy(), expression=minus(build.index, within)))
    # One scan of observation: ruled-out rows up to the index, the other answers in the window.
    source = case([(refuted, exp.Literal.number(_RULED_OUT))], exp.Literal.number(_ANSWER))
    observations = (
        exp.select(
            col("person_id", "o"),
            source.as_("source", copy=False),
            time.copy().as_("time", copy=False),
            cast(exp.null(), "TIMESTAMP").as_("until", copy=False),
            cast(exp.null(), "BOOLEAN").as_("tentative", copy=False),
            case([(refuted.copy(), exp.null())], answer).as_("answer", copy=False),
            col("observation_id", "o").as_("row_id", copy=False),
        )
        .from_(exp.table_("observation", alias="o"), copy=False)
        .where(
            and_(
                in_concepts(col("observation_concept_id", "o"), [key]),
                # A ruling-out counts from when it was recorded, at or before the index.
                or_(and_(refuted.copy(), at_or_before(time.copy(), build.index)), and_(*in_window)),
            ),
            copy=False,
        )
    )
    return exp.union(diagnoses, observations, distinct=False)


def diagnosis_cte(build: Build, key: str, within: str | None = None) -> str:
    """Per person, what the record says of ``key`` as of the index.

    Columns: ``present`` / ``present_tentative`` (a confirmed / tentative
    diagnosis present at the index), ``ever`` / ``ever_tentative`` (begun at
    or before it), ``recorded`` (any diagnosis row begun by the index, or ruled out by it),
    ``first_onset``, ``present_since``, ``ever_since``; ``answer`` (the latest
    observation in the window: TRUE for Yes, FALSE for No, NULL otherwise) and
    ``answer_time``; ``ruled_out`` and ``ruled_out_time``.
    """
    found = build.find(f"diagnosis|{key}|{within}")
    if found is not None:
        return found
    index = build.index
    source, time, until = col("source"), col("time"), col("until")
    tentative = col("tentative")
    diagnosis = source.eq(_DIAGNOSIS)
    begun = and_(diagnosis, at_or_before(time, index))
    present = and_(
        begun, or_(until.is_(exp.null()), exp.LT(this=index.copy(), expression=until.copy()))
    )
    window = exp.Window(
        this=exp.RowNumber(),
        partition_by=[col("person_id"), source.copy()],
        order=exp.Order(
            expressions=[
                exp.Ordered(this=time.copy(), desc=True),
                exp.Ordered(this=col("row_id"), desc=True),
            ]
        ),
    )
    ranked = exp.select("*", window.as_("rn", copy=False)).from_(
        _rows(build, key, within).subquery("rows", copy=False), copy=False
    )
    latest = and_(source.copy().eq(_ANSWER), col("rn").eq(1))
    ruled = source.copy().eq(_RULED_OUT)
    query = (
        exp.select(
            col("person_id"),
            _positive(and_(present, not_(tentative))).as_("present", copy=False),
            _positive(and_(present.copy(), tentative.copy())).as_("present_tentative", copy=False),
            _positive(and_(begun.copy(), not_(tentative.copy()))).as_("ever", copy=False),
            _positive(and_(begun.copy(), tentative.copy())).as_("ever_tentative", copy=False),
            _positive(or_(begun.copy(), ruled.copy())).as_("recorded", copy=False),
            exp.Min(this=case([(begun.copy(), time.copy())])).as_("first_onset", copy=False),
            exp.Max(this=case([(present.copy(), time.copy())])).as_("present_since", copy=False),
            exp.Max(this=case([(begun.copy(), time.copy())])).as_("ever_since", copy=False),
            exp.Max(this=case([(latest, col("answer"))])).eq(1).as_("answer", copy=False),
            exp.Max(this=case([(latest.copy(), time.copy())])).as_("answer_time", copy=False),
            _positive(ruled.copy()).as_("ruled_out", copy=False),
            exp.Max(this=case([(ruled.copy(), time.copy())])).as_("ruled_out_time", copy=False),
        )
        .from_(ranked.subquery("ranked", copy=False), copy=False)
        .group_by(col("person_id"), copy=False)
    )
    return build.cte("diagnosis", query, key=f"diagnosis|{key}|{within}")


def _status(whens: list[tuple[exp.Expr, str]]) -> exp.Expr:
    return case([(condition.copy(), exp.Literal.string(text)) for condition, text in whens])


def compile_condition(node: ConditionNode, build: Build, path: str) -> exp.Expr:
    """As ``_condition``: confirmed → TRUE; tentative → NULL; Yes/No observation; recorded → FALSE."""
    name = diagnosis_cte(build, node.condition)
    confirmed = col("ever" if node.ever else "present", name)
    tentative = col("ever_tentative" if node.ever else "present_tentative", name)
    answer, recorded = col("answer", name), col("recorded", name)
    build.explain(
        path,
        "condition",
        [
            (
                "status",
                _status(
                    [
                        (confirmed, "confirmed"),
                        (tentative, "tentative"),
                        (answer.eq(exp.true()), "yes"),
                        (answer.eq(exp.false()), "no"),
                        (recorded, "not present"),
                    ]
                ),
            ),
            ("time", col("ever_since" if node.ever else "present_since", name)),
        ],
    )
    whens = [
        (confirmed.copy(), exp.true()),
        (tentative.copy(), exp.null()),
        (not_(answer.copy().is_(exp.null())), answer.copy()),
        (recorded.copy(), exp.false()),
    ]
    # history.py reads diagnosis_cte from this module: imported here, not at the top.
    from trialkit.eligibility.sql.history import none_recorded

    return case(whens, none_recorded(build, condition_histories(node), asked=node.condition))


def _flag(key: str, within: str | None, build: Build, path: str, node: str) -> exp.Expr:
    """As ``_flag``: a present diagnosis, else the latest Yes/No in the window, else ruled out."""
    name = diagnosis_cte(build, key, within)
    present, tentative = col("present", name), col("present_tentative", name)
    answer, ruled_out = col("answer", name), col("ruled_out", name)
    build.explain(
        path,
        node,
        [
            (
                "status",
                _status(
                    [
                        (present, "present"),
                        (tentative, "tentative"),
                        (answer.eq(exp.true()), "yes"),
                        (answer.eq(exp.false()), "no"),
                        (ruled_out, "ruled out"),
                    ]
                ),
            ),
            (
                "time",
                case(
                    [
                        (present.copy(), col("present_since", name)),
                        (not_(answer.copy().is_(exp.null())), col("answer_time", name)),
                    ],
                    col("ruled_out_time", name),
                ),
            ),
        ],
    )
    whens = [
        (present.copy(), exp.true()),
        (tentative.copy(), exp.null()),
        (not_(answer.copy().is_(exp.null())), answer.copy()),
        (ruled_out.copy(), exp.false()),
    ]
    for broader in vocabulary()[key].broader:
        # As the evaluator: a broader concept recorded absent (its latest answer in the
        # window No) or ruled out rules this one out.
        wider = diagnosis_cte(build, broader, within)
        denied = exp.func("COALESCE", not_(col("answer", wider)), exp.false())
        whens.append((or_(denied, col("ruled_out", wider)), exp.false()))
    return case(whens)


def compile_finding(node: Finding, build: Build, path: str) -> exp.Expr:
    """The truth of a ``finding`` node."""
    return _flag(node.finding, node.within, build, path, "finding")


def compile_attestation(node: Attestation, build: Build, path: str) -> exp.Expr:
    """The truth of an ``attestation`` node."""
    return _flag(node.attestation, node.within, build, path, "attestation")
