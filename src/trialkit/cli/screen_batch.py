"""``trialkit screen`` of many bundles in one process: one line per patient.

The lines (JSON lines or CSV) follow :mod:`trialkit.eligibility.batch`
(``docs/screen-json.md``, "Batch screening"). A bundle that cannot be screened
(unreadable, not FHIR, no dated entry without ``--at``, …) gets a line with its
error, one line on stderr names it, and the others go on; the caller turns the
count of failures into the exit code. An output file follows the rules of
:mod:`trialkit.cli.files`: written under a hidden name and moved into place at the
end (an interrupted run leaves no half file), an existing file replaced only with
``--force``, an input (a bundle, the protocol file) never.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from rich.console import Console

from trialkit._wording import plural
from trialkit.cli.common import index_time, progress_bar, report
from trialkit.cli.files import check_output, writing
from trialkit.eligibility.batch import csv_header, csv_row, failure_line, screening_line
from trialkit.eligibility.evaluate import Context
from trialkit.eligibility.screening import screen
from trialkit.errors import TrialkitInputError
from trialkit.protocol.model import Protocol
from trialkit.record import read_bundle

__all__ = ["FORMATS", "bundle_files", "output_format", "screen_batch"]

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
"""Output formats by file suffix."""


def bundle_files(paths: Sequence[Path]) -> list[Path]:
    """The bundles to screen: each file as given, each folder's ``*.json`` entries by name.

    Every entry counts, a file or not: a pipe, a folder or a dangling link
    named ``*.json`` is a bundle that cannot be read, named on stderr (never
    opened for reading: :func:`trialkit.record.read_bundle` refuses it), not
    one skipped silently.
    """
    files: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        found = sorted(path.glob("*.json"))
        if not found:
            raise TrialkitInputError(f"{path}: no *.json file in this folder")
        files += found
    return files


def output_format(out: Path | None, given: str | None) -> str:
    """``jsonl`` or ``csv``: ``--format`` if given, else from ``--out``'s suffix, else jsonl."""
    if given is not None:
        if given not in ("jsonl", "csv"):
            raise TrialkitInputError(f"--format {given!r}: use jsonl or csv")
        return given
    if out is None:
        return "jsonl"
    found = FORMATS.get(out.suffix.lower())
    if found is None:
        raise TrialkitInputError(
            f"--out {out}: give a .jsonl or .csv file name, or --format jsonl|csv"
        )
    return found


@contextmanager
def _destination(out: Path | None, *, force: bool) -> Iterator[IO[str]]:
    """stdout, or ``out`` written under a hidden name and moved into place on success."""
    if out is None:
        yield sys.stdout
        return
    with (
        writing(force=force) as outputs,
        open(outputs.partial(out), "w", encoding="utf-8", newline="") as handle,
    ):
        yield handle


def _screened(path: Path, protocols: Sequence[Protocol], at: str | None) -> dict[str, Any]:
    record = read_bundle(path)
    when = index_time(at, record)
    context = Context(record, when)
    return screening_line(
        str(path), record, when, [screen(p, record, when, context) for p in protocols]
    )


def _reason(path: Path, error: Exception) -> str:
    text = " ".join(str(error).split())
    return text if text.startswith(str(path)) else f"{path}: {text}"


def screen_batch(
    paths: Sequence[Path],
    protocols: Sequence[Protocol],
    at: str | None,
    out: Path | None,
    given_format: str | None,
    *,
    quiet: bool = False,
    force: bool = False,
    inputs: Sequence[Path] = (),
) -> int:
    """Screen every bundle of ``paths`` against ``protocols``; the number that failed.

    ``inputs``: files read besides the bundles (a protocol file), which ``out``
    may not replace.
    """
    chosen = output_format(out, given_format)
    files = bundle_files(paths)
    if out is not None:
        check_output(f"--out {out}", out, [*files, *paths, *inputs], force=force)
    errors = Console(stderr=True, highlight=False)
    verdicts: dict[str, Counter[str]] = {p.id: Counter() for p in protocols}
    failed = 0
    with (
        _destination(out, force=force) as sink,
        progress_bar(errors, shown=not quiet and errors.is_terminal) as bar,
    ):
        task = bar.add_task("screening", total=len(files))
        writer = csv.writer(sink, lineterminator="\n") if chosen == "csv" else None
        if writer is not None:
            writer.writerow(csv_header(protocols))
        for path in files:
            try:
                line = _screened(path, protocols, at)
            except TrialkitInputError as error:
                failed += 1
                line = failure_line(str(path), _reason(path, error))
                report(line["error"])
            for item in line["screenings"]:
                verdicts[item["protocol"]][item["verdict"]] += 1
            if writer is not None:
                writer.writerow(csv_row(line, protocols))
            else:
                sink.write(json.dumps(line, ensure_ascii=False) + "\n")
            bar.advance(task)
    if not quiet:
        report(_summary(len(files), failed, verdicts, out), None)
    return failed


def _summary(total: int, failed: int, verdicts: dict[str, Counter[str]], out: Path | None) -> str:
    shown = "; ".join(
        f"{protocol}: " + ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
        for protocol, counts in verdicts.items()
        if counts
    )
    where = f" -> {out}" if out is not None else ""
    failures = f"; {failed} could not be screened" if failed else ""
    return (
        f"screened {total - failed} of {plural(total, 'bundle')}{failures}"
        f"{' (' + shown + ')' if shown else ''}{where}"
    )
