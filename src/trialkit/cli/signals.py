"""Ctrl-C (SIGINT) and SIGTERM: a command stops, cleans up, and exits 128 + the signal number.

While a command runs, both signals raise ``KeyboardInterrupt`` in the main
thread, so that every ``finally`` block runs: hidden ``.partial`` output files
are removed, databases closed, copies dropped (``docs/cli.md``, "Exit codes").
A handler runs only between Python bytecodes; a DuckDB query is one long C
call, so a watcher thread, woken by the signal through
:func:`signal.set_wakeup_fd`, interrupts the registered DuckDB connections
(:mod:`trialkit._interrupt`) and the query returns at once. A signal that the
parent set to be ignored (``nohup``, a background job of a non-interactive
shell) stays ignored. SIGKILL cannot be caught: it can leave a hidden
``.partial`` file behind.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from trialkit._interrupt import interrupt_all

__all__ = ["HANDLED", "exit_code", "handled"]

HANDLED = (signal.SIGINT, signal.SIGTERM)
"""The signals a command stops on."""


def exit_code(signum: int) -> int:
    """The shell's convention for a process ended by a signal: 128 + its number (130, 143)."""
    return 128 + signum


@contextmanager
def handled() -> Iterator[Callable[[], int | None]]:
    """Within: :data:`HANDLED` signals raise ``KeyboardInterrupt`` and interrupt DuckDB queries.

    Yields a function returning the first signal received (None while none
    was). The previous handlers and wake-up descriptor are restored on exit.
    Outside the main thread (where handlers cannot be set) nothing changes.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    previous = {
        signum: signal.signal(signum, handler)
        for signum in HANDLED
        if signal.getsignal(signum) is not signal.SIG_IGN
    }
    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    watcher = threading.Thread(target=_watch, args=(reader,), name="trialkit-signals", daemon=True)
    woken: int | None = None
    try:
        woken = signal.set_wakeup_fd(writer, warn_on_full_buffer=False)
        watcher.start()
        yield lambda: received[0] if received else None
    finally:
        if woken is not None:
            signal.set_wakeup_fd(woken)
        for signum, before in previous.items():
            signal.signal(signum, before)
        os.close(writer)  # the watcher reads end-of-file and returns
        if watcher.is_alive():
            watcher.join(timeout=5)
        os.close(reader)


def _watch(reader: int) -> None:
    """Interrupt DuckDB on each handled signal written to ``reader``, until it is closed."""
    while True:
        try:
            data = os.read(reader, 64)
        except OSError:
            return
        if not data:
            return
        if any(byte in HANDLED for byte in data):
            interrupt_all()
