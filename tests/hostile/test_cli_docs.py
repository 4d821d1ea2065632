"""docs/cli.md states the promise this suite checks: exit codes, output files, untrusted text.

Before: it named exit codes 0 and 2 only, and said nothing of interrupts,
of replacing files or of partial files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CLI = (Path(__file__).parents[2] / "docs" / "cli.md").read_text()


@pytest.mark.parametrize(
    "promise",
    [
        "| 0 | success |",
        "| 2 | bad input, or an output that cannot be written",
        "| 130 | interrupted by Ctrl-C (SIGINT)",
        "| 143 | stopped by SIGTERM",
        "SIGKILL cannot be caught and can leave a hidden `.partial` file behind",
        "A file that exists is replaced only with `--force`",
        "is never written, with or without `--force`",
        "Rich markup in it (`[bold red]`) is shown as written",
    ],
)
def test_docs_cli_states(promise: str) -> None:
    assert promise in " ".join(CLI.split())
