"""What nothing recorded means in SQL: a history stated complete, and unrecognised rows.

As the evaluator's ``_none_recorded``: a drug, procedure, diagnosis or drug
allergy that is not recorded is FALSE only where the latest statement closing
its history (a statement of absence, or ``attestation.treatment_history_reviewed``
for drugs and procedures) at or before the index is Yes, and no row of that
history with a concept trialkit does not know may fall in the window; otherwise
NULL. Unrecognised rows are those whose concept is not a vocabulary concept of
any kind nor a descendant of one (``concept_id`` 0, "No matching concept",
included): ``drug_exposure`` for medications, ``procedure_occurrence``
for procedures, and ``condition_occurrence`` for both the problem list and the
drug-allergy history (OMOP keeps allergies among conditions or observations, so
an unmapped condition may be either; the evaluator counts both alike).
"""

from __future__ import annotations

from functools import cache

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
from trialkit.eligibility.sql.events import diagnosis_cte
from trialkit.vocab import History, Kind, vocabulary

__all__ = ["none_recorded", "unrecognised_kinds"]

# table, alias, concept column, start (datetime, date), end (datetime, date) or None
_TABLES: dict[History, tuple[str, str, str, tuple[str, str], tuple[str, str] | None]] = {
    History.MEDICATIONS: (
        "drug_exposure",
        "d",
        "drug_concept_id",
        ("drug_exposure_start_datetime", "drug_exposure_start_date"),
        ("drug_exposure_end_datetime", "drug_exposure_end_date"),
    ),
    History.PROCEDURES: (
        "procedure_occurrence",
        "p",
        "procedure_concept_id",
        ("procedure_datetime", "procedure_date"),
        ("procedure_end_datetime", "procedure_end_date"),
    ),
    History.PROBLEMS: (
        "condition_occurrence",
        "c",
        "condition_concept_id",
        ("condition_start_datetime", "condition_start_date"),
        None,
    ),
}
_TABLES[History.ALLERGIES] = _TABLES[History.PROBLEMS]
_TABLES[History.PAST_PROBLEMS] = _TABLES[History.PROBLEMS]


def unrecognised_kinds(history: History) -> str:
    """The OMOP table whose unrecognised rows may belong to ``history``."""
    return _TABLES[history][0]


@cache
def _known() -> tuple[str, ...]:
    """Every vocabulary concept: a row of any of them is read (a Condition may hold a finding)."""
    return tuple(key for key, item in vocabulary().items() if item.kind is not Kind.GENE)


def _unrecognised(build: Build, history: History, complete: frozenset[str]) -> str:
    """Per person: unrecognised rows of the history's table at or before the index.

    Columns ``unread`` (how many) and ``unread_until`` (the latest end, the index
    for a row still going on, so that a window's start can be compared). Rows whose
    source value is a code of a system in ``complete`` (where the vocabulary lists
    every code of the concept asked: ICD-10, as ``system|code`` the bridge writes)
    cannot be it and are left out.
    """
    table, alias, column, start_cols, end_cols = _TABLES[history]
    key = f"unrecognised|{table}|{','.join(sorted(complete))}"
    found = build.find(key)
    if found is not None:  # built once per table: its IN list holds every vocabulary concept
        return found
    start = timestamp_of(alias, *start_cols)
    if end_cols is None:
        until: exp.Expr = build.index.copy()
    elif table == "drug_exposure":
        # An ongoing exposure has no verbatim end (the end date is the extract time).
        until = case(
            [(col("verbatim_end_date", alias).is_(exp.null()), build.index.copy())],
            timestamp_of(alias, *end_cols),
        )
    else:
        until = exp.func("COALESCE", timestamp_of(alias, *end_cols), build.index.copy())
    query = (
        exp.select(
            col("person_id", alias),
            count_if(exp.true()).as_("unread", copy=False),
            exp.Max(this=until).as_("unread_until", copy=False),
        )
        .from_(exp.table_(table, alias=alias), copy=False)
        .where(
            and_(
                not_(in_concepts(col(column, alias), _known())),
                at_or_before(start, build.index),
                *_not_in_systems(col(_SOURCE[table], alias), complete),
            ),
            copy=False,
        )
        .group_by(col("person_id", alias), copy=False)
    )
    return build.cte("unrecognised", query, key=key)


_SOURCE = {
    "drug_exposure": "drug_source_value",
    "procedure_occurrence": "procedure_source_value",
    "condition_occurrence": "condition_source_value",
}


def _not_in_systems(source: exp.Expr, systems: frozenset[str]) -> list[exp.Expr]:
    """``source`` is not a ``system|code`` of one of ``systems`` (NULL source: kept)."""
    return [
        not_(
            exp.func(
                "COALESCE",
                exp.Like(this=source.copy(), expression=exp.Literal.string(f"{system}|%")),
                exp.false(),
            )
        )
        for system in sorted(systems)
    ]


def none_recorded(
    build: Build,
    histories: History | tuple[History, ...],
    since: exp.Expr | None = None,
    asked: str | None = None,
) -> exp.Expr:
    """FALSE where each history is stated complete and no unrecognised row may be in it; else NULL.

    ``since`` is the start of the window the node asks about (None: any time);
    ``asked`` the concept, whose completely listed code systems rule rows out.
    """
    if isinstance(histories, History):
        histories = (histories,)
    closed = and_(*(_closed(build, history) for history in histories))
    # The histories of one node read one table (diagnoses: condition_occurrence).
    complete = frozenset() if asked is None else vocabulary().coded_completely(asked)
    name = _unrecognised(build, histories[0], complete)
    unread: exp.Expr = exp.GT(
        this=exp.func("COALESCE", col("unread", name), exp.Literal.number(0)),
        expression=exp.Literal.number(0),
    )
    if since is not None:
        unread = and_(unread, exp.GTE(this=col("unread_until", name), expression=since))
    return case([(and_(closed, not_(unread)), exp.false())])


def _closed(build: Build, history: History) -> exp.Expr:
    """TRUE when the latest of any statement closing ``history`` is Yes."""
    statements = [col("answer", diagnosis_cte(build, key)) for key in vocabulary().closing(history)]
    return or_(*statements) if len(statements) > 1 else statements[0]
