"""Located data problems and the fatal error types the core raises.

No printing, no click and no exit statuses here: cli/status.py maps these errors to them.
"""

from __future__ import annotations

from typing import NamedTuple


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
    """A fatal condition (no timeline, bad query, bad git revision): trouble, exit 2.

    The subclasses below say what else went wrong; cli/status.py maps each kind to an exit
    status (the core never picks one)."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(OrbitError):
    """Bad command-line input (a query term, a date)."""


class OutputFailed(OrbitError):
    """Output or delivery failed: a full disk, a failing device, a delivery command that failed."""


class LockBusy(OrbitError):
    """Another run holds the lock (of the digest state, silences.toml or a feed store)."""


class Unusable(OrbitError):
    """A file orbit keeps cannot be trusted or used (the digest state, a store's manifest)."""


def did_you_mean(word: str, choices: object) -> str:
    """' (did you mean 'x'?)' for the closest choice, or ''."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)  # type: ignore[call-overload]
    return f" (did you mean '{close[0]}'?)" if close else ""
