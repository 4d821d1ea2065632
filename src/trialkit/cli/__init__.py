"""The ``trialkit`` command: one entry point over every layer.

User-input errors (:class:`trialkit.errors.TrialkitInputError`) become exit code 2
and one line on stderr; no traceback is ever shown for them.

Start-up: a run imports only the module of the command it runs (``trialkit screen``
never imports numpy, duckdb or sqlglot). The other commands appear in ``trialkit
--help`` through their one-line summaries in ``_COMMANDS``; a test checks that those
summaries are the commands' own.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from trialkit.cli.text import report
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
    "analyse": (
        "trialkit.cli.analyse",
        "Analyse a trial: every endpoint per subject, the study-level estimates, a report.",
    ),
    "synth": ("trialkit.cli.synth", "Synthetic data sets."),
    "edc": ("trialkit.cli.edc", "The study database: set up, audit, gate, export."),
    "serve": (
        "trialkit.cli.serve",
        "Serve the web application; ``--demo`` builds the demo study first and prints the logins.",
    ),
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
    """Run the CLI with ``argv`` and return the exit code (used by ``main`` and tests).

    0 success; 2 bad input or an output that cannot be written, with one line
    on stderr; 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM) when
    interrupted, with one line on stderr (``docs/cli.md``, "Exit codes").
    """
    from trialkit.cli.files import deferred
    from trialkit.cli.signals import exit_code, handled

    with handled() as received, deferred() as commit:
        try:
            code = _invoke(list(sys.argv[1:] if argv is None else argv))
            sys.stdout.flush()
            if received() is None:
                code = _committed(commit, code)
        except KeyboardInterrupt:
            code = exit_code(signal.SIGINT)
        except OSError as error:
            code = _failed_write(error)
        except Exception:
            # DuckDB runs Python's signal handlers while a query executes and turns the
            # handler's KeyboardInterrupt into RuntimeError('Query interrupted'): after a
            # signal, whatever the interrupted work raised is the interrupt (the clean-up
            # of the finally blocks has run on the way out).
            if received() is None:
                raise
            code = exit_code(signal.SIGINT)
        signum = received()
        if signum is not None or code == exit_code(signal.SIGINT):
            name = signal.Signals(signum or signal.SIGINT).name
            report(f"interrupted ({name})", None)
            return exit_code(signum or signal.SIGINT)
        return code


def _committed(commit: Callable[[], None], code: int) -> int:
    """Move the run's output files into place, last: a stdout that failed leaves none."""
    try:
        commit()
    except TrialkitInputError as error:
        report(error)
        return 2
    return code


def _invoke(args: list[str]) -> int:
    """The command's exit code; every error a user can cause is one line on stderr."""
    try:
        _register(_invoked(args))
        # Without standalone mode click returns a raised typer.Exit's code, and
        # Typer the exit code of an interrupted run (130).
        code = app(args=args, prog_name="trialkit", standalone_mode=False)
    except TrialkitInputError as error:
        report(error)
        return 2
    except typer.TyperException as error:
        # Usage errors (unknown option, a value that is not a number) get the same
        # one-line form as every other input error; bare `trialkit` shows the help.
        if type(error).__name__ == "NoArgsIsHelpError":
            error.show()  # type: ignore[attr-defined]
            return 0
        message = getattr(error, "format_message", error.__str__)()
        report(" ".join(str(message).split()))
        return int(getattr(error, "exit_code", 2))
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        report("aborted", None)
        return 1
    except SystemExit as done:
        # Typer ends a run whose stdout pipe was closed (`| head`) with exit code 1.
        return done.code if isinstance(done.code, int) else 1
    return code if isinstance(code, int) else 0


def _failed_write(error: OSError) -> int:
    """Exit code 2 for an output that cannot be written (a full disk, ``> /dev/full``)."""
    if error.errno == errno.EPIPE:
        _quiet_stdout()
        return 1
    if error.filename is not None:
        report(f"{error.filename}: {error.strerror or error}")
    else:
        report(f"cannot write the output: {error.strerror or error}")
    _quiet_stdout()
    return 2


def _quiet_stdout() -> None:
    """Point stdout at the null device, so that the exit's final flush cannot fail again."""
    try:
        sys.stdout.flush()
    except OSError:
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main() -> None:
    """Console-script entry point.

    OpenBLAS, loaded with numpy, starts a worker thread per core whose start-up costs
    ``trialkit design`` about 40 ms of CPU (a tenth of its run, issue 12); no command
    does linear algebra, so one thread is asked for unless the user chose a number.
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    sys.exit(run())
