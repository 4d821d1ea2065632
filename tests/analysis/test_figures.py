"""Which figure each endpoint gets in the report (trialkit.analysis.figures), on a simulated cohort."""

from __future__ import annotations

from pathlib import Path

from trialkit.analysis.figures import endpoint_figures
from trialkit.analysis.study import estimate_endpoints
from trialkit.endpoints.cohort import read_cohort
from trialkit.endpoints.dataset import evaluate_cohort
from trialkit.protocol import builtin_protocol
from trialkit.synth.trial import write_trial


def test_jak_hs_icu_figures(tmp_path: Path) -> None:
    write_trial("jak-hs-icu", 30, tmp_path, seed=3)
    protocol = builtin_protocol("jak-hs-icu")
    subjects = list(evaluate_cohort(protocol, read_cohort(tmp_path, tmp_path / "subjects.csv")))
    figures = {
        f.name: f
        for f in endpoint_figures(protocol, subjects, estimate_endpoints(protocol, subjects))
    }
    # one SOFA trajectory, with the days of every endpoint that reads SOFA (0, 7 and 28)
    (trajectory,) = [f for f in figures.values() if f.name.endswith("sofa.trajectories")]
    days = {round(x) for line in trajectory.figure.axes[0].get_lines() for x in line.get_xdata()}
    assert days == {0, 7, 28}
    # the adverse-event grades once, for the count without a grade or seriousness filter
    assert [n for n in figures if n.endswith(".grades")] == ["adverse-events.any.grades"]
    assert "overall-survival-m6.km" in figures  # a time to event without competing events


def test_a_competing_event_is_drawn_as_cumulative_incidence(tmp_path: Path) -> None:
    write_trial("r-hlh", 20, tmp_path, seed=1)
    protocol = builtin_protocol("r-hlh")
    subjects = list(evaluate_cohort(protocol, read_cohort(tmp_path, tmp_path / "subjects.csv")))
    names = [
        f.name for f in endpoint_figures(protocol, subjects, estimate_endpoints(protocol, subjects))
    ]
    assert "survival_to_hsct.incidence" in names
    assert "survival_to_hsct.km" not in names
