"""Bad input to trialkit.analysis raises TrialkitInputError naming the argument and the reason."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import trialkit.analysis
from trialkit.analysis import (
    cumulative_incidence,
    fisher_exact,
    gray_test,
    kaplan_meier,
    number_at_risk,
    proportion,
    summarise,
)
from trialkit.errors import TrialkitInputError


@pytest.mark.parametrize(
    ("times", "events", "message"),
    [
        ([1, -2, 3], [1, 0, 1], r"times\[1\]=-2.0: a time must be 0 or more"),
        ([1, float("nan"), 3], [1, 0, 1], r"times\[1\] is NaN"),
        (np.array([1.0, np.inf]), [1, 0], r"times\[1\]=inf: a time must be finite"),
        ([1, "2", 3], [1, 0, 1], r"times\[1\]='2': must be a number"),
        ([1, 2, 3], [1, 0], r"events: has 2 values but times has 3"),
        (
            [1, 2],
            [1, 2],
            r"events\[1\]=2: unknown event code \(expected 0 = censored or 1 = event\)",
        ),
        ([1, 2], [1, float("nan")], r"events\[1\] is NaN"),
        ([1, 2], [1, 0.5], r"events\[1\]=0.5: must be a whole-number code"),
        ([], [], r"times: is empty"),
        ("12", [1], r"times='12': must be a sequence"),
        (np.ones((2, 2)), [1, 0], r"times: must be one-dimensional"),
    ],
)
def test_kaplan_meier_refuses(times: Any, events: Any, message: str) -> None:
    with pytest.raises(TrialkitInputError, match=message):
        kaplan_meier(times, events)


def test_kaplan_meier_refuses_a_bad_level_or_interval() -> None:
    with pytest.raises(TrialkitInputError, match=r"level=1.5: must be a number strictly between"):
        kaplan_meier([1], [1], level=1.5)
    with pytest.raises(TrialkitInputError, match=r"conf_type='logit': must be one of"):
        kaplan_meier([1], [1], conf_type="logit")  # type: ignore[arg-type]


def test_cumulative_incidence_refuses_an_unknown_cause() -> None:
    with pytest.raises(
        TrialkitInputError,
        match=r"events\[2\]=3: unknown event code \(expected 0 = censored or a cause among \[1, 2\]\)",
    ):
        cumulative_incidence([1, 2, 3], [1, 2, 3], causes=[1, 2])
    with pytest.raises(TrialkitInputError, match=r"the censoring code 0 cannot be a cause"):
        cumulative_incidence([1, 2], [1, 0], causes=[0, 1])
    with pytest.raises(TrialkitInputError, match=r"cause=3: not among the causes \[1\]"):
        cumulative_incidence([1, 2], [1, 0]).of(3)


def test_cumulative_incidence_with_listed_causes_keeps_a_cause_without_events() -> None:
    result = cumulative_incidence([1, 2], [1, 0], causes=[2, 1])
    assert result.causes == (1, 2)
    assert result.of(2)[0].tolist() == [0.0, 0.0]


def test_gray_test_refuses() -> None:
    with pytest.raises(TrialkitInputError, match=r"groups: only one group \('a'\)"):
        gray_test([1, 2], [1, 0], ["a", "a"], cause=1)
    with pytest.raises(TrialkitInputError, match=r"groups: has 1 values but times has 2"):
        gray_test([1, 2], [1, 0], ["a"], cause=1)
    with pytest.raises(TrialkitInputError, match=r"groups\[1\] is missing"):
        gray_test([1, 2], [1, 0], ["a", None], cause=1)
    with pytest.raises(TrialkitInputError, match=r"cause=0: must be an integer code other than"):
        gray_test([1, 2], [1, 0], ["a", "b"], cause=0)
    with pytest.raises(TrialkitInputError, match=r"groups: labels of different kinds"):
        gray_test([1, 2], [1, 0], ["a", 1], cause=1)
    with pytest.raises(TrialkitInputError, match=r"strata: has 1 values but times has 2"):
        gray_test([1, 2], [1, 0], ["a", "b"], cause=1, strata=[1])


def test_gray_test_without_events_of_the_cause_has_no_statistic() -> None:
    found = gray_test([1, 2, 3], [2, 0, 2], [1, 2, 2], cause=1)
    assert np.isnan(found.statistic)
    assert np.isnan(found.p_value)


def test_gray_test_with_an_infinite_weight_has_no_statistic() -> None:
    # rho < 0 and the pooled estimate reaches 1 in a stratum: (1 - F)^rho is infinite
    # (cmprsk::cuminc stops with "NA/NaN/Inf in foreign function call" here).
    found = gray_test(
        [2.0, 2.5, 0.5, 0.0, 1.5, 0.5],
        [1, 1, 2, 0, 2, 2],
        [2, 1, 2, 1, 1, 3],
        cause=2,
        rho=-0.5,
        strata=[0, 1, 1, 0, 1, 1],
    )
    assert np.isnan(found.statistic)
    assert np.isnan(found.p_value)


def test_number_at_risk_refuses_a_negative_time() -> None:
    with pytest.raises(TrialkitInputError, match=r"at\[0\]=-1.0: a time must be 0 or more"):
        number_at_risk([1, 2], [-1])


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([[1, 2], [3]], r"must be 2x2"),
        ([[1, 2], [3, -1]], r"table\[1\]\[1\]=-1: must be a whole number of subjects"),
        ([[1, 2.5], [3, 1]], r"table\[0\]\[1\]=2.5"),
    ],
)
def test_fisher_refuses(table: Any, message: str) -> None:
    with pytest.raises(TrialkitInputError, match=message):
        fisher_exact(table)


def test_proportion_refuses_more_responses_than_patients() -> None:
    with pytest.raises(TrialkitInputError, match=r"x=10 must be between 0 and 9"):
        proportion(10, 9)


def test_summary_counts_missing_and_refuses_the_rest() -> None:
    found = summarise([1.0, None, float("nan"), 3.0])
    assert (found.n, found.missing, found.mean) == (2, 2, 2.0)
    empty = summarise([None])
    assert empty.n == 0 and np.isnan(empty.mean)
    with pytest.raises(TrialkitInputError, match=r"values\[1\]=inf: must be finite"):
        summarise([1.0, float("inf")])
    with pytest.raises(TrialkitInputError, match=r"values\[0\]='a': must be a number or None"):
        summarise(["a"])  # type: ignore[list-item]


def test_results_are_read_only() -> None:
    curve = kaplan_meier([1, 2], [1, 0])
    with pytest.raises(ValueError, match="read-only"):
        curve.survival[0] = 0.0
    result = cumulative_incidence([1, 2], [1, 2])
    with pytest.raises(ValueError, match="read-only"):
        result.estimate[0, 0] = 0.0


def test_public_names() -> None:
    assert sorted(trialkit.analysis.__all__) == sorted(
        [
            "ConfType",
            "ConfidenceInterval",
            "CumulativeIncidence",
            "FisherTest",
            "GrayTest",
            "KaplanMeier",
            "MedianSurvival",
            "Proportion",
            "Summary",
            "TrialInference",
            "clopper_pearson",
            "cumulative_incidence",
            "fisher_exact",
            "gray_test",
            "kaplan_meier",
            "median_survival",
            "number_at_risk",
            "plot_adverse_event_grades",
            "plot_cumulative_incidence",
            "plot_kaplan_meier",
            "plot_simon_enrolment",
            "plot_swimmer",
            "plot_trajectories",
            "proportion",
            "save_figure",
            "single_stage_inference",
            "summarise",
            "survival_at",
            "two_stage_inference",
        ]
    )
    for name in trialkit.analysis.__all__:
        assert hasattr(trialkit.analysis, name)


def test_two_stage_inference_is_designs_own() -> None:
    # reused, never re-implemented (one concept in one place)
    import trialkit.design.inference as inference

    assert trialkit.analysis.two_stage_inference is inference.two_stage_inference
    assert trialkit.analysis.clopper_pearson is inference.clopper_pearson
    assert trialkit.analysis.single_stage_inference is inference.single_stage_inference
