"""Start-up: a command imports only what it runs (issue 12; timings in bench/bench_startup.py).

Wall-clock targets are measured by the benchmark; these tests pin their cause, which
does not depend on the machine's load: the modules a command loads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from trialkit.cli import _COMMANDS, _register, app

EXAMPLE = Path(__file__).parents[2] / "examples" / "r-hlh-eligible.json"

# Loaded for none of the commands below: the unit registry (pint, ucumvert, lark: most of
# a second), the SQL back-end, the synthetic data generator, the plots.
_NEVER = ("pint", "ucumvert", "lark", "duckdb", "sqlglot", "matplotlib", "scipy", "trialkit.synth")


def _modules(*argv: str) -> set[str]:
    """The modules loaded by ``trialkit argv`` run in a fresh interpreter."""
    code = (
        "import json, sys\n"
        "from trialkit.cli import run\n"
        f"code = run({list(argv)!r})\n"
        "sys.stderr.write(json.dumps(sorted(sys.modules)))\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stderr.splitlines()[-1]))


def _loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(p for p in packages if any(m == p or m.startswith(p + ".") for m in modules))


def test_help_loads_no_layer() -> None:
    modules = _modules("--help")
    layers = ("numpy", "pydantic", "trialkit.record", "trialkit.scores", "trialkit.eligibility")
    assert _loaded(modules, _NEVER + layers) == []


def test_design_loads_no_screening_layer() -> None:
    modules = _modules("design", "simon", "--p0", "0.1", "--p1", "0.3", "--beta", "0.2")
    assert _loaded(modules, (*_NEVER, "trialkit.record", "trialkit.eligibility")) == []


def test_design_simon_loads_the_search_only() -> None:
    # The other design modules (inference, decisions, operating characteristics, the
    # R-HLH design), numpy.typing and the layers with pydantic models are not needed to
    # search and print designs. Nor is pydantic: typer 0.29 coerced every option through
    # it (90 ms of CPU per command), hence typer < 0.29 in pyproject.toml.
    modules = _modules("design", "simon", "--p0", "0.1", "--p1", "0.3", "--beta", "0.2")
    assert "trialkit.design.simon" in modules
    unneeded = (
        "trialkit.design.inference",
        "trialkit.design.decision",
        "trialkit.design.operating",
        "trialkit.design.r_hlh",
        "trialkit.design.protocol_check",
        "numpy.typing",
        "trialkit.protocol",
        "trialkit.vocab",
        "trialkit.units",
        "trialkit.scores",
        "pydantic",
    )
    assert _loaded(modules, unneeded) == []


def test_screen_of_a_bundle_loads_no_unit_registry_nor_numpy() -> None:
    modules = _modules("screen", str(EXAMPLE), "--protocol", "r-hlh")
    assert "trialkit.eligibility" in modules
    assert _loaded(modules, (*_NEVER, "numpy")) == []


def _blas(threads: str | None) -> tuple[int, str]:
    """Threads running once numpy is loaded after ``trialkit --help``, and OPENBLAS_NUM_THREADS."""
    code = (
        "import os, sys, time\n"
        "from trialkit.cli import main\n"
        "sys.argv = ['trialkit', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "for _ in range(500):  # the signal watcher's thread, joined, may still be ending\n"
        "    if len(os.listdir('/proc/self/task')) == 1:\n"
        "        break\n"
        "    time.sleep(0.01)\n"
        "import numpy\n"
        "running = len(os.listdir('/proc/self/task'))\n"
        "sys.stderr.write(f\"{running} {os.environ.get('OPENBLAS_NUM_THREADS', '-')}\")\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if threads is not None:
        env["OPENBLAS_NUM_THREADS"] = threads
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    running, chosen = done.stderr.split()
    return int(running), chosen


def test_the_command_starts_no_blas_threads_unless_asked() -> None:
    # OpenBLAS's worker threads cost design simon about 40 ms of CPU (issue 12); on a
    # machine of one core OpenBLAS starts none, and only the variable tells.
    assert _blas(None) == (1, "1")
    assert _blas("3")[1] == "3"


@pytest.mark.parametrize("name", list(_COMMANDS))
def test_help_summaries_are_the_commands_own(name: str) -> None:
    _register()
    root = typer.main.get_command(app)
    real = root.commands[name]  # type: ignore[attr-defined]
    assert real.help is not None
    first = " ".join(real.help.strip().split("\n\n")[0].split())
    assert _COMMANDS[name][1] == first, f"cli/__init__.py _COMMANDS[{name!r}] is stale"
