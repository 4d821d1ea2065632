"""The ``trialkit`` command: one entry point over every layer.

User-input errors (:class:`trialkit.errors.TrialkitInputError`) become exit code 2
and one line on stderr; no traceback is ever shown for them.

Start-up: a run imports only the module of the command it runs (``trialkit screen``
never imports numpy, duckdb or sqlglot). The other commands appear in ``trialkit
--help`` through their one-line summaries in ``_COMMANDS``; a test checks that those
summaries are the commands' own.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from trialkit.errors import TrialkitInputError

__all__ = ["app", "main", "run"]

_COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module that registers it, its one-line summary), in the order of `--help`
    "scores": (
        "trialkit.cli.scores",
        "Compute every clinical score the bundle allows, with components, evidence and gaps.",
    ),
    "screen": (
        "trialkit.cli.screen",
        "Is the patient eligible? Every criterion met / not met / unknown, with evidence and gaps.",
    ),
    "demo": (
        "trialkit.cli.demo",
        "Score a packaged synthetic patient and screen it against every protocol: no input needed.",
    ),
    "prescreen": (
        "trialkit.cli.prescreen",
        "Pre-screen an OMOP CDM population: a row per person, criteria and evidence, to a file.",
    ),
    "vocab": (
        "trialkit.cli.vocab",
        "List the concepts trialkit understands, with their codes and units.",
    ),
    "protocol": ("trialkit.cli.protocol", "Protocol files: list, validate, check, show."),
    "design": ("trialkit.cli.design", "Trial design statistics: Simon two-stage designs."),
    "synth": ("trialkit.cli.synth", "Synthetic data sets."),
}


class _Commands(TyperGroup):
    """The root group: a command whose module was not imported is listed by its summary."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in _COMMANDS:
            return TyperCommand(cmd_name, help=_COMMANDS[cmd_name][1])
        return found


app = typer.Typer(
    name="trialkit",
    help="Clinical trials as code: scores, screening, trial design.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=_Commands,
)


@app.callback()
def _root() -> None:
    # A callback keeps the root a group when a run registers a single command.
    pass


def _register(names: Sequence[str] | None = None) -> None:
    """Import the modules of the commands ``names`` (default: all); each registers itself."""
    for name in _COMMANDS if names is None else names:
        import_module(_COMMANDS[name][0])


def _invoked(argv: Sequence[str]) -> list[str]:
    # The root takes no option with a value, so the first word that is not an option
    # is the command; without a known one only the summaries are needed.
    command = next((word for word in argv if not word.startswith("-")), None)
    return [command] if command in _COMMANDS else []


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code (used by ``main`` and tests)."""
    args = list(sys.argv[1:] if argv is None else argv)
    _register(_invoked(args))
    try:
        # Without standalone mode click returns a raised typer.Exit's code instead.
        code = app(args=args, prog_name="trialkit", standalone_mode=False)
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
    return code if isinstance(code, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
