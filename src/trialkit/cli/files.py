"""Output files: never half written, never over an input, over an existing file only with --force.

Every file a command writes goes first to a hidden name beside it
(``.<stem>.<random>.partial<suffix>``, the suffix kept for writers that read
the format from it); the files of a run are moved into place
together, once the whole command has succeeded. An error or an interrupt
(Ctrl-C, SIGTERM) removes them: a reader never sees a partial file, and
``prescreen --all`` stopped after one protocol leaves no file of that run.
SIGKILL cannot be caught and can leave a ``.partial`` file behind (the hidden
names and the move: :class:`trialkit._outputs.Outputs`). A file
that exists is replaced only with ``--force``; a file that is one of the
command's inputs (the same path, or the same file through a link) never is
(``docs/cli.md``, "Output files").
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from trialkit._outputs import Outputs
from trialkit.errors import TrialkitInputError

__all__ = ["Outputs", "check_output", "deferred", "writing"]


def check_output(option: str, file: Path, inputs: Iterable[Path] = (), *, force: bool) -> None:
    """Refuse ``file`` as an output before any work: an input, an existing file, a bad folder.

    ``option`` names the option in the message (``--out x.csv``).
    """
    for source in inputs:
        if _same(file, source):
            raise TrialkitInputError(
                f"{option}: is an input of this command ({source}); give another file name"
            )
    if file.is_dir():
        raise TrialkitInputError(f"{option}: is a folder; give a file name")
    if (file.exists() or file.is_symlink()) and not force:
        raise TrialkitInputError(f"{option}: exists; --force replaces it")
    folder = file.parent if str(file.parent) else Path(".")
    if not folder.is_dir():
        raise TrialkitInputError(f"{option}: no such folder {folder}")
    if not os.access(folder, os.W_OK):
        raise TrialkitInputError(f"{option}: the folder {folder} is not writable")


def _same(file: Path, source: Path) -> bool:
    """Whether ``file`` and ``source`` are one file: one resolved path, or one inode."""
    if file.resolve() == source.resolve():
        return True
    try:
        return os.path.samefile(file, source)
    except OSError:
        return False  # one of them does not exist: not the same file


_DEFERRED: list[Outputs] | None = None
"""While a command line runs (:func:`deferred`), the outputs of its finished blocks."""


@contextmanager
def writing(*, force: bool) -> Iterator[Outputs]:
    """A run's output files: committed when the block ends normally, else removed.

    Within :func:`deferred` (a command run by the ``trialkit`` command line)
    they are committed at its end instead, once the command's stdout is
    written: a command whose stdout fails (``> /dev/full``) leaves no file.
    """
    outputs = Outputs(force=force)
    handed = False
    try:
        yield outputs
        if _DEFERRED is None:
            outputs.commit()
        else:
            _DEFERRED.append(outputs)
            handed = True
    finally:
        if not handed:
            outputs.discard()


@contextmanager
def deferred() -> Iterator[Callable[[], None]]:
    """Within: output files are moved into place only by the yielded commit, else removed.

    The command line commits after the command returned and its stdout was
    flushed, unless a signal arrived; anything not committed is removed on
    the way out.
    """
    global _DEFERRED
    previous, _DEFERRED = _DEFERRED, []
    pending = _DEFERRED

    def commit() -> None:
        while pending:
            pending[0].commit()
            pending.pop(0).discard()

    try:
        yield commit
    finally:
        for outputs in pending:
            outputs.discard()
        _DEFERRED = previous
