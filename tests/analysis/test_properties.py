"""Properties of the Aalen–Johansen estimate that hold for any data (hypothesis).

(a) the cumulative incidences of all causes plus the Kaplan–Meier survival of any
event sum to 1 at every time; (b) the estimate, its variance and Gray's test do not
depend on the order of the records (ties between causes included).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from strategies import competing_risks
from trialkit.analysis import cumulative_incidence, gray_test, kaplan_meier

Data = tuple[list[float], list[int], list[int]]


@given(competing_risks())
def test_incidences_and_survival_sum_to_one(data: Data) -> None:
    times, events, _ = data
    result = cumulative_incidence(times, events)
    total = result.estimate.sum(axis=1) + result.survival
    assert np.allclose(total, 1.0, rtol=0, atol=1e-12)
    # the survival is the Kaplan–Meier of "any event", computed on its own
    any_event = kaplan_meier(times, [int(e != 0) for e in events])
    assert np.array_equal(any_event.time, result.time)
    assert np.allclose(any_event.survival, result.survival, rtol=0, atol=1e-14)


@given(competing_risks())
def test_each_incidence_is_a_nondecreasing_probability(data: Data) -> None:
    times, events, _ = data
    result = cumulative_incidence(times, events)
    assert ((result.estimate >= 0) & (result.estimate <= 1 + 1e-15)).all()
    assert (np.diff(result.estimate, axis=0) >= 0).all()
    assert (result.variance >= -1e-15).all()


@given(competing_risks(), st.randoms(use_true_random=False))
def test_the_estimate_does_not_depend_on_the_order_of_records(data: Data, random: object) -> None:
    times, events, groups = data
    order = list(range(len(times)))
    random.shuffle(order)  # type: ignore[attr-defined]
    shuffled = [times[i] for i in order], [events[i] for i in order], [groups[i] for i in order]
    first = cumulative_incidence(times, events)
    second = cumulative_incidence(shuffled[0], shuffled[1])
    assert first.causes == second.causes
    assert np.array_equal(first.time, second.time)
    assert np.array_equal(first.estimate, second.estimate)
    assert np.array_equal(first.variance, second.variance)
    if len(set(groups)) == 2 and first.causes:
        cause = first.causes[0]
        one = gray_test(times, events, groups, cause=cause)
        two = gray_test(*shuffled, cause=cause)
        assert np.isnan(one.statistic) == np.isnan(two.statistic)
        if not np.isnan(one.statistic):
            assert abs(one.statistic - two.statistic) <= 1e-9 * max(1.0, one.statistic)


def test_a_censoring_tied_with_an_event_is_at_risk_at_its_time() -> None:
    # R's convention (survfit, cuminc): at t=1, 3 at risk, the censored subject among them.
    # Moving the event just after the censoring (as a jitter may) would give 1/2 instead.
    exact = cumulative_incidence([1, 1, 2], [1, 0, 1])
    assert exact.of(1)[0].tolist() == [1 / 3, 1.0]
    jittered = cumulative_incidence([1.001, 1, 2], [1, 0, 1])
    assert jittered.of(1)[0].tolist() == [0.0, 1 / 2, 1.0]


@given(competing_risks(causes=2), st.lists(st.integers(1, 3), min_size=40, max_size=40))
def test_grays_test_is_a_chi_square_or_negative_with_p_1_or_undefined(
    data: Data, labels: list[int]
) -> None:
    times, events, _ = data
    groups = labels[: len(times)]
    if len(set(groups)) < 2:
        return
    strata = [int(t) % 2 for t in times]
    for cause in (1, 2):
        found = gray_test(times, events, groups, cause=cause, rho=1.0, strata=strata)
        assert found.df == len(set(groups)) - 1
        if np.isnan(found.statistic):
            assert np.isnan(found.p_value)
        else:
            # an indefinite variance estimate in a tiny sample gives a negative statistic, as
            # cmprsk reports it (GrayTest's docstring): its p-value is then 1
            assert 0.0 <= found.p_value <= 1.0
            if found.statistic < 0:
                assert found.p_value == 1.0
