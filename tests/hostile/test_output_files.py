"""Output: a full disk is one line and exit 2; no file is replaced without --force, an input never.

Before: ``--json > /dev/full`` was an ``OSError`` traceback; ``--out`` silently
replaced an existing file, even an input (``--omop in/ --out in/person.csv``);
``design oc --plot`` and ``synth omop --out`` replaced files without asking.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile.conftest import EXAMPLES, finish, start
from trialkit.cli import run
from trialkit.omop import load_folder, row_counts
from trialkit.omop.schema import TABLES
from trialkit.synth import generate_omop

BUNDLE = EXAMPLES / "r-hlh-eligible.json"
QUICK = "rux-hlh-salvage"
"""The protocol of the prescreen runs that write a file: the smallest query (r-hlh's takes
DuckDB seconds to plan), and what is checked is the file, not the screening."""


@pytest.mark.parametrize(
    "args",
    [
        ["scores", BUNDLE, "--json"],
        ["screen", BUNDLE, "--all"],
        ["protocol", "schema"],
    ],
    ids=["scores --json", "screen text", "protocol schema"],
)
def test_a_full_disk_is_one_line_and_exit_2(args: list[str | Path]) -> None:
    with open("/dev/full", "wb") as full:
        done = finish(start(args, stdout=full))
    assert done.code == 2, done.err
    assert done.one_error_line() == (
        "trialkit: error: cannot write the output: No space left on device"
    )


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("omop")
    generate_omop(folder, 20, 0)
    return folder


def _refused(capsys: pytest.CaptureFixture[str], args: list[str | Path], reason: str) -> None:
    assert run([str(a) for a in args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert reason in err, err


def test_prescreen_replaces_an_existing_file_only_with_force(
    population: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rows.csv"
    out.write_text("mine")
    args: list[str | Path] = [
        "prescreen",
        "--omop",
        population,
        "--protocol",
        QUICK,
        "--out",
        out,
    ]
    _refused(capsys, args, f"--out {out}: exists; --force replaces it")
    assert out.read_text() == "mine"
    assert run([str(a) for a in [*args, "--force", "--quiet"]]) == 0
    assert out.read_text().startswith("person_id,protocol,index_time,verdict")
    capsys.readouterr()


def test_prescreen_never_writes_over_an_input(
    population: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = population / "person.parquet"
    before = table.read_bytes()
    base: list[str | Path] = ["prescreen", "--omop", population, "--protocol", "r-hlh", "--force"]
    _refused(capsys, [*base, "--out", table], "is an input of this command")
    assert table.read_bytes() == before
    _refused(
        capsys, [*base, "--out", population / "PERSON.csv"], "would be read as the CDM table person"
    )
    assert not (population / "PERSON.csv").exists()
    protocol = tmp_path / "mine.yaml"
    protocol.write_text(
        (Path(__file__).parents[2] / "src/trialkit/protocol/protocols/r-hlh.yaml")
        .read_text()
        .replace("id: r-hlh\n", "id: mine\n", 1)
    )
    link = tmp_path / "rows.csv"
    link.symlink_to(protocol)
    args = ["prescreen", "--omop", population, "--protocol", protocol, "--out", link, "--force"]
    _refused(capsys, args, "is an input of this command")
    assert protocol.read_text().startswith("format: trialkit.protocol/")


def test_prescreen_all_refuses_before_any_work_when_one_file_exists(
    population: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "rows.c-hlh.csv").write_text("mine")
    args: list[str | Path] = [
        "prescreen",
        "--omop",
        population,
        "--all",
        "--out",
        tmp_path / "rows.csv",
    ]
    _refused(capsys, args, "rows.c-hlh.csv: exists; --force replaces it")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.c-hlh.csv"]


def test_synth_replaces_the_tables_of_a_folder_only_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "synth"
    generate_omop(folder, 5, 1)
    before = (folder / "person.parquet").read_bytes()
    _refused(
        capsys, ["synth", "omop", "--persons", "5", "--out", folder], "exists; --force replaces it"
    )
    assert (folder / "person.parquet").read_bytes() == before
    assert run(["synth", "omop", "--persons", "5", "--out", str(folder), "--force"]) == 0
    assert (folder / "person.parquet").read_bytes() != before
    capsys.readouterr()


def _table_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix.lower() in (".csv", ".parquet"))


@pytest.mark.parametrize(
    "held",
    [
        {"person.csv": "person_id\n1\n", "observation_period.csv": "x\n"},
        {"PERSON.parquet": "not parquet", "Measurement.CSV": "x\n"},
    ],
    ids=["a CSV CDM", "other case"],
)
def test_synth_counts_a_table_held_in_any_format_or_case_as_existing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], held: dict[str, str]
) -> None:
    """Before: ``.parquet`` files were written beside ``.csv`` ones, no --force asked, and the
    folder was then refused as input (two files for one table)."""
    folder = tmp_path / "cdm"
    folder.mkdir()
    for name, text in held.items():
        (folder / name).write_text(text)
    (folder / "notes.txt").write_text("mine")
    args = ["synth", "omop", "--persons", "5", "--out", str(folder)]
    first = sorted(held)[0]
    _refused(capsys, args, f"--out {folder / first}: exists; --force replaces it")
    assert sorted(p.name for p in folder.iterdir()) == sorted([*held, "notes.txt"])
    assert all((folder / name).read_text() == text for name, text in held.items())
    # --force replaces each table's files, whatever their format: one file per table.
    assert run([*args, "--force"]) == 0
    capsys.readouterr()
    assert _table_files(folder) == sorted(f"{spec.name}.parquet" for spec in TABLES)
    assert (folder / "notes.txt").read_text() == "mine"
    assert row_counts(load_folder(folder))["person"] == 5


def test_synth_never_removes_a_folder_named_as_a_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cdm"
    (folder / "person.csv").mkdir(parents=True)
    args = ["synth", "omop", "--persons", "5", "--out", str(folder), "--force"]
    _refused(capsys, args, f"--out {folder / 'person.csv'}: is a folder")
    assert sorted(p.name for p in folder.iterdir()) == ["person.csv"]


def test_design_plot_replaces_a_file_only_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plot = tmp_path / "oc.png"
    plot.write_text("mine")
    args: list[str | Path] = ["design", "oc", "--p0", "0.1", "--p1", "0.3", "--plot", plot]
    _refused(capsys, args, f"--plot {plot}: exists; --force replaces it")
    assert plot.read_text() == "mine"
    assert run([str(a) for a in [*args, "--force"]]) == 0
    assert plot.read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["oc.png"]


def test_batch_screen_never_writes_over_a_bundle_it_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for path in (first, second):
        path.write_bytes(BUNDLE.read_bytes())
    args: list[str | Path] = ["screen", first, second, "--protocol", "r-hlh"]
    _refused(capsys, [*args, "--out", first, "--format", "jsonl", "--force"], "is an input")
    assert first.read_bytes() == BUNDLE.read_bytes()
    out = tmp_path / "lines.jsonl"
    out.write_text("mine")
    _refused(capsys, [*args, "--out", out], f"--out {out}: exists; --force replaces it")
    assert out.read_text() == "mine"


_PRESCREEN = ["prescreen", "--protocol", QUICK, "--quiet", "--omop"]
_PLOT = ["design", "oc", "--n1", "10", "--r1", "1", "--n", "29", "--r", "5", "--p0", "0.1"]


@pytest.mark.parametrize("command", ["prescreen", "design oc --plot"])
def test_a_command_whose_stdout_fails_leaves_no_output_file(
    command: str, population: Path, tmp_path: Path
) -> None:
    """The files were moved into place before stdout was flushed: exit 2 and the file kept."""
    out = tmp_path / "out"
    out.mkdir()
    args: list[str | Path] = (
        [*_PRESCREEN, population, "--out", out / "s.csv"]
        if command == "prescreen"
        else [*_PLOT, "--p1", "0.3", "--plot", out / "oc.png"]
    )
    with open("/dev/full", "wb") as full:
        done = finish(start(args, stdout=full))
    assert done.code == 2, done.err
    assert done.one_error_line() == (
        "trialkit: error: cannot write the output: No space left on device"
    )
    assert sorted(p.name for p in out.iterdir()) == []
