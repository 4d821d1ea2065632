"""trialkit.analysis.plots: the artists drawn from small constructed inputs, the files written.

Expected values come from the inputs directly (counts by hand, numpy medians,
``number_at_risk`` of the analysis module at the table's times), never from the
plotting code.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from trialkit.analysis import (
    cumulative_incidence,
    kaplan_meier,
    number_at_risk,
    plot_adverse_event_grades,
    plot_cumulative_incidence,
    plot_kaplan_meier,
    plot_simon_enrolment,
    plot_swimmer,
    plot_trajectories,
    save_figure,
)
from trialkit.design import TwoStageDesign
from trialkit.errors import TrialkitInputError

# Two arms; ties (3 and 6) and times with both an event and a censoring (arm A, 9).
A_TIMES = [2, 3, 3, 5, 8, 9, 9, 12, 15, 20, 22]
A_EVENTS = [1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0]
B_TIMES = [1, 4, 6, 6, 10, 14, 18, 25, 30]
B_EVENTS = [1, 1, 0, 1, 0, 0, 1, 0, 0]

# Competing risks, R-HLH style: 1 = HSCT, 2 = death before HSCT, 0 = censored; a tie
# between causes at 4.
CR_TIMES = [2, 3, 3, 4, 4, 5, 8, 9, 12, 15, 20, 22]
CR_EVENTS = [1, 2, 1, 2, 1, 0, 1, 2, 0, 1, 0, 0]


def curve_lines(figure: Any) -> list[Any]:
    return [line for line in figure.axes[0].lines if not line.get_label().startswith("_")]


def risk_table(figure: Any) -> Any:
    (table,) = [axes for axes in figure.axes if axes.get_label() == "numbers at risk"]
    return table


def table_rows(table: Any, rows: int) -> list[list[str]]:
    found: list[list[str]] = [[] for _ in range(rows)]
    for text in table.texts:
        found[round(text.get_position()[1])].append(text.get_text())
    return found


# ---------------------------------------------------------------- Kaplan–Meier


def test_kaplan_meier_curves_ticks_bands_and_numbers_at_risk() -> None:
    a = kaplan_meier(A_TIMES, A_EVENTS)
    b = kaplan_meier(B_TIMES, B_EVENTS)
    at = [0, 5, 10, 15, 20, 25]
    figure = plot_kaplan_meier({"A": a, "B": b}, risk_times=at)
    lines = curve_lines(figure)
    assert [line.get_label() for line in lines] == ["A", "B"]
    for line, curve in zip(lines, (a, b), strict=True):
        assert line.get_drawstyle() == "steps-post"
        assert list(line.get_xdata()) == [0.0, *curve.time.tolist()]
        assert list(line.get_ydata()) == [1.0, *curve.survival.tolist()]
    axes = figure.axes[0]
    ticks = {line.get_label(): line for line in axes.lines if line.get_label().startswith("_")}
    assert list(ticks["_censor A"].get_xdata()) == [3.0, 8.0, 9.0, 12.0, 20.0, 22.0]
    assert list(ticks["_censor B"].get_xdata()) == [6.0, 10.0, 14.0, 25.0, 30.0]
    assert {c.get_label() for c in axes.collections} == {"_band A", "_band B"}
    assert list(axes.get_xticks()) == at
    table = risk_table(figure)
    assert [tick.get_text() for tick in table.get_yticklabels()] == ["A", "B"]
    expected = [
        [str(n) for n in number_at_risk(A_TIMES, at)],
        [str(n) for n in number_at_risk(B_TIMES, at)],
    ]
    assert table_rows(table, 2) == expected
    # by hand: arm A has 11 subjects, 8 with follow-up >= 5, 4 >= 10, 3 >= 15, 2 >= 20
    assert expected[0] == ["11", "8", "4", "3", "2", "0"]
    assert [text.get_position()[0] for text in table.texts[:6]] == at


def test_kaplan_meier_without_bands_or_ticks_and_default_times() -> None:
    curve = kaplan_meier(A_TIMES, A_EVENTS)
    figure = plot_kaplan_meier(curve, bands=False, censor_ticks=False)
    axes = figure.axes[0]
    assert len(axes.lines) == 1 and not axes.collections
    at = [t for t in axes.get_xticks() if 0 <= t <= max(A_TIMES)]
    assert len(at) >= 3
    assert table_rows(risk_table(figure), 1) == [[str(n) for n in number_at_risk(A_TIMES, at)]]


def test_default_times_are_the_printed_ticks_not_their_float_neighbours() -> None:
    # MaxNLocator gives 2 * 0.15 = 0.30000000000000004; the subject with follow-up
    # 0.3 must count as at risk under the tick printed "0.30"
    times = [0.1, 0.25, 0.3, 0.5, 0.7]
    figure = plot_kaplan_meier(kaplan_meier(times, [1, 0, 1, 1, 0]))
    assert list(figure.axes[0].get_xticks()) == [0.0, 0.15, 0.3, 0.45, 0.6]
    assert table_rows(risk_table(figure), 1) == [["5", "4", "3", "2", "1"]]


def test_kaplan_meier_refuses() -> None:
    with pytest.raises(TrialkitInputError, match=r"curves: is empty"):
        plot_kaplan_meier({})
    with pytest.raises(TrialkitInputError, match=r"curves\['A'\]: a list, not a KaplanMeier"):
        plot_kaplan_meier({"A": [1, 2]})  # type: ignore[dict-item]
    curve = kaplan_meier(A_TIMES, A_EVENTS)
    with pytest.raises(TrialkitInputError, match=r"risk_times\[1\]=-5.0"):
        plot_kaplan_meier(curve, risk_times=[0, -5])


# ---------------------------------------------------------------- cumulative incidence


def test_cumulative_incidence_draws_aalen_johansen_not_one_minus_km() -> None:
    incidence = cumulative_incidence(CR_TIMES, CR_EVENTS)
    figure = plot_cumulative_incidence(
        incidence, cause_labels={1: "HSCT", 2: "death before HSCT"}, risk_times=[0, 5, 10, 20]
    )
    lines = curve_lines(figure)
    assert [line.get_label() for line in lines] == ["HSCT", "death before HSCT"]
    for line, cause in zip(lines, (1, 2), strict=True):
        assert list(line.get_ydata()) == [0.0, *incidence.of(cause)[0].tolist()]
    # 1 - KM of HSCT with deaths censored is higher: the plot must not show it
    naive = 1.0 - kaplan_meier(CR_TIMES, [int(e == 1) for e in CR_EVENTS]).survival[-1]
    assert lines[0].get_ydata()[-1] < naive - 0.05
    assert table_rows(risk_table(figure), 1) == [
        [str(n) for n in number_at_risk(CR_TIMES, [0, 5, 10, 20])]
    ]


def test_cumulative_incidence_stacked_tops_at_one_minus_any_event_survival() -> None:
    incidence = cumulative_incidence(CR_TIMES, CR_EVENTS)
    figure = plot_cumulative_incidence(incidence, stacked=True)
    first, top = curve_lines(figure)
    assert list(first.get_ydata()) == [0.0, *incidence.of(1)[0].tolist()]
    np.testing.assert_allclose(top.get_ydata()[1:], 1.0 - incidence.survival, atol=1e-15)
    assert len(figure.axes[0].collections) == 2


def test_cumulative_incidence_of_groups_and_a_chosen_cause() -> None:
    half = len(CR_TIMES) // 2
    first = cumulative_incidence(CR_TIMES[:half], CR_EVENTS[:half], causes=[1, 2])
    second = cumulative_incidence(CR_TIMES[half:], CR_EVENTS[half:], causes=[1, 2])
    figure = plot_cumulative_incidence(
        {"x": first, "y": second}, causes=[1], cause_labels={1: "HSCT"}, risk_times=[0, 10]
    )
    assert [line.get_label() for line in curve_lines(figure)] == ["x: HSCT", "y: HSCT"]
    assert table_rows(risk_table(figure), 2) == [
        [str(n) for n in number_at_risk(CR_TIMES[:half], [0, 10])],
        [str(n) for n in number_at_risk(CR_TIMES[half:], [0, 10])],
    ]


def test_cumulative_incidence_refuses() -> None:
    incidence = cumulative_incidence(CR_TIMES, CR_EVENTS)
    km = kaplan_meier(A_TIMES, A_EVENTS)
    with pytest.raises(TrialkitInputError, match=r"incidence: a KaplanMeier.*1 - KM"):
        plot_cumulative_incidence(km)  # type: ignore[arg-type]
    with pytest.raises(TrialkitInputError, match=r"incidence\['A'\]: a KaplanMeier"):
        plot_cumulative_incidence({"A": km})  # type: ignore[dict-item]
    with pytest.raises(TrialkitInputError, match=r"incidence: is empty"):
        plot_cumulative_incidence({})
    with pytest.raises(TrialkitInputError, match=r"causes: 3 is not among the causes \[1, 2\]"):
        plot_cumulative_incidence(incidence, causes=[3])
    with pytest.raises(TrialkitInputError, match=r"cause_labels: 3 is not among"):
        plot_cumulative_incidence(incidence, cause_labels={3: "relapse"})
    with pytest.raises(TrialkitInputError, match=r"stacked=True: .* got 2 groups"):
        plot_cumulative_incidence({"a": incidence, "b": incidence}, stacked=True)
    only = cumulative_incidence([1, 2], [1, 0])
    with pytest.raises(TrialkitInputError, match=r"incidence\['b'\]: causes \[1\] differ"):
        plot_cumulative_incidence({"a": incidence, "b": only})


# ---------------------------------------------------------------- swimmer

SUBJECTS = ["P01", "P02", "P03", "P04"]
LAST = [28, 60, 14, 90]
ENDS: list[Any] = ["ongoing", "hsct", "death", None]
ASSESSED = [
    ("P01", 7, "PR"),
    ("P01", 14, "CR"),
    ("P02", 7, "NR"),
    ("P02", 28, "PR"),
    ("P03", 7, "NR"),
    ("P04", 7, "PR"),
    ("P04", 28, "CR"),
]


def test_swimmer_bars_responses_and_ends() -> None:
    figure = plot_swimmer(SUBJECTS, LAST, ENDS, ASSESSED, categories=["CR", "PR", "NR"])
    axes = figure.axes[0]
    (bars,) = axes.containers
    # longest follow-up on top: P04, P02, P01, P03
    order = [tick.get_text() for tick in axes.get_yticklabels()]
    by_position = sorted(zip(axes.get_yticks(), order, strict=True))
    assert [name for _, name in by_position] == ["P04", "P02", "P01", "P03"]
    assert sorted((bar.get_y() + bar.get_height() / 2, bar.get_width()) for bar in bars) == [
        (0.0, 90), (1.0, 60), (2.0, 28), (3.0, 14),
    ]  # fmt: skip
    assert all(bar.get_x() == 0 for bar in bars)
    lines = {line.get_label(): line for line in axes.lines}
    assert sorted(lines) == ["CR", "HSCT", "NR", "PR", "death", "ongoing"]
    assert sorted(lines["CR"].get_xdata()) == [14, 28]
    assert sorted(lines["PR"].get_xdata()) == [7, 7, 28]
    assert sorted(lines["NR"].get_xdata()) == [7, 7]
    assert list(lines["death"].get_xdata()) == [14] and list(lines["death"].get_ydata()) == [3]
    assert list(lines["HSCT"].get_xdata()) == [60] and list(lines["HSCT"].get_ydata()) == [1]
    assert lines["ongoing"].get_xdata()[0] > 28 and list(lines["ongoing"].get_ydata()) == [2]
    legend = [text.get_text() for text in axes.get_legend().get_texts()]
    assert legend == ["CR", "PR", "NR", "ongoing", "death", "HSCT"]


def test_swimmer_in_the_given_order_with_categories_as_found() -> None:
    figure = plot_swimmer(SUBJECTS, LAST, ENDS, ASSESSED, longest_first=False)
    axes = figure.axes[0]
    assert list(axes.get_yticks()) == [0, 1, 2, 3]
    assert [tick.get_text() for tick in axes.get_yticklabels()] == SUBJECTS
    labels = [line.get_label() for line in axes.lines]
    assert labels[:3] == ["PR", "CR", "NR"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (([], [], []), r"subjects: is empty"),
        ((SUBJECTS, LAST[:3], ENDS), r"last_day: has 3 values but subjects has 4"),
        ((SUBJECTS, LAST, ENDS[:3]), r"ends: has 3 values but subjects has 4"),
        ((["a", "a"], [1, 2], [None, None]), r"subjects\[1\]='a': appears twice"),
        ((["a"], [1], ["lost"]), r"ends\[0\]='lost': must be None or one of"),
        ((["a"], [-1], [None]), r"last_day\[0\]=-1.0"),
        ((["a"], [10], [None], [("b", 1, "CR")]), r"assessments\[0\]: subject 'b' is not"),
        ((["a"], [10], [None], [("a", 11, "CR")]), r"assessments\[0\]: day 11 is after"),
        ((["a"], [10], [None], [("a", 1)]), r"assessments\[0\]=\('a', 1\): must be a"),
        ((["a"], [10], [None], [("a", -1, "CR")]), r"assessments\[0\]: day -1 must be a"),
        ((["a"], [10], [None], [("a", "7", "CR")]), r"assessments\[0\]: day '7' must be a"),
        ((["a"], [10], [None], [("a", 7, "")]), r"assessments\[0\]: category '' must be"),
    ],
)
def test_swimmer_refuses(arguments: tuple[Any, ...], message: str) -> None:
    with pytest.raises(TrialkitInputError, match=message):
        plot_swimmer(*arguments)


def test_swimmer_refuses_a_category_not_listed() -> None:
    with pytest.raises(TrialkitInputError, match=r"assessments\[0\]: category 'PR' is not among"):
        plot_swimmer(["a"], [10], [None], [("a", 1, "PR")], categories=["CR"])


# ---------------------------------------------------------------- trajectories

TRAJ_SUBJECTS = ["a"] * 4 + ["b"] * 4 + ["c"] * 2
TRAJ_DAYS = [0, 3, 7, 14, 0, 3, 7, 14, 0, 3]
TRAJ_VALUES: list[float | None] = [10, 8, 6, 4, 12, 11, 9, None, 14, 15]


def test_trajectories_lines_per_subject_and_daily_median() -> None:
    figure = plot_trajectories(TRAJ_SUBJECTS, TRAJ_DAYS, TRAJ_VALUES, ylabel="SOFA")
    axes = figure.axes[0]
    subjects = [line for line in axes.lines if line.get_label().startswith("_subject")]
    assert [line.get_label() for line in subjects] == ["_subject a", "_subject b", "_subject c"]
    assert list(subjects[1].get_xdata()) == [0, 3, 7]  # the missing day-14 value left out
    (median,) = [line for line in axes.lines if line.get_label() == "median"]
    assert list(median.get_xdata()) == [0, 3, 7, 14]
    expected = [np.median([10, 12, 14]), np.median([8, 11, 15]), np.median([6, 9]), 4.0]
    assert list(median.get_ydata()) == expected
    assert not axes.collections


def test_trajectories_with_quartiles_and_unsorted_rows() -> None:
    order = [3, 9, 0, 5, 1, 7, 2, 8, 4, 6]
    figure = plot_trajectories(
        [TRAJ_SUBJECTS[i] for i in order],
        [TRAJ_DAYS[i] for i in order],
        [TRAJ_VALUES[i] for i in order],
        quartiles=True,
    )
    axes = figure.axes[0]
    (first,) = [line for line in axes.lines if line.get_label() == "_subject a"]
    assert list(first.get_xdata()) == [0, 3, 7, 14]
    assert list(first.get_ydata()) == [10, 8, 6, 4]
    assert [c.get_label() for c in axes.collections] == ["quartiles"]


def test_trajectories_refuse() -> None:
    with pytest.raises(TrialkitInputError, match=r"subjects: is empty"):
        plot_trajectories([], [], [])
    with pytest.raises(TrialkitInputError, match=r"values: has 2 values but subjects has 3"):
        plot_trajectories(["a", "b", "c"], [0, 0, 0], [1, 2])
    with pytest.raises(TrialkitInputError, match=r"days\[1\]=0: subject 'a' already has"):
        plot_trajectories(["a", "a"], [0, 0], [1, 2])
    with pytest.raises(TrialkitInputError, match=r"days\[0\]=inf: must be finite"):
        plot_trajectories(["a"], [float("inf")], [1])


# ---------------------------------------------------------------- Simon enrolment

# Simon (1989), Table 1: p0 = 0.10, p1 = 0.30, alpha = 0.05, beta = 0.20, optimal design.
SIMON = TwoStageDesign(r1=1, n1=10, r=5, n=29)


def test_enrolment_against_the_boundaries() -> None:
    responses = [0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1]
    figure = plot_simon_enrolment(SIMON, responses)
    lines = {line.get_label().split(":")[0]: line for line in figure.axes[0].lines}
    curve = lines["cumulative responses"]
    assert list(curve.get_xdata()) == list(range(14))
    assert list(curve.get_ydata()) == [0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5]
    stage1, final = lines["stage 1 futility boundary"], lines["final boundary"]
    assert (list(stage1.get_xdata())[-1], list(stage1.get_ydata())[-1]) == (10, 1)
    assert (list(final.get_xdata())[-1], list(final.get_ydata())[-1]) == (29, 5)
    assert final.get_xdata()[0] == 10
    assert sorted(
        line.get_xdata()[0] for line in figure.axes[0].lines if line.get_linestyle() == ":"
    ) == [10, 29]


def test_enrolment_refuses() -> None:
    with pytest.raises(TrialkitInputError, match=r"responses: 30 patients, more than the n=29"):
        plot_simon_enrolment(SIMON, [0] * 30)
    with pytest.raises(TrialkitInputError, match=r"responses\[1\]=2: unknown event code"):
        plot_simon_enrolment(SIMON, [1, 2])
    with pytest.raises(TrialkitInputError, match=r"responses: is empty"):
        plot_simon_enrolment(SIMON, [])
    with pytest.raises(TrialkitInputError, match=r"design: a tuple, not a trialkit.design"):
        plot_simon_enrolment((1, 10, 5, 29), [1])  # type: ignore[arg-type]


# ---------------------------------------------------------------- adverse events

AE_TERMS = ["anaemia", "anaemia", "febrile neutropenia", "sepsis", "anaemia", "sepsis", "sepsis"]
AE_GRADES = [2, 3, 3, 5, 1, 4, 3]
AE_SUBJECTS = ["a", "a", "b", "c", "b", "a", "a"]


def widths(figure: Any) -> dict[str, list[float]]:
    axes = figure.axes[0]
    return {c.get_label(): [bar.get_width() for bar in c] for c in axes.containers}


def test_adverse_event_bars_count_subjects_at_their_worst_grade() -> None:
    figure = plot_adverse_event_grades(AE_TERMS, AE_GRADES, subjects=AE_SUBJECTS)
    axes = figure.axes[0]
    # by hand: anaemia a worst 3, b 1; sepsis c 5, a worst 4; febrile neutropenia b 3
    assert [tick.get_text() for tick in axes.get_yticklabels()] == [
        "anaemia", "sepsis", "febrile neutropenia",
    ]  # fmt: skip
    assert widths(figure) == {
        "grade 1": [1, 0, 0],
        "grade 2": [0, 0, 0],
        "grade 3": [1, 0, 1],
        "grade 4": [0, 1, 0],
        "grade 5": [0, 1, 0],
    }
    grade4 = next(c for c in axes.containers if c.get_label() == "grade 4")
    assert [bar.get_x() for bar in grade4] == [2, 0, 1]  # stacked after grades 1-3


def test_adverse_event_bars_count_events() -> None:
    figure = plot_adverse_event_grades(AE_TERMS, AE_GRADES, count="events")
    axes = figure.axes[0]
    assert [tick.get_text() for tick in axes.get_yticklabels()] == [
        "anaemia", "sepsis", "febrile neutropenia",
    ]  # fmt: skip
    assert widths(figure) == {
        "grade 1": [1, 0, 0],
        "grade 2": [1, 0, 0],
        "grade 3": [1, 1, 1],
        "grade 4": [0, 1, 0],
        "grade 5": [0, 1, 0],
    }
    assert axes.get_xlabel() == "number of events"


def test_adverse_event_bars_refuse() -> None:
    with pytest.raises(TrialkitInputError, match=r"subjects: needed to count subjects"):
        plot_adverse_event_grades(AE_TERMS, AE_GRADES)
    with pytest.raises(TrialkitInputError, match=r"grades\[0\]=6: unknown event code"):
        plot_adverse_event_grades(["sepsis"], [6], count="events")
    with pytest.raises(TrialkitInputError, match=r"grades: has 1 values but terms has 2"):
        plot_adverse_event_grades(["sepsis", "anaemia"], [3], count="events")
    with pytest.raises(TrialkitInputError, match=r"subjects: has 1 values but terms has 2"):
        plot_adverse_event_grades(["sepsis", "anaemia"], [3, 3], subjects=["a"])
    with pytest.raises(TrialkitInputError, match=r"terms: is empty"):
        plot_adverse_event_grades([], [], count="events")
    with pytest.raises(TrialkitInputError, match=r"count='all': must be"):
        plot_adverse_event_grades(["sepsis"], [3], count="all")  # type: ignore[arg-type]


# ---------------------------------------------------------------- files


def every_figure() -> list[Any]:
    return [
        plot_kaplan_meier({"A": kaplan_meier(A_TIMES, A_EVENTS)}),
        plot_cumulative_incidence(cumulative_incidence(CR_TIMES, CR_EVENTS), stacked=True),
        plot_swimmer(SUBJECTS, LAST, ENDS, ASSESSED),
        plot_trajectories(TRAJ_SUBJECTS, TRAJ_DAYS, TRAJ_VALUES, quartiles=True),
        plot_simon_enrolment(SIMON, [0, 1, 1]),
        plot_adverse_event_grades(AE_TERMS, AE_GRADES, subjects=AE_SUBJECTS),
    ]


def test_png_and_svg_written_and_the_svg_byte_identical_across_runs(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for index, (one, two) in enumerate(zip(every_figure(), every_figure(), strict=True)):
        png, svg = save_figure(one, first / f"plot{index}")
        assert (png.name, svg.name) == (f"plot{index}.png", f"plot{index}.svg")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert b"<svg" in svg.read_bytes()[:1000]
        png_again, again = save_figure(two, second / f"plot{index}.svg")
        assert again.read_bytes() == svg.read_bytes(), f"plot {index}"
        assert png_again.read_bytes() == png.read_bytes(), f"plot {index}"
        assert b"<dc:date>" not in svg.read_bytes()


def test_the_svg_is_byte_identical_in_another_process(tmp_path: Path) -> None:
    # another interpreter, another hash seed: the ids in the SVG must not depend on either
    code = (
        "import sys\n"
        "from trialkit.analysis import cumulative_incidence, plot_cumulative_incidence, save_figure\n"
        f"incidence = cumulative_incidence({CR_TIMES}, {CR_EVENTS})\n"
        "save_figure(plot_cumulative_incidence(incidence), sys.argv[1])\n"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "child")], check=True)
    figure = plot_cumulative_incidence(cumulative_incidence(CR_TIMES, CR_EVENTS))
    _, svg = save_figure(figure, tmp_path / "parent")
    assert (tmp_path / "child.svg").read_bytes() == svg.read_bytes()


def test_save_figure_suffixes_and_a_missing_folder(tmp_path: Path) -> None:
    figure = plot_simon_enrolment(SIMON, [1])
    assert save_figure(figure, tmp_path / "km.png") == (tmp_path / "km.png", tmp_path / "km.svg")
    assert save_figure(figure, tmp_path / "km.v2")[0] == tmp_path / "km.v2.png"
    with pytest.raises(TrialkitInputError, match=r"the folder .* does not exist"):
        save_figure(figure, tmp_path / "missing" / "km")


def test_importing_the_plots_does_not_import_matplotlib() -> None:
    code = "import sys, trialkit.analysis.plots; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
