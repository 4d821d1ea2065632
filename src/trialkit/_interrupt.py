"""The DuckDB connections a signal stops: a query in C code does not see Python's signal handlers.

Python runs a signal handler between bytecodes, so Ctrl-C or SIGTERM during a
long DuckDB query (one C call, minutes on a large population) would wait for
the query to end. Every connection trialkit opens is registered here with
:func:`interruptible`; the command line's signal watcher (``trialkit.cli.signals``)
calls :func:`interrupt_all` from its own thread, the query raises
``duckdb.InterruptException``, and the handler's ``KeyboardInterrupt`` unwinds
the command, whose ``finally`` blocks remove what it had begun to write.
A library caller that never installs the watcher is unaffected. DuckDB is not
imported here: a command that never opens a connection never loads it.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

__all__ = ["interrupt_all", "interruptible"]

_OPEN: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()
_LOCK = threading.Lock()


def interruptible(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """``con``, registered so that a signal interrupts its running query (kept weakly)."""
    with _LOCK:
        _OPEN.add(con)
    return con


def interrupt_all() -> None:
    """Interrupt the running query of every registered connection (closed ones are skipped)."""
    with _LOCK:
        live = list(_OPEN)
    for con in live:
        try:
            con.interrupt()
        except Exception:
            continue
