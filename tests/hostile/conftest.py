"""Helpers of the hostile-input suite: the ``trialkit`` command run as a user runs it.

A test whose point is the process (real signals, real file descriptors such
as ``/dev/full``, resource limits, a hang cut by a timeout) starts the
installed console script in a subprocess (:func:`trialkit`); a test whose
point is what a refusal says runs the same entry point in this process
(:func:`in_process`), without the seconds a Python start-up costs. Both check
the promise of ``docs/cli.md``: exit code 0, 2 or 128 + the signal, one line
on stderr, never a traceback, no partial or clobbered file.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from trialkit.cli import run
from trialkit.examples import example

TRIALKIT = Path(sys.executable).with_name("trialkit")
EXAMPLES = Path(__file__).parents[2] / "examples"


@dataclass(frozen=True)
class Done:
    """A finished run: exit code, stdout and stderr as text."""

    code: int
    out: str
    err: str

    def one_error_line(self) -> str:
        """The single stderr line of a refused run (asserts there is exactly one, no traceback)."""
        lines = self.err.splitlines()
        assert "Traceback" not in self.err, self.err
        assert len(lines) == 1, self.err
        assert lines[0].startswith("trialkit: "), self.err
        return lines[0]


def _child_setup(memory: int | None) -> Callable[[], None]:
    def setup() -> None:
        # A pytest run from a non-interactive shell's background job inherits SIGINT
        # ignored; a user's terminal delivers it.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return setup


def start(
    args: Sequence[str | Path],
    *,
    memory: int | None = None,
    cwd: Path | None = None,
    stdout: Any = subprocess.PIPE,
) -> subprocess.Popen[bytes]:
    """``trialkit args`` started (``memory``: an address-space limit in bytes)."""
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}
    return subprocess.Popen(
        [str(TRIALKIT), *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        preexec_fn=_child_setup(memory),
        env=env,
        cwd=cwd,
    )


def finish(process: subprocess.Popen[bytes], timeout: float = 60) -> Done:
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"trialkit did not finish within {timeout} s (a hang)")
    return Done(
        process.returncode, (out or b"").decode(errors="replace"), err.decode(errors="replace")
    )


def trialkit(
    *args: str | Path, timeout: float = 60, memory: int | None = None, cwd: Path | None = None
) -> Done:
    """Run ``trialkit args`` to its end."""
    return finish(start(args, memory=memory, cwd=cwd), timeout)


def in_process(*args: str | Path) -> Done:
    """``trialkit args`` run to its end by :func:`trialkit.cli.run` in this process.

    The console script's ``main`` is ``sys.exit(run())``: the exit code, stdout
    and stderr are the ones a subprocess would give, save what only a process
    shows (signals, file descriptors, limits; :func:`trialkit` runs those). A
    traceback cannot reach stderr here: an escaping exception fails the test.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run([str(a) for a in args])
    return Done(code, out.getvalue(), err.getvalue())


def catches_sigterm(process: subprocess.Popen[bytes]) -> bool:
    """Whether the process has a handler for SIGTERM yet (Linux: the SigCgt mask of /proc)."""
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
    except OSError:
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(mask, 16) >> (signal.SIGTERM - 1) & 1)


def wait_for(
    condition: Callable[[], bool], process: subprocess.Popen[bytes], timeout: float = 60
) -> None:
    """Poll ``condition`` until true; fail if the process ends or time runs out first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            _out, err = process.communicate()
            pytest.fail(
                f"trialkit ended ({process.returncode}) before the signal: {err.decode()[-800:]}"
            )
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the condition to send the signal never came")
        time.sleep(0.02)


def bundle(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def eligible() -> dict[str, Any]:
    """A fresh copy of the packaged r-hlh-eligible bundle, to spoil."""
    return example("r-hlh-eligible")


def resources(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == kind]


def refused(result: subprocess.CompletedProcess[str], *phrases: str) -> str:
    """The stderr of a run that refused its input: exit 2, one error line holding ``phrases``."""
    err = result.stderr
    assert result.returncode == 2, (result.returncode, err[-2000:])
    assert err.count("\n") == 1 and err.startswith("trialkit: error: "), err[-2000:]
    for phrase in phrases:
        assert phrase in err, (phrase, err)
    return err
