"""Screening one patient against a protocol: every criterion, the verdict, the next checks.

A patient who had died at or before the index time is *ineligible*, whatever
the criteria say (:class:`Death`: trialkit's rule for every protocol, the same
in the SQL compiler). Otherwise the verdict follows from the criteria in
Kleene logic: *ineligible* when an inclusion criterion is not met or an
exclusion criterion is met; *eligible* when every inclusion criterion is met
and every exclusion criterion is not; otherwise *undetermined*. The next
checks are the missing data of the unknown criteria, most decisive first;
when the patient is already ineligible no missing datum can change the
verdict, and the list is empty.
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
    "Death",
    "NextCheck",
    "Screening",
    "Verdict",
    "rank",
    "screen",
    "screen_all",
    "verdict_of",
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
class Death:
    """The patient's death at or before the index time: never eligible, for any protocol.

    A protocol screens the living; no trial enrols a patient who has died,
    and no criterion needs to say so. ``time`` is None when the record says
    the patient died without a date (FHIR ``deceasedBoolean``), which counts
    at any index time.
    """

    time: datetime | None

    @property
    def reason(self) -> str:
        """One line: why the verdict is ineligible."""
        if self.time is None:
            return "recorded as deceased (no date): never eligible"
        return f"died {self.time.isoformat()}, at or before the index time: never eligible"

    @staticmethod
    def of(record: PatientRecord, at: datetime) -> Death | None:
        """The record's death if it happened at or before ``at``, else None."""
        if not record.died_by(at):
            return None
        return Death(None if record.deceased_undated else record.deceased)


@dataclass(frozen=True, slots=True)
class Screening:
    """A patient screened against one protocol at one index time."""

    protocol: Protocol
    record: PatientRecord
    at: datetime
    verdict: Verdict
    criteria: tuple[CriterionResult, ...]
    next_checks: tuple[NextCheck, ...]
    death: Death | None = None
    """The death that makes the verdict ineligible, if the patient had died by ``at``."""

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
    death = Death.of(record, at)
    verdict = verdict_of(results, death)
    checks = () if verdict is Verdict.INELIGIBLE else next_checks(results)
    return Screening(protocol, record, at, verdict, results, checks, death)


def screen_all(
    protocols: Iterable[Protocol], record: PatientRecord, at: datetime
) -> tuple[Screening, ...]:
    """Screen one patient against several protocols, ranked (see :func:`rank`)."""
    context = Context(record, at)
    return rank(screen(p, record, at, context) for p in protocols)


def verdict_of(results: Iterable[CriterionResult], death: Death | None = None) -> Verdict:
    """The verdict of the criteria's results, for a patient alive at the index time or not."""
    if death is not None:
        return Verdict.INELIGIBLE
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
