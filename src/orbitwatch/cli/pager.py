"""The pager: terminal output taller than the screen goes through $PAGER (default `less -R`).

As git and gh do: only when stdout is a terminal, never when piped; `--no-pager` turns it off.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

# The commands whose terminal output can run long; the others (add --edit, digest) never page.
PAGED = frozenset({"list", "show", "timeline", "signals", "alerts", "diff", "history", "eval"})
DEFAULT_PAGER = "less -R"


class ScreenBuffer(io.StringIO):
    """Collects what a command writes while still looking like the terminal it replaces, so the
    command draws the same tables (isatty, fileno for the width, the encoding)."""

    def __init__(self, real: TextIO):
        super().__init__()
        self.real = real

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.real.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.real.encoding or "utf-8"


@contextmanager
def paging(enabled: bool) -> Iterator[None]:
    """Buffer stdout while the command runs; then page it if it is taller than the screen."""
    real = sys.stdout
    if not enabled or not _is_terminal(real):
        yield
        return
    buffer = ScreenBuffer(real)
    sys.stdout = buffer
    try:
        yield
    finally:
        sys.stdout = real
        show(buffer.getvalue(), real)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def show(text: str, real: TextIO) -> None:
    """Write the text, through the pager when it has more lines than the terminal."""
    command = os.environ.get("PAGER", DEFAULT_PAGER).strip()
    import shutil  # deferred: 3 ms of every start, needed only before paging

    rows = shutil.get_terminal_size().lines
    if not text or text.count("\n") < rows or command in ("", "cat"):
        real.write(text)
        real.flush()
        return
    if not run_pager(command, text, real):
        real.write(text)
        real.flush()


def run_pager(command: str, text: str, real: TextIO) -> bool:
    """Hand the text to the pager (no shell); False when it cannot be started."""
    import shlex
    import signal
    import subprocess

    environ = dict(os.environ)
    environ.setdefault("LESS", "FRX")  # as git: quit if one screen, keep colours, no clearing
    try:
        pager = subprocess.Popen(shlex.split(command), stdin=subprocess.PIPE, env=environ)
    except (OSError, ValueError):
        return False
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C belongs to the pager
    try:
        assert pager.stdin is not None
        try:
            pager.stdin.write(text.encode(real.encoding or "utf-8", "backslashreplace"))
            pager.stdin.close()
        except BrokenPipeError:
            pass  # the reader quit early: not an error
        pager.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return True
