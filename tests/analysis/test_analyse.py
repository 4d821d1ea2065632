"""``trialkit analyse`` on the constructed seed-002 cohort, the analysis dataset, and bad cohorts.

Seed 002 (the published abstract of the Beijing ruxolitinib salvage study, protocol
rux-hlh-salvage): "At 1week of
receiving ruxolitinib, three patients (33.3%) achieved partial remission (PR). Five patients
(55.6%) improved but did not achieve PR. One patient (11.1%) died. ... children with refractory
or recurrent EBV-HLH had a poor response to ruxolitinib alone (Fisher's exact test, P = 0.048)."
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from trialkit.analysis.study import estimate_endpoints
from trialkit.cli import run
from trialkit.endpoints.cohort import parse_subjects, read_cohort
from trialkit.endpoints.dataset import DATASET_SCHEMA, adtte, evaluate_cohort
from trialkit.errors import CohortError
from trialkit.example_cohorts import seed002, write_cohort
from trialkit.protocol import builtin_protocol

ROOT = Path(__file__).parents[2]
COHORT = ROOT / "examples" / "cohorts" / "rux-hlh-salvage"


def test_the_shipped_cohort_is_what_its_generator_writes(tmp_path: Path) -> None:
    write_cohort(seed002(), tmp_path)
    shipped = sorted(p.name for p in COHORT.iterdir())
    assert shipped == sorted(p.name for p in tmp_path.iterdir())
    for name in shipped:
        assert (COHORT / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_seed_002_is_reproduced_from_the_constructed_cohort() -> None:
    protocol = builtin_protocol("rux-hlh-salvage")
    evaluated = list(evaluate_cohort(protocol, read_cohort(COHORT, COHORT / "subjects.csv")))
    estimates = {e.key: e for e in estimate_endpoints(protocol, evaluated)}
    week = estimates["response-w1"].categories
    assert {c: (p.count, p.total) for c, p in week.items()} == {
        "PR": (3, 9),
        "improvement, not PR": (5, 9),
        "death": (1, 9),
    }
    assert [round(100 * week[c].estimate, 1) for c in ("PR", "improvement, not PR", "death")] == [
        33.3,
        55.6,
        11.1,
    ]
    compared = estimates["ebv-vs-other"].compared
    assert compared is not None and compared.fisher is not None
    assert compared.groups == ("with condition.ebv_hlh", "without condition.ebv_hlh")
    assert compared.table == ((0, 5), (3, 1))
    assert round(compared.fisher.p_value, 3) == 0.048  # 4/84, the abstract's P = 0.048
    fever = estimates["fever-48h"].proportion
    assert fever is not None and (fever.count, fever.total) == (9, 9)  # "all ... within 48h"


def test_analyse_writes_the_report_and_the_dataset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    argv = ["analyse", "--protocol", "rux-hlh-salvage", "--cohort", str(COHORT)]
    argv += ["--subjects", str(COHORT / "subjects.csv"), "--out", str(out)]
    assert run(argv) == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    assert "PR: 3/9 (33.3 %" in printed.out
    page = out.read_text(encoding="utf-8")
    assert "Every number in this report is computed by" in page
    assert "constructed cohort" in page  # the cohort's README says what it is
    assert "Fisher&#39;s exact test, two-sided P = 0.0476" in page
    with (tmp_path / "report.adsl.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["USUBJID"] for r in rows] == [f"BCH-0{i}" for i in range(1, 10)]
    assert rows[4]["response-w1"] == "death" and rows[4]["DTHDT"] == "2020-07-13"
    assert rows[0]["cause"] == "EBV-HLH"
    connection = duckdb.connect()
    metadata = connection.execute(
        f"SELECT value FROM parquet_kv_metadata('{tmp_path / 'report.adsl.parquet'}') "
        "WHERE key = 'schema'"
    ).fetchall()
    assert [bytes(v).decode() for (v,) in metadata] == [DATASET_SCHEMA]
    tte = connection.execute(
        f"SELECT USUBJID, AVAL, CNSR FROM '{tmp_path / 'report.adtte.parquet'}'"
    ).fetchall()
    assert ("BCH-05", 7, 0) in tte
    # a second run does not replace the files without --force
    assert run(argv) == 2
    assert "exists; --force replaces it" in capsys.readouterr().err


def test_a_competing_event_is_cnsr_2_in_adtte(tmp_path: Path) -> None:
    protocol = builtin_protocol("r-hlh")
    subjects = "subject_id,inclusion,day1\ns1,2026-01-01,2026-01-02\n"
    (tmp_path / "subjects.csv").write_text(subjects, encoding="utf-8")
    bundle = json.loads((COHORT / "BCH-05.json").read_text(encoding="utf-8"))
    bundle["entry"][0]["resource"]["id"] = "s1"
    bundle["entry"][0]["resource"]["deceasedDateTime"] = "2026-01-20"
    (tmp_path / "s1.json").write_text(json.dumps(bundle), encoding="utf-8")
    evaluated = list(evaluate_cohort(protocol, read_cohort(tmp_path, tmp_path / "subjects.csv")))
    (row,) = adtte(protocol, evaluated).rows
    assert row[7:10] == (18, 2, "death")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("subject_id,day1\ns1,2026-01-01\n", "no column 'inclusion'"),
        (
            "subject_id,inclusion\ns1,2026-13-01\n",
            ":2: subject s1: inclusion: '2026-13-01' is not a date",
        ),
        (
            "subject_id,inclusion,day1\ns1,2026-01-05,2026-01-02\n",
            ":2: subject s1: inclusion 2026-01-05 is after day1 2026-01-02",
        ),
        (
            "subject_id,inclusion\ns1,2026-01-01\ns1,2026-01-02\n",
            ":3: subject s1 is already on line 2",
        ),
        ("subject_id,inclusion\n../x,2026-01-01\n", "cannot name a bundle file"),
        ("subject_id,inclusion,stage\ns1,2026-01-01,3\n", "stage: '3' is not 1 or 2"),
        ("subject_id,inclusion\n", "no subject"),
        ("subject_id,inclusion\ns1,2026-01-01,x\n", ":2: 3 fields, the header has 2"),
    ],
)
def test_a_bad_subjects_table_is_refused_naming_the_line_and_field(
    table: str, message: str
) -> None:
    with pytest.raises(CohortError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_subjects(table, "subjects.csv")


def test_a_subject_without_a_bundle_and_a_bundle_without_a_subject(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cohort"
    shutil.copytree(COHORT, folder)
    table = folder / "subjects.csv"
    (folder / "BCH-03.json").unlink()
    argv = ["analyse", "--protocol", "rux-hlh-salvage", "--cohort", str(folder)]
    argv += ["--subjects", str(table), "--out", str(tmp_path / "r.html")]
    assert run(argv) == 2
    assert "subject BCH-03: no bundle BCH-03.json" in capsys.readouterr().err
    shutil.copy(COHORT / "BCH-03.json", folder / "BCH-03.json")
    shutil.copy(COHORT / "BCH-01.json", folder / "BCH-99.json")
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert "BCH-99.json: no subject 'BCH-99'" in err
    assert not list(tmp_path.glob("r*"))  # nothing written


def test_an_unknown_protocol_and_a_non_html_report_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["analyse", "--cohort", str(COHORT), "--subjects", str(COHORT / "subjects.csv")]
    assert run([*argv, "--protocol", "no-such", "--out", str(tmp_path / "r.html")]) == 2
    assert "no-such" in capsys.readouterr().err
    assert run([*argv, "--protocol", "r-hlh", "--out", str(tmp_path / "r.txt")]) == 2
    assert "give an .html or .pdf file name" in capsys.readouterr().err


def test_an_endpoint_counting_from_day1_names_a_subject_without_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "subjects.csv").write_text("subject_id,inclusion\nBCH-01,2019-11-04\n", "utf-8")
    shutil.copy(COHORT / "BCH-01.json", tmp_path / "BCH-01.json")
    argv = ["analyse", "--protocol", "r-hlh", "--cohort", str(tmp_path)]
    argv += ["--subjects", str(tmp_path / "subjects.csv"), "--out", str(tmp_path / "r.html")]
    assert run(argv) == 2
    assert "endpoint survival_to_hsct: subject BCH-01: day1: no first-dose date" in (
        capsys.readouterr().err
    )


def test_the_pdf_report_has_the_numbers_in_its_text_layer_and_renders_to_pages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 15: the PDF's pages are checked by rendering them to PNG (pdftoppm) and reading
    the text layer (pdftotext); both from Debian's poppler-utils (scripts/services.sh)."""
    out = tmp_path / "report.pdf"
    argv = ["analyse", "--protocol", "rux-hlh-salvage", "--cohort", str(COHORT)]
    argv += ["--subjects", str(COHORT / "subjects.csv"), "--out", str(out)]
    assert run(argv) == 0
    capsys.readouterr()
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert "Every number in this report is computed by trialkit" in flat
    assert "PR: 3/9 (33.3 %" in flat
    assert "improvement, not PR: 5/9 (55.6 %" in flat
    assert "death: 1/9 (11.1 %" in flat
    assert "two-sided P = 0.0476" in flat
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2  # the text and the figures do not fit one page
    assert all(p.stat().st_size > 1000 for p in pages)
    assert (tmp_path / "report.survival.km.png").stat().st_size > 1000
    assert (tmp_path / "report.survival.km.svg").read_bytes().startswith(b"<?xml")


def test_the_report_shows_the_flow_of_patients_from_a_screening_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "screening.jsonl"
    examples = ROOT / "examples"
    assert run(["screen", str(examples), "--protocol", "rux-hlh-salvage", "--out", str(log)]) == 0
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    verdicts = [line["screenings"][0]["verdict"] for line in lines]
    out = tmp_path / "r.html"
    argv = ["analyse", "--protocol", "rux-hlh-salvage", "--cohort", str(COHORT)]
    argv += ["--subjects", str(COHORT / "subjects.csv"), "--out", str(out), "--screening", str(log)]
    capsys.readouterr()
    assert run(argv) == 0
    page = out.read_text(encoding="utf-8")
    assert f"<tr><th>Assessed for eligibility</th><td>{len(lines)}</td></tr>" in page
    assert f"<tr><th>Eligible</th><td>{verdicts.count('eligible')}</td></tr>" in page
    assert "<tr><th>Analysed (this cohort)</th><td>9</td></tr>" in page
    log.write_text('{"schema": "trialkit.screen/1"}\n', encoding="utf-8")
    assert run([*argv, "--force"]) == 2
    assert f"{log}:1: not a screening line" in capsys.readouterr().err
