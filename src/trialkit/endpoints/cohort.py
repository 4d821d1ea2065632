"""A trial cohort on disk: a subjects table and a folder of FHIR bundles, one per subject.

The subjects table is a CSV file with a header (``docs/analysis.md``): the
subject id, the inclusion date and, when the protocol counts from it, day 1
(first dose); optionally the arm, the Simon stage and the date last known
alive. Any other column is kept as an attribute of the subject (a grouping
for a comparison). Each subject's record is ``<subject_id>.json`` in the
cohort folder. Every error names the file, the line or the subject, and the
field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from trialkit._files import read_regular
from trialkit.endpoints.subject import Subject
from trialkit.errors import CohortError
from trialkit.record import PatientRecord, read_bundle

__all__ = [
    "COLUMNS",
    "MAX_SUBJECTS_BYTES",
    "Cohort",
    "parse_subjects",
    "read_cohort",
    "read_subjects",
]

COLUMNS = ("subject_id", "inclusion", "day1", "arm", "stage", "last_contact")
"""The subjects table's own columns; ``subject_id`` and ``inclusion`` are required."""

MAX_SUBJECTS_BYTES = 64 * 1024 * 1024
"""The largest subjects table read (about a million subjects)."""


@dataclass(frozen=True, slots=True)
class Cohort:
    """The subjects of a trial with the folder their records are read from, one at a time."""

    subjects: tuple[Subject, ...]
    folder: Path

    def records(self) -> Iterator[tuple[Subject, PatientRecord]]:
        """Each subject with its record, in the table's order (a bundle error names its file)."""
        for subject in self.subjects:
            yield subject, read_bundle(self.folder / f"{subject.subject_id}.json")


def read_cohort(folder: str | Path, subjects: str | Path) -> Cohort:
    """The cohort of ``subjects`` (a CSV file) whose bundles are in ``folder``.

    Raises :class:`CohortError` when a subject of the table has no bundle, or a
    bundle (a ``.json`` file of the folder) has no subject in the table.
    """
    where = Path(folder)
    if not where.is_dir():
        raise CohortError(f"{where}: not a folder (the cohort's FHIR bundles, one per subject)")
    table = read_subjects(subjects)
    bundles = {p.stem: p for p in where.glob("*.json")}
    for subject in table:
        if subject.subject_id not in bundles:
            raise CohortError(
                f"subject {subject.subject_id}: no bundle {subject.subject_id}.json in {where}"
            )
    known = {s.subject_id for s in table}
    strays = sorted(set(bundles) - known)
    if strays:
        raise CohortError(
            f"{bundles[strays[0]]}: no subject {strays[0]!r} in {subjects}"
            + (
                f" (and {len(strays) - 1} more bundles without a subject)"
                if len(strays) > 1
                else ""
            )
        )
    return Cohort(table, where)


def read_subjects(path: str | Path) -> tuple[Subject, ...]:
    """The subjects of a CSV subjects table (UTF-8, with a header)."""
    file = Path(path)
    raw = read_regular(file, MAX_SUBJECTS_BYTES, CohortError)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CohortError(
            f"{file}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    return parse_subjects(text, str(file))


def parse_subjects(text: str, origin: str = "subjects") -> tuple[Subject, ...]:
    """The subjects of a subjects table given as CSV text."""
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if header is None:
        raise CohortError(f"{origin}: empty; the header needs subject_id and inclusion")
    names = [h.strip() for h in header]
    for needed in ("subject_id", "inclusion"):
        if needed not in names:
            raise CohortError(f"{origin}: no column {needed!r} (columns: {', '.join(names)})")
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise CohortError(f"{origin}: column {doubled[0]!r} appears twice")
    subjects: list[Subject] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            raise CohortError(f"{origin}:{line}: {len(row)} fields, the header has {len(names)}")
        cells = {n: c.strip() for n, c in zip(names, row, strict=True)}
        subject_id = cells["subject_id"]
        _check_id(subject_id, f"{origin}:{line}")
        if subject_id in seen:
            raise CohortError(
                f"{origin}:{line}: subject {subject_id} is already on line {seen[subject_id]}"
            )
        seen[subject_id] = line
        where = f"{origin}:{line}: subject {subject_id}"
        inclusion = _date(cells["inclusion"], where, "inclusion", required=True)
        day1 = _date(cells.get("day1", ""), where, "day1")
        if inclusion is not None and day1 is not None and inclusion > day1:
            raise CohortError(f"{where}: inclusion {inclusion} is after day1 {day1}")
        subjects.append(
            Subject(
                subject_id,
                inclusion or date.min,
                day1=day1,
                arm=cells.get("arm") or None,
                stage=_stage(cells.get("stage", ""), where),
                last_contact=_date(cells.get("last_contact", ""), where, "last_contact"),
                attributes=tuple((n, c) for n, c in cells.items() if n not in COLUMNS),
            )
        )
    if not subjects:
        raise CohortError(f"{origin}: no subject (only a header)")
    return tuple(subjects)


def _check_id(subject_id: str, where: str) -> None:
    if not subject_id:
        raise CohortError(f"{where}: subject_id is empty")
    if "/" in subject_id or "\\" in subject_id or subject_id.startswith("."):
        raise CohortError(
            f"{where}: subject_id {subject_id!r} cannot name a bundle file "
            "(no '/', '\\' or leading '.')"
        )


def _date(value: str, where: str, field: str, *, required: bool = False) -> date | None:
    if not value:
        if required:
            raise CohortError(f"{where}: {field} is empty (a date such as 2026-01-31)")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CohortError(
            f"{where}: {field}: {value!r} is not a date (YYYY-MM-DD, e.g. 2026-01-31)"
        ) from None


def _stage(value: str, where: str) -> int | None:
    if not value:
        return None
    if value not in {"1", "2"}:
        raise CohortError(f"{where}: stage: {value!r} is not 1 or 2 (a Simon design's stage)")
    return int(value)
