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
    from trialkit.cli import design  # noqa: F401


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code (used by ``main`` and tests)."""
    _register()
    try:
        app(args=list(argv) if argv is not None else None, standalone_mode=False)
    except TrialkitInputError as error:
        print(f"trialkit: error: {error}", file=sys.stderr)
        return 2
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        print("trialkit: aborted", file=sys.stderr)
        return 1
    except Exception as error:  # click usage errors carry their own exit code
        import click

        if isinstance(error, click.ClickException):
            error.show()
            return error.exit_code
        raise
    return 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
