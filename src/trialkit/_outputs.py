"""Output files written under hidden names and moved into place together, or removed.

Each file goes first to a hidden name beside it
(``.<stem>.<random>.partial<suffix>``, the suffix kept for writers that read
the format from it), so that the move into place is a rename in one folder;
:meth:`Outputs.commit` moves every written file, :meth:`Outputs.discard`
removes what was not moved. The command line's rules around it (never over an
input, over an existing file only with ``--force``, committed after stdout) are
in :mod:`trialkit.cli.files`; library writers such as
:func:`trialkit.eligibility.sql.prescreen_to_files` use the same class.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from trialkit.errors import TrialkitInputError

__all__ = ["Outputs"]


class Outputs:
    """The files of one run: written under hidden names, moved into place by :meth:`commit`."""

    def __init__(self, *, force: bool) -> None:
        self.force = force
        self._pending: dict[Path, Path] = {}

    def partial(self, file: Path) -> Path:
        """The hidden name to write ``file`` to (in the same folder, so the move is a rename)."""
        hidden = file.with_name(f".{file.stem}.{uuid.uuid4().hex}.partial{file.suffix}")
        self._pending[file] = hidden
        return hidden

    def commit(self) -> None:
        """Move every written file into place (replacing only with ``force``)."""
        for file, hidden in list(self._pending.items()):
            if not hidden.exists():
                continue
            if self.force:
                os.replace(hidden, file)
            else:
                _place(hidden, file)
            del self._pending[file]

    def discard(self) -> None:
        """Remove the hidden files not moved into place."""
        for hidden in self._pending.values():
            hidden.unlink(missing_ok=True)
        self._pending.clear()


def _place(hidden: Path, file: Path) -> None:
    """Move ``hidden`` to ``file`` unless ``file`` exists (a link fails on an existing name)."""
    try:
        os.link(hidden, file)
    except FileExistsError:
        raise TrialkitInputError(
            f"{file}: was created by something else while this command ran; not replaced "
            f"(the result is not kept)"
        ) from None
    except OSError:
        # A file system without hard links: check, then rename (not atomic).
        if file.exists():
            raise TrialkitInputError(
                f"{file}: was created by something else while this command ran; not replaced"
            ) from None
        os.replace(hidden, file)
        return
    hidden.unlink()
