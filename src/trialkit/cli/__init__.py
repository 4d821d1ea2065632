"""The ``trialkit`` command: one entry point over every layer.

User-input errors (:class:`trialkit.errors.TrialkitInputError`) become exit code 2
and one line on stderr; no traceback is ever shown for them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from trialkit.errors import TrialkitInputError

__all__ = ["app", "main", "run"]

app = typer.Typer(
    name="trialkit",
    help="Clinical trials as code: scores, screening, trial design.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    # Sub-command modules register themselves on import; kept in one place so
    # the command tree is visible here.
    from trialkit.cli import (  # noqa: F401
        demo,
        design,
        prescreen,
        protocol,
        scores,
        screen,
        synth,
        vocab,
    )


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code (used by ``main`` and tests)."""
    _register()
    try:
        app(
            args=list(argv) if argv is not None else None,
            prog_name="trialkit",
            standalone_mode=False,
        )
    except TrialkitInputError as error:
        print(f"trialkit: error: {error}", file=sys.stderr)
        return 2
    except typer.TyperException as error:
        # Usage errors (unknown option, a value that is not a number) get the same
        # one-line form as every other input error; bare `trialkit` shows the help.
        if type(error).__name__ == "NoArgsIsHelpError":
            error.show()  # type: ignore[attr-defined]
            return 0
        message = getattr(error, "format_message", error.__str__)()
        print(f"trialkit: error: {' '.join(str(message).split())}", file=sys.stderr)
        return int(getattr(error, "exit_code", 2))
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        print("trialkit: aborted", file=sys.stderr)
        return 1
    return 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
