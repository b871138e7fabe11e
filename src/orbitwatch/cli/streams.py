"""The standard streams of a real `orbit` process, made safe before anything runs.

A closed descriptor (`>&-`, `2>&-`) is reopened on /dev/null, so no file orbit opens later
becomes fd 1 or 2 by accident; a closed stdout still fails every write (exit 74, as a full
disk or a broken pipe does), while stderr, which only carries diagnostics, never changes the
exit status: a message that cannot be written is dropped.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from typing import Any


class ClosedOutput(io.TextIOBase):
    """stdout when descriptor 1 was closed: every write fails as a write to it would."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text: str) -> int:
        if not text:
            return 0
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return 1  # /dev/null since guard_streams: a size query or a dup finds something sane

    @property
    def buffer(self) -> ClosedBytes:
        return ClosedBytes()


class ClosedBytes(io.RawIOBase):
    """The binary side of ClosedOutput (the digest writes bytes)."""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if not len(data):
            return 0
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


class ForgivingErrors:
    """stderr that drops what it cannot write (full, closed, a broken pipe) and, once a write
    failed, points descriptor 2 at /dev/null so the interpreter's last flush is quiet too."""

    def __init__(self, stream: Any):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return int(self._stream.write(text))
        except (OSError, ValueError):
            self._silence()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError):
            self._silence()

    def _silence(self) -> None:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except OSError:
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_streams() -> None:
    """Reopen closed descriptors 0-2 on /dev/null; stdout None becomes ClosedOutput, stderr
    None a stream on /dev/null; stderr never raises (ForgivingErrors)."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)
    if sys.stdout is None:
        sys.stdout = ClosedOutput()
    if sys.stderr is None:
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
    if not isinstance(sys.stderr, ForgivingErrors):
        sys.stderr = ForgivingErrors(sys.stderr)


def output_failed(exc: OSError) -> int:
    """A write to stdout failed outside a command (help, version, the last flush): 74."""
    from orbitwatch.cli.common import say_error, silence_stdout
    from orbitwatch.cli.status import ExitStatus

    silence_stdout()
    if exc.errno != errno.EPIPE:
        say_error(f"cannot write output: {exc.strerror or exc}")
    return int(ExitStatus.OUTPUT_FAILED)
