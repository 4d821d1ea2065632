"""``drug`` and ``procedure`` nodes: exposures in a window, wash-outs, cumulative exposure.

The bridge's conventions decide what an end means: a ``drug_exposure`` whose
``verbatim_end_date`` is NULL is ongoing (its required end date is only the
extract time), and a ``procedure_occurrence`` without an end is in progress
(a finished one has its end, or its own date). Nothing recorded is FALSE only
where the record states the medication (procedure) history complete and holds
no unrecognised row that may fall in the window, else NULL
(:func:`~trialkit.eligibility.sql.history.none_recorded`). A drug node with
``routes`` counts the exposures by one of those routes; one whose route is not
recorded (``route_concept_id`` NULL or 0) leaves it NULL instead of FALSE.
"""

from __future__ import annotations

from datetime import timedelta

from sqlglot import exp

from trialkit.eligibility.sql.build import (
    Build,
    and_,
    at_or_before,
    case,
    cast,
    col,
    concept_ids,
    count_if,
    greatest,
    in_concepts,
    least,
    minus,
    not_,
    number,
    or_,
    timestamp_of,
)
from trialkit.eligibility.sql.history import none_recorded
from trialkit.omop.concepts import concept_key
from trialkit.protocol.criteria import Drug, ProcedureNode
from trialkit.vocab import History, concept

__all__ = ["compile_drug", "compile_procedure"]


def _microseconds(earlier: exp.Expr, later: exp.Expr) -> exp.Expr:
    """``later - earlier`` in microseconds (exact; DATE_DIFF counts unit boundaries)."""
    return exp.DateDiff(this=later.copy(), expression=earlier.copy(), unit=exp.var("MICROSECOND"))


def _exposures(
    build: Build, node: Drug, unrouted: bool = False
) -> tuple[exp.Select, exp.Expr, exp.Expr]:
    """The exposures of the drug (or class) touching the window, with their start and end.

    With ``routes``, those by one of the routes; ``unrouted``: those without a route.
    """
    start = timestamp_of("d", "drug_exposure_start_datetime", "drug_exposure_start_date")
    end = case(
        [(col("verbatim_end_date", "d").is_(exp.null()), exp.null())],
        timestamp_of("d", "drug_exposure_end_datetime", "drug_exposure_end_date"),
    )
    conditions = [
        in_concepts(col("drug_concept_id", "d"), [node.drug]),
        at_or_before(start, build.index),
    ]
    route = col("route_concept_id", "d")
    if unrouted:
        conditions.append(exp.func("COALESCE", route, exp.Literal.number(0)).eq(0))
    elif node.routes is not None:
        conditions.append(in_concepts(route, node.routes))
    if node.within is not None:
        low = minus(build.index, node.within)
        conditions.append(or_(end.is_(exp.null()), exp.GTE(this=end.copy(), expression=low)))
    query = exp.select(col("person_id", "d")).from_(
        exp.table_("drug_exposure", alias="d"), copy=False
    )
    return query.where(and_(*conditions), copy=False), start, end


def _since(build: Build, node: Drug) -> exp.Expr | None:
    return None if node.within is None else minus(build.index, node.within)


def _key(node: Drug) -> str:
    routes = "" if node.routes is None else ",".join(node.routes)
    return f"{node.drug}|{node.within}|{routes}"


def compile_drug(node: Drug, build: Build, path: str) -> exp.Expr:
    """As ``_drug``: an exposure; a cumulative exposure longer than; or a wash-out in half-lives.

    With ``routes``, a FALSE becomes NULL when an exposure without a recorded
    route touches the window (it may have been by one of them).
    """
    if node.longer_than is not None:
        found = _cumulative(node, build, path)
    elif node.half_lives is not None:
        found = _washout(node, build, path)
    else:
        found = _exposure(node, build, path)
    if node.routes is None:
        return found
    query, _, _ = _exposures(build, node, unrouted=True)
    query = query.select(
        exp.Count(this=exp.Star()).as_("unrouted", copy=False), copy=False
    ).group_by(col("person_id", "d"), copy=False)
    name = build.cte("unrouted", query, key=f"unrouted|{node.drug}|{node.within}")
    bound = build.bind(found)
    maybe = exp.GT(this=col("unrouted", name), expression=exp.Literal.number(0))
    return case([(bound, exp.true()), (maybe, exp.null())], bound.copy())


def _exposure(node: Drug, build: Build, path: str) -> exp.Expr:
    """An exposure to the drug (or class) in the window."""
    query, start, _ = _exposures(build, node)
    query = query.select(
        exp.Count(this=exp.Star()).as_("exposures", copy=False),
        exp.Max(this=start).as_("latest_start", copy=False),
        copy=False,
    ).group_by(col("person_id", "d"), copy=False)
    name = build.cte("drug", query, key=f"drug|{_key(node)}")
    build.explain(path, "drug", [("latest_start", col("latest_start", name))])
    return case(
        [(exp.GT(this=col("exposures", name), expression=exp.Literal.number(0)), exp.true())],
        none_recorded(build, History.MEDICATIONS, _since(build, node)),
    )


def _cumulative(node: Drug, build: Build, path: str) -> exp.Expr:
    """Total time covered by the exposures within [window start, index], overlaps once."""
    assert node.longer_than is not None
    query, start, end = _exposures(build, node)
    index = build.index
    low = start if node.within is None else greatest(start, minus(index, node.within))
    high = least(exp.func("COALESCE", end, index.copy()), index.copy())
    spans = query.select(low.as_("low", copy=False), high.as_("high", copy=False), copy=False)
    reach = exp.Window(
        this=exp.Max(this=col("high")),
        partition_by=[col("person_id")],
        order=exp.Order(expressions=[exp.Ordered(this=col("low")), exp.Ordered(this=col("high"))]),
        spec=exp.WindowSpec(
            kind="ROWS",
            start="UNBOUNDED",
            start_side="PRECEDING",
            end=exp.Literal.number(1),
            end_side="PRECEDING",
        ),
    )
    reached = (
        exp.select("*", reach.as_("reach", copy=False))
        .from_(spans.subquery("spans", copy=False), copy=False)
        .where(exp.GT(this=col("high"), expression=col("low")), copy=False)
    )
    begin = greatest(col("low"), exp.func("COALESCE", col("reach"), col("low")))
    piece = greatest(_microseconds(begin, col("high")), exp.Literal.number(0))
    total = (
        exp.select(col("person_id"), exp.Sum(this=piece).as_("exposed_us", copy=False))
        .from_(reached.subquery("reached", copy=False), copy=False)
        .group_by(col("person_id"), copy=False)
    )
    name = build.cte("exposure", total, key=f"exposed|{_key(node)}")
    needed = _microseconds(minus(index, node.longer_than), index)
    build.explain(
        path,
        "drug",
        [
            (
                "exposed_days",
                # A DOUBLE divisor: Spark reads 86400000000.0 as a DECIMAL and divides
                # in DECIMAL (13 digits after the point, not the double quotient).
                exp.Div(this=col("exposed_us", name), expression=number(86_400_000_000)),
            )
        ],
    )
    longer = exp.GT(this=col("exposed_us", name), expression=needed)
    return case(
        [(longer, exp.true())], none_recorded(build, History.MEDICATIONS, _since(build, node))
    )


def _washout(node: Drug, build: Build, path: str) -> exp.Expr:
    """Exposure within the shorter of the window and ``half_lives`` half-lives, per drug."""
    assert node.half_lives is not None
    query, start, end = _exposures(build, node)
    index = build.index
    whens = []
    for ident in concept_ids(node.drug):
        key = concept_key(ident)
        half_life = None if key is None else concept(key).half_life
        if half_life is None:
            continue
        span = node.half_lives * timedelta(hours=half_life.hours)
        micros = span // timedelta(microseconds=1)
        whens.append((col("drug_concept_id", "d").eq(ident), exp.Literal.number(micros)))
    limit = case(whens)
    inside = or_(
        end.is_(exp.null()),
        exp.GTE(this=end.copy(), expression=index.copy()),
        exp.LTE(this=_microseconds(end, index), expression=limit),
    )
    unsure = limit.copy().is_(exp.null())
    query = query.select(
        count_if(inside).as_("inside", copy=False),
        count_if(unsure).as_("unsure", copy=False),
        exp.Max(this=start).as_("latest_start", copy=False),
        copy=False,
    ).group_by(col("person_id", "d"), copy=False)
    name = build.cte("washout", query, key=f"washout|{_key(node)}|{node.half_lives}")
    build.explain(path, "drug", [("latest_start", col("latest_start", name))])
    return case(
        [
            (exp.GT(this=col("inside", name), expression=exp.Literal.number(0)), exp.true()),
            (exp.GT(this=col("unsure", name), expression=exp.Literal.number(0)), exp.null()),
        ],
        none_recorded(build, History.MEDICATIONS, _since(build, node)),
    )


def compile_procedure(node: ProcedureNode, build: Build, path: str) -> exp.Expr:
    """As ``_procedure``: a procedure touching the window (in progress: until the index)."""
    start = timestamp_of("p", "procedure_datetime", "procedure_date")
    last = exp.func(
        "COALESCE",
        col("procedure_end_datetime", "p"),
        cast(col("procedure_end_date", "p"), "TIMESTAMP"),
        build.index.copy(),
    )
    conditions = [
        in_concepts(col("procedure_concept_id", "p"), [node.procedure]),
        at_or_before(start, build.index),
    ]
    if node.within is not None:
        conditions.append(exp.GTE(this=last, expression=minus(build.index, node.within)))
    query = (
        exp.select(
            col("person_id", "p"), exp.Max(this=start.copy()).as_("latest_start", copy=False)
        )
        .from_(exp.table_("procedure_occurrence", alias="p"), copy=False)
        .where(and_(*conditions), copy=False)
        .group_by(col("person_id", "p"), copy=False)
    )
    name = build.cte("procedure", query, key=f"procedure|{node.procedure}|{node.within}")
    build.explain(path, "procedure", [("latest_start", col("latest_start", name))])
    found = not_(col("person_id", name).is_(exp.null()))
    since = None if node.within is None else minus(build.index, node.within)
    return case([(found, exp.true())], none_recorded(build, History.PROCEDURES, since))
