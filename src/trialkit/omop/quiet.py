"""The DuckDB connections trialkit opens: they print nothing of their own, and a signal stops them.

DuckDB draws a progress bar on stdout for a query that runs over two
seconds. trialkit's stdout is its output (``prescreen --json`` printed the
bar before the JSON when a load took that long), and its own progress
display is on stderr: every connection trialkit opens turns DuckDB's off,
and is registered with :func:`trialkit._interrupt.interruptible` so that
Ctrl-C or SIGTERM interrupts its running query.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from trialkit._interrupt import interruptible

__all__ = ["quiet", "quiet_connect"]


def quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """``con`` with DuckDB's progress bar off (a setting of each connection and cursor), interruptible."""
    con.execute("SET enable_progress_bar = false")
    return interruptible(con)


def quiet_connect(
    database: str | Path = ":memory:", *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` with the progress bar off."""
    return quiet(duckdb.connect(str(database), read_only=read_only))
