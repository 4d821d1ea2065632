"""Study-level estimates of endpoint values (trialkit.analysis.study): the right method per kind."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from trialkit.analysis.study import estimate_endpoints
from trialkit.design.inference import two_stage_inference
from trialkit.design.two_stage import TwoStageDesign
from trialkit.endpoints import CENSORED, EndpointValue, Subject
from trialkit.endpoints.dataset import EvaluatedSubject
from trialkit.protocol import builtin_protocol
from trialkit.protocol.endpoints import Yields
from trialkit.protocol.model import SimonDesignSpec

HSCT = "procedure.hsct_allogeneic"


def _subject(index: int, stage: int, status: str, days: int) -> EvaluatedSubject:
    start = date(2026, 1, 1) + timedelta(days=index)
    value = EndpointValue(
        Yields.TIME, "constructed", time=days, status=status, event=HSCT, date=start
    )
    subject = Subject(f"s{index:02d}", start, day1=start, stage=stage)
    return EvaluatedSubject(subject, None, {"survival_to_hsct": value}, {})


def test_r_hlh_gets_the_inference_after_its_simon_design_and_the_competing_risks() -> None:
    """R-HLH's response is reaching HSCT alive (its protocol file): a death before HSCT is a
    failure; the primary endpoint gets the stage-wise inference (Koyama & Chen 2008)."""
    protocol = builtin_protocol("r-hlh")
    design = protocol.design
    assert isinstance(design, SimonDesignSpec)
    statuses = ["death" if i % 5 == 4 else HSCT for i in range(design.n)]  # 1 in 5 dies first
    subjects = [
        _subject(i, 1 if i < design.n1 else 2, status, 30 + i) for i, status in enumerate(statuses)
    ]
    (estimate,) = estimate_endpoints(protocol, subjects)
    x1 = sum(1 for s in statuses[: design.n1] if s == HSCT)
    total = statuses.count(HSCT)
    expected = two_stage_inference(
        TwoStageDesign(design.r1, design.n1, design.r, design.n), x1, total, design.p0
    )
    assert estimate.inference == expected
    assert estimate.incidence is not None  # Aalen-Johansen, not Kaplan-Meier
    assert estimate.events == {HSCT: total, "death": design.n - total, CENSORED: 0}


def test_no_simon_inference_while_an_outcome_is_censored_or_a_stage_unknown() -> None:
    protocol = builtin_protocol("r-hlh")
    design = protocol.design
    assert isinstance(design, SimonDesignSpec)
    subjects = [_subject(i, 1 if i < design.n1 else 2, HSCT, 30) for i in range(design.n)]
    subjects[3] = _subject(3, 1, CENSORED, 12)
    assert estimate_endpoints(protocol, subjects)[0].inference is None
    unstaged = [
        EvaluatedSubject(Subject(s.subject.subject_id, s.subject.inclusion), None, s.values, {})
        for s in subjects
    ]
    assert estimate_endpoints(protocol, unstaged)[0].inference is None
    # stage 1 failed (x1 <= r1) yet stage 2 enrolled: the design's inference does not apply
    failed = [_subject(i, 1 if i < design.n1 else 2, "death", 30) for i in range(design.n)]
    assert estimate_endpoints(protocol, failed)[0].inference is None


@pytest.mark.parametrize("protocol_id", ["c-hlh", "jak-hs-icu", "rux-hlh-salvage"])
def test_a_design_that_is_not_simon_gets_no_two_stage_inference(protocol_id: str) -> None:
    assert not isinstance(builtin_protocol(protocol_id).design, SimonDesignSpec)
