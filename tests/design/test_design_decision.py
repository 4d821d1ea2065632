"""Interim and final decisions of a two-stage design, and inconsistent counts."""

from __future__ import annotations

import pytest

from trialkit.design import Outcome, TwoStageDesign, decide, final_decision, interim_decision
from trialkit.errors import DesignInputError

DESIGN = TwoStageDesign(3, 13, 12, 43)


def test_stop_for_futility_at_and_below_r1() -> None:
    for x1 in range(4):
        decision = interim_decision(DESIGN, x1)
        assert decision.outcome is Outcome.STOP_FOR_FUTILITY
        assert (decision.stage, decision.responses, decision.patients) == (1, x1, 13)
    assert "at most r1=3" in interim_decision(DESIGN, 3).reason


def test_continue_above_r1() -> None:
    decision = interim_decision(DESIGN, 4)
    assert decision.outcome is Outcome.CONTINUE
    assert "more than r1=3" in decision.reason
    assert "n2=30" in decision.reason


def test_final_decision_threshold_is_strict() -> None:
    at_r = final_decision(DESIGN, 4, 8)
    assert at_r.outcome is Outcome.NOT_PROMISING
    assert (at_r.stage, at_r.responses, at_r.patients) == (2, 12, 43)
    above_r = final_decision(DESIGN, 4, 9)
    assert above_r.outcome is Outcome.PROMISING
    assert "more than r=12" in above_r.reason


def test_decide_dispatches_on_stage_two_data() -> None:
    assert decide(DESIGN, 5).outcome is Outcome.CONTINUE
    assert decide(DESIGN, 5, 20).outcome is Outcome.PROMISING
    assert Outcome.STOP_FOR_FUTILITY.value == "stop_for_futility"


@pytest.mark.parametrize(
    ("x1", "x2", "message"),
    [
        (14, None, "x1=14 responses exceed the n1=13 patients"),
        (-1, None, "x1=-1 must not be negative"),
        (4, 31, "x2=31 responses exceed the n2=30 patients"),
        (2, 5, "x2=5 given, but the trial stops after stage 1"),
        (2.0, None, "x1=2.0 must be a whole number"),
        (True, None, "x1=True must be a whole number"),
    ],
)
def test_inconsistent_counts(x1: object, x2: object, message: str) -> None:
    with pytest.raises(DesignInputError, match=message):
        decide(DESIGN, x1, x2)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("boundaries", "message"),
    [
        ((3, 0, 12, 43), "n1=0 must be at least 1"),
        ((3, 43, 12, 43), "n=43 must be greater than n1=43"),
        ((13, 13, 20, 43), "r1=13 must be between 0 and n1-1=12"),
        ((3, 13, 2, 43), "r=2 must be between r1=3 and n-1=42"),
        ((3, 13, 43, 43), "r=43 must be between r1=3 and n-1=42"),
        ((3.0, 13, 12, 43), "r1=3.0 must be an integer"),
    ],
)
def test_invalid_design(boundaries: tuple[int, int, int, int], message: str) -> None:
    with pytest.raises(DesignInputError, match=message):
        TwoStageDesign(*boundaries)
