"""``trialkit screen`` of several bundles or a folder: one line per patient (issue 12).

docs/screen-json.md, "Batch screening": JSON lines or CSV, the same verdicts and
statuses as one patient's ``--json``, a bundle that fails named with its reason
while the others are screened, exit code 1 when some failed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from trialkit.cli import run
from trialkit.eligibility.batch import LINE_SCHEMA
from trialkit.protocol import builtin_ids

EXAMPLES = Path(__file__).parents[2] / "examples"
DOCS = Path(__file__).parents[2] / "docs"
NAMES = ("r-hlh-eligible", "r-hlh-ineligible", "c-hlh-missing", "jak-hs-icu-eligible")


@pytest.fixture
def ward(tmp_path: Path) -> Path:
    """A folder of four example bundles, one that is not JSON and one without a date."""
    folder = tmp_path / "ward"
    folder.mkdir()
    for name in NAMES:
        shutil.copy(EXAMPLES / f"{name}.json", folder / f"{name}.json")
    (folder / "broken.json").write_text("{not json", encoding="utf-8")
    undated = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Patient", "id": "undated"}}],
    }
    (folder / "undated.json").write_text(json.dumps(undated), encoding="utf-8")
    (folder / "notes.txt").write_text("not a bundle", encoding="utf-8")
    return folder


def _single(capsys: pytest.CaptureFixture[str], path: Path, *choice: str) -> dict[str, Any]:
    assert run(["screen", str(path), *choice, "--json"]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def test_a_folder_gives_one_line_per_bundle_and_names_each_failure(
    ward: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "screened.jsonl"
    assert run(["screen", str(ward), "--protocol", "r-hlh", "--out", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    failures = [line for line in err if line.startswith("trialkit: error: ")]
    assert len(failures) == 2
    assert re.match(r"trialkit: error: .*broken\.json: not valid JSON", failures[0])
    assert re.match(
        r"trialkit: error: .*undated\.json: the bundle has no dated entries", failures[1]
    )
    assert err[-1].startswith("trialkit: screened 4 of 6 bundles; 2 could not be screened")
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [Path(line["file"]).name for line in lines] == sorted(
        p.name for p in ward.glob("*.json")
    )
    assert {line["schema"] for line in lines} == {LINE_SCHEMA}
    by_name = {Path(line["file"]).stem: line for line in lines}
    assert by_name["broken"]["error"].startswith(f"{ward / 'broken.json'}: not valid JSON (")
    assert by_name["undated"]["error"] == (
        f"{ward / 'undated.json'}: the bundle has no dated entries: give --at"
    )
    assert by_name["broken"]["screenings"] == [] and by_name["broken"]["patient"] is None
    for name in NAMES:
        single = _single(capsys, EXAMPLES / f"{name}.json", "--protocol", "r-hlh")
        (screening,) = by_name[name]["screenings"]
        assert by_name[name]["error"] is None
        assert by_name[name]["patient"] == single["patient"]["id"]
        assert by_name[name]["at"] == single["at"]
        assert screening["verdict"] == single["verdict"]
        assert screening["criteria"] == {c["id"]: c["status"] for c in single["criteria"]}
        assert screening["next_checks"] == [c["item"] for c in single["next_checks"]]


def test_the_output_file_has_the_usual_permissions(ward: Path, tmp_path: Path) -> None:
    out, plain = tmp_path / "screened.jsonl", tmp_path / "plain.txt"
    plain.write_text("", encoding="utf-8")
    assert run(["screen", str(ward / "r-hlh-eligible.json"), "--out", str(out), "--all"]) == 0
    assert out.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_all_protocols_as_csv_with_prefixed_columns(
    ward: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "screened.csv"
    files = [str(ward / f"{name}.json") for name in NAMES]
    assert run(["screen", *files, "--all", "--out", str(out), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["patient"] for row in rows] == list(NAMES)
    header = list(rows[0])
    assert header[:3] == ["file", "patient", "index_time"] and header[-2:] == [
        "unknown_codes",
        "error",
    ]
    for protocol in builtin_ids():
        assert f"{protocol}:verdict" in header and f"{protocol}:I1" in header
    single = _single(capsys, EXAMPLES / "jak-hs-icu-eligible.json", "--all")
    row = rows[NAMES.index("jak-hs-icu-eligible")]
    for part in single["screenings"]:
        protocol = part["protocol"]["id"]
        assert row[f"{protocol}:verdict"] == part["verdict"]
        for criterion in part["criteria"]:
            assert row[f"{protocol}:{criterion['id']}"] == criterion["status"]


def test_csv_on_stdout_and_a_failed_row(ward: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["screen", str(ward / "r-hlh-eligible.json"), str(ward / "broken.json")]
    assert run([*args, "--protocol", "r-hlh", "--format", "csv"]) == 1
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:4] == ["file", "patient", "index_time", "verdict"]
    assert rows[1][3] == "eligible" and rows[1][-1] == ""
    assert rows[2][1:-1] == [""] * (len(rows[0]) - 2) and "not valid JSON" in rows[2][-1]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--out", "x.txt"], "give a .jsonl or .csv file name"),
        (["--format", "xml"], "--format 'xml': use jsonl or csv"),
        (["--json"], "--json prints one patient's document"),
        (["--out", "no/such/folder/x.csv"], "no such folder"),
    ],
)
def test_bad_batch_options_are_one_line_exit_2(
    ward: Path, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["screen", str(ward), "--protocol", "r-hlh", *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_an_empty_folder_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["screen", str(tmp_path), "--protocol", "r-hlh"]) == 2
    assert "no *.json file in this folder" in capsys.readouterr().err


def test_an_interrupted_batch_leaves_the_previous_file(
    ward: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trialkit.cli.screen_batch as batch

    out = tmp_path / "screened.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    calls = 0
    screened = batch._screened

    def interrupted(*args: Any) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        return screened(*args)

    monkeypatch.setattr(batch, "_screened", interrupted)
    # Ctrl-C is exit code 130 (docs/cli.md); --force: the previous file may be replaced.
    args = ["screen", str(ward), "--protocol", "r-hlh", "--out", str(out), "--quiet", "--force"]
    assert run(args) == 130
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["screened.jsonl", "ward"]


def test_the_line_format_is_documented() -> None:
    text = (DOCS / "screen-json.md").read_text(encoding="utf-8")
    assert f"`{LINE_SCHEMA}`" in text
    for field in ("file", "patient", "at", "screenings", "unknown_codes", "error"):
        assert f"| `{field}` |" in text
