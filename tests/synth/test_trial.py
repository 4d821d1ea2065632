"""``trialkit synth trial``: simulated cohorts that exercise every endpoint of the five protocols.

For each shipped protocol a cohort of 60 subjects is simulated once (module
fixture) and evaluated by the endpoint evaluator: every endpoint value must be
decided for some subject, and a truth value, a category and a time to event must
take at least two outcomes. The command writes the files, the same bytes for the
same arguments, refuses bad input with one line and exit code 2, and
``trialkit analyse`` reads what it wrote.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from trialkit.cli import run
from trialkit.cli.common import console
from trialkit.endpoints.cohort import read_cohort, read_subjects
from trialkit.endpoints.dataset import EvaluatedSubject, evaluate_cohort
from trialkit.endpoints.evaluate import EndpointValue
from trialkit.protocol import builtin_protocol
from trialkit.protocol.endpoints import Yields
from trialkit.protocol.files import builtin_ids
from trialkit.protocol.model import SimonDesignSpec
from trialkit.synth.trial import SIMULATED_TITLE, trial_files, write_trial

PROTOCOLS = tuple(builtin_ids())
SUBJECTS = 60


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide enough that the temporary path cannot wrap the asserted phrases."""
    monkeypatch.setattr(console, "width", 250)


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("trial")
    folders = {}
    for protocol in PROTOCOLS:
        folders[protocol] = root / protocol
        write_trial(protocol, SUBJECTS, folders[protocol], seed=7)
    return folders


@pytest.fixture(scope="module")
def evaluated(cohorts: dict[str, Path]) -> dict[str, list[EvaluatedSubject]]:
    return {
        protocol: list(
            evaluate_cohort(
                builtin_protocol(protocol), read_cohort(folder, folder / "subjects.csv")
            )
        )
        for protocol, folder in cohorts.items()
    }


def _outcome(value: EndpointValue) -> str | None:
    if value.kind is Yields.BINARY:
        return None if value.truth is None else value.truth.value
    if value.kind is Yields.CATEGORY:
        return value.category
    return value.status


def test_the_five_shipped_protocols_are_simulated() -> None:
    assert sorted(PROTOCOLS) == ["c-hlh", "hem-ismart-c", "jak-hs-icu", "r-hlh", "rux-hlh-salvage"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_endpoint_value_is_decided_and_takes_each_kind_of_outcome(
    protocol: str, evaluated: dict[str, list[EvaluatedSubject]]
) -> None:
    subjects = evaluated[protocol]
    assert len(subjects) == SUBJECTS
    for key in subjects[0].values:
        values = [s.values[key] for s in subjects]
        decided = [v for v in values if v.decided]
        # decided for most subjects (missing data on purpose leaves a few unknown)
        assert len(decided) >= SUBJECTS // 2, (key, len(decided))
        if values[0].kind in (Yields.BINARY, Yields.CATEGORY, Yields.TIME):
            outcomes = Counter(_outcome(v) for v in decided)
            assert len(outcomes) >= 2, (key, outcomes)
    # missing data on purpose: some value of the protocol is unknown for some subject, except
    # where no endpoint reads a measured value (counts and times only)
    kinds = {v.kind for v in subjects[0].values.values()}
    if kinds & {Yields.NUMBER, Yields.CATEGORY, Yields.BINARY}:
        assert any(not v.decided for s in subjects for v in s.values.values())


def test_the_icu_trial_has_each_course(evaluated: dict[str, list[EvaluatedSubject]]) -> None:
    """jak-hs-icu: SOFA responders and failures, deaths before day 7, stays ended by discharge
    or death or still going on at six months, hospital-acquired and community infections,
    adverse events graded, ungraded and serious."""
    subjects = evaluated["jak-hs-icu"]
    primary = [s.values["primary-sofa-response"] for s in subjects]
    assert any(v.reason.startswith("all of: died") for v in primary)
    assert any(v.truth is not None and v.truth.value == "met" for v in primary)
    for key in ("icu-los", "hospital-los"):
        reasons = " | ".join(s.values[key].reason for s in subjects)
        assert "to discharge" in reasons and "to death" in reasons
        assert "still there at 6 mo" in reasons, key
    infections = [s.values["nosocomial-infections"] for s in subjects]
    assert {v.number for v in infections} >= {0, 1, 2}
    events = [s.values["adverse-events.any"] for s in subjects]
    graded = [s.values["adverse-events.grade_3_or_more"] for s in subjects]
    assert any(not v.decided for v in graded)  # an ungraded event: a range
    assert any((v.number or 0) > (g.low or 0) for v, g in zip(events, graded, strict=True))
    assert any((s.values["adverse-events.serious"].number or 0) > 0 for s in subjects)


def test_responses_cover_every_category(evaluated: dict[str, list[EvaluatedSubject]]) -> None:
    seen = Counter(
        s.values[key].category
        for protocol, keys in (
            ("rux-hlh-salvage", ("response-w1",)),
            (
                "c-hlh",
                ("complete_remission.d14", "complete_remission.d21", "complete_remission.d28"),
            ),
        )
        for s in evaluated[protocol]
        for key in keys
    )
    assert {"CR", "PR", "improvement, not PR", "NR", "death"} <= set(seen), seen


def test_transplant_death_and_censoring(evaluated: dict[str, list[EvaluatedSubject]]) -> None:
    for protocol in ("r-hlh", "c-hlh"):
        statuses = {s.values["survival_to_hsct"].status for s in evaluated[protocol]}
        assert statuses == {"procedure.hsct_allogeneic", "death", "censored"}, protocol


def test_simon_stage_is_the_first_n1_subjects(cohorts: dict[str, Path]) -> None:
    design = builtin_protocol("r-hlh").design
    assert isinstance(design, SimonDesignSpec)
    stages = [s.stage for s in read_subjects(cohorts["r-hlh"] / "subjects.csv")]
    assert stages == [1] * design.n1 + [2] * (SUBJECTS - design.n1)
    assert {s.stage for s in read_subjects(cohorts["c-hlh"] / "subjects.csv")} == {None}


def test_same_arguments_same_bytes_other_seed_other_bytes() -> None:
    def digest(seed: int) -> str:
        hashed = hashlib.sha256()
        for name, text in trial_files("jak-hs-icu", 25, seed):
            hashed.update(name.encode() + b"\0" + text.encode())
        return hashed.hexdigest()

    assert digest(4) == digest(4)
    assert digest(4) != digest(5)


def test_a_subject_is_the_same_whatever_the_cohort_size() -> None:
    """Subject i draws from its own stream: only the enrolment dates move with the size."""
    small = dict(trial_files("r-hlh", 3, 2))
    large = dict(trial_files("r-hlh", 6, 2))
    assert small["RHLH-001.json"] == large["RHLH-001.json"]


def test_cli_writes_the_cohort_and_analyse_reads_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cohort"
    assert (
        run(["synth", "trial", "--protocol", "c-hlh", "--subjects", "12", "--out", str(out)]) == 0
    )
    names = {p.name for p in out.iterdir()}
    assert names == {"README.md", "subjects.csv", *(f"CHLH-{i:03d}.json" for i in range(1, 13))}
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(SIMULATED_TITLE) and "no real patient" in readme
    assert f"trialkit synth trial --protocol c-hlh --subjects 12 --seed 0 --out {out}" in readme
    assert "12 simulated subjects of c-hlh" in capsys.readouterr().out
    assert dict(trial_files("c-hlh", 12, 0, str(out)))["CHLH-005.json"] == (
        out / "CHLH-005.json"
    ).read_text(encoding="utf-8")


def test_cli_refuses_a_folder_without_force_and_force_replaces_a_cohort(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cohort"
    args = ["synth", "trial", "--protocol", "r-hlh", "--out", str(out)]
    assert run([*args, "--subjects", "8"]) == 0
    before = (out / "subjects.csv").read_bytes()
    capsys.readouterr()
    assert run([*args, "--subjects", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists" in err and "--force" in err
    assert (out / "subjects.csv").read_bytes() == before
    assert run([*args, "--subjects", "3", "--force"]) == 0
    # the bundles of subjects 4-8 would have no subject: removed
    assert sorted(p.name for p in out.glob("*.json")) == [f"RHLH-00{i}.json" for i in (1, 2, 3)]
    read_cohort(out, out / "subjects.csv")


def test_force_never_replaces_a_folder_that_is_not_a_simulated_cohort(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.json").write_text("{}", encoding="utf-8")
    args = ["synth", "trial", "--protocol", "r-hlh", "--subjects", "2", "--out", str(tmp_path)]
    assert run([*args, "--force"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a simulated cohort" in err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.json"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--protocol", "x-hlh", "--subjects", "5"], "--protocol 'x-hlh': not a shipped protocol"),
        (["--protocol", "r-hlh", "--subjects", "0"], "--subjects 0"),
        (["--protocol", "r-hlh", "--subjects", "-3"], "--subjects -3"),
        (["--protocol", "r-hlh", "--subjects", "5", "--seed", "-1"], "--seed -1"),
        (["--protocol", "r-hlh", "--subjects", "many"], "Invalid value for '--subjects'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "cohort"
    assert run(["synth", "trial", "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not out.exists()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_analyse_reads_a_simulated_cohort_of_each_protocol(
    protocol: str, cohorts: dict[str, Path], tmp_path: Path
) -> None:
    folder = cohorts[protocol]
    report = tmp_path / "report.html"
    args = ["analyse", "--protocol", protocol, "--cohort", str(folder)]
    assert run([*args, "--subjects", str(folder / "subjects.csv"), "--out", str(report)]) == 0
    page = report.read_text(encoding="utf-8")
    assert "Simulated cohort" in page or "simulated cohort" in page
    assert (tmp_path / "report.adsl.csv").read_text(encoding="utf-8").count("\n") == SUBJECTS + 1
