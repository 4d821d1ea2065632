"""Reading an input file: a regular file, of bounded size, never a device or a pipe.

``scores /dev/zero`` read until memory ran out; ``scores`` on a FIFO waited for a
writer forever. A file is opened without blocking, checked to be a regular file
no larger than the caller's limit, and read whole.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from trialkit.errors import TrialkitInputError

__all__ = ["read_regular"]


def read_regular(path: Path, limit: int, error: type[TrialkitInputError]) -> bytes:
    """The bytes of ``path``; ``error`` naming the file when it is not a regular file of ``limit`` bytes at most."""
    try:
        # O_NONBLOCK: opening a FIFO does not wait for a writer (it is refused below).
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as failure:
        raise error(f"{path}: cannot read the file: {failure.strerror}") from None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        os.close(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{path}: not a regular file ({_kind(info.st_mode)}); give a file")
        raise _too_large(path, limit, error)
    with os.fdopen(descriptor, "rb") as file:
        data = file.read(limit + 1)  # the file may have grown since
    if len(data) > limit:
        raise _too_large(path, limit, error)
    return data


def _too_large(path: Path, limit: int, error: type[TrialkitInputError]) -> TrialkitInputError:
    return error(f"{path}: larger than {limit // 2**20} MiB, the most trialkit reads")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"
