"""Every clinical decision the repository cites is defined in the repository.

Docstrings, comments, data files and docs cite the conventions trialkit chose
where sources disagree as "decision §9.3" or "docs/clinical-decisions.md §9.3".
A reader who clones only the repository must be able to follow them, so:

- every cited number is a heading of ``docs/clinical-decisions.md``;
- a file that cites a decision names ``docs/clinical-decisions.md``;
- nothing cites the team's notes outside the repository (the architecture file
  and the reference notes its content was taken from). The test data sets,
  which are not shipped (``shared/datasets``), may still be named as a path.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DECISIONS = ROOT / "docs" / "clinical-decisions.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
SCANNED = (ROOT / "src", ROOT / "tests", ROOT / "docs", ROOT / "README.md")
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".json", ".toml", ".txt", ".sql"}

_NUMBER = r"§\d+(?:\.\d+)*"
_RUN = rf"{_NUMBER}(?:\s*(?:,|and|&)\s*{_NUMBER})*"
#: "decision §9.3", "decisions §9.3, §9.5", "clinical-decisions.md §4, §10".
_CITED = re.compile(rf"(?:[Dd]ecisions?|clinical-decisions(?:\.md)?)[ ,:(]*({_RUN})")
#: The decisions are §9.x wherever they are cited, even without a file name.
_DECISION = re.compile(r"§9\.\d+")
#: Notes outside the repository that citations used to point to.
_OUTSIDE = re.compile(
    r"ARCHITECTURE\.md|clinical-scores\.md|ecosystem\.md|shared/reference\b"
    r"|\.\./shared/(?!datasets\b)"
)


def defined_numbers(text: str) -> set[str]:
    """The section numbers of a decisions file: each heading that starts with ``§N``."""
    return set(re.findall(r"^#{2,6} §(\d+(?:\.\d+)*)\b", text, flags=re.MULTILINE))


def problems(text: str, defined: set[str]) -> list[str]:
    """What is wrong with the citations in ``text``, one message per citation."""
    found: list[str] = []
    cited: set[str] = set()
    for match in _CITED.finditer(text):
        cited.update(re.findall(r"§(\d+(?:\.\d+)*)", match.group(1)))
    cited.update(m[1:] for m in _DECISION.findall(text))
    found.extend(
        f"cites §{number}, which docs/clinical-decisions.md does not define"
        for number in sorted(cited - defined)
    )
    if (_DECISION.search(text) or re.search(rf"[Dd]ecisions? {_NUMBER}", text)) and (
        "clinical-decisions.md" not in text
    ):
        found.append("cites a decision without naming docs/clinical-decisions.md")
    found.extend(f"cites {m.group(0)!r}, outside the repository" for m in _OUTSIDE.finditer(text))
    return found


def _scanned_files() -> list[Path]:
    files: list[Path] = []
    for top in SCANNED:
        candidates = [top] if top.is_file() else sorted(top.rglob("*"))
        files.extend(
            path
            for path in candidates
            if path.is_file()
            and path.suffix in SUFFIXES
            and "__pycache__" not in path.parts
            and path != Path(__file__).resolve()
        )
    return files


def test_every_cited_decision_is_defined_in_the_repository() -> None:
    defined = (
        defined_numbers(DECISIONS.read_text(encoding="utf-8")) if DECISIONS.exists() else set()
    )
    report = [
        f"{path.relative_to(ROOT)}: {message}"
        for path in _scanned_files()
        for message in problems(path.read_text(encoding="utf-8"), defined)
    ]
    assert not report, "\n".join(report)


def test_the_decisions_file_defines_the_ten_decisions() -> None:
    defined = defined_numbers(DECISIONS.read_text(encoding="utf-8"))
    assert {f"9.{n}" for n in range(1, 11)} <= defined


def test_the_architecture_names_what_exists() -> None:
    """Every module, package and doc that docs/architecture.md names is in the repository."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    missing = [
        path for path in re.findall(r"\bdocs/[\w-]+\.md\b", text) if not (ROOT / path).exists()
    ]
    for dotted in re.findall(r"`(trialkit(?:\.\w+)+)`", text):
        base = ROOT / "src" / Path(*dotted.split("."))
        if not (base.is_dir() or base.with_suffix(".py").exists()):
            missing.append(dotted)
    assert not missing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("decision §9.12 of docs/clinical-decisions.md", ["§9.12"]),
        ("decisions §9.3 and §9.11 (docs/clinical-decisions.md)", ["§9.11"]),
        ("docs/clinical-decisions.md §4, §10", ["§10"]),
        ("see clinical-scores.md §9.3", ["without naming", "clinical-scores.md"]),
        ("layers: ../shared/ARCHITECTURE.md", ["../shared/", "ARCHITECTURE.md"]),
        ("decision §9.3 of docs/clinical-decisions.md", []),
        ("a protocol's decision: read as grade 2 (UCUM §4.2.3)", []),
        ("CSVs in ../shared/datasets/omop", []),
    ],
)
def test_the_scanner_finds_bad_citations(text: str, expected: list[str]) -> None:
    found = problems(text, defined={"4", "9", "9.3"})
    assert len(found) == len(expected)
    for message, fragment in zip(found, expected, strict=True):
        assert fragment in message
