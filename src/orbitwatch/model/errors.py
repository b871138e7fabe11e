"""Located data problems, the one fatal error type, and the exit statuses of every command.

No printing and no click here: cli.py turns these values into messages and exit codes.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


class ExitStatus(enum.IntEnum):
    OK = 0
    YES = 1  # the command's 'yes': problems found, differences, --fail-on hit
    TROUBLE = 2  # usage errors, or some input could not be used
    OUTPUT_FAILED = 74  # EX_IOERR: output or delivery failed
    BUSY = 75  # EX_TEMPFAIL: another run holds the lock
    INTERNAL = 70  # EX_SOFTWARE: a bug in orbitwatch
    STATE_UNUSABLE = 78  # EX_CONFIG: the state file cannot be used
    INTERRUPTED = 130  # 128 + SIGINT
    TERMINATED = 143  # 128 + SIGTERM


class Problem(NamedTuple):
    """A data problem located in a file: renders as `path:line:col: error: message`.

    A NamedTuple rather than a dataclass: `orbit --version` imports this module, and the
    dataclasses module is a measurable share of a 50 ms start."""

    path: str
    line: int
    col: int
    message: str
    severity: str = "error"
    hint: str = ""
    field: str = ""  # the key the problem is about, when there is one

    def render(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "message": self.message,
        }


class OrbitError(Exception):
    """A fatal condition (no timeline, bad query, bad git revision, unusable state)."""

    def __init__(self, message: str, status: ExitStatus = ExitStatus.TROUBLE, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.hint = hint


class UsageError(OrbitError):
    """Bad command-line input (a query term, a date): exit 2."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message, ExitStatus.TROUBLE, hint)


def did_you_mean(word: str, choices: object) -> str:
    """' (did you mean 'x'?)' for the closest choice, or ''."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)  # type: ignore[call-overload]
    return f" (did you mean '{close[0]}'?)" if close else ""
