"""DuckDB connections that print nothing of their own.

DuckDB draws a progress bar on stdout for a query that runs over two
seconds. trialkit's stdout is its output (``prescreen --json`` printed the
bar before the JSON when a load took that long), and its own progress
display is on stderr: every connection trialkit opens turns DuckDB's off.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

__all__ = ["quiet", "quiet_connect"]


def quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """``con`` with DuckDB's progress bar off (a setting of each connection and cursor)."""
    con.execute("SET enable_progress_bar = false")
    return con


def quiet_connect(
    database: str | Path = ":memory:", *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` with the progress bar off."""
    return quiet(duckdb.connect(str(database), read_only=read_only))
