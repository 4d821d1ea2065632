"""The CLI reference (``docs/cli.md``), generated from the command tree itself.

A test regenerates it and compares, so an option added without its document
fails the suite: ``uv run python -m trialkit.cli.reference > docs/cli.md``.
"""

from __future__ import annotations

from typing import Any

import typer

from trialkit.cli import _register, app

__all__ = ["reference"]


def _lines(command: Any, path: str) -> list[str]:
    lines: list[str] = []
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name in sorted(subcommands):
            lines += _lines(subcommands[name], f"{path} {name}")
        return lines
    lines += [f"## `{path}`", "", (command.help or "").strip().split("\n")[0], ""]
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    options = [p for p in command.params if p.param_type_name == "option"]
    if arguments:
        lines.append(
            "Arguments: "
            + ", ".join(f"`{p.name.upper()}` ({getattr(p, 'help', '') or ''})" for p in arguments)
        )
        lines.append("")
    if options:
        lines += ["| option | default | meaning |", "|---|---|---|"]
        for p in options:
            default = "" if p.default in (None, False) or p.required else f"`{p.default}`"
            if p.required:
                default = "required"
            lines.append(f"| `{' / '.join(p.opts)}` | {default} | {(p.help or '').strip()} |")
        lines.append("")
    return lines


_RULES = [
    "## Exit codes",
    "",
    "| code | meaning |",
    "|---|---|",
    "| 0 | success |",
    "| 1 | a batch `trialkit screen` (several bundles or a folder) could not screen some "
    "bundles (each named on stderr with the reason; the others are in the output, "
    "docs/screen-json.md); or stdout closed early (a pipe into `head`), with no message |",
    "| 2 | bad input, or an output that cannot be written (a full disk, `> /dev/full`): "
    "one line on stderr, `trialkit: error: ...`, naming the file, resource or field |",
    "| 130 | interrupted by Ctrl-C (SIGINT): one line on stderr, `trialkit: interrupted (SIGINT)` |",
    "| 143 | stopped by SIGTERM: one line, `trialkit: interrupted (SIGTERM)` (128 + the signal "
    "number, as shells report a process ended by a signal, so that a caller can tell the two "
    "apart) |",
    "",
    "Never a traceback for something a user can cause. An interrupted command stops at once, "
    "a DuckDB query included, and removes what it had begun to write. A signal in the first "
    "moment of start-up, before trialkit has installed its handlers (Python is still importing "
    "it), gets Python's default: SIGTERM ends the process silently, Ctrl-C prints Python's "
    "own message; nothing has been written then.",
    "",
    "## Output files",
    "",
    "Every file a command writes (`prescreen --out`, batch `screen --out`, `synth omop --out`, "
    "`synth trial --out`, `design oc --plot`, `analyse --out` and its analysis dataset) "
    "is written under a hidden name beside it (`.<stem>.<random>.partial<suffix>`) and moved into "
    "place only when the whole command has succeeded and its standard output is written "
    "(so `> /dev/full` leaves no file; `synth omop` is the exception, its tables are in place "
    "before its summary is printed); the files of `prescreen --all` are "
    "moved together. An error or an interrupt removes them: no partial file, and no file "
    "of an interrupted run. SIGKILL cannot be caught and can leave a hidden `.partial` "
    "file behind (remove it).",
    "",
    "A file that exists is replaced only with `--force`. A file that is one of the "
    "command's inputs (the same path, or the same file through a link; for an OMOP folder, "
    "its table files and any name that would be read as a table) is never written, with "
    "or without `--force`. For `synth omop --out FOLDER`, a table the folder holds in any "
    "format or case (`PERSON.csv`, `person.parquet`) exists: `--force` replaces it by its "
    "Parquet file and removes its other files once the run has succeeded, so the folder "
    "never holds two files for one table; a sub-folder named as a table is never removed. "
    "For `synth trial --out FOLDER`, a folder that holds files is refused without `--force`, "
    "and with it unless it is a simulated cohort's (its `README.md` says so): its files are "
    "replaced once the run has succeeded, and its bundles of subjects that the new cohort "
    "does not have are removed at the end of the run, just before, so that the folder holds "
    "one cohort.",
    "",
    "## Untrusted text",
    "",
    "Every value that comes from input (a resource or patient id, a code, a unit, a "
    "protocol's texts, a file name) is printed as text: Rich markup in it (`[bold red]`) "
    "is shown as written, and control characters (a newline, a terminal escape sequence) "
    "as escapes (`\\n`, `\\x1b`), in tables and in error lines alike; an error or warning "
    "is always one line. `protocol show` keeps each text of the file on one line. JSON "
    "output escapes control characters as JSON does.",
    "",
]


def reference() -> str:
    """The markdown CLI reference."""
    _register()
    root = typer.main.get_command(app)
    head = [
        "# trialkit command-line reference",
        "",
        "Generated from the code by `uv run python -m trialkit.cli.reference > docs/cli.md`;",
        "a test fails when this file and the commands disagree.",
        "",
        *_RULES,
    ]
    return "\n".join(head + _lines(root, "trialkit")).rstrip() + "\n"


if __name__ == "__main__":
    print(reference(), end="")
