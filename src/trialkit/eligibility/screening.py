"""Screening one patient against a protocol: every criterion, the verdict, the next checks.

The verdict follows from the criteria in Kleene logic: *ineligible* when an
inclusion criterion is not met or an exclusion criterion is met; *eligible*
when every inclusion criterion is met and every exclusion criterion is not;
otherwise *undetermined*. The next checks are the missing data of the unknown
criteria, most decisive first; when the patient is already ineligible no
missing datum can change the verdict, and the list is empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from trialkit.eligibility.evaluate import Context, Missing, Outcome, evaluate
from trialkit.eligibility.logic import Truth
from trialkit.protocol.model import Criterion, CriterionKind, Protocol
from trialkit.record import PatientRecord

__all__ = [
    "CriterionResult",
    "NextCheck",
    "Screening",
    "Verdict",
    "rank",
    "screen",
    "screen_all",
]


class Verdict(StrEnum):
    """The answer to "can this patient enter the trial?"."""

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    UNDETERMINED = "undetermined"


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """One criterion's status for the patient, with the outcome of its rule."""

    criterion: Criterion
    outcome: Outcome

    @property
    def status(self) -> Truth:
        """met / not_met / unknown: the truth of the criterion's statement."""
        return self.outcome.truth

    @property
    def passes(self) -> bool | None:
        """Whether the patient passes it (an exclusion passes when not met); None when unknown."""
        if self.status is Truth.UNKNOWN:
            return None
        met = self.status is Truth.TRUE
        return met if self.criterion.kind is CriterionKind.INCLUSION else not met


@dataclass(frozen=True, slots=True)
class NextCheck:
    """A missing datum and the unknown criteria it would help decide."""

    item: str
    detail: str
    criteria: tuple[str, ...]
    decides: tuple[str, ...]
    """Criteria for which this is the only missing datum."""


@dataclass(frozen=True, slots=True)
class Screening:
    """A patient screened against one protocol at one index time."""

    protocol: Protocol
    record: PatientRecord
    at: datetime
    verdict: Verdict
    criteria: tuple[CriterionResult, ...]
    next_checks: tuple[NextCheck, ...]

    def count(self, status: Truth) -> int:
        """How many criteria have ``status``."""
        return sum(1 for c in self.criteria if c.status is status)


def screen(
    protocol: Protocol, record: PatientRecord, at: datetime, context: Context | None = None
) -> Screening:
    """Screen ``record`` against ``protocol`` as of the index time ``at``.

    ``context`` (for this record and time) lets several protocols share the
    scores computed once; see :func:`screen_all`.
    """
    if context is None:
        context = Context(record, at)
    elif context.origin is not record or context.at != at:
        raise ValueError("the context belongs to another record or index time")
    results = tuple(CriterionResult(c, evaluate(c.rule, context)) for c in protocol.criteria)
    verdict = _verdict(results)
    checks = () if verdict is Verdict.INELIGIBLE else next_checks(results)
    return Screening(protocol, record, at, verdict, results, checks)


def screen_all(
    protocols: Iterable[Protocol], record: PatientRecord, at: datetime
) -> tuple[Screening, ...]:
    """Screen one patient against several protocols, ranked (see :func:`rank`)."""
    context = Context(record, at)
    return rank(screen(p, record, at, context) for p in protocols)


def _verdict(results: Iterable[CriterionResult]) -> Verdict:
    passes = [r.passes for r in results]
    if False in passes:
        return Verdict.INELIGIBLE
    if None in passes:
        return Verdict.UNDETERMINED
    return Verdict.ELIGIBLE


def next_checks(results: Iterable[CriterionResult]) -> tuple[NextCheck, ...]:
    """The missing data of the unknown criteria, most decisive first.

    An item that is the only gap of a criterion comes before one that is not
    (it decides that criterion by itself); then items that more criteria need;
    then the protocol's order.
    """
    found: dict[str, tuple[Missing, list[str], list[str]]] = {}
    for result in results:
        if result.status is not Truth.UNKNOWN:
            continue
        gaps = result.outcome.missing
        for gap in gaps:
            _, criteria, decides = found.setdefault(gap.item, (gap, [], []))
            if result.criterion.id not in criteria:
                criteria.append(result.criterion.id)
            if len({g.item for g in gaps}) == 1:
                decides.append(result.criterion.id)
    order = list(found)
    ranked = sorted(
        found.values(),
        key=lambda entry: (-len(entry[2]), -len(entry[1]), order.index(entry[0].item)),
    )
    return tuple(
        NextCheck(gap.item, gap.detail, tuple(criteria), tuple(decides))
        for gap, criteria, decides in ranked
    )


def rank(screenings: Iterable[Screening]) -> tuple[Screening, ...]:
    """Eligible first, then undetermined by fewest missing items, then ineligible."""
    weight = {Verdict.ELIGIBLE: 0, Verdict.UNDETERMINED: 1, Verdict.INELIGIBLE: 2}
    order = sorted(
        enumerate(screenings),
        key=lambda item: (weight[item[1].verdict], len(item[1].next_checks), item[0]),
    )
    return tuple(s for _, s in order)
