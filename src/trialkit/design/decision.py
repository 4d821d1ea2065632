"""Interim and final decisions of a two-stage design, each with the reason in words.

Rules (Simon 1989; the convention of :mod:`trialkit.design.two_stage`):

* after stage 1, with ``x1`` responses among ``n1`` patients: stop for futility if
  ``x1 <= r1``, else continue and enrol ``n2 = n - n1`` more patients;
* after stage 2, with ``x2`` responses among the ``n2``: the treatment is promising
  (H0: p <= p0 rejected) if ``x1 + x2 > r``, else not promising.

The design has no early stop for efficacy, so reaching ``r + 1`` responses during stage 2
does not end the trial here. Counts that cannot happen under the design (more responses
than patients, stage-2 data after a futility stop) raise
:class:`trialkit.errors.DesignInputError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from trialkit.design.two_stage import TwoStageDesign
from trialkit.errors import DesignInputError

__all__ = ["Decision", "Outcome", "decide", "final_decision", "interim_decision"]


class Outcome(StrEnum):
    """What the design says to do."""

    CONTINUE = "continue"
    STOP_FOR_FUTILITY = "stop_for_futility"
    PROMISING = "promising"
    NOT_PROMISING = "not_promising"


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision of the design, at ``stage`` 1 (interim) or 2 (final), and why."""

    outcome: Outcome
    stage: int
    responses: int
    patients: int
    reason: str


def _count(name: str, value: object, patients: int, who: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DesignInputError(f"{name}={value!r} must be a whole number of responses")
    if value < 0:
        raise DesignInputError(f"{name}={value} must not be negative")
    if value > patients:
        raise DesignInputError(f"{name}={value} responses exceed the {who}={patients} patients")
    return value


def interim_decision(design: TwoStageDesign, x1: int) -> Decision:
    """The decision after stage 1, with ``x1`` responses among the ``n1`` patients."""
    x1 = _count("x1", x1, design.n1, "n1")
    if x1 <= design.r1:
        return Decision(
            Outcome.STOP_FOR_FUTILITY,
            1,
            x1,
            design.n1,
            f"x1={x1} responses among the n1={design.n1} stage-1 patients is at most "
            f"r1={design.r1}: stop for futility (the treatment is not promising)",
        )
    return Decision(
        Outcome.CONTINUE,
        1,
        x1,
        design.n1,
        f"x1={x1} responses among the n1={design.n1} stage-1 patients is more than "
        f"r1={design.r1}: continue and enrol the n2={design.n2} stage-2 patients; the "
        f"treatment will be promising if the total over n={design.n} is more than r={design.r}",
    )


def final_decision(design: TwoStageDesign, x1: int, x2: int) -> Decision:
    """The decision after stage 2, with ``x1`` and ``x2`` responses in stages 1 and 2."""
    interim = interim_decision(design, x1)
    if interim.outcome is Outcome.STOP_FOR_FUTILITY:
        raise DesignInputError(
            f"x2={x2!r} given, but the trial stops after stage 1: x1={x1} is at most r1={design.r1}"
        )
    x2 = _count("x2", x2, design.n2, "n2")
    total = x1 + x2
    if total > design.r:
        return Decision(
            Outcome.PROMISING,
            2,
            total,
            design.n,
            f"total={total} responses among the n={design.n} patients is more than "
            f"r={design.r}: the treatment is promising (H0: p <= p0 rejected)",
        )
    return Decision(
        Outcome.NOT_PROMISING,
        2,
        total,
        design.n,
        f"total={total} responses among the n={design.n} patients is at most r={design.r}: "
        "the treatment is not promising (H0: p <= p0 not rejected)",
    )


def decide(design: TwoStageDesign, x1: int, x2: int | None = None) -> Decision:
    """The interim decision if ``x2`` is ``None``, else the final decision."""
    return interim_decision(design, x1) if x2 is None else final_decision(design, x1, x2)
