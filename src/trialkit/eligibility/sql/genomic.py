"""``gene`` nodes: a genomic alteration among the person's molecular results.

The bridge writes one ``observation`` row per gene of a finding, with the
alteration type in ``qualifier_source_value`` (``mutation``, ``fusion``, ...)
and the one-letter protein change in ``value_as_string``. A result at or
before the index in one of the node's genes, of an allowed type, with a
matching protein change is TRUE; results without a match are FALSE; no
molecular result at all is NULL (``_genomic``).

Protein changes: ``Y931C`` matches exactly; ``F958`` (a residue, no new amino
acid) matches any change at that residue: the text starts with it and the next
character is not a digit.
"""

from __future__ import annotations

from sqlglot import exp

from trialkit.eligibility.sql.build import (
    Build,
    and_,
    at_or_before,
    case,
    col,
    count_if,
    in_concepts,
    not_,
    or_,
    timestamp_of,
)
from trialkit.protocol.criteria import Genomic
from trialkit.record import AlterationType

__all__ = ["compile_genomic"]

_DIGITS = tuple(str(d) for d in range(10))


def _change_matches(change: exp.Expr, wanted: str) -> exp.Expr:
    exact = change.copy().eq(exp.Literal.string(wanted))
    if not wanted[-1].isdigit():
        return exact
    size = len(wanted)
    prefix = exp.Substring(
        this=change.copy(), start=exp.Literal.number(1), length=exp.Literal.number(size)
    ).eq(exp.Literal.string(wanted))
    after = exp.Substring(
        this=change.copy(), start=exp.Literal.number(size + 1), length=exp.Literal.number(1)
    )
    next_is_digit = after.isin(*(exp.Literal.string(d) for d in _DIGITS))
    return or_(exact, and_(prefix, not_(next_is_digit)))


def compile_genomic(node: Genomic, build: Build, path: str) -> exp.Expr:
    """The truth of a ``gene`` node."""
    qualifier = col("qualifier_source_value", "o")
    time = timestamp_of("o", "observation_datetime", "observation_date")
    conditions: list[exp.Expr] = [in_concepts(col("observation_concept_id", "o"), node.gene)]
    if node.alteration is not None:
        conditions.append(
            qualifier.copy().isin(*(exp.Literal.string(a.value) for a in node.alteration))
        )
    if node.protein_change is not None:
        change = col("value_as_string", "o")
        conditions.append(or_(*(_change_matches(change, w) for w in node.protein_change)))
    matched = exp.func("COALESCE", and_(*conditions), exp.false())
    query = (
        exp.select(
            col("person_id", "o"),
            count_if(matched).as_("matched", copy=False),
            exp.Max(this=case([(matched.copy(), time.copy())])).as_("matched_time", copy=False),
            exp.Count(this=exp.Star()).as_("results", copy=False),
        )
        .from_(exp.table_("observation", alias="o"), copy=False)
        .where(
            and_(
                qualifier.copy().isin(*(exp.Literal.string(a.value) for a in AlterationType)),
                at_or_before(time, build.index),
            ),
            copy=False,
        )
        .group_by(col("person_id", "o"), copy=False)
    )
    name = build.cte("genomic", query)
    build.explain(path, "genomic", [("matched_time", col("matched_time", name))])
    return case(
        [
            (exp.GT(this=col("matched", name), expression=exp.Literal.number(0)), exp.true()),
            (exp.GT(this=col("results", name), expression=exp.Literal.number(0)), exp.false()),
        ]
    )
