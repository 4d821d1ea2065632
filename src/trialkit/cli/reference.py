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


def reference() -> str:
    """The markdown CLI reference."""
    _register()
    root = typer.main.get_command(app)
    head = [
        "# trialkit command-line reference",
        "",
        "Generated from the code by `uv run python -m trialkit.cli.reference > docs/cli.md`;",
        "a test fails when this file and the commands disagree. Exit codes: 0 success,",
        "2 bad input (one line on stderr), never a traceback for user error; 1 when a",
        "batch `trialkit screen` (several bundles or a folder) could not screen some",
        "bundles (each named on stderr with the reason; the others are in the output,",
        "docs/screen-json.md).",
        "",
    ]
    return "\n".join(head + _lines(root, "trialkit")).rstrip() + "\n"


if __name__ == "__main__":
    print(reference(), end="")
