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
import sys
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
    was). The previous handlers, wake-up descriptor and unraisable hook are
    restored on exit. Outside the main thread (where handlers cannot be set)
    nothing changes.

    Python cannot propagate an exception out of some callbacks (a weakref
    callback such as an import lock's clean-up, ``__del__``): the handler's
    ``KeyboardInterrupt`` raised there was printed as "Exception ignored"
    with a traceback, and the command went on to the end. Such an interrupt
    is caught by :data:`sys.unraisablehook` and the signal sent again, so
    that it lands outside the callback.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    def unraisable(info: sys.UnraisableHookArgs) -> None:
        if info.exc_type is KeyboardInterrupt and received:
            threading.Timer(0.01, os.kill, (os.getpid(), received[-1])).start()
            return
        before_hook(info)

    before_hook = sys.unraisablehook
    sys.unraisablehook = unraisable
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
        sys.unraisablehook = before_hook
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
