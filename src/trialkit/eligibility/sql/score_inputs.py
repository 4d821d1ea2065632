"""Score inputs in SQL, read as :mod:`trialkit.scores.inputs` reads them from a record.

- a *window* of a measured concept: its rows in ``[index - look-back, index]``;
- the *latest* quantity in a look-back (shared with ``measure`` leaves);
- a *finding* as the scores read it (:func:`trialkit.scores.inputs.finding`):
  a diagnosis present at the index, tentative or not, is TRUE; else the
  latest Yes/No in the look-back; else NULL (a ruled-out diagnosis decides
  nothing here, unlike a ``finding`` node);
- ages in completed years and days.

A score item is a nullable BOOLEAN in Kleene logic (TRUE = its points, FALSE
= none, NULL = undecided), or, for items with several bands, a pair of low
and high points; a score is the sum of its items' lows and highs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlglot import exp

from trialkit.eligibility.sql.build import (
    PERSON,
    Build,
    and_,
    at_or_before,
    case,
    cast,
    col,
    concept_ids,
    in_concepts,
    measurement_columns,
    minus,
    not_,
    or_,
    timestamp_of,
)
from trialkit.eligibility.sql.events import diagnosis_cte
from trialkit.eligibility.sql.plausible import plausible

__all__ = [
    "age_years",
    "at_one_time",
    "concept_tags",
    "days",
    "finding",
    "high_of",
    "last_of_kind",
    "low_of",
    "reached",
    "tagged_rows",
    "total",
    "window_rows",
]


def days(span: timedelta) -> str:
    """A whole-day look-back as a protocol duration (``"7 d"``)."""
    if span % timedelta(days=1):
        raise ValueError(f"{span} is not a whole number of days")
    return f"{span.days} d"


def window_rows(
    build: Build,
    keys: Sequence[str],
    lookback: timedelta,
    *,
    birth: bool = False,
    concepts: bool = True,
) -> exp.Select:
    """``measurement`` rows of ``keys`` (or descendants) in ``[index - lookback, index]``.

    Columns: ``person_id``, ``concept_id``, ``value``, ``unit``, ``time``,
    ``row_id``; with ``birth``, the person's ``birth_date`` too (a join of
    every row to ``persons``, asked only by the scores with age limits per
    sample). ``concepts=False`` leaves the concept filter to the caller
    (:func:`tagged_rows` joins the rows to their concepts instead), and the
    plausibility filter too; with ``concepts``, a row whose value cannot be
    used is left out, as :meth:`trialkit.record.PatientRecord.window` leaves
    it out (:mod:`~trialkit.eligibility.sql.plausible`).
    """
    time = timestamp_of("m", "measurement_datetime", "measurement_date")
    selected = measurement_columns({"measurement_concept_id": "concept_id"})
    query = exp.select(*selected).from_(exp.table_("measurement", alias="m"), copy=False)
    if birth:
        query = query.select(col("birth_date", PERSON), copy=False).join(
            exp.table_(PERSON),
            on=col("person_id", PERSON).eq(col("person_id", "m")),
            copy=False,
        )
    conditions = [
        not_(col("value_as_number", "m").is_(exp.null())),
        at_or_before(time.copy(), build.index),
        exp.GTE(this=time.copy(), expression=minus(build.index, days(lookback))),
    ]
    if concepts:
        if len(keys) != 1:
            raise ValueError("window_rows reads the plausible values of one concept at a time")
        value, unit = col("value_as_number", "m"), col("unit_source_value", "m")
        conditions.insert(0, in_concepts(col("measurement_concept_id", "m"), list(keys)))
        conditions.append(plausible(keys[0], value, unit))
    return query.where(and_(*conditions), copy=False)


def finding(build: Build, key: str, lookback: timedelta) -> exp.Expr:
    """A finding as a score reads it: present (even tentative) → TRUE, else the latest Yes/No."""
    name = diagnosis_cte(build, key, days(lookback))
    present = or_(col("present", name), col("present_tentative", name))
    return case([(present, exp.true())], col("answer", name))


def reached(birth: exp.Expr, day: exp.Expr, count: int, unit: str) -> exp.Expr:
    """Age of at least ``count`` units (``a``, ``mo``, ``d``) on ``day``: ``birth <= day - count``."""
    return exp.LTE(this=birth.copy(), expression=cast(minus(day, f"{count} {unit}"), "DATE"))


def age_years(birth: exp.Expr, day: exp.Expr) -> exp.Expr:
    """Completed years on ``day`` (a 29 February birthday reached on 1 March), NULL without birth."""
    before_birthday = or_(
        exp.LT(this=exp.Month(this=day.copy()), expression=exp.Month(this=birth.copy())),
        and_(
            exp.Month(this=day.copy()).eq(exp.Month(this=birth.copy())),
            exp.LT(this=exp.Day(this=day.copy()), expression=exp.Day(this=birth.copy())),
        ),
    )
    years = exp.Sub(this=exp.Year(this=day.copy()), expression=exp.Year(this=birth.copy()))
    birthday = case([(before_birthday, exp.Literal.number(1))], exp.Literal.number(0))
    return exp.paren(exp.Sub(this=years, expression=birthday), copy=False)


def low_of(item: exp.Expr, points: float = 1) -> exp.Expr:
    """The points an item surely gives: ``points`` when TRUE, else 0."""
    return case([(item.copy(), exp.Literal.number(points))], exp.Literal.number(0))


def high_of(item: exp.Expr, points: float = 1) -> exp.Expr:
    """The points an item may give: ``points`` unless FALSE."""
    return case([(not_(item.copy()), exp.Literal.number(0))], exp.Literal.number(points))


def total(parts: Sequence[exp.Expr]) -> exp.Expr:
    """The sum of ``parts``."""
    result = parts[0]
    for part in parts[1:]:
        result = exp.Add(this=result, expression=part)
    return exp.paren(result, copy=False)


def concept_tags(names: dict[str, str], *, first: bool = True) -> exp.Select:
    """``(concept_id, tag)``: the OMOP ids of each name's concept and their descendants.

    ``names`` maps a tag (an input's name) to a concept key. With ``first``,
    an id under several names gets the first one only (as a ``CASE`` trying
    the names in order would); else one row per name it falls under.
    """
    own_rows = [
        exp.tuple_(exp.Literal.number(i), exp.Literal.number(rank))
        for rank, key in enumerate(names.values())
        for i in concept_ids(key)
    ]

    def own() -> exp.Values:
        return exp.Values(
            expressions=[row.copy() for row in own_rows],
            alias=exp.TableAlias(
                this=exp.to_identifier("own"),
                columns=[exp.to_identifier("concept_id"), exp.to_identifier("rank")],
            ),
        )

    descendants = (
        exp.select(col("descendant_concept_id", "a").as_("concept_id"), col("rank", "own"))
        .from_(exp.table_("concept_ancestor", alias="a"), copy=False)
        .join(own(), on=col("ancestor_concept_id", "a").eq(col("concept_id", "own")), copy=False)
    )
    every = exp.union(
        exp.select(col("concept_id"), col("rank")).from_(own(), copy=False),
        descendants,
        distinct=not first,
        copy=False,
    )
    rank = exp.Min(this=col("rank")) if first else col("rank")
    chosen = exp.select(col("concept_id"), rank.as_("rank", copy=False)).from_(
        every.subquery("every", copy=False), copy=False
    )
    if first:
        chosen = chosen.group_by(col("concept_id"), copy=False)
    tag = case(
        [
            (col("rank").eq(exp.Literal.number(n)), exp.Literal.string(name))
            for n, name in enumerate(names)
        ]
    )
    return exp.select(col("concept_id"), tag.as_("tag", copy=False)).from_(
        chosen.subquery("chosen", copy=False), copy=False
    )


def tagged_rows(
    build: Build,
    names: dict[str, str],
    lookback: timedelta,
    *,
    birth: bool = False,
    first: bool = True,
    only: Sequence[str] = (),
) -> exp.Select:
    """:func:`window_rows` of the concepts ``names`` maps to, each with its name as ``kind``.

    One join to :func:`concept_tags` both selects and tags the rows (a
    ``CASE`` of ``IN`` subqueries cost one semi join per name on every row:
    HScore's ten names over 7 million rows at 1M persons). With ``first``
    each row has the first name its concept falls under; else a row is
    repeated for each. ``only`` keeps the rows of those names (after the
    first name is chosen among all).
    """
    rows = window_rows(build, list(names.values()), lookback, birth=birth, concepts=False)
    tags_query = concept_tags(names, first=first)
    if only:
        tags_query = exp.select("*").from_(tags_query.subquery("named", copy=False), copy=False)
        tags_query = tags_query.where(
            col("tag").isin(*[exp.Literal.string(name) for name in only]), copy=False
        )
    tags = tags_query.subquery("tags", copy=False)
    # A row whose value cannot be used is no value of the window (PatientRecord.window).
    value, unit, tag = (
        col("value_as_number", "m"),
        col("unit_source_value", "m"),
        col("tag", "tags"),
    )
    usable = case(
        [
            (tag.copy().eq(exp.Literal.string(name)), plausible(key, value, unit))
            for name, key in names.items()
        ],
        exp.false(),
    )
    return (
        rows.select(tag.as_("kind", copy=False), copy=False)
        .join(tags, on=col("concept_id", "tags").eq(col("measurement_concept_id", "m")), copy=False)
        .where(usable, copy=False)
    )


def at_one_time(
    build: Build, keys: dict[str, str], lookback: timedelta, columns: Sequence[exp.Expr]
) -> exp.Select:
    """Per person and time: ``columns`` aggregated over the inputs ``keys`` measured then.

    The window rows of the concepts in ``keys`` (name → concept key) carry
    ``kind`` (the name, :func:`tagged_rows`) and ``rn`` (1 on the last row of a kind
    at a time, by row id), so that ``columns`` can pick each input measured
    together (a blood pressure, an ECG, a Glasgow score) with
    :func:`last_of_kind`.
    """
    tagged = tagged_rows(build, keys, lookback)
    last = exp.Window(
        this=exp.RowNumber(),
        partition_by=[col("person_id"), col("time"), col("kind")],
        order=exp.Order(expressions=[exp.Ordered(this=col("row_id"), desc=True)]),
    )
    ranked = exp.select("*", last.as_("rn", copy=False)).from_(
        tagged.subquery("tagged", copy=False), copy=False
    )
    return (
        exp.select(col("person_id"), col("time"), *columns)
        .from_(ranked.subquery("ranked", copy=False), copy=False)
        .group_by(col("person_id"), col("time"), copy=False)
    )


def last_of_kind(name: str) -> exp.Expr:
    """In :func:`at_one_time`'s ``columns``: the row is the last of input ``name`` at its time."""
    return and_(col("kind").eq(exp.Literal.string(name)), col("rn").eq(1))
