"""Text from input, printed safely, and the one line of an error or warning.

Every value that comes from input (a resource id, a criterion text, a unit, a
file name) can hold Rich markup (``[bold red]``, ``[/]``), terminal escape
sequences or newlines. :func:`plain` shows control characters as escapes and
:func:`shown` also escapes markup, for text printed through a Rich console;
:func:`report` is the one place that prints an error or warning line. Light on
purpose: ``trialkit --help`` and ``trialkit design`` load it and nothing else
of trialkit's layers.
"""

from __future__ import annotations

import re
import sys

from rich.markup import escape

__all__ = ["plain", "report", "shown"]

# C0 and C1 controls (newline, ESC, ...), the line and paragraph separators and the
# bidirectional overrides and isolates, which reorder what a terminal shows.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_NEWLINE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def plain(value: object, *, lines: bool = False) -> str:
    """``value`` as text on one line, each control character written as its escape (``\\x1b``).

    With ``lines``, newlines are kept (a multi-line text shown as such).
    """
    return (_CONTROL_BUT_NEWLINE if lines else _CONTROL).sub(_escape_control, str(value))


def _escape_control(found: re.Match[str]) -> str:
    return repr(found.group())[1:-1]


def shown(value: object) -> str:
    """``value`` safe inside Rich markup: :func:`plain`, with ``[`` escaped so that no tag applies."""
    return escape(plain(value))


def report(message: object, level: str | None = "error") -> None:
    """One line on stderr, ``trialkit: <level>: <message>``, whatever the message holds."""
    prefix = f"trialkit: {level}: " if level else "trialkit: "
    print(prefix + plain(message), file=sys.stderr, flush=True)
